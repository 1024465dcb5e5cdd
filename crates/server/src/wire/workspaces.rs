//! Workspace records → wire types. No agent token or token hash is ever mapped.

use crate::workspace_build::merge_env;
use tollgate_api_types as api;
use tollgate_store as store;

pub fn workspace(w: &store::Workspace) -> api::Workspace {
    api::Workspace {
        id: w.id,
        name: w.name.clone(),
        owner_id: w.owner_id,
        owner_name: w.owner_name.clone(),
        organization_id: w.organization_id,
        created_at: w.created_at,
        updated_at: w.updated_at,
        latest_build: build(w.id, &w.latest_build),
    }
}

pub fn transition(t: store::BuildTransition) -> api::WorkspaceTransition {
    match t {
        store::BuildTransition::Start => api::WorkspaceTransition::Start,
        store::BuildTransition::Stop => api::WorkspaceTransition::Stop,
        store::BuildTransition::Delete => api::WorkspaceTransition::Delete,
    }
}

pub fn build(workspace_id: uuid::Uuid, b: &store::WorkspaceBuild) -> api::WorkspaceBuild {
    api::WorkspaceBuild {
        id: b.id,
        workspace_id,
        build_number: b.build_number,
        transition: transition(b.transition),
        terraform_document: match b.document {
            store::TerraformDocument::State => api::TerraformDocumentKind::State,
            store::TerraformDocument::Plan => api::TerraformDocumentKind::Plan,
        },
        has_ai_task: b.has_ai_task,
        has_external_agent: b.has_external_agent,
        created_at: b.created_at,
        resources: b.resources.iter().map(|r| resource(b, r)).collect(),
        job: None,
    }
}

fn resource(b: &store::WorkspaceBuild, r: &store::WorkspaceResource) -> api::WorkspaceResource {
    api::WorkspaceResource {
        id: r.id,
        created_at: b.created_at,
        workspace_transition: transition(b.transition),
        resource_type: r.resource_type.clone(),
        name: r.name.clone(),
        hide: r.hide,
        icon: r.icon.clone(),
        agents: r.agents.iter().map(|a| agent(r.id, a)).collect(),
        // Coder stores no null items.
        metadata: r
            .metadata
            .iter()
            .filter(|m| !m.is_null)
            .map(|m| api::WorkspaceResourceMetadata {
                key: m.key.clone(),
                value: m.value.clone(),
                sensitive: m.sensitive,
            })
            .collect(),
        daily_cost: r.daily_cost,
    }
}

fn agent(resource_id: uuid::Uuid, a: &store::WorkspaceAgent) -> api::WorkspaceAgent {
    api::WorkspaceAgent {
        id: a.id,
        name: a.name.clone(),
        resource_id,
        instance_id: match &a.auth {
            store::AgentAuth::InstanceId(id) if !id.is_empty() => Some(id.clone()),
            _ => None,
        },
        operating_system: a.operating_system.clone(),
        architecture: a.architecture.clone(),
        directory: a.directory.clone(),
        connection_timeout_seconds: a.connection_timeout_seconds,
        troubleshooting_url: a.troubleshooting_url.clone(),
        motd_file: a.motd_file.clone(),
        display_apps: display_apps(&a.display_apps),
        api_key_scope: api_key_scope(&a.api_key_scope),
        order: a.order,
        apps: a.apps.iter().map(app).collect(),
        scripts: a.scripts.iter().map(script).collect(),
        devcontainers: a.devcontainers.iter().map(devcontainer).collect(),
    }
}

/// Coder keeps `no_user_data` and treats anything else as `all`.
fn api_key_scope(scope: &str) -> String {
    if scope == "no_user_data" { scope.to_owned() } else { "all".to_owned() }
}

/// In Coder's order (`convertDisplayApps`).
fn display_apps(d: &store::DisplayApps) -> Vec<api::DisplayApp> {
    [
        (d.vscode, api::DisplayApp::Vscode),
        (d.vscode_insiders, api::DisplayApp::VscodeInsiders),
        (d.ssh_helper, api::DisplayApp::SshHelper),
        (d.port_forwarding_helper, api::DisplayApp::PortForwardingHelper),
        (d.web_terminal, api::DisplayApp::WebTerminal),
    ]
    .into_iter()
    .filter_map(|(on, app)| on.then_some(app))
    .collect()
}

