//! How the workspace tables encode their enums and their JSON columns (small value lists).

use crate::common::corrupt;
use crate::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

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

fn encode<T: Serialize>(value: &T) -> StoreResult<Value> {
    serde_json::to_value(value).map_err(|e| StoreError::Database(format!("JSON column: {e}")))
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, value: Value) -> StoreResult<T> {
    serde_json::from_value(value).map_err(|e| corrupt(what, &e.to_string()))
}

#[derive(Serialize, Deserialize)]
struct MetadataItemJson {
    key: String,
    value: String,
    sensitive: bool,
    is_null: bool,
}

pub(crate) fn resource_metadata_json(items: &[ResourceMetadataItem]) -> StoreResult<Value> {
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

pub(crate) fn parse_resource_metadata(value: Value) -> StoreResult<Vec<ResourceMetadataItem>> {
    let items: Vec<MetadataItemJson> = decode("resource metadata", value)?;
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

pub(crate) fn env_json(env: &BTreeMap<String, String>) -> StoreResult<Value> {
    encode(env)
}

pub(crate) fn parse_env(value: Value) -> StoreResult<BTreeMap<String, String>> {
    decode("agent env", value)
}

#[derive(Serialize, Deserialize)]
struct DisplayAppsJson {
    vscode: bool,
    vscode_insiders: bool,
    web_terminal: bool,
    ssh_helper: bool,
    port_forwarding_helper: bool,
}

pub(crate) fn display_apps_json(d: &DisplayApps) -> StoreResult<Value> {
    encode(&DisplayAppsJson {
        vscode: d.vscode,
        vscode_insiders: d.vscode_insiders,
        web_terminal: d.web_terminal,
        ssh_helper: d.ssh_helper,
        port_forwarding_helper: d.port_forwarding_helper,
    })
}

pub(crate) fn parse_display_apps(value: Value) -> StoreResult<DisplayApps> {
    let d: DisplayAppsJson = decode("display apps", value)?;
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

pub(crate) fn agent_metadata_json(items: &[AgentMetadataItem]) -> StoreResult<Value> {
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

pub(crate) fn parse_agent_metadata(value: Value) -> StoreResult<Vec<AgentMetadataItem>> {
    let items: Vec<AgentMetadataJson> = decode("agent metadata", value)?;
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

pub(crate) fn monitoring_json(m: &ResourcesMonitoring) -> StoreResult<Value> {
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

pub(crate) fn parse_monitoring(value: Value) -> StoreResult<ResourcesMonitoring> {
    let m: MonitoringJson = decode("resources monitoring", value)?;
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
