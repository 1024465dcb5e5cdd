//! A Terraform conversion turned into the build the store keeps, with the rules Coder's
//! provisioner server applies when it inserts a build (`InsertWorkspaceResource`): agent tokens
//! must be UUIDs and only their SHA-256 is kept, `coder_env` values merge by their strategy
//! (a duplicate under `error` fails the build), and a devcontainer with apps, scripts or envs
//! gets a pre-created sub-agent that inherits its parent's platform.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use tollgate_store::{self as store, AgentAuth, TokenHash};
use tollgate_terraform::model as tf;
use tollgate_terraform::{Conversion, DocumentKind, go_quote};
use uuid::Uuid;

/// The stored hash of an agent token: SHA-256 of its canonical (lowercase, hyphenated) form.
/// `None` when `raw` is not a UUID, which no agent token can be.
pub fn agent_token_hash(raw: &str) -> Option<TokenHash> {
    let token = Uuid::parse_str(raw.trim()).ok()?;
    Some(TokenHash::new(hex::encode(Sha256::digest(token.to_string().as_bytes()))))
}

/// The build a conversion describes, or why Coder would refuse to insert it (a 400's detail).
pub fn build(conversion: &Conversion, now: store::Time) -> Result<store::WorkspaceBuild, String> {
    let mut tokens = TokenOwners::default();
    let mut resources = Vec::with_capacity(conversion.state.resources.len());
    for resource in &conversion.state.resources {
        resources.push(resource_of(resource, &mut tokens)?);
    }
    Ok(store::WorkspaceBuild {
        id: Uuid::new_v4(),
        build_number: 1,
        transition: store::BuildTransition::Start,
        document: match conversion.kind {
            DocumentKind::State => store::TerraformDocument::State,
            DocumentKind::Plan => store::TerraformDocument::Plan,
        },
        has_ai_task: conversion.state.has_ai_tasks,
        has_external_agent: conversion.state.has_external_agents,
        created_at: now,
        resources,
    })
}

/// Which agent holds which token. Every instance of a counted host shares its agents (a
/// conversion quirk kept from Coder), so one agent can appear several times: only its first
/// copy keeps the token, since a token must name exactly one agent.
#[derive(Default)]
struct TokenOwners(HashMap<String, String>);

impl TokenOwners {
    fn auth(&mut self, agent: &tf::Agent) -> Result<AgentAuth, String> {
        let token = match &agent.auth {
            tf::Auth::InstanceId(id) => return Ok(AgentAuth::InstanceId(id.clone())),
            tf::Auth::Token(token) if token.is_empty() => return Ok(AgentAuth::Token(None)),
            tf::Auth::Token(token) => token,
        };
        // The token itself never goes into a message.
        let hash = agent_token_hash(token).ok_or_else(|| {
            format!("agent {}: invalid auth token format; must be uuid", go_quote(&agent.name))
        })?;
        match self.0.get(hash.as_str()) {
            None => {
                self.0.insert(hash.as_str().to_owned(), agent.id.clone());
                Ok(AgentAuth::Token(Some(hash)))
            }
            Some(owner) if *owner == agent.id => Ok(AgentAuth::Token(None)),
            Some(_) => Err(format!("agent {} reuses another agent's token", go_quote(&agent.name))),
        }
    }
}

fn resource_of(
    r: &tf::Resource,
    tokens: &mut TokenOwners,
) -> Result<store::WorkspaceResource, String> {
    let mut agents = Vec::with_capacity(r.agents.len());
    for agent in &r.agents {
        agents.push(agent_of(agent, tokens)?);
    }
    Ok(store::WorkspaceResource {
        id: Uuid::new_v4(),
        address: r.address.clone(),
        name: r.name.clone(),
        resource_type: r.type_.clone(),
        module_path: r.module_path.clone(),
        instance_type: r.instance_type.clone(),
        hide: r.hide,
        icon: r.icon.clone(),
        daily_cost: r.daily_cost,
        metadata: r
            .metadata
            .iter()
            .map(|m| store::ResourceMetadataItem {
                key: m.key.clone(),
                value: m.value.clone(),
                sensitive: m.sensitive,
                is_null: m.is_null,
            })
            .collect(),
        agents,
    })
}

