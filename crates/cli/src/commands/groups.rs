//! `groups`: groups of users within an organization (group spend limits apply to them).

use super::{group, organization, user};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json};
use anyhow::Result;
use clap::{Args, Subcommand};
use tollgate_api_types as api;

/// `--org` for commands that find a group by name.
#[derive(Debug, Clone, Args)]
pub struct OrgArg {
    /// The organization the group is in, by name or id (default: the default organization).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Create a group in an organization.
    Create {
        /// The group's name: letters, digits and single hyphens.
        name: String,
        #[command(flatten)]
        org: OrgArg,
    },
    /// Add users to a group.
    Add {
        /// The group, by name or id.
        group: String,
        /// The users to add, by username or id.
        #[arg(required = true, value_name = "USER")]
        users: Vec<String>,
        #[command(flatten)]
        org: OrgArg,
    },
    /// Remove users from a group.
    Remove {
        /// The group, by name or id.
        group: String,
        /// The users to remove, by username or id.
        #[arg(required = true, value_name = "USER")]
        users: Vec<String>,
        #[command(flatten)]
        org: OrgArg,
    },
    /// List an organization's groups.
    List {
        #[command(flatten)]
        org: OrgArg,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show a group and its members.
    Show {
        /// The group, by name or id.
        group: String,
        #[command(flatten)]
        org: OrgArg,
        #[command(flatten)]
        out: OutputArgs,
    },
}

pub async fn groups(cmd: GroupsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        GroupsCommand::Create { name, org } => {
            let org = organization(&client, org.org.as_deref()).await?;
            let req = api::CreateGroupRequest { name, display_name: None, avatar_url: None };
            let g: api::Group =
                client.post(&format!("/api/v2/organizations/{}/groups", org.id), &req).await?;
            println!("Created group {} in organization {}.", g.name, org.name);
        }
        GroupsCommand::Add { group: name, users, org } => {
            change_members(&client, &name, org.org, users, true).await?
        }
        GroupsCommand::Remove { group: name, users, org } => {
            change_members(&client, &name, org.org, users, false).await?
        }
        GroupsCommand::List { org, out } => {
            let org = organization(&client, org.org.as_deref()).await?;
            let groups: Vec<api::Group> =
                client.list(&format!("/api/v2/organizations/{}/groups", org.id)).await?;
            if out.json() {
                return print_json(&groups);
            }
            let mut table = Columns::new(&["GROUP", "MEMBERS", "ID"]).right(1);
            for g in &groups {
                table.row([g.name.clone(), g.total_member_count.to_string(), g.id.to_string()]);
            }
            table.print();
        }
        GroupsCommand::Show { group: name, org, out } => {
            let g = group(&client, &name, org.org.as_deref()).await?;
            if out.json() {
                return print_json(&g);
            }
            println!("{}: {} member(s)", g.name, g.total_member_count);
            let mut table = Columns::new(&["USERNAME", "EMAIL"]);
            for m in &g.members {
                table.row([&m.username, &m.email]);
            }
            table.print();
        }
    }
    Ok(())
}

async fn change_members(
    client: &Client,
    name: &str,
    org: Option<String>,
    users: Vec<String>,
    add: bool,
) -> Result<()> {
    let g = group(client, name, org.as_deref()).await?;
    let mut ids = Vec::with_capacity(users.len());
    for who in &users {
        ids.push(user(client, who).await?.id);
    }
    let req = if add {
        api::PatchGroupRequest { add_users: Some(ids), ..Default::default() }
    } else {
        api::PatchGroupRequest { remove_users: Some(ids), ..Default::default() }
    };
    let g: api::Group = client.patch(&format!("/api/v2/groups/{}", g.id), &req).await?;
    println!("Group {} now has {} member(s).", g.name, g.total_member_count);
    Ok(())
}
