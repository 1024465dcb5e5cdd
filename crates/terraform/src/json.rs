//! tollgate's own JSON schema for a conversion (documented in `docs/terraform.md`): every field
//! always present, enums as strings, resources carry their address, and secrets — agent
//! tokens and sensitive metadata values — masked.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{self, Auth, OpenIn, SharingLevel};
use crate::{Conversion, DocumentKind};

/// What a masked secret reads as.
pub const MASK: &str = "********";

/// Schema version of [`to_json`]; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The conversion in tollgate's JSON schema, pretty-printed, secrets masked.
pub fn to_json(conv: &Conversion) -> String {
    let doc = Doc::from(conv);
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn mask(secret: &str) -> &str {
    if secret.is_empty() { "" } else { MASK }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    kind: &'static str,
    resources: Vec<Resource<'a>>,
    parameters: Vec<Parameter<'a>>,
    presets: Vec<Preset<'a>>,
    external_auth_providers: Vec<ExternalAuth<'a>>,
    ai_tasks: Vec<AiTask<'a>>,
    has_ai_tasks: bool,
    has_external_agents: bool,
}

impl<'a> From<&'a Conversion> for Doc<'a> {
    fn from(conv: &'a Conversion) -> Self {
        let s = &conv.state;
        Doc {
            schema_version: SCHEMA_VERSION,
            kind: match conv.kind {
                DocumentKind::State => "state",
                DocumentKind::Plan => "plan",
            },
            resources: s.resources.iter().map(Resource::from).collect(),
            parameters: s.parameters.iter().map(Parameter::from).collect(),
            presets: s.presets.iter().map(Preset::from).collect(),
            external_auth_providers: s
                .external_auth_providers
                .iter()
                .map(|p| ExternalAuth { id: &p.id, optional: p.optional })
                .collect(),
            ai_tasks: s.ai_tasks.iter().map(|t| AiTask { id: &t.id, app_id: &t.app_id }).collect(),
            has_ai_tasks: s.has_ai_tasks,
            has_external_agents: s.has_external_agents,
        }
    }
}

#[derive(Serialize)]
struct Resource<'a> {
    address: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    name: &'a str,
    module_path: &'a str,
    instance_type: &'a str,
    hide: bool,
    icon: &'a str,
    daily_cost: i32,
    metadata: Vec<Metadata<'a>>,
    agents: Vec<Agent<'a>>,
}

impl<'a> From<&'a model::Resource> for Resource<'a> {
    fn from(r: &'a model::Resource) -> Self {
        Resource {
            address: &r.address,
            type_: &r.type_,
            name: &r.name,
            module_path: &r.module_path,
            instance_type: &r.instance_type,
            hide: r.hide,
            icon: &r.icon,
            daily_cost: r.daily_cost,
            metadata: r.metadata.iter().map(Metadata::from).collect(),
            agents: r.agents.iter().map(Agent::from).collect(),
        }
    }
}

#[derive(Serialize)]
struct Metadata<'a> {
    key: &'a str,
    value: &'a str,
    sensitive: bool,
    is_null: bool,
}

impl<'a> From<&'a model::ResourceMetadata> for Metadata<'a> {
    fn from(m: &'a model::ResourceMetadata) -> Self {
        let value = if m.sensitive { mask(&m.value) } else { &m.value };
        Metadata { key: &m.key, value, sensitive: m.sensitive, is_null: m.is_null }
    }
}

#[derive(Serialize)]
struct Agent<'a> {
    id: &'a str,
    name: &'a str,
    operating_system: &'a str,
    architecture: &'a str,
    directory: &'a str,
    auth: AgentAuth<'a>,
    connection_timeout_seconds: i32,
    troubleshooting_url: &'a str,
    motd_file: &'a str,
    order: i64,
    api_key_scope: &'a str,
    env: &'a BTreeMap<String, String>,
    display_apps: DisplayApps,
    metadata: Vec<AgentMetadata<'a>>,
    resources_monitoring: Monitoring<'a>,
    scripts: Vec<Script<'a>>,
    envs: Vec<Env<'a>>,
    apps: Vec<App<'a>>,
    devcontainers: Vec<Devcontainer<'a>>,
}

