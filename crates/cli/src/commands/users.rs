//! `users` and `orgs`.

use super::{organization, path_segment, user};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json};
use crate::prompt;
use anyhow::Result;
use clap::Subcommand;
use tollgate_api_types as api;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user (owners and user admins). Asks for the password, twice.
    #[command(after_help = "Examples:
  tollgate users create alice --email alice@example.com
  tollgate users create ci-bot --email ci@example.com --no-password --org research")]
    Create {
        /// The username: letters, digits and single hyphens.
        username: String,
        /// The email address they sign in with.
        #[arg(long)]
        email: String,
        /// Their password, for scripts; prefer the prompt (a flag shows in the process list).
        #[arg(long, env = "TOLLGATE_NEW_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// A user who signs in only with API tokens, never with a password.
        #[arg(long, conflicts_with = "password")]
        no_password: bool,
        /// An organization to join, by name or id; repeat for several (default: the default
        /// organization).
        #[arg(long = "org", value_name = "ORG")]
        orgs: Vec<String>,
    },
    /// List users.
    List {
        /// Only users whose username or email contains this text.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show one user.
    Show {
        /// `me`, a username or an id.
        user: String,
        #[command(flatten)]
        out: OutputArgs,
    },
}

pub async fn users(cmd: UsersCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        UsersCommand::Create { username, email, password, no_password, orgs } => {
            let password = if no_password {
                None
            } else {
                Some(prompt::new_password(password, &username, "--password or --no-password")?)
            };
            let mut organization_ids = Vec::new();
            for org in &orgs {
                organization_ids.push(organization(&client, Some(org)).await?.id);
            }
            let req = api::CreateUserRequest {
                email,
                username,
                name: None,
                password,
                login_type: Some(if no_password { "none" } else { "password" }.into()),
                organization_ids: (!organization_ids.is_empty()).then_some(organization_ids),
            };
            let user: api::User = client.post("/api/v2/users", &req).await?;
            println!("Created user {} ({}).", user.username, user.email);
        }
        UsersCommand::List { search, out } => {
            let q = search.map(|s| format!("?q={}", path_segment(&s))).unwrap_or_default();
            let users = client
                .get_all(&format!("/api/v2/users{q}"), 1000, |r: api::GetUsersResponse| r.users)
                .await?;
            if out.json() {
                return print_json(&users);
            }
            let mut table = Columns::new(&["USERNAME", "EMAIL", "ROLES", "STATUS", "ID"]);
            for u in &users {
                table.row([
                    u.username.clone(),
                    u.email.clone(),
                    roles(u),
                    super::wire_name(&u.status),
                    u.id.to_string(),
                ]);
            }
            table.print();
        }
        UsersCommand::Show { user: who, out } => {
            let u = user(&client, &who).await?;
            if out.json() {
                return print_json(&u);
            }
            println!("{} ({})", u.username, u.email);
            println!("roles:  {}", roles(&u));
            println!("status: {}", super::wire_name(&u.status));
            println!("id:     {}", u.id);
        }
    }
    Ok(())
}

fn roles(u: &api::User) -> String {
    let roles: Vec<&str> = u.roles.iter().map(|r| r.name.as_str()).collect();
    if roles.is_empty() { "member".to_owned() } else { roles.join(",") }
}

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Create an organization (owners).
    Create {
        /// The organization's name: letters, digits and single hyphens.
        name: String,
    },
    /// List the organizations you can see.
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Add a user to an organization.
    AddMember {
        /// The organization, by name or id.
        org: String,
        /// The user, by username or id.
        user: String,
    },
}

pub async fn orgs(cmd: OrgsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        OrgsCommand::Create { name } => {
            let req = api::CreateOrganizationRequest {
                name,
                display_name: None,
                description: None,
                icon: None,
            };
            let org: api::Organization = client.post("/api/v2/organizations", &req).await?;
            println!("Created organization {}.", org.name);
        }
        OrgsCommand::List { out } => {
            let orgs: Vec<api::Organization> = client.list("/api/v2/organizations").await?;
            if out.json() {
                return print_json(&orgs);
            }
            let mut table = Columns::new(&["NAME", "DEFAULT", "ID"]);
            for o in &orgs {
                table.row([o.name.clone(), yes(o.is_default), o.id.to_string()]);
            }
            table.print();
        }
        OrgsCommand::AddMember { org, user: who } => {
            let org = organization(&client, Some(&org)).await?;
            let u = user(&client, &who).await?;
            let _: api::OrganizationMember = client
                .post(
                    &format!("/api/v2/organizations/{}/members/{}", org.id, u.id),
                    &serde_json::json!({}),
                )
                .await?;
            println!("Added {} to organization {}.", u.username, org.name);
        }
    }
    Ok(())
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "" }.to_owned()
}
