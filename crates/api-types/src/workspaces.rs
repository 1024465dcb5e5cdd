//! Workspaces created from a Terraform state or plan, and the manifest an agent reads, with
//! Coder's shapes where Coder has one. Agent tokens never appear in any of these types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /api/v2/users/{user}/workspaces`.
#[derive(Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateWorkspaceRequest {
    /// Coder's workspace-name rule: 1–32 letters, digits and single hyphens.
    pub name: String,
    /// Defaults to the default organization; the owner must be a member.
    #[serde(default)]
    #[ts(optional)]
    pub organization_id: Option<Uuid>,
    /// The JSON document `terraform show -json` prints for an applied state or a plan (the
    /// import body; without `template_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    #[ts(optional, type = "Record<string, unknown>")]
    pub terraform_state: Option<serde_json::Value>,
    /// The DOT text `terraform graph` prints (the import body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub terraform_graph: Option<String>,
    /// A template to build the workspace from (its active version), instead of an import body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub template_id: Option<Uuid>,
    /// The template's parameter values, validated before the build as Coder validates them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rich_parameter_values: Option<Vec<crate::WorkspaceBuildParameter>>,
    /// A preset of the template's active version whose values apply first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub template_version_preset_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub organization_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub latest_build: WorkspaceBuild,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspacesResponse {
    pub workspaces: Vec<Workspace>,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum WorkspaceTransition {
    Start,
    Stop,
    Delete,
}

/// Which Terraform document a build came from. A plan's agents have no token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum TerraformDocumentKind {
    State,
    Plan,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceBuild {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub build_number: i32,
    pub transition: WorkspaceTransition,
    /// tollgate: the document the build was converted from.
    pub terraform_document: TerraformDocumentKind,
    pub has_ai_task: bool,
    pub has_external_agent: bool,
    pub created_at: DateTime<Utc>,
    pub resources: Vec<WorkspaceResource>,
    /// The provisioner job that runs the build; absent for an imported build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub job: Option<crate::ProvisionerJob>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceResource {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub workspace_transition: WorkspaceTransition,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub hide: bool,
    pub icon: String,
    pub agents: Vec<WorkspaceAgent>,
    /// Null items are left out, as in Coder. Sensitive values are shown to those who may read
    /// the workspace, flagged `sensitive` for clients to mask (Coder's dashboard does).
    pub metadata: Vec<WorkspaceResourceMetadata>,
    pub daily_cost: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceResourceMetadata {
    pub key: String,
    pub value: String,
    pub sensitive: bool,
}

/// `vscode`, `vscode_insiders`, `web_terminal`, `ssh_helper`, `port_forwarding_helper`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum DisplayApp {
    Vscode,
    VscodeInsiders,
    WebTerminal,
    SshHelper,
    PortForwardingHelper,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceAgent {
    pub id: Uuid,
    pub name: String,
    pub resource_id: Uuid,
    /// The cloud instance id of an instance-identity agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance_id: Option<String>,
    pub operating_system: String,
    pub architecture: String,
    pub directory: String,
    pub connection_timeout_seconds: i32,
    pub troubleshooting_url: String,
    pub motd_file: String,
    pub display_apps: Vec<DisplayApp>,
    pub api_key_scope: String,
    #[ts(type = "number")]
    pub order: i64,
    pub apps: Vec<WorkspaceApp>,
    pub scripts: Vec<WorkspaceAgentScript>,
    pub devcontainers: Vec<WorkspaceAgentDevcontainer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum WorkspaceAppSharingLevel {
    Owner,
    Authenticated,
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "kebab-case")]
pub enum WorkspaceAppOpenIn {
    SlimWindow,
    Tab,
}

/// `disabled` without a healthcheck URL, else `initializing` (no agent has reported yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum WorkspaceAppHealth {
    Disabled,
    Initializing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceApp {
    pub id: Uuid,
    pub slug: String,
    pub display_name: String,
    pub command: String,
    pub url: String,
    pub icon: String,
    pub external: bool,
    pub subdomain: bool,
    pub sharing_level: WorkspaceAppSharingLevel,
    pub healthcheck: Healthcheck,
    pub health: WorkspaceAppHealth,
    pub group: String,
    pub hidden: bool,
    pub open_in: WorkspaceAppOpenIn,
    pub tooltip: String,
    #[ts(type = "number")]
    pub order: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct Healthcheck {
    pub url: String,
    /// Seconds.
    pub interval: i32,
    pub threshold: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceAgentScript {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceAgentDevcontainer {
    pub id: Uuid,
    pub name: String,
    pub workspace_folder: String,
    pub config_path: String,
    /// The sub-agent pre-created for the devcontainer's apps, scripts and envs, if it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub agent: Option<WorkspaceSubAgent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceSubAgent {
    pub id: Uuid,
    pub name: String,
    pub operating_system: String,
    pub architecture: String,
    pub directory: String,
    pub apps: Vec<WorkspaceApp>,
    pub scripts: Vec<WorkspaceAgentScript>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceAgentMetadataDescription {
    pub key: String,
    pub display_name: String,
    pub script: String,
    /// Seconds.
    #[ts(type = "number")]
    pub interval: i64,
    #[ts(type = "number")]
    pub timeout: i64,
}

/// `GET /api/v2/workspaceagents/me/manifest`: what the agent holding the token runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct AgentManifest {
    pub agent_id: Uuid,
    pub agent_name: String,
    /// The parent of a devcontainer sub-agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub parent_id: Option<Uuid>,
    pub owner_name: String,
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub directory: String,
    pub motd_file: String,
    /// The agent's `env` over its `coder_env` values, merged by their strategies as Coder does.
    pub environment_variables: BTreeMap<String, String>,
    pub apps: Vec<WorkspaceApp>,
    pub scripts: Vec<WorkspaceAgentScript>,
    pub metadata: Vec<WorkspaceAgentMetadataDescription>,
    pub devcontainers: Vec<WorkspaceAgentDevcontainer>,
    pub display_apps: Vec<DisplayApp>,
}

crate::debug_hiding!(CreateWorkspaceRequest { name, organization_id } hides terraform_state, terraform_graph);