impl<'a> From<&'a model::Agent> for Agent<'a> {
    fn from(a: &'a model::Agent) -> Self {
        let d = &a.display_apps;
        let m = &a.resources_monitoring;
        Agent {
            id: &a.id,
            name: &a.name,
            operating_system: &a.operating_system,
            architecture: &a.architecture,
            directory: &a.directory,
            auth: AgentAuth::from(&a.auth),
            connection_timeout_seconds: a.connection_timeout_seconds,
            troubleshooting_url: &a.troubleshooting_url,
            motd_file: &a.motd_file,
            order: a.order,
            api_key_scope: &a.api_key_scope,
            env: &a.env,
            display_apps: DisplayApps {
                vscode: d.vscode,
                vscode_insiders: d.vscode_insiders,
                web_terminal: d.web_terminal,
                ssh_helper: d.ssh_helper,
                port_forwarding_helper: d.port_forwarding_helper,
            },
            metadata: a.metadata.iter().map(AgentMetadata::from).collect(),
            resources_monitoring: Monitoring {
                memory: m
                    .memory
                    .as_ref()
                    .map(|x| Memory { enabled: x.enabled, threshold: x.threshold }),
                volumes: m
                    .volumes
                    .iter()
                    .map(|v| Volume { path: &v.path, enabled: v.enabled, threshold: v.threshold })
                    .collect(),
            },
            scripts: a.scripts.iter().map(Script::from).collect(),
            envs: a.extra_envs.iter().map(Env::from).collect(),
            apps: a.apps.iter().map(App::from).collect(),
            devcontainers: a.devcontainers.iter().map(Devcontainer::from).collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
enum AgentAuth<'a> {
    Token { token: &'a str },
    InstanceId { instance_id: &'a str },
}

impl<'a> From<&'a Auth> for AgentAuth<'a> {
    fn from(auth: &'a Auth) -> Self {
        match auth {
            Auth::Token(t) => AgentAuth::Token { token: mask(t) },
            Auth::InstanceId(i) => AgentAuth::InstanceId { instance_id: i },
        }
    }
}

#[derive(Serialize)]
struct DisplayApps {
    vscode: bool,
    vscode_insiders: bool,
    web_terminal: bool,
    ssh_helper: bool,
    port_forwarding_helper: bool,
}

#[derive(Serialize)]
struct AgentMetadata<'a> {
    key: &'a str,
    display_name: &'a str,
    script: &'a str,
    interval: i64,
    timeout: i64,
    order: i64,
}

impl<'a> From<&'a model::AgentMetadata> for AgentMetadata<'a> {
    fn from(m: &'a model::AgentMetadata) -> Self {
        AgentMetadata {
            key: &m.key,
            display_name: &m.display_name,
            script: &m.script,
            interval: m.interval,
            timeout: m.timeout,
            order: m.order,
        }
    }
}

#[derive(Serialize)]
struct Monitoring<'a> {
    memory: Option<Memory>,
    volumes: Vec<Volume<'a>>,
}

#[derive(Serialize)]
struct Memory {
    enabled: bool,
    threshold: i32,
}

#[derive(Serialize)]
struct Volume<'a> {
    path: &'a str,
    enabled: bool,
    threshold: i32,
}

#[derive(Serialize)]
struct Script<'a> {
    display_name: &'a str,
    icon: &'a str,
    script: &'a str,
    cron: &'a str,
    log_path: &'a str,
    run_on_start: bool,
    run_on_stop: bool,
    start_blocks_login: bool,
    timeout_seconds: i32,
}

impl<'a> From<&'a model::Script> for Script<'a> {
    fn from(s: &'a model::Script) -> Self {
        Script {
            display_name: &s.display_name,
            icon: &s.icon,
            script: &s.script,
            cron: &s.cron,
            log_path: &s.log_path,
            run_on_start: s.run_on_start,
            run_on_stop: s.run_on_stop,
            start_blocks_login: s.start_blocks_login,
            timeout_seconds: s.timeout_seconds,
        }
    }
}

#[derive(Serialize)]
struct Env<'a> {
    name: &'a str,
    value: &'a str,
    merge_strategy: &'a str,
}

impl<'a> From<&'a model::Env> for Env<'a> {
    fn from(e: &'a model::Env) -> Self {
        Env { name: &e.name, value: &e.value, merge_strategy: &e.merge_strategy }
    }
}

#[derive(Serialize)]
struct App<'a> {
    id: &'a str,
    slug: &'a str,
    display_name: &'a str,
    command: &'a str,
    url: &'a str,
    icon: &'a str,
    group: &'a str,
    tooltip: &'a str,
    order: i64,
    subdomain: bool,
    external: bool,
    hidden: bool,
    sharing_level: &'static str,
    open_in: &'static str,
    healthcheck: Option<Healthcheck<'a>>,
}

impl<'a> From<&'a model::App> for App<'a> {
    fn from(a: &'a model::App) -> Self {
        App {
            id: &a.id,
            slug: &a.slug,
            display_name: &a.display_name,
            command: &a.command,
            url: &a.url,
            icon: &a.icon,
            group: &a.group,
            tooltip: &a.tooltip,
            order: a.order,
            subdomain: a.subdomain,
            external: a.external,
            hidden: a.hidden,
            sharing_level: sharing_level_name(a.sharing_level),
            open_in: open_in_name(a.open_in),
            healthcheck: a.healthcheck.as_ref().map(|h| Healthcheck {
                url: &h.url,
                interval: h.interval,
                threshold: h.threshold,
            }),
        }
    }
}

pub(crate) fn sharing_level_name(level: SharingLevel) -> &'static str {
    match level {
        SharingLevel::Owner => "owner",
        SharingLevel::Authenticated => "authenticated",
        SharingLevel::Public => "public",
    }
}

