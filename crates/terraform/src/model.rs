//! The conversion result, shaped like Coder's protobuf messages. `Serialize` produces Coder's
//! golden encoding (spec §12): proto field names and order, every field omitted when empty,
//! except the message pointers Coder always sets.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// What `ConvertState` returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct State {
    #[serde(rename = "Resources")]
    pub resources: Vec<Resource>,
    #[serde(rename = "Parameters")]
    pub parameters: Vec<RichParameter>,
    #[serde(rename = "Presets")]
    pub presets: Vec<Preset>,
    #[serde(rename = "ExternalAuthProviders")]
    pub external_auth_providers: Vec<ExternalAuthProvider>,
    #[serde(rename = "AITasks")]
    pub ai_tasks: Vec<AiTask>,
    #[serde(rename = "HasAITasks")]
    pub has_ai_tasks: bool,
    #[serde(rename = "HasExternalAgents")]
    pub has_external_agents: bool,
}

/// One resource instance. `address` is tollgate's addition and not part of Coder's encoding.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resource {
    #[serde(skip)]
    pub address: String,
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "is_default")]
    pub type_: String,
    #[serde(skip_serializing_if = "is_default")]
    pub agents: Vec<Agent>,
    #[serde(skip_serializing_if = "is_default")]
    pub metadata: Vec<ResourceMetadata>,
    #[serde(skip_serializing_if = "is_default")]
    pub hide: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub icon: String,
    #[serde(skip_serializing_if = "is_default")]
    pub instance_type: String,
    #[serde(skip_serializing_if = "is_default")]
    pub daily_cost: i32,
    #[serde(skip_serializing_if = "is_default")]
    pub module_path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResourceMetadata {
    #[serde(skip_serializing_if = "is_default")]
    pub key: String,
    #[serde(skip_serializing_if = "is_default")]
    pub value: String,
    #[serde(skip_serializing_if = "is_default")]
    pub sensitive: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub is_null: bool,
}

/// How an agent authenticates: the proto `oneof auth`, encoded `{"Token": …}` / `{"InstanceId": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Auth {
    Token(String),
    InstanceId(String),
}

