//! The backend-independent half of the workspace store: a build's tree flattened into table rows
//! for insertion, rows assembled back into the tree, and the JSON columns' encoding.

use crate::common::{ErrCtx, corrupt};
use crate::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// SQLite names the index or the columns in its message, PostgreSQL the constraint.
pub(crate) const WORKSPACE_ERRORS: ErrCtx = ErrCtx::new("workspace", "workspace owner")
    .with(&[("owner_name_lower_key", "workspace name"), ("token_hash", "agent token")]);

// --- flattening --------------------------------------------------------------------------------

/// One agent row: `parent` is set for a devcontainer's sub-agent.
pub(crate) struct AgentRow<'a> {
    pub resource_id: Uuid,
    pub parent: Option<Uuid>,
    pub ordinal: i32,
    pub agent: &'a WorkspaceAgent,
}

pub(crate) struct ChildRow<'a, T> {
    pub agent_id: Uuid,
    pub ordinal: i32,
    pub item: &'a T,
}

/// A build's rows in an order that satisfies every foreign key: parents before sub-agents,
/// sub-agents before the devcontainers that point at them.
#[derive(Default)]
pub(crate) struct FlatBuild<'a> {
    pub resources: Vec<(i32, &'a WorkspaceResource)>,
    pub agents: Vec<AgentRow<'a>>,
    pub apps: Vec<ChildRow<'a, WorkspaceApp>>,
    pub scripts: Vec<ChildRow<'a, AgentScript>>,
    pub envs: Vec<ChildRow<'a, AgentEnv>>,
    pub devcontainers: Vec<ChildRow<'a, Devcontainer>>,
}

pub(crate) fn flatten(build: &WorkspaceBuild) -> StoreResult<FlatBuild<'_>> {
    let mut flat = FlatBuild::default();
    for (i, resource) in build.resources.iter().enumerate() {
        flat.resources.push((ordinal(i)?, resource));
        for (j, agent) in resource.agents.iter().enumerate() {
            flat.push_agent(resource.id, None, ordinal(j)?, agent)?;
        }
    }
    for resource in &build.resources {
        for agent in &resource.agents {
            for (k, dc) in agent.devcontainers.iter().enumerate() {
                if let Some(sub) = dc.subagent.as_deref() {
                    flat.push_agent(resource.id, Some(agent.id), 0, sub)?;
                }
                flat.devcontainers.push(ChildRow {
                    agent_id: agent.id,
                    ordinal: ordinal(k)?,
                    item: dc,
                });
            }
        }
    }
    Ok(flat)
}

impl<'a> FlatBuild<'a> {
    fn push_agent(
        &mut self,
        resource_id: Uuid,
        parent: Option<Uuid>,
        ordinal_: i32,
        agent: &'a WorkspaceAgent,
    ) -> StoreResult<()> {
        self.agents.push(AgentRow { resource_id, parent, ordinal: ordinal_, agent });
        let id = agent.id;
        for (i, item) in agent.apps.iter().enumerate() {
            self.apps.push(ChildRow { agent_id: id, ordinal: ordinal(i)?, item });
        }
        for (i, item) in agent.scripts.iter().enumerate() {
            self.scripts.push(ChildRow { agent_id: id, ordinal: ordinal(i)?, item });
        }
        for (i, item) in agent.extra_envs.iter().enumerate() {
            self.envs.push(ChildRow { agent_id: id, ordinal: ordinal(i)?, item });
        }
        Ok(())
    }
}

fn ordinal(i: usize) -> StoreResult<i32> {
    i32::try_from(i).map_err(|_| StoreError::Invalid("too many items in one list".to_owned()))
}

// --- assembling --------------------------------------------------------------------------------

/// Rows as loaded, each list ordered by its parent's position and then its own ordinal.
#[derive(Default)]
pub(crate) struct LoadedBuild {
    pub resources: Vec<WorkspaceResource>,
    /// `(resource id, parent agent id, agent)`; the agent's lists are still empty.
    pub agents: Vec<(Uuid, Option<Uuid>, WorkspaceAgent)>,
    pub apps: Vec<(Uuid, WorkspaceApp)>,
    pub scripts: Vec<(Uuid, AgentScript)>,
    pub envs: Vec<(Uuid, AgentEnv)>,
    /// `(agent id, sub-agent id, devcontainer)`; the devcontainer's sub-agent is still `None`.
    pub devcontainers: Vec<(Uuid, Option<Uuid>, Devcontainer)>,
}

