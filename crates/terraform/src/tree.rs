//! A human view of a conversion: resources → agents → devcontainers → apps, then the
//! template's parameters, presets, external auth and AI tasks. Secrets are masked.

use std::fmt::Write;

use crate::json::{MASK, open_in_name, sharing_level_name};
use crate::model::{self, Auth};
use crate::{Conversion, DocumentKind};

/// A line and the lines under it. The depth is fixed by the model (at most five levels).
struct Node {
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn leaf(text: String) -> Self {
        Self { text, children: Vec::new() }
    }
}

/// Render the conversion as an indented tree.
pub fn render_tree(conv: &Conversion) -> String {
    let s = &conv.state;
    let agents: usize = s.resources.iter().map(|r| r.agents.len()).sum();
    let kind = match conv.kind {
        DocumentKind::State => "state",
        DocumentKind::Plan => "plan",
    };
    let mut out =
        format!("{kind}: {}, {}\n", plural(s.resources.len(), "resource"), plural(agents, "agent"));
    let mut roots: Vec<Node> = s.resources.iter().map(resource).collect();
    roots.extend(section("parameters", s.parameters.iter().map(parameter)));
    roots.extend(section("presets", s.presets.iter().map(preset)));
    roots.extend(section(
        "external auth",
        s.external_auth_providers.iter().map(|p| {
            let optional = if p.optional { " (optional)" } else { "" };
            Node::leaf(format!("{}{optional}", p.id))
        }),
    ));
    roots.extend(section(
        "ai tasks",
        s.ai_tasks
            .iter()
            .map(|t| Node::leaf(format!("task {} → app {}", or_dash(&t.id), or_dash(&t.app_id)))),
    ));
    for root in &roots {
        out.push_str(&root.text);
        out.push('\n');
        render_children(&root.children, "", &mut out);
    }
    if s.has_external_agents {
        out.push_str("(has external agents)\n");
    }
    out
}

fn render_children(children: &[Node], prefix: &str, out: &mut String) {
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let (branch, indent) = if last { ("└── ", "    ") } else { ("├── ", "│   ") };
        let _ = writeln!(out, "{prefix}{branch}{}", child.text);
        render_children(&child.children, &format!("{prefix}{indent}"), out);
    }
}

fn section(title: &str, items: impl Iterator<Item = Node>) -> Option<Node> {
    let children: Vec<Node> = items.collect();
    (!children.is_empty()).then(|| Node { text: title.to_owned(), children })
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn resource(r: &model::Resource) -> Node {
    let mut text = r.address.clone();
    let mut notes = Vec::new();
    if !r.instance_type.is_empty() {
        notes.push(r.instance_type.clone());
    }
    if r.daily_cost != 0 {
        notes.push(format!("cost {}/day", r.daily_cost));
    }
    if r.hide {
        notes.push("hidden".into());
    }
    if !notes.is_empty() {
        let _ = write!(text, " ({})", notes.join(", "));
    }
    let mut children: Vec<Node> = r.metadata.iter().map(resource_metadata).collect();
    children.extend(r.agents.iter().map(agent));
    Node { text, children }
}

fn resource_metadata(m: &model::ResourceMetadata) -> Node {
    let value = match (m.is_null, m.sensitive) {
        (true, _) => "null",
        (false, true) => MASK,
        (false, false) if m.value.is_empty() => "\"\"",
        (false, false) => m.value.as_str(),
    };
    Node::leaf(format!("metadata {} = {value}", m.key))
}

fn agent(a: &model::Agent) -> Node {
    let auth = match &a.auth {
        Auth::Token(t) if t.is_empty() => "token (unknown until apply)".to_owned(),
        Auth::Token(_) => format!("token {MASK}"),
        Auth::InstanceId(i) if i.is_empty() => "instance identity".to_owned(),
        Auth::InstanceId(i) => format!("instance id {i}"),
    };
    let mut text =
        format!("agent {} ({}/{}) auth: {auth}", a.name, a.operating_system, a.architecture);
    if !a.id.is_empty() {
        let _ = write!(text, " id: {}", a.id);
    }
    let mut children: Vec<Node> = Vec::new();
    children.extend(a.scripts.iter().map(script));
    children.extend(a.extra_envs.iter().map(env));
    children.extend(a.apps.iter().map(app));
    children.extend(a.devcontainers.iter().map(devcontainer));
    Node { text, children }
}

fn devcontainer(d: &model::Devcontainer) -> Node {
    let mut text = format!("devcontainer {} folder: {}", d.name, d.workspace_folder);
    if !d.config_path.is_empty() {
        let _ = write!(text, " config: {}", d.config_path);
    }
    if !d.subagent_id.is_empty() {
        let _ = write!(text, " sub-agent: {}", d.subagent_id);
    }
    let mut children: Vec<Node> = Vec::new();
    children.extend(d.scripts.iter().map(script));
    children.extend(d.envs.iter().map(env));
    children.extend(d.apps.iter().map(app));
    Node { text, children }
}

fn app(a: &model::App) -> Node {
    let mut text = format!("app {}", a.slug);
    if a.display_name != a.slug {
        let _ = write!(text, " \"{}\"", a.display_name);
    }
    if !a.url.is_empty() {
        let _ = write!(text, " url: {}", a.url);
    }
    if !a.command.is_empty() {
        let _ = write!(text, " command: {}", a.command);
    }
    let _ = write!(text, " [{}, {}]", sharing_level_name(a.sharing_level), open_in_name(a.open_in));
    Node::leaf(text)
}

fn script(s: &model::Script) -> Node {
    let mut when = Vec::new();
    if s.run_on_start {
        when.push("on start".to_owned());
    }
    if s.run_on_stop {
        when.push("on stop".to_owned());
    }
    if !s.cron.is_empty() {
        when.push(format!("cron {}", s.cron));
    }
    if s.start_blocks_login {
        when.push("blocks login".to_owned());
    }
    Node::leaf(format!("script \"{}\" ({})", s.display_name, when.join(", ")))
}

fn env(e: &model::Env) -> Node {
    let strategy = if e.merge_strategy.is_empty() {
        String::new()
    } else {
        format!(" ({})", e.merge_strategy)
    };
    Node::leaf(format!("env {}={}{strategy}", e.name, e.value))
}

fn parameter(p: &model::RichParameter) -> Node {
    let mut notes = vec![p.type_.clone()];
    if p.required {
        notes.push("required".into());
    } else {
        notes.push(format!("default {:?}", p.default_value));
    }
    if p.mutable {
        notes.push("mutable".into());
    }
    if p.ephemeral {
        notes.push("ephemeral".into());
    }
    let children =
        p.options.iter().map(|o| Node::leaf(format!("option {} = {}", o.name, o.value))).collect();
    Node { text: format!("parameter {:?} ({})", p.name, notes.join(", ")), children }
}

fn preset(p: &model::Preset) -> Node {
    let default = if p.default { " (default)" } else { "" };
    let mut children: Vec<Node> =
        p.parameters.iter().map(|x| Node::leaf(format!("{} = {}", x.name, x.value))).collect();
    if p.prebuild.instances != 0 {
        children.push(Node::leaf(format!("prebuild {} instances", p.prebuild.instances)));
    }
    Node { text: format!("preset {:?}{default}", p.name), children }
}