impl Default for Auth {
    fn default() -> Self {
        Auth::InstanceId(String::new())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Agent {
    #[serde(skip_serializing_if = "is_default")]
    pub id: String,
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub env: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_default")]
    pub operating_system: String,
    #[serde(skip_serializing_if = "is_default")]
    pub architecture: String,
    #[serde(skip_serializing_if = "is_default")]
    pub directory: String,
    #[serde(skip_serializing_if = "is_default")]
    pub apps: Vec<App>,
    #[serde(rename = "Auth")]
    pub auth: Auth,
    #[serde(skip_serializing_if = "is_default")]
    pub connection_timeout_seconds: i32,
    #[serde(skip_serializing_if = "is_default")]
    pub troubleshooting_url: String,
    #[serde(skip_serializing_if = "is_default")]
    pub motd_file: String,
    #[serde(skip_serializing_if = "is_default")]
    pub metadata: Vec<AgentMetadata>,
    pub display_apps: DisplayApps,
    #[serde(skip_serializing_if = "is_default")]
    pub scripts: Vec<Script>,
    #[serde(skip_serializing_if = "is_default")]
    pub extra_envs: Vec<Env>,
    #[serde(skip_serializing_if = "is_default")]
    pub order: i64,
    pub resources_monitoring: ResourcesMonitoring,
    #[serde(skip_serializing_if = "is_default")]
    pub devcontainers: Vec<Devcontainer>,
    #[serde(skip_serializing_if = "is_default")]
    pub api_key_scope: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentMetadata {
    #[serde(skip_serializing_if = "is_default")]
    pub key: String,
    #[serde(skip_serializing_if = "is_default")]
    pub display_name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub script: String,
    #[serde(skip_serializing_if = "is_default")]
    pub interval: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub timeout: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub order: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DisplayApps {
    #[serde(skip_serializing_if = "is_default")]
    pub vscode: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub vscode_insiders: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub web_terminal: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub ssh_helper: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub port_forwarding_helper: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResourcesMonitoring {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryMonitor>,
    #[serde(skip_serializing_if = "is_default")]
    pub volumes: Vec<VolumeMonitor>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MemoryMonitor {
    #[serde(skip_serializing_if = "is_default")]
    pub enabled: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub threshold: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VolumeMonitor {
    #[serde(skip_serializing_if = "is_default")]
    pub path: String,
    #[serde(skip_serializing_if = "is_default")]
    pub enabled: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub threshold: i32,
}

/// Proto enum `AppSharingLevel`, encoded as its number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SharingLevel {
    #[default]
    Owner = 0,
    Authenticated = 1,
    Public = 2,
}

/// Proto enum `AppOpenIn`, encoded as its number (`WINDOW` = 0 is deprecated and never produced).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OpenIn {
    Window = 0,
    #[default]
    SlimWindow = 1,
    Tab = 2,
}

impl Serialize for SharingLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(*self as i32)
    }
}

impl Serialize for OpenIn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(*self as i32)
    }
}

fn is_owner(v: &SharingLevel) -> bool {
    *v == SharingLevel::Owner
}

fn is_window(v: &OpenIn) -> bool {
    *v == OpenIn::Window
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct App {
    #[serde(skip_serializing_if = "is_default")]
    pub slug: String,
    #[serde(skip_serializing_if = "is_default")]
    pub display_name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub command: String,
    #[serde(skip_serializing_if = "is_default")]
    pub url: String,
    #[serde(skip_serializing_if = "is_default")]
    pub icon: String,
    #[serde(skip_serializing_if = "is_default")]
    pub subdomain: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "is_owner")]
    pub sharing_level: SharingLevel,
    #[serde(skip_serializing_if = "is_default")]
    pub external: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub order: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub hidden: bool,
    #[serde(skip_serializing_if = "is_window")]
    pub open_in: OpenIn,
    #[serde(skip_serializing_if = "is_default")]
    pub group: String,
    #[serde(skip_serializing_if = "is_default")]
    pub id: String,
    #[serde(skip_serializing_if = "is_default")]
    pub tooltip: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Healthcheck {
    #[serde(skip_serializing_if = "is_default")]
    pub url: String,
    #[serde(skip_serializing_if = "is_default")]
    pub interval: i32,
    #[serde(skip_serializing_if = "is_default")]
    pub threshold: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Script {
    #[serde(skip_serializing_if = "is_default")]
    pub display_name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub icon: String,
    #[serde(skip_serializing_if = "is_default")]
    pub script: String,
    #[serde(skip_serializing_if = "is_default")]
    pub cron: String,
    #[serde(skip_serializing_if = "is_default")]
    pub start_blocks_login: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub run_on_start: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub run_on_stop: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub timeout_seconds: i32,
    #[serde(skip_serializing_if = "is_default")]
    pub log_path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Env {
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub value: String,
    #[serde(skip_serializing_if = "is_default")]
    pub merge_strategy: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Devcontainer {
    #[serde(skip_serializing_if = "is_default")]
    pub workspace_folder: String,
    #[serde(skip_serializing_if = "is_default")]
    pub config_path: String,
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub id: String,
    #[serde(skip_serializing_if = "is_default")]
    pub subagent_id: String,
    #[serde(skip_serializing_if = "is_default")]
    pub apps: Vec<App>,
    #[serde(skip_serializing_if = "is_default")]
    pub scripts: Vec<Script>,
    #[serde(skip_serializing_if = "is_default")]
    pub envs: Vec<Env>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExternalAuthProvider {
    #[serde(skip_serializing_if = "is_default")]
    pub id: String,
    #[serde(skip_serializing_if = "is_default")]
    pub optional: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AiTask {
    #[serde(skip_serializing_if = "is_default")]
    pub id: String,
    /// Always printed: Coder sets a non-nil message.
    pub sidebar_app: SidebarApp,
    #[serde(skip_serializing_if = "is_default")]
    pub app_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SidebarApp {
    #[serde(skip_serializing_if = "is_default")]
    pub id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RichParameter {
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub description: String,
    #[serde(rename = "type", skip_serializing_if = "is_default")]
    pub type_: String,
    #[serde(skip_serializing_if = "is_default")]
    pub mutable: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub default_value: String,
    #[serde(skip_serializing_if = "is_default")]
    pub icon: String,
    #[serde(skip_serializing_if = "is_default")]
    pub options: Vec<ParameterOption>,
    #[serde(skip_serializing_if = "is_default")]
    pub validation_regex: String,
    #[serde(skip_serializing_if = "is_default")]
    pub validation_error: String,
    /// Printed whenever set, also when 0 (a Go pointer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_min: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_max: Option<i32>,
    #[serde(skip_serializing_if = "is_default")]
    pub validation_monotonic: String,
    #[serde(skip_serializing_if = "is_default")]
    pub required: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub display_name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub order: i32,
    #[serde(skip_serializing_if = "is_default")]
    pub ephemeral: bool,
    /// Proto enum `ParameterFormType` number (0 = DEFAULT).
    #[serde(skip_serializing_if = "is_default")]
    pub form_type: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParameterOption {
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub description: String,
    #[serde(skip_serializing_if = "is_default")]
    pub value: String,
    #[serde(skip_serializing_if = "is_default")]
    pub icon: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Preset {
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub parameters: Vec<PresetParameter>,
    /// Always printed: Coder sets a non-nil message.
    pub prebuild: Prebuild,
    #[serde(skip_serializing_if = "is_default")]
    pub default: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub description: String,
    #[serde(skip_serializing_if = "is_default")]
    pub icon: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PresetParameter {
    #[serde(skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default")]
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Prebuild {
    #[serde(skip_serializing_if = "is_default")]
    pub instances: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_policy: Option<ExpirationPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<Scheduling>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExpirationPolicy {
    #[serde(skip_serializing_if = "is_default")]
    pub ttl: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scheduling {
    #[serde(skip_serializing_if = "is_default")]
    pub timezone: String,
    #[serde(skip_serializing_if = "is_default")]
    pub schedule: Vec<Schedule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schedule {
    #[serde(skip_serializing_if = "is_default")]
    pub cron: String,
    #[serde(skip_serializing_if = "is_default")]
    pub instances: i32,
}