fn agent_of(a: &tf::Agent, tokens: &mut TokenOwners) -> Result<store::WorkspaceAgent, String> {
    let mut agent = store::WorkspaceAgent {
        id: Uuid::new_v4(),
        terraform_id: a.id.clone(),
        name: a.name.clone(),
        auth: tokens.auth(a)?,
        operating_system: a.operating_system.clone(),
        architecture: a.architecture.clone(),
        directory: a.directory.clone(),
        env: a.env.clone(),
        connection_timeout_seconds: a.connection_timeout_seconds,
        troubleshooting_url: a.troubleshooting_url.clone(),
        motd_file: a.motd_file.clone(),
        display_apps: display_apps(&a.display_apps),
        metadata: a.metadata.iter().map(agent_metadata).collect(),
        resources_monitoring: monitoring(&a.resources_monitoring),
        api_key_scope: a.api_key_scope.clone(),
        order: a.order,
        scripts: a.scripts.iter().map(script).collect(),
        extra_envs: a.extra_envs.iter().map(env).collect(),
        apps: a.apps.iter().map(app).collect(),
        devcontainers: Vec::new(),
    };
    check_env(&agent)?;
    for dc in &a.devcontainers {
        let devcontainer = devcontainer(dc, &agent);
        if let Some(sub) = &devcontainer.subagent {
            check_env(sub)?;
        }
        agent.devcontainers.push(devcontainer);
    }
    Ok(agent)
}

fn check_env(agent: &store::WorkspaceAgent) -> Result<(), String> {
    match merge_env(agent).1 {
        Some(err) => Err(format!("agent {}: {err}", go_quote(&agent.name))),
        None => Ok(()),
    }
}

/// Coder pre-creates a sub-agent only for a devcontainer with apps, scripts or envs; it runs on
/// its parent's platform in the workspace folder, with no token of its own.
fn devcontainer(dc: &tf::Devcontainer, parent: &store::WorkspaceAgent) -> store::Devcontainer {
    let has_children = !(dc.apps.is_empty() && dc.scripts.is_empty() && dc.envs.is_empty());
    let subagent = has_children.then(|| store::WorkspaceAgent {
        id: Uuid::new_v4(),
        terraform_id: dc.subagent_id.clone(),
        name: dc.name.clone(),
        auth: AgentAuth::Token(None),
        operating_system: parent.operating_system.clone(),
        architecture: parent.architecture.clone(),
        directory: dc.workspace_folder.clone(),
        env: BTreeMap::new(),
        connection_timeout_seconds: parent.connection_timeout_seconds,
        troubleshooting_url: parent.troubleshooting_url.clone(),
        motd_file: String::new(),
        display_apps: store::DisplayApps::default(),
        metadata: Vec::new(),
        resources_monitoring: store::ResourcesMonitoring::default(),
        api_key_scope: parent.api_key_scope.clone(),
        order: 0,
        scripts: dc.scripts.iter().map(script).collect(),
        extra_envs: dc.envs.iter().map(env).collect(),
        apps: dc.apps.iter().map(app).collect(),
        devcontainers: Vec::new(),
    });
    store::Devcontainer {
        id: Uuid::new_v4(),
        terraform_id: dc.id.clone(),
        terraform_subagent_id: dc.subagent_id.clone(),
        name: dc.name.clone(),
        workspace_folder: dc.workspace_folder.clone(),
        config_path: dc.config_path.clone(),
        subagent: subagent.map(Box::new),
    }
}

