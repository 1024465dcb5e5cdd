//! `tollgate workspaces`: store a workspace from a Terraform state or plan, list them, and show
//! one as a resource tree (the view `template convert --format tree` gives a conversion).

use super::{organization, path_segment, pick};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use std::fmt::Write;
use std::path::PathBuf;
use tollgate_api_types as api;

const MASK: &str = "********";

#[derive(Debug, Subcommand)]
pub enum WorkspacesCommand {
    /// Store a workspace converted from `terraform show -json` and `terraform graph` output.
    #[command(after_help = "Examples:
  terraform show -json > state.json && terraform graph -type=plan > graph.dot
  tollgate workspaces create dev --state state.json --graph graph.dot
  tollgate workspaces create dev --dir ./my-template      # runs the two commands there")]
    Create(CreateArgs),
    /// List the workspaces you can see (owners and template admins: everyone's).
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show a workspace's resources, agents and apps as a tree.
    Show {
        /// The workspace: its name, `owner/name`, or its id.
        workspace: String,
        #[command(flatten)]
        out: OutputArgs,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The workspace's name: 1–32 letters, digits and single hyphens.
    pub name: String,
    /// `terraform show -json` output of an applied state or a plan; `-` reads standard input.
    #[arg(long, value_name = "FILE.json", required_unless_present = "dir", conflicts_with = "dir")]
    pub state: Option<PathBuf>,
    /// `terraform graph -type=plan` output (DOT) for the same directory.
    #[arg(long, value_name = "FILE.dot", required_unless_present = "dir", conflicts_with = "dir")]
    pub graph: Option<PathBuf>,
    /// An applied Terraform working directory: runs `terraform show -json` and
    /// `terraform graph -type=plan` there instead of reading --state and --graph.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The Terraform binary used with --dir.
    #[arg(long, value_name = "PATH", default_value = "terraform")]
    pub terraform: PathBuf,
    /// Whose workspace it is, by username or id (default: yours).
    #[arg(long, value_name = "USER", default_value = "me")]
    pub owner: String,
    /// The organization, by name or id (default: the default organization).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
}

pub async fn workspaces(cmd: WorkspacesCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        WorkspacesCommand::Create(args) => create(&client, args).await,
        WorkspacesCommand::List { out } => list(&client, out).await,
        WorkspacesCommand::Show { workspace, out } => {
            let w = find(&client, &workspace).await?;
            if out.json() {
                return print_json(&w);
            }
            print!("{}", render_tree(&w));
            Ok(())
        }
    }
}

async fn create(client: &Client, args: CreateArgs) -> Result<()> {
    let (state, graph) = match (&args.dir, &args.state, &args.graph) {
        (Some(dir), _, _) => crate::template::from_terraform(&args.terraform, dir),
        (None, Some(state), Some(graph)) => crate::template::read_pair(state, graph),
        _ => bail!("give --state FILE.json with --graph FILE.dot, or --dir DIR"),
    }
    .map_err(|e| anyhow!(e))?;
    let terraform_state: serde_json::Value = serde_json::from_str(&state)
        .context("the state is not JSON: give the output of `terraform show -json`")?;
    let organization_id = match &args.org {
        Some(org) => Some(organization(client, Some(org)).await?.id),
        None => None,
    };
    let req = api::CreateWorkspaceRequest {
        name: args.name,
        organization_id,
        terraform_state: Some(terraform_state),
        terraform_graph: Some(graph),
        template_id: None,
        rich_parameter_values: None,
        template_version_preset_id: None,
    };
    let path = format!("/api/v2/users/{}/workspaces", path_segment(&args.owner));
    let w: api::Workspace = client.post(&path, &req).await?;
    println!(
        "Created workspace {} for {}: {}, {}.",
        w.name,
        w.owner_name,
        plural(w.latest_build.resources.len(), "resource"),
        plural(agent_count(&w), "agent")
    );
    println!("`tollgate workspaces show {}` shows its resources.", w.name);
    Ok(())
}

/// Summaries: a listed build has no resource tree (`find` fetches it).
async fn list_all(client: &Client) -> Result<Vec<api::Workspace>> {
    client.get_all("/api/v2/workspaces", 1000, |r: api::WorkspacesResponse| r.workspaces).await
}

async fn list(client: &Client, out: OutputArgs) -> Result<()> {
    let workspaces = list_all(client).await?;
    if out.json() {
        return print_json(&workspaces);
    }
    // The list has no resource trees, so no resource or agent counts: `show` has them.
    let header = ["NAME", "OWNER", "FROM", "CREATED", "ID"];
    let mut table = Columns::new(&header);
    for w in &workspaces {
        table.row([
            w.name.clone(),
            w.owner_name.clone(),
            super::wire_name(&w.latest_build.terraform_document),
            w.created_at.format("%Y-%m-%d %H:%M").to_string(),
            w.id.to_string(),
        ]);
    }
    table.print_or(
        "No workspaces yet: `tollgate workspaces create NAME --state FILE.json --graph FILE.dot` \
         stores one.",
    );
    Ok(())
}

