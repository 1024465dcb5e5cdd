//! `coder_agent`: decoding, name validation and attachment to the closest host resource
//! (spec §3, §11).

use std::collections::HashSet;

use super::{Converter, decode_error, label_of};
use crate::decode::{DecodeResult, Fields};
use crate::error::{Error, ErrorKind};
use crate::graph::Direction;
use crate::model::{
    Agent, AgentMetadata, Auth, DisplayApps, MemoryMonitor, ResourcesMonitoring, Script,
    VolumeMonitor,
};
use crate::state::StateResource;

impl Converter<'_, '_> {
    pub(super) fn agents(&mut self) -> Result<(), Error> {
        let mut names: HashSet<String> = HashSet::new();
        for &res in self.index.of_type("coder_agent") {
            let agent = decode_agent(res).map_err(decode_error("agent", res))?;
            validate_name(&res.name, &mut names).map_err(|e| e.at(&res.address))?;
            let label = label_of(&res.address);
            let node = self.graph.find_by_label(label).ok_or_else(|| {
                Error::from(ErrorKind::NodeNotFound(label.to_owned())).at(&res.address)
            })?;
            let index = &self.index;
            // No host resource: the agent is silently dropped, as in Coder.
            let Some(host) = self.graph.closest(node, Direction::Up, |l| index.is_host_label(l))
            else {
                continue;
            };
            self.agents.push(agent);
            self.resource_agents.entry(host).or_default().push(self.agents.len() - 1);
        }
        self.attached = self.resource_agents.values().flatten().copied().collect();
        Ok(())
    }
}

/// Coder's `^[a-z0-9](-?[a-z0-9])*$`: alphanumerics with single inner hyphens. With `(?i)`, Go
/// also folds the Kelvin sign and the long s onto `k` and `s`.
pub(super) fn is_valid_name(name: &str, case_insensitive: bool) -> bool {
    let folds = |c: char| c.is_ascii_uppercase() || c == '\u{212A}' || c == '\u{17F}';
    let ok =
        |c: char| c.is_ascii_digit() || c.is_ascii_lowercase() || (case_insensitive && folds(c));
    let bytes: Vec<char> = name.chars().collect();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else { return false };
    ok(first) && ok(last) && !name.contains("--") && bytes.iter().all(|&c| c == '-' || ok(c))
}

fn validate_name(name: &str, seen: &mut HashSet<String>) -> Result<(), Error> {
    if name.is_empty() {
        return Err(ErrorKind::EmptyAgentName.into());
    }
    if !is_valid_name(name, true) {
        if name.contains('_') {
            return Err(ErrorKind::AgentNameUnderscore(name.to_owned()).into());
        }
        return Err(ErrorKind::AgentNameInvalid(name.to_owned()).into());
    }
    if !seen.insert(name.to_lowercase()) {
        return Err(ErrorKind::DuplicateAgentName(name.to_owned()).into());
    }
    Ok(())
}

fn decode_agent(res: &StateResource) -> DecodeResult<Agent> {
    let f = Fields::new(&res.values);
    let auth = match f.string("auth")?.as_str() {
        "token" => Auth::Token(f.string("token")?),
        _ => Auth::InstanceId(String::new()),
    };
    // Decoded for their type errors only: Coder reads them but does not output them.
    f.string("token")?;
    f.int32("startup_script_timeout")?;
    f.int32("shutdown_script_timeout")?;
    Ok(Agent {
        id: f.string("id")?,
        name: res.name.clone(),
        env: f.string_map("env")?,
        operating_system: f.string("os")?,
        architecture: f.string("arch")?,
        directory: f.string("dir")?,
        auth,
        connection_timeout_seconds: f.int32("connection_timeout")?,
        troubleshooting_url: f.string("troubleshooting_url")?,
        motd_file: f.string("motd_file")?,
        metadata: agent_metadata(&f)?,
        display_apps: display_apps(&f)?,
        scripts: legacy_scripts(&f)?,
        order: f.int64("order")?,
        resources_monitoring: resources_monitoring(&f)?,
        api_key_scope: f.string("api_key_scope")?,
        ..Agent::default()
    })
}