/// The agent's environment as Coder computes it (`MergeExtraEnvs`, then the agent's own `env`
/// wins): `replace` (or empty, or unknown) overwrites, `append`/`prepend` join with `:`, `error`
/// refuses a name already set. Returns the result (an `error` duplicate keeps the first value)
/// and the first refusal, in Coder's words.
pub fn merge_env(agent: &store::WorkspaceAgent) -> (BTreeMap<String, String>, Option<String>) {
    let mut env = BTreeMap::new();
    let mut refusal = None;
    for e in &agent.extra_envs {
        let existing = env.get(&e.name).filter(|v: &&String| !v.is_empty());
        let value = match e.merge_strategy.as_str() {
            "error" if env.contains_key(&e.name) => {
                refusal.get_or_insert_with(|| {
                    format!(
                        "duplicate env var {}: merge_strategy is \"error\" but variable is already defined",
                        go_quote(&e.name)
                    )
                });
                continue;
            }
            "append" => {
                existing.map_or_else(|| e.value.clone(), |old| format!("{old}:{}", e.value))
            }
            "prepend" => {
                existing.map_or_else(|| e.value.clone(), |old| format!("{}:{old}", e.value))
            }
            _ => e.value.clone(),
        };
        env.insert(e.name.clone(), value);
    }
    env.extend(agent.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    (env, refusal)
}

fn display_apps(d: &tf::DisplayApps) -> store::DisplayApps {
    store::DisplayApps {
        vscode: d.vscode,
        vscode_insiders: d.vscode_insiders,
        web_terminal: d.web_terminal,
        ssh_helper: d.ssh_helper,
        port_forwarding_helper: d.port_forwarding_helper,
    }
}

fn agent_metadata(m: &tf::AgentMetadata) -> store::AgentMetadataItem {
    store::AgentMetadataItem {
        key: m.key.clone(),
        display_name: m.display_name.clone(),
        script: m.script.clone(),
        interval: m.interval,
        timeout: m.timeout,
        order: m.order,
    }
}

fn monitoring(m: &tf::ResourcesMonitoring) -> store::ResourcesMonitoring {
    store::ResourcesMonitoring {
        memory: m
            .memory
            .as_ref()
            .map(|mem| store::MemoryMonitor { enabled: mem.enabled, threshold: mem.threshold }),
        volumes: m
            .volumes
            .iter()
            .map(|v| store::VolumeMonitor {
                path: v.path.clone(),
                enabled: v.enabled,
                threshold: v.threshold,
            })
            .collect(),
    }
}

fn script(s: &tf::Script) -> store::AgentScript {
    store::AgentScript {
        id: Uuid::new_v4(),
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

fn env(e: &tf::Env) -> store::AgentEnv {
    store::AgentEnv {
        name: e.name.clone(),
        value: e.value.clone(),
        merge_strategy: e.merge_strategy.clone(),
    }
}

fn app(a: &tf::App) -> store::WorkspaceApp {
    store::WorkspaceApp {
        id: Uuid::new_v4(),
        terraform_id: a.id.clone(),
        slug: a.slug.clone(),
        display_name: a.display_name.clone(),
        command: a.command.clone(),
        url: a.url.clone(),
        icon: a.icon.clone(),
        group: a.group.clone(),
        tooltip: a.tooltip.clone(),
        order: a.order,
        subdomain: a.subdomain,
        external: a.external,
        hidden: a.hidden,
        sharing_level: match a.sharing_level {
            tf::SharingLevel::Owner => store::AppSharingLevel::Owner,
            tf::SharingLevel::Authenticated => store::AppSharingLevel::Authenticated,
            tf::SharingLevel::Public => store::AppSharingLevel::Public,
        },
        open_in: match a.open_in {
            tf::OpenIn::Tab => store::AppOpenIn::Tab,
            tf::OpenIn::SlimWindow | tf::OpenIn::Window => store::AppOpenIn::SlimWindow,
        },
        healthcheck: a.healthcheck.as_ref().map(|h| store::AppHealthcheck {
            url: h.url.clone(),
            interval: h.interval,
            threshold: h.threshold,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn agent_with(envs: &[(&str, &str, &str)], own: &[(&str, &str)]) -> store::WorkspaceAgent {
        let mut agent = dummy();
        agent.extra_envs = envs
            .iter()
            .map(|(n, v, s)| store::AgentEnv {
                name: (*n).to_owned(),
                value: (*v).to_owned(),
                merge_strategy: (*s).to_owned(),
            })
            .collect();
        agent.env = own.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        agent
    }

    fn dummy() -> store::WorkspaceAgent {
        agent_of(
            &tf::Agent { name: "a".into(), ..tf::Agent::default() },
            &mut TokenOwners::default(),
        )
        .expect("a plain agent converts")
    }

    fn merged(envs: &[(&str, &str, &str)], own: &[(&str, &str)]) -> (Vec<(String, String)>, bool) {
        let (env, err) = merge_env(&agent_with(envs, own));
        (env.into_iter().collect(), err.is_some())
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    type Envs<'a> = &'a [(&'a str, &'a str, &'a str)];
    type Pairs<'a> = &'a [(&'a str, &'a str)];

    /// Coder's `TestMergeExtraEnvs` table, plus the agent's own `env` winning.
    #[test]
    fn env_merge_follows_coder() {
        let cases: &[(Envs, Pairs, Pairs, bool)] = &[
            (&[], &[], &[], false),
            (&[("FOO", "bar", "")], &[], &[("FOO", "bar")], false),
            (&[("FOO", "old", ""), ("FOO", "new", "replace")], &[], &[("FOO", "new")], false),
            (&[("P", "/usr/bin", ""), ("P", "/c", "append")], &[], &[("P", "/usr/bin:/c")], false),
            (&[("P", "", ""), ("P", "/c", "append")], &[], &[("P", "/c")], false),
            (&[("P", "/usr/bin", ""), ("P", "/c", "prepend")], &[], &[("P", "/c:/usr/bin")], false),
            (&[("P", "/a", "append"), ("P", "/b", "append")], &[], &[("P", "/a:/b")], false),
            (&[("P", "/a", "prepend"), ("P", "/b", "prepend")], &[], &[("P", "/b:/a")], false),
            (&[("P", "/a", "append"), ("P", "/o", "replace")], &[], &[("P", "/o")], false),
            (&[("F", "bar", "error")], &[], &[("F", "bar")], false),
            (&[("F", "x", ""), ("F", "new", "error")], &[], &[("F", "x")], true),
            (&[("F", "x", "")], &[("F", "mine"), ("G", "g")], &[("F", "mine"), ("G", "g")], false),
        ];
        for (envs, own, want, err) in cases {
            assert_eq!(merged(envs, own), (pairs(want), *err), "{envs:?} {own:?}");
        }
    }

    fn hosted(agents: &[tf::Agent]) -> tf::Resource {
        tf::Resource { name: "host".into(), agents: agents.to_vec(), ..Default::default() }
    }

    fn token_agent(id: &str, name: &str, token: &str) -> tf::Agent {
        tf::Agent {
            id: id.into(),
            name: name.into(),
            auth: tf::Auth::Token(token.into()),
            ..Default::default()
        }
    }

    fn conversion(resources: Vec<tf::Resource>) -> Conversion {
        let state = tf::State { resources, ..Default::default() };
        Conversion { kind: DocumentKind::State, state }
    }

    /// Instances of a counted host share their agents: only the first copy keeps the token.
    #[test]
    fn a_shared_agent_keeps_its_token_once() {
        const T: &str = "c95ffdc5-6456-464d-ae10-33126e7a0d6e";
        let main = token_agent("a1", "main", T);
        let built = build(
            &conversion(vec![hosted(std::slice::from_ref(&main)), hosted(&[main])]),
            Utc::now(),
        )
        .expect("builds");
        let auths: Vec<_> = built.resources.iter().map(|r| r.agents[0].auth.clone()).collect();
        assert_eq!(auths, [AgentAuth::Token(agent_token_hash(T)), AgentAuth::Token(None)]);
        let other = token_agent("a2", "other", T);
        let two = vec![hosted(&[token_agent("a1", "main", T)]), hosted(&[other])];
        let err = build(&conversion(two), Utc::now()).expect_err("two agents, one token");
        assert_eq!(err, "agent \"other\" reuses another agent's token");
    }

    #[test]
    fn tokens_must_be_uuids_and_are_hashed_canonically() {
        let upper = agent_token_hash("1C6E3F8A-0000-4000-8000-00000000000A").expect("uuid");
        let lower = agent_token_hash("1c6e3f8a-0000-4000-8000-00000000000a").expect("uuid");
        assert_eq!(upper, lower);
        assert_eq!(upper.as_str().len(), 64);
        assert!(agent_token_hash("not-a-token").is_none());
        let bad = tf::Agent {
            name: "a".into(),
            auth: tf::Auth::Token("nope".into()),
            ..Default::default()
        };
        let err = TokenOwners::default().auth(&bad).expect_err("not a uuid");
        assert!(!err.contains("nope"), "the token reached the message: {err}");
    }
}
