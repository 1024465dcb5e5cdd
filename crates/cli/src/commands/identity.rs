//! `login`, `logout`, `users`, `orgs`, `groups`.

use super::{group, organization, user_id};
use crate::client::{Client, Session};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use reqwest::StatusCode;
use std::io::{BufRead, Write};
use tollgate_api_types as api;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The deployment, e.g. http://127.0.0.1:3000.
    pub url: String,
    #[arg(long)]
    pub email: Option<String>,
    /// Only for first-user setup.
    #[arg(long)]
    pub username: Option<String>,
    /// Prefer the prompt; this flag is for scripts (it shows in the process list).
    #[arg(long, env = "TOLLGATE_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

fn ask(prompt: &str, given: Option<String>) -> Result<String> {
    if let Some(value) = given {
        return Ok(value);
    }
    print!("{prompt}: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

fn ask_password(given: Option<String>) -> Result<String> {
    match given {
        Some(pw) => Ok(pw),
        None => rpassword::prompt_password("Password: ").context("read the password"),
    }
}

pub async fn login(args: LoginArgs) -> Result<()> {
    let anonymous = Client::new(&args.url, None);
    if is_new_deployment(&anonymous).await? {
        println!("This deployment has no users yet. Create the first user (an owner).");
        let username = ask("Username", args.username)?;
        let email = ask("Email", args.email)?;
        let password = ask_password(args.password)?;
        let req = api::CreateFirstUserRequest { email, username, name: None, password };
        let _: api::CreateFirstUserResponse = anonymous.post("/api/v2/users/first", &req).await?;
        println!("Created the first user {}.", req.username);
        return finish_login(&anonymous, req.email, req.password).await;
    }
    let email = ask("Email", args.email)?;
    finish_login(&anonymous, email, ask_password(args.password)?).await
}

async fn is_new_deployment(client: &Client) -> Result<bool> {
    let resp = reqwest::get(format!("{}/api/v2/users/first", client.base()))
        .await
        .with_context(|| format!("cannot reach {}", client.base()))?;
    Ok(resp.status() == StatusCode::NOT_FOUND)
}

async fn finish_login(client: &Client, email: String, password: String) -> Result<()> {
    let req = api::LoginWithPasswordRequest { email: email.clone(), password };
    let resp: api::LoginWithPasswordResponse = client.post("/api/v2/users/login", &req).await?;
    let path = Session { url: client.base().to_owned(), token: resp.session_token }.save()?;
    println!("Signed in to {} as {email}; session saved in {}.", client.base(), path.display());
    Ok(())
}

pub async fn logout() -> Result<()> {
    if let Ok(client) = Client::from_session() {
        let _: Option<api::Response> =
            client.post("/api/v2/users/logout", &serde_json::json!({})).await.ok();
    }
    Session::forget()?;
    println!("Signed out.");
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user (owner or user-admin).
    Create {
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, env = "TOLLGATE_NEW_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// A user who signs in only with API tokens.
        #[arg(long, conflicts_with = "password")]
        no_password: bool,
        /// Organization ids (default: the default organization).
        #[arg(long = "org")]
        orgs: Vec<uuid::Uuid>,
    },
    /// List users.
    List {
        #[arg(long)]
        search: Option<String>,
    },
}

pub async fn users(cmd: UsersCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        UsersCommand::Create { username, email, password, no_password, orgs } => {
            let password = if no_password { None } else { Some(ask_password(password)?) };
            let req = api::CreateUserRequest {
                email,
                username,
                name: None,
                password,
                login_type: Some(if no_password { "none" } else { "password" }.into()),
                organization_ids: (!orgs.is_empty()).then_some(orgs),
            };
            let user: api::User = client.post("/api/v2/users", &req).await?;
            println!("Created user {} ({}).", user.username, user.id);
        }
        UsersCommand::List { search } => {
            let q = search.map(|s| format!("?q={}", urlencode(&s))).unwrap_or_default();
            let resp: api::GetUsersResponse = client.get(&format!("/api/v2/users{q}")).await?;
            println!("{:<24} {:<32} {:<20} ID", "USERNAME", "EMAIL", "ROLES");
            for u in resp.users {
                let roles: Vec<_> = u.roles.iter().map(|r| r.name.as_str()).collect();
                println!("{:<24} {:<32} {:<20} {}", u.username, u.email, roles.join(","), u.id);
            }
        }
    }
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Create an organization (owner).
    Create { name: String },
    /// List the organizations you can see.
    List,
    /// Add a user to an organization.
    AddMember { org: String, user: String },
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
            println!("Created organization {} ({}).", org.name, org.id);
        }
        OrgsCommand::List => {
            let orgs: Vec<api::Organization> = client.get("/api/v2/organizations").await?;
            for o in orgs {
                let default = if o.is_default { " (default)" } else { "" };
                println!("{:<24} {}{default}", o.name, o.id);
            }
        }
        OrgsCommand::AddMember { org, user } => {
            let org = organization(&client, Some(&org)).await?;
            let _: api::OrganizationMember = client
                .post(
                    &format!("/api/v2/organizations/{}/members/{user}", org.id),
                    &serde_json::json!({}),
                )
                .await?;
            println!("Added {user} to {}.", org.name);
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Create a group in an organization.
    Create {
        name: String,
        #[arg(long)]
        org: Option<String>,
    },
    /// Add users to a group.
    Add {
        group: String,
        #[arg(required = true)]
        users: Vec<String>,
        #[arg(long)]
        org: Option<String>,
    },
    /// Remove users from a group.
    Remove {
        group: String,
        #[arg(required = true)]
        users: Vec<String>,
        #[arg(long)]
        org: Option<String>,
    },
    /// List an organization's groups.
    List {
        #[arg(long)]
        org: Option<String>,
    },
}

pub async fn groups(cmd: GroupsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        GroupsCommand::Create { name, org } => {
            let org = organization(&client, org.as_deref()).await?;
            let req = api::CreateGroupRequest { name, display_name: None, avatar_url: None };
            let g: api::Group =
                client.post(&format!("/api/v2/organizations/{}/groups", org.id), &req).await?;
            println!("Created group {} in {} ({}).", g.name, org.name, g.id);
        }
        GroupsCommand::Add { group: name, users, org } => {
            change_members(&client, &name, org, users, true).await?
        }
        GroupsCommand::Remove { group: name, users, org } => {
            change_members(&client, &name, org, users, false).await?
        }
        GroupsCommand::List { org } => {
            let org = organization(&client, org.as_deref()).await?;
            let groups: Vec<api::Group> =
                client.get(&format!("/api/v2/organizations/{}/groups", org.id)).await?;
            println!("{:<24} {:>8}  ID", "GROUP", "MEMBERS");
            for g in groups {
                println!("{:<24} {:>8}  {}", g.name, g.total_member_count, g.id);
            }
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
    for user in &users {
        ids.push(user_id(client, user).await?);
    }
    if ids.is_empty() {
        bail!("name at least one user");
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