pub(crate) fn open_in_name(open_in: OpenIn) -> &'static str {
    match open_in {
        OpenIn::Window => "window",
        OpenIn::SlimWindow => "slim-window",
        OpenIn::Tab => "tab",
    }
}

#[derive(Serialize)]
struct Devcontainer<'a> {
    name: &'a str,
    id: &'a str,
    subagent_id: &'a str,
    workspace_folder: &'a str,
    config_path: &'a str,
    apps: Vec<App<'a>>,
    scripts: Vec<Script<'a>>,
    envs: Vec<Env<'a>>,
}

impl<'a> From<&'a model::Devcontainer> for Devcontainer<'a> {
    fn from(d: &'a model::Devcontainer) -> Self {
        Devcontainer {
            name: &d.name,
            id: &d.id,
            subagent_id: &d.subagent_id,
            workspace_folder: &d.workspace_folder,
            config_path: &d.config_path,
            apps: d.apps.iter().map(App::from).collect(),
            scripts: d.scripts.iter().map(Script::from).collect(),
            envs: d.envs.iter().map(Env::from).collect(),
        }
    }
}

#[derive(Serialize)]
struct Parameter<'a> {
    name: &'a str,
    display_name: &'a str,
    description: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    form_type: &'static str,
    mutable: bool,
    required: bool,
    ephemeral: bool,
    default_value: &'a str,
    icon: &'a str,
    order: i32,
    options: Vec<ParameterOption<'a>>,
    validation: Validation<'a>,
}

#[derive(Serialize)]
struct Validation<'a> {
    regex: &'a str,
    error: &'a str,
    min: Option<i32>,
    max: Option<i32>,
    monotonic: &'a str,
}

/// Proto `ParameterFormType` names by number; 0 (DEFAULT) reads `default`.
const FORM_TYPE_NAMES: [&str; 11] = [
    "default",
    "error",
    "radio",
    "dropdown",
    "input",
    "textarea",
    "slider",
    "checkbox",
    "switch",
    "tag-select",
    "multi-select",
];

impl<'a> From<&'a model::RichParameter> for Parameter<'a> {
    fn from(p: &'a model::RichParameter) -> Self {
        let form_type =
            usize::try_from(p.form_type).ok().and_then(|i| FORM_TYPE_NAMES.get(i)).copied();
        Parameter {
            name: &p.name,
            display_name: &p.display_name,
            description: &p.description,
            type_: &p.type_,
            form_type: form_type.unwrap_or("default"),
            mutable: p.mutable,
            required: p.required,
            ephemeral: p.ephemeral,
            default_value: &p.default_value,
            icon: &p.icon,
            order: p.order,
            options: p
                .options
                .iter()
                .map(|o| ParameterOption {
                    name: &o.name,
                    description: &o.description,
                    value: &o.value,
                    icon: &o.icon,
                })
                .collect(),
            validation: Validation {
                regex: &p.validation_regex,
                error: &p.validation_error,
                min: p.validation_min,
                max: p.validation_max,
                monotonic: &p.validation_monotonic,
            },
        }
    }
}

#[derive(Serialize)]
struct Preset<'a> {
    name: &'a str,
    description: &'a str,
    icon: &'a str,
    default: bool,
    parameters: BTreeMap<&'a str, &'a str>,
    prebuild: Prebuild<'a>,
}

#[derive(Serialize)]
struct Prebuild<'a> {
    instances: i32,
    expiration_ttl_seconds: Option<i32>,
    scheduling: Option<Scheduling<'a>>,
}

impl<'a> From<&'a model::Preset> for Preset<'a> {
    fn from(p: &'a model::Preset) -> Self {
        Preset {
            name: &p.name,
            description: &p.description,
            icon: &p.icon,
            default: p.default,
            parameters: p.parameters.iter().map(|x| (x.name.as_str(), x.value.as_str())).collect(),
            prebuild: Prebuild {
                instances: p.prebuild.instances,
                expiration_ttl_seconds: p.prebuild.expiration_policy.as_ref().map(|e| e.ttl),
                scheduling: p.prebuild.scheduling.as_ref().map(|s| Scheduling {
                    timezone: &s.timezone,
                    schedule: s
                        .schedule
                        .iter()
                        .map(|c| Schedule { cron: &c.cron, instances: c.instances })
                        .collect(),
                }),
            },
        }
    }
}

#[derive(Serialize)]
struct AiTask<'a> {
    id: &'a str,
    app_id: &'a str,
}

#[derive(Serialize)]
struct ExternalAuth<'a> {
    id: &'a str,
    optional: bool,
}

#[derive(Serialize)]
struct Healthcheck<'a> {
    url: &'a str,
    interval: i32,
    threshold: i32,
}

#[derive(Serialize)]
struct ParameterOption<'a> {
    name: &'a str,
    description: &'a str,
    value: &'a str,
    icon: &'a str,
}

#[derive(Serialize)]
struct Scheduling<'a> {
    timezone: &'a str,
    schedule: Vec<Schedule<'a>>,
}

#[derive(Serialize)]
struct Schedule<'a> {
    cron: &'a str,
    instances: i32,
}
