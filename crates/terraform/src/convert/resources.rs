//! The output resources (spec §8) and automatic instance identity (spec §5).

use super::{Converter, label_of};
use crate::model::{Auth, Resource};
use crate::quote::go_quote;
use crate::state::StateResource;

/// Resource types that never appear as output resources.
const HIDDEN_TYPES: [&str; 5] =
    ["coder_script", "coder_agent", "coder_agent_instance", "coder_app", "coder_metadata"];

/// Placeholder Coder logs (and outputs) for an address it cannot parse.
const INVALID_ADDRESS: &str = "invalid terraform address";

impl Converter<'_, '_> {
    pub(super) fn resources(&mut self) -> Vec<Resource> {
        let outputs: Vec<&StateResource> = self
            .index
            .resources
            .iter()
            .copied()
            .filter(|r| r.mode != "data" && !HIDDEN_TYPES.contains(&r.type_.as_str()))
            .collect();
        // Agents are shared by every instance of a label, so apply all instance ids first:
        // Coder's output holds pointers and shows the final state everywhere.
        for &res in &outputs {
            self.apply_automatic_instance_id(res);
        }
        outputs.iter().map(|res| self.output_resource(res)).collect()
    }

    fn apply_automatic_instance_id(&mut self, res: &StateResource) {
        let Some(agents) = self.resource_agents.get(label_of(&res.address)) else { return };
        let key = match res.type_.as_str() {
            "google_compute_instance" => "instance_id",
            "aws_instance" => "id",
            "aws_spot_instance_request" => "spot_instance_id",
            "azurerm_linux_virtual_machine" | "azurerm_windows_virtual_machine" => {
                "virtual_machine_id"
            }
            _ => return,
        };
        let Some(instance_id) = res.values.get(key).and_then(|v| v.as_str()) else { return };
        for &a in agents {
            let agent = &mut self.agents[a];
            // Quirk kept: a token agent with an empty token (a plan) is converted too.
            let (token, existing) = match &agent.auth {
                Auth::Token(t) => (t.as_str(), ""),
                Auth::InstanceId(i) => ("", i.as_str()),
            };
            if token.is_empty() && existing.is_empty() {
                agent.auth = Auth::InstanceId(instance_id.to_owned());
            }
        }
    }

    fn output_resource(&self, res: &StateResource) -> Resource {
        let label = label_of(&res.address);
        let agents = self
            .resource_agents
            .get(label)
            .map(|list| list.iter().map(|&a| self.agents[a].clone()).collect())
            .unwrap_or_default();
        let meta = self.metadata.get(label).cloned().unwrap_or_default();
        Resource {
            address: res.address.clone(),
            name: res.name.clone(),
            type_: res.type_.clone(),
            agents,
            metadata: meta.items,
            hide: meta.hide,
            icon: meta.icon,
            instance_type: instance_type(res),
            daily_cost: meta.daily_cost,
            module_path: module_path(&res.address).unwrap_or_else(|| INVALID_ADDRESS.to_owned()),
        }
    }
}

fn instance_type(res: &StateResource) -> String {
    let key = match res.type_.as_str() {
        "google_compute_instance" => "machine_type",
        "aws_instance" | "aws_spot_instance_request" => "instance_type",
        "azurerm_linux_virtual_machine" | "azurerm_windows_virtual_machine" => "size",
        _ => return String::new(),
    };
    res.values.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

/// The module part of an address: `(module.<ident>([idx])?.)* <type>.<name>([idx])?`, joined
/// with `.`, indices rendered `[3]` / `["k"]`; `None` when the address does not parse.
pub fn module_path(address: &str) -> Option<String> {
    let mut rest = address;
    let mut parts: Vec<String> = Vec::new();
    while let Some(after) = rest.strip_prefix("module.") {
        let (name, after) = ident(after)?;
        let (index, after) = opt_index(after)?;
        parts.push(format!("module.{name}{index}"));
        rest = after.strip_prefix('.')?;
    }
    // What remains must be `<type>.<name>` with an optional index (a data source has `data.`).
    let rest = rest.strip_prefix("data.").unwrap_or(rest);
    let (_, after) = ident(rest)?;
    let (_, after) = ident(after.strip_prefix('.')?)?;
    let (_, after) = opt_index(after)?;
    after.is_empty().then(|| parts.join("."))
}

fn ident(s: &str) -> Option<(&str, &str)> {
    let first = s.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_' || first == '-') {
        return None;
    }
    let end =
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(s.len());
    Some(s.split_at(end))
}

/// An optional `[123]` or `["key"]`, rendered back the way Go prints it.
fn opt_index(s: &str) -> Option<(String, &str)> {
    let Some(inner) = s.strip_prefix('[') else { return Some((String::new(), s)) };
    if let Some(quoted) = inner.strip_prefix('"') {
        let (key, len) = unquote_prefix(quoted)?;
        let after = quoted.get(len..)?.strip_prefix(']')?;
        return Some((format!("[{}]", go_quote(&key)), after));
    }
    let end = inner.find(|c: char| !c.is_ascii_digit()).unwrap_or(inner.len());
    if end == 0 {
        return None;
    }
    let after = inner[end..].strip_prefix(']')?;
    let number: u64 = inner[..end].parse().ok()?;
    Some((format!("[{number}]"), after))
}

/// Read a quoted string body (after the opening quote) up to its closing quote; returns the
/// unescaped text and how many bytes (closing quote included) it took.
fn unquote_prefix(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}