/// Puts the rows back into their tree. Rows whose parent is missing are dropped.
pub(crate) fn assemble(loaded: LoadedBuild) -> Vec<WorkspaceResource> {
    let LoadedBuild { mut resources, agents, apps, scripts, envs, devcontainers } = loaded;
    let mut top_level = Vec::new();
    let mut by_id: HashMap<Uuid, WorkspaceAgent> = HashMap::new();
    for (resource_id, parent, agent) in agents {
        if parent.is_none() {
            top_level.push((resource_id, agent.id));
        }
        by_id.insert(agent.id, agent);
    }
    for (agent_id, app) in apps {
        by_id.entry(agent_id).and_modify(|a| a.apps.push(app));
    }
    for (agent_id, script) in scripts {
        by_id.entry(agent_id).and_modify(|a| a.scripts.push(script));
    }
    for (agent_id, env) in envs {
        by_id.entry(agent_id).and_modify(|a| a.extra_envs.push(env));
    }
    for (agent_id, subagent_id, mut dc) in devcontainers {
        dc.subagent = subagent_id.and_then(|id| by_id.remove(&id)).map(Box::new);
        by_id.entry(agent_id).and_modify(|a| a.devcontainers.push(dc));
    }
    let index: HashMap<Uuid, usize> =
        resources.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for (resource_id, agent_id) in top_level {
        if let (Some(i), Some(agent)) = (index.get(&resource_id), by_id.remove(&agent_id)) {
            resources[*i].agents.push(agent);
        }
    }
    resources
}

/// The agent with `id` in a build (sub-agents included), and its parent's id.
pub(crate) fn find_agent(
    build: &WorkspaceBuild,
    id: Uuid,
) -> Option<(WorkspaceAgent, Option<Uuid>)> {
    build.agents().into_iter().find(|(a, _)| a.id == id).map(|(a, parent)| (a.clone(), parent))
}

// --- column encodings --------------------------------------------------------------------------

pub(crate) fn auth_columns(auth: &AgentAuth) -> (&'static str, Option<&str>, Option<&str>) {
    match auth {
        AgentAuth::Token(hash) => ("token", hash.as_ref().map(TokenHash::as_str), None),
        AgentAuth::InstanceId(id) => ("instance_id", None, Some(id.as_str())),
    }
}

pub(crate) fn parse_auth(
    method: &str,
    hash: Option<String>,
    instance: Option<String>,
) -> StoreResult<AgentAuth> {
    match method {
        "token" => Ok(AgentAuth::Token(hash.map(TokenHash::new))),
        "instance_id" => Ok(AgentAuth::InstanceId(instance.unwrap_or_default())),
        other => Err(corrupt("agent auth method", other)),
    }
}

pub(crate) fn parse_transition(s: &str) -> StoreResult<BuildTransition> {
    match s {
        "start" => Ok(BuildTransition::Start),
        "stop" => Ok(BuildTransition::Stop),
        "delete" => Ok(BuildTransition::Delete),
        other => Err(corrupt("build transition", other)),
    }
}

pub(crate) fn parse_document(s: &str) -> StoreResult<TerraformDocument> {
    match s {
        "state" => Ok(TerraformDocument::State),
        "plan" => Ok(TerraformDocument::Plan),
        other => Err(corrupt("terraform document", other)),
    }
}

pub(crate) fn parse_sharing(s: &str) -> StoreResult<AppSharingLevel> {
    match s {
        "owner" => Ok(AppSharingLevel::Owner),
        "authenticated" => Ok(AppSharingLevel::Authenticated),
        "public" => Ok(AppSharingLevel::Public),
        other => Err(corrupt("app sharing level", other)),
    }
}

pub(crate) fn parse_open_in(s: &str) -> StoreResult<AppOpenIn> {
    match s {
        "slim-window" => Ok(AppOpenIn::SlimWindow),
        "tab" => Ok(AppOpenIn::Tab),
        other => Err(corrupt("app open_in", other)),
    }
}

pub(crate) fn healthcheck(
    url: Option<String>,
    interval: i32,
    threshold: i32,
) -> Option<AppHealthcheck> {
    url.map(|url| AppHealthcheck { url, interval, threshold })
}

fn encode<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Invalid(format!("value cannot be stored as JSON: {e}")))
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|_| corrupt(what, text))
}

#[derive(Serialize, Deserialize)]
struct MetadataItemJson {
    key: String,
    value: String,
    sensitive: bool,
    is_null: bool,
}