fn app(a: &store::WorkspaceApp) -> api::WorkspaceApp {
    let healthcheck = a
        .healthcheck
        .as_ref()
        .map_or(api::Healthcheck { url: String::new(), interval: 0, threshold: 0 }, |h| {
            api::Healthcheck { url: h.url.clone(), interval: h.interval, threshold: h.threshold }
        });
    api::WorkspaceApp {
        id: a.id,
        slug: a.slug.clone(),
        display_name: a.display_name.clone(),
        command: a.command.clone(),
        url: a.url.clone(),
        icon: a.icon.clone(),
        external: a.external,
        subdomain: a.subdomain,
        sharing_level: match a.sharing_level {
            store::AppSharingLevel::Owner => api::WorkspaceAppSharingLevel::Owner,
            store::AppSharingLevel::Authenticated => api::WorkspaceAppSharingLevel::Authenticated,
            store::AppSharingLevel::Public => api::WorkspaceAppSharingLevel::Public,
        },
        health: if healthcheck.url.is_empty() {
            api::WorkspaceAppHealth::Disabled
        } else {
            api::WorkspaceAppHealth::Initializing
        },
        healthcheck,
        group: a.group.clone(),
        hidden: a.hidden,
        open_in: match a.open_in {
            store::AppOpenIn::SlimWindow => api::WorkspaceAppOpenIn::SlimWindow,
            store::AppOpenIn::Tab => api::WorkspaceAppOpenIn::Tab,
        },
        tooltip: a.tooltip.clone(),
        order: a.order,
    }
}

fn script(s: &store::AgentScript) -> api::WorkspaceAgentScript {
    api::WorkspaceAgentScript {
        id: s.id,
        display_name: s.display_name.clone(),
        icon: s.icon.clone(),
        script: s.script.clone(),
        cron: s.cron.clone(),
        log_path: s.log_path.clone(),
        run_on_start: s.run_on_start,
        run_on_stop: s.run_on_stop,
        start_blocks_login: s.start_blocks_login,
        timeout_seconds: s.timeout_seconds,
    }
}

fn devcontainer(d: &store::Devcontainer) -> api::WorkspaceAgentDevcontainer {
    api::WorkspaceAgentDevcontainer {
        id: d.id,
        name: d.name.clone(),
        workspace_folder: d.workspace_folder.clone(),
        config_path: d.config_path.clone(),
        agent: d.subagent.as_deref().map(|s| api::WorkspaceSubAgent {
            id: s.id,
            name: s.name.clone(),
            operating_system: s.operating_system.clone(),
            architecture: s.architecture.clone(),
            directory: s.directory.clone(),
            apps: s.apps.iter().map(app).collect(),
            scripts: s.scripts.iter().map(script).collect(),
        }),
    }
}

pub fn manifest(m: &store::AgentManifest) -> api::AgentManifest {
    let a = &m.agent;
    api::AgentManifest {
        agent_id: a.id,
        agent_name: a.name.clone(),
        parent_id: m.parent_agent_id,
        owner_name: m.owner_name.clone(),
        workspace_id: m.workspace_id,
        workspace_name: m.workspace_name.clone(),
        directory: a.directory.clone(),
        motd_file: a.motd_file.clone(),
        // Creation refused a build whose merge fails, so the refusal is always `None` here.
        environment_variables: merge_env(a).0,
        apps: a.apps.iter().map(app).collect(),
        scripts: a.scripts.iter().map(script).collect(),
        metadata: a
            .metadata
            .iter()
            .map(|md| api::WorkspaceAgentMetadataDescription {
                key: md.key.clone(),
                display_name: md.display_name.clone(),
                script: md.script.clone(),
                interval: md.interval,
                timeout: md.timeout,
            })
            .collect(),
        devcontainers: a.devcontainers.iter().map(devcontainer).collect(),
        display_apps: display_apps(&a.display_apps),
    }
}
