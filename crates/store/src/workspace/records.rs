//! Workspaces and what a build provisioned: resources, agents (with their apps, scripts, envs and
//! devcontainers, whose pre-created sub-agents are agents too). The tree mirrors the Terraform
//! conversion (`tollgate_terraform`), so a stored build shows later exactly what it converted.

use crate::Time;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A workspace to create, with its first build.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkspace {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub created_at: Time,
    pub build: WorkspaceBuild,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub organization_id: Uuid,
    pub name: String,
    pub created_at: Time,
    pub updated_at: Time,
    pub latest_build: WorkspaceBuild,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildTransition {
    Start,
    Stop,
    Delete,
}

impl BuildTransition {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildTransition::Start => "start",
            BuildTransition::Stop => "stop",
            BuildTransition::Delete => "delete",
        }
    }
}

/// Which `terraform show -json` document a build was converted from. A plan knows no agent
/// tokens, so its agents cannot authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerraformDocument {
    State,
    Plan,
}

impl TerraformDocument {
    pub fn as_str(self) -> &'static str {
        match self {
            TerraformDocument::State => "state",
            TerraformDocument::Plan => "plan",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceBuild {
    pub id: Uuid,
    pub build_number: i32,
    pub transition: BuildTransition,
    pub document: TerraformDocument,
    pub has_ai_task: bool,
    pub has_external_agent: bool,
    pub created_at: Time,
    /// In conversion order (by Terraform address).
    pub resources: Vec<WorkspaceResource>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceResource {
    pub id: Uuid,
    /// The Terraform address, e.g. `module.m.null_resource.dev[0]`.
    pub address: String,
    pub name: String,
    pub resource_type: String,
    pub module_path: String,
    pub instance_type: String,
    pub hide: bool,
    pub icon: String,
    pub daily_cost: i32,
    /// Every `coder_metadata` item, null ones included (the API leaves those out, as Coder does).
    pub metadata: Vec<ResourceMetadataItem>,
    pub agents: Vec<WorkspaceAgent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMetadataItem {
    pub key: String,
    pub value: String,
    pub sensitive: bool,
    pub is_null: bool,
}

/// The hex SHA-256 of an agent token. Its `Debug` is redacted so that it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn new(hex_sha256: impl Into<String>) -> Self {
        TokenHash(hex_sha256.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(***)")
    }
}

/// How an agent proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentAuth {
    /// A token; only its hash is stored. `None`: no usable token (a plan's agent, a sub-agent),
    /// so the agent cannot authenticate.
    Token(Option<TokenHash>),
    /// A cloud instance identity (possibly still empty in a plan).
    InstanceId(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceAgent {
    pub id: Uuid,
    /// The `coder_agent` id Terraform generated ("" in plans).
    pub terraform_id: String,
    pub name: String,
    pub auth: AgentAuth,
    pub operating_system: String,
    pub architecture: String,
    pub directory: String,
    /// The agent's own `env` (the `coder_env` ones are `extra_envs`).
    pub env: BTreeMap<String, String>,
    pub connection_timeout_seconds: i32,
    pub troubleshooting_url: String,
    pub motd_file: String,
    pub display_apps: DisplayApps,
    pub metadata: Vec<AgentMetadataItem>,
    pub resources_monitoring: ResourcesMonitoring,
    pub api_key_scope: String,
    pub order: i64,
    pub scripts: Vec<AgentScript>,
    /// `coder_env` resources, in address order (merged by their strategy when read).
    pub extra_envs: Vec<AgentEnv>,
    pub apps: Vec<WorkspaceApp>,
    pub devcontainers: Vec<Devcontainer>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisplayApps {
    pub vscode: bool,
    pub vscode_insiders: bool,
    pub web_terminal: bool,
    pub ssh_helper: bool,
    pub port_forwarding_helper: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentMetadataItem {
    pub key: String,
    pub display_name: String,
    pub script: String,
    pub interval: i64,
    pub timeout: i64,
    pub order: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourcesMonitoring {
    pub memory: Option<MemoryMonitor>,
    pub volumes: Vec<VolumeMonitor>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryMonitor {
    pub enabled: bool,
    pub threshold: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeMonitor {
    pub path: String,
    pub enabled: bool,
    pub threshold: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentScript {
    pub id: Uuid,
    pub display_name: String,
    pub icon: String,
    pub script: String,
    pub cron: String,
    pub log_path: String,
    pub run_on_start: bool,
    pub run_on_stop: bool,
    pub start_blocks_login: bool,
    pub timeout_seconds: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEnv {
    pub name: String,
    pub value: String,
    /// `""` (replace), `replace`, `append`, `prepend` or `error`.
    pub merge_strategy: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppSharingLevel {
    Owner,
    Authenticated,
    Public,
}

impl AppSharingLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AppSharingLevel::Owner => "owner",
            AppSharingLevel::Authenticated => "authenticated",
            AppSharingLevel::Public => "public",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppOpenIn {
    SlimWindow,
    Tab,
}

impl AppOpenIn {
    pub fn as_str(self) -> &'static str {
        match self {
            AppOpenIn::SlimWindow => "slim-window",
            AppOpenIn::Tab => "tab",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceApp {
    pub id: Uuid,
    /// The `coder_app` id (random in plans).
    pub terraform_id: String,
    pub slug: String,
    pub display_name: String,
    pub command: String,
    pub url: String,
    pub icon: String,
    pub group: String,
    pub tooltip: String,
    pub order: i64,
    pub subdomain: bool,
    pub external: bool,
    pub hidden: bool,
    pub sharing_level: AppSharingLevel,
    pub open_in: AppOpenIn,
    pub healthcheck: Option<AppHealthcheck>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppHealthcheck {
    pub url: String,
    pub interval: i32,
    pub threshold: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Devcontainer {
    pub id: Uuid,
    /// The `coder_devcontainer` id and `subagent_id` Terraform generated ("" in plans).
    pub terraform_id: String,
    pub terraform_subagent_id: String,
    pub name: String,
    pub workspace_folder: String,
    pub config_path: String,
    /// The sub-agent pre-created for the devcontainer's apps, scripts and envs, if it has any.
    pub subagent: Option<Box<WorkspaceAgent>>,
}

/// Who a presented agent token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentIdentity {
    pub agent_id: Uuid,
    pub workspace_id: Uuid,
    pub owner_id: Uuid,
}

/// Everything an agent reads at start: its own record and where it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentManifest {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    /// The parent agent of a devcontainer sub-agent.
    pub parent_agent_id: Option<Uuid>,
    pub agent: WorkspaceAgent,
}

impl WorkspaceBuild {
    /// Every agent of the build, sub-agents included, with its parent's id.
    pub fn agents(&self) -> Vec<(&WorkspaceAgent, Option<Uuid>)> {
        let mut out = Vec::new();
        for agent in self.resources.iter().flat_map(|r| &r.agents) {
            out.push((agent, None));
            for sub in agent.devcontainers.iter().filter_map(|d| d.subagent.as_deref()) {
                out.push((sub, Some(agent.id)));
            }
        }
        out
    }
}