/// A workspace, with its resource tree, by id, by `owner/name`, or by name (unique among those
/// the caller sees).
async fn find(client: &Client, query: &str) -> Result<api::Workspace> {
    let id = match query.parse::<uuid::Uuid>() {
        Ok(id) => id,
        Err(_) => find_summary(client, query).await?.id,
    };
    client.get(&format!("/api/v2/workspaces/{id}")).await
}

/// The id of the workspace `query` names (its name or `owner/name`).
pub async fn find_id(client: &Client, query: &str) -> Result<uuid::Uuid> {
    Ok(find_summary(client, query).await?.id)
}

async fn find_summary(client: &Client, query: &str) -> Result<api::Workspace> {
    let (owner, name) = match query.split_once('/') {
        Some((owner, name)) => (Some(owner), name),
        None => (None, query),
    };
    pick(
        list_all(client).await?,
        "workspace",
        query,
        |w| {
            w.name.eq_ignore_ascii_case(name)
                && owner.is_none_or(|o| w.owner_name.eq_ignore_ascii_case(o))
        },
        |w| format!("{}/{}", w.owner_name, w.name),
    )
}

fn agent_count(w: &api::Workspace) -> usize {
    w.latest_build.resources.iter().map(|r| r.agents.len()).sum()
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// A line and the lines under it.
struct Node {
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn leaf(text: String) -> Node {
        Node { text, children: Vec::new() }
    }
}

/// The workspace as an indented tree: resources → metadata and agents → apps, scripts and
/// devcontainers. Sensitive metadata reads `********`.
pub fn render_tree(w: &api::Workspace) -> String {
    let build = &w.latest_build;
    let mut out = format!(
        "workspace {}/{} (build {}, from a {})\n{}, {}\n",
        w.owner_name,
        w.name,
        build.build_number,
        super::wire_name(&build.terraform_document),
        plural(build.resources.len(), "resource"),
        plural(agent_count(w), "agent")
    );
    for r in &build.resources {
        let node = resource(r);
        out.push_str(&node.text);
        out.push('\n');
        render_children(&node.children, "", &mut out);
    }
    if build.has_external_agent {
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

fn resource(r: &api::WorkspaceResource) -> Node {
    let mut text = format!("{}.{}", r.resource_type, r.name);
    let mut notes = Vec::new();
    if r.daily_cost != 0 {
        notes.push(format!("cost {}/day", r.daily_cost));
    }
    if r.hide {
        notes.push("hidden".to_owned());
    }
    if !notes.is_empty() {
        let _ = write!(text, " ({})", notes.join(", "));
    }
    let mut children: Vec<Node> = r
        .metadata
        .iter()
        .map(|m| {
            let value = if m.sensitive { MASK } else { m.value.as_str() };
            Node::leaf(format!("metadata {} = {value}", m.key))
        })
        .collect();
    children.extend(r.agents.iter().map(agent));
    Node { text, children }
}

fn agent(a: &api::WorkspaceAgent) -> Node {
    let mut text = format!("agent {} ({}/{})", a.name, a.operating_system, a.architecture);
    if !a.directory.is_empty() {
        let _ = write!(text, " dir: {}", a.directory);
    }
    let mut children: Vec<Node> = a.scripts.iter().map(script).collect();
    children.extend(a.apps.iter().map(app));
    children.extend(a.devcontainers.iter().map(devcontainer));
    Node { text, children }
}

fn devcontainer(d: &api::WorkspaceAgentDevcontainer) -> Node {
    let mut text = format!("devcontainer {} folder: {}", d.name, d.workspace_folder);
    if !d.config_path.is_empty() {
        let _ = write!(text, " config: {}", d.config_path);
    }
    let children = match &d.agent {
        Some(sub) => {
            let mut children: Vec<Node> = sub.scripts.iter().map(script).collect();
            children.extend(sub.apps.iter().map(app));
            vec![Node { text: format!("sub-agent {}", sub.name), children }]
        }
        None => Vec::new(),
    };
    Node { text, children }
}

fn app(a: &api::WorkspaceApp) -> Node {
    let mut text = format!("app {}", a.slug);
    if a.display_name != a.slug && !a.display_name.is_empty() {
        let _ = write!(text, " \"{}\"", a.display_name);
    }
    if !a.url.is_empty() {
        let _ = write!(text, " url: {}", a.url);
    }
    if !a.command.is_empty() {
        let _ = write!(text, " command: {}", a.command);
    }
    let _ = write!(text, " [{}]", super::wire_name(&a.sharing_level));
    Node::leaf(text)
}

fn script(s: &api::WorkspaceAgentScript) -> Node {
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
    Node::leaf(format!("script \"{}\" ({})", s.display_name, when.join(", ")))
}