fn agent_metadata(f: &Fields<'_>) -> DecodeResult<Vec<AgentMetadata>> {
    f.blocks("metadata")?
        .iter()
        .map(|m| {
            Ok(AgentMetadata {
                key: m.string("key")?,
                display_name: m.string("display_name")?,
                script: m.string("script")?,
                interval: m.int64("interval")?,
                timeout: m.int64("timeout")?,
                order: m.int64("order")?,
            })
        })
        .collect()
}

/// The first `display_apps` block; Coder's defaults when there is none (always, in plans).
fn display_apps(f: &Fields<'_>) -> DecodeResult<DisplayApps> {
    let blocks = f.blocks("display_apps")?;
    let Some(d) = blocks.first() else {
        return Ok(DisplayApps {
            vscode: true,
            vscode_insiders: false,
            web_terminal: true,
            ssh_helper: true,
            port_forwarding_helper: true,
        });
    };
    // Later blocks are decoded too (mapstructure decodes the whole list).
    for other in blocks.iter().skip(1) {
        decode_display_apps(other)?;
    }
    decode_display_apps(d)
}

fn decode_display_apps(d: &Fields<'_>) -> DecodeResult<DisplayApps> {
    Ok(DisplayApps {
        vscode: d.boolean("vscode")?,
        vscode_insiders: d.boolean("vscode_insiders")?,
        web_terminal: d.boolean("web_terminal")?,
        ssh_helper: d.boolean("ssh_helper")?,
        port_forwarding_helper: d.boolean("port_forwarding_helper")?,
    })
}

/// `memory` is the last memory block over all monitoring blocks; `volumes` are all of them.
fn resources_monitoring(f: &Fields<'_>) -> DecodeResult<ResourcesMonitoring> {
    let mut out = ResourcesMonitoring::default();
    for block in f.blocks("resources_monitoring")? {
        for m in block.blocks("memory")? {
            out.memory = Some(MemoryMonitor {
                enabled: m.boolean("enabled")?,
                threshold: m.int32("threshold")?,
            });
        }
        for v in block.blocks("volume")? {
            out.volumes.push(VolumeMonitor {
                path: v.string("path")?,
                enabled: v.boolean("enabled")?,
                threshold: v.int32("threshold")?,
            });
        }
    }
    Ok(out)
}

/// The deprecated `startup_script` / `shutdown_script` attributes as scripts.
fn legacy_scripts(f: &Fields<'_>) -> DecodeResult<Vec<Script>> {
    let mut scripts = Vec::new();
    let startup = f.string("startup_script")?;
    let behavior = f.string("startup_script_behavior")?;
    let login_before_ready = f.boolean("login_before_ready")?;
    if !startup.is_empty() {
        let behavior = if !behavior.is_empty() {
            behavior
        } else if f.has_key("login_before_ready") && !login_before_ready {
            "blocking".to_owned()
        } else {
            "non-blocking".to_owned()
        };
        scripts.push(Script {
            display_name: "Startup Script".into(),
            icon: "/emojis/25b6-fe0f.png".into(),
            script: startup,
            log_path: "coder-startup-script.log".into(),
            run_on_start: true,
            start_blocks_login: behavior == "blocking",
            ..Script::default()
        });
    }
    let shutdown = f.string("shutdown_script")?;
    if !shutdown.is_empty() {
        scripts.push(Script {
            display_name: "Shutdown Script".into(),
            icon: "/emojis/25c0.png".into(),
            script: shutdown,
            log_path: "coder-shutdown-script.log".into(),
            run_on_stop: true,
            ..Script::default()
        });
    }
    Ok(scripts)
}