pub(crate) fn resource_metadata_json(items: &[ResourceMetadataItem]) -> StoreResult<String> {
    let items: Vec<_> = items
        .iter()
        .map(|m| MetadataItemJson {
            key: m.key.clone(),
            value: m.value.clone(),
            sensitive: m.sensitive,
            is_null: m.is_null,
        })
        .collect();
    encode(&items)
}

pub(crate) fn parse_resource_metadata(text: &str) -> StoreResult<Vec<ResourceMetadataItem>> {
    let items: Vec<MetadataItemJson> = decode("resource metadata", text)?;
    Ok(items
        .into_iter()
        .map(|m| ResourceMetadataItem {
            key: m.key,
            value: m.value,
            sensitive: m.sensitive,
            is_null: m.is_null,
        })
        .collect())
}

pub(crate) fn env_json(env: &BTreeMap<String, String>) -> StoreResult<String> {
    encode(env)
}

pub(crate) fn parse_env(text: &str) -> StoreResult<BTreeMap<String, String>> {
    decode("agent env", text)
}

#[derive(Serialize, Deserialize)]
struct DisplayAppsJson {
    vscode: bool,
    vscode_insiders: bool,
    web_terminal: bool,
    ssh_helper: bool,
    port_forwarding_helper: bool,
}

pub(crate) fn display_apps_json(d: &DisplayApps) -> StoreResult<String> {
    encode(&DisplayAppsJson {
        vscode: d.vscode,
        vscode_insiders: d.vscode_insiders,
        web_terminal: d.web_terminal,
        ssh_helper: d.ssh_helper,
        port_forwarding_helper: d.port_forwarding_helper,
    })
}

pub(crate) fn parse_display_apps(text: &str) -> StoreResult<DisplayApps> {
    let d: DisplayAppsJson = decode("display apps", text)?;
    Ok(DisplayApps {
        vscode: d.vscode,
        vscode_insiders: d.vscode_insiders,
        web_terminal: d.web_terminal,
        ssh_helper: d.ssh_helper,
        port_forwarding_helper: d.port_forwarding_helper,
    })
}

#[derive(Serialize, Deserialize)]
struct AgentMetadataJson {
    key: String,
    display_name: String,
    script: String,
    interval: i64,
    timeout: i64,
    order: i64,
}

pub(crate) fn agent_metadata_json(items: &[AgentMetadataItem]) -> StoreResult<String> {
    let items: Vec<_> = items
        .iter()
        .map(|m| AgentMetadataJson {
            key: m.key.clone(),
            display_name: m.display_name.clone(),
            script: m.script.clone(),
            interval: m.interval,
            timeout: m.timeout,
            order: m.order,
        })
        .collect();
    encode(&items)
}

pub(crate) fn parse_agent_metadata(text: &str) -> StoreResult<Vec<AgentMetadataItem>> {
    let items: Vec<AgentMetadataJson> = decode("agent metadata", text)?;
    Ok(items
        .into_iter()
        .map(|m| AgentMetadataItem {
            key: m.key,
            display_name: m.display_name,
            script: m.script,
            interval: m.interval,
            timeout: m.timeout,
            order: m.order,
        })
        .collect())
}

#[derive(Serialize, Deserialize)]
struct MonitorJson {
    path: String,
    enabled: bool,
    threshold: i32,
}

#[derive(Serialize, Deserialize)]
struct MonitoringJson {
    memory: Option<MonitorJson>,
    volumes: Vec<MonitorJson>,
}

pub(crate) fn monitoring_json(m: &ResourcesMonitoring) -> StoreResult<String> {
    let memory = m.memory.map(|mem| MonitorJson {
        path: String::new(),
        enabled: mem.enabled,
        threshold: mem.threshold,
    });
    let volumes = m
        .volumes
        .iter()
        .map(|v| MonitorJson { path: v.path.clone(), enabled: v.enabled, threshold: v.threshold })
        .collect();
    encode(&MonitoringJson { memory, volumes })
}

pub(crate) fn parse_monitoring(text: &str) -> StoreResult<ResourcesMonitoring> {
    let m: MonitoringJson = decode("resources monitoring", text)?;
    Ok(ResourcesMonitoring {
        memory: m
            .memory
            .map(|mem| MemoryMonitor { enabled: mem.enabled, threshold: mem.threshold }),
        volumes: m
            .volumes
            .into_iter()
            .map(|v| VolumeMonitor { path: v.path, enabled: v.enabled, threshold: v.threshold })
            .collect(),
    })
}
