//! `login`, `logout`, `whoami` and `profiles`: signing in, one saved session per profile.

use crate::client::{Client, deployment_url, failure};
use crate::output::{Columns, OutputArgs, print_json};
use crate::profiles::{self, DEFAULT_PROFILE, Profile, Profiles};
use crate::prompt;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use tollgate_api_types as api;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tollgate login http://127.0.0.1:3000                  # first user, or sign in
  tollgate login 127.0.0.1:3000 --email alice@example.com --profile alice
  tollgate --profile alice usage                        # a command as alice")]
pub struct LoginArgs {
    /// The deployment: `http://127.0.0.1:3000`, `127.0.0.1:3000`, or any URL of its API.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Your email address (asked when left out).
    #[arg(long)]
    pub email: Option<String>,
    /// First-user setup only: the owner's username (asked when left out).
    #[arg(long)]
    pub username: Option<String>,
    /// The password, for scripts; prefer the prompt (a flag shows in the process list).
    #[arg(long, env = "TOLLGATE_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

const NOT_SET_UP: &str = "The initial user has not been created!";

/// Whether the deployment still waits for its first user; an error when `base` is not a
/// tollgate (or Coder) deployment at all.
async fn is_new_deployment(client: &Client) -> Result<bool> {
    let (status, text) = client.raw::<()>(Method::GET, "/api/v2/users/first", None).await?;
    let message = serde_json::from_str::<api::Response>(&text).map(|r| r.message);
    match (status, message) {
        (StatusCode::OK, Ok(_)) => Ok(false),
        (StatusCode::NOT_FOUND, Ok(m)) if m == NOT_SET_UP => Ok(true),
        _ => bail!(
            "{} does not look like a tollgate deployment: GET /api/v2/users/first answered \
             {status} ({}). Give the address `tollgate serve` prints, e.g. http://127.0.0.1:3000",
            client.base(),
            failure(status, &text)
        ),
    }
}

pub async fn login(args: LoginArgs) -> Result<()> {
    let base = deployment_url(&args.url)?;
    let anonymous = Client::new(&base, None);
    let (email, password) = if is_new_deployment(&anonymous).await? {
        first_user(&anonymous, args).await?
    } else {
        let email = prompt::ask("Email", args.email, "--email")?;
        let password = prompt::existing_password(args.password, &email, "--password")?;
        (email, password)
    };
    let req = api::LoginWithPasswordRequest { email, password };
    let resp: api::LoginWithPasswordResponse = anonymous.post("/api/v2/users/login", &req).await?;
    let signed_in = Client::new(&base, Some(resp.session_token.clone()));
    let me: api::User = signed_in.get("/api/v2/users/me").await?;
    let profile =
        Profile { url: base, token: resp.session_token, username: me.username, email: me.email };
    save_profile(profile)
}

async fn first_user(client: &Client, args: LoginArgs) -> Result<(String, String)> {
    eprintln!("{} has no users yet. Create the first user (an owner).", client.base());
    let username = prompt::ask("Username", args.username, "--username")?;
    let email = prompt::ask("Email", args.email, "--email")?;
    let password = prompt::new_password(args.password, &username, "--password")?;
    let req = api::CreateFirstUserRequest {
        email: email.clone(),
        username: username.clone(),
        name: None,
        password: password.clone(),
    };
    let _: api::CreateFirstUserResponse = client.post("/api/v2/users/first", &req).await?;
    println!("Created the first user {username}, an owner.");
    Ok((email, password))
}

fn save_profile(profile: Profile) -> Result<()> {
    let mut all = Profiles::load()?;
    let name = all.current_name();
    let line = format!("Signed in to {} as {} ({})", profile.url, profile.username, profile.email);
    all.profiles.insert(name.clone(), profile);
    if all.active.is_none() {
        all.active = Some(name.clone());
    }
    let active = all.active.as_deref() == Some(name.as_str());
    let path = all.save()?;
    println!("{line}; saved as profile {name} in {}.", path.display());
    if !active {
        println!(
            "Use it with `--profile {name}`, or make it the default with \
             `tollgate profiles use {name}`."
        );
    }
    Ok(())
}

pub async fn logout() -> Result<()> {
    let mut all = Profiles::load()?;
    let (name, profile) = all.current()?;
    let client = Client::new(&profile.url, Some(profile.token));
    // Best effort: the token is forgotten here even if the server cannot be told.
    let _: Option<api::Response> =
        client.post("/api/v2/users/logout", &serde_json::json!({})).await.ok();
    all.profiles.remove(&name);
    if all.active.as_deref() == Some(name.as_str()) {
        all.active = None;
    }
    all.save()?;
    println!("Signed out of {} (profile {name}).", profile.url);
    Ok(())
}

#[derive(Serialize)]
struct WhoAmI {
    profile: Option<String>,
    url: String,
    user: api::User,
}

pub async fn whoami(out: OutputArgs) -> Result<()> {
    let client = Client::from_session()?;
    let user: api::User = client.get("/api/v2/users/me").await?;
    let me =
        WhoAmI { profile: client.profile().map(str::to_owned), url: client.base().into(), user };
    if out.json() {
        return print_json(&me);
    }
    let roles: Vec<&str> = me.user.roles.iter().map(|r| r.name.as_str()).collect();
    let roles = if roles.is_empty() { "member".to_owned() } else { roles.join(", ") };
    println!("{} ({}) on {}", me.user.username, me.user.email, me.url);
    println!("roles: {roles}");
    match &me.profile {
        Some(p) => println!("profile: {p}"),
        None => println!("profile: none (TOLLGATE_URL and TOLLGATE_TOKEN)"),
    }
    Ok(())
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProfilesArgs {
    #[command(subcommand)]
    pub command: Option<ProfilesCommand>,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// List the saved profiles (the default when no subcommand is given).
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Make a profile the one used when no `--profile` is given.
    Use {
        /// The profile's name, as `tollgate profiles` lists it.
        name: String,
    },
    /// Forget a profile's session (without signing it out on the server).
    Rm {
        /// The profile's name, as `tollgate profiles` lists it.
        name: String,
    },
}

#[derive(Serialize)]
struct ProfileView<'a> {
    name: &'a str,
    active: bool,
    url: &'a str,
    username: &'a str,
    email: &'a str,
}

pub fn profiles(args: ProfilesArgs) -> Result<()> {
    let mut all = Profiles::load()?;
    match args.command {
        None => list(&all, args.out),
        Some(ProfilesCommand::List { out }) => list(&all, out),
        Some(ProfilesCommand::Use { name }) => {
            known(&all, &name)?;
            all.active = Some(name.clone());
            all.save()?;
            println!("Commands now use profile {name} unless --profile names another.");
            Ok(())
        }
        Some(ProfilesCommand::Rm { name }) => {
            known(&all, &name)?;
            all.profiles.remove(&name);
            if all.active.as_deref() == Some(name.as_str()) {
                all.active = None;
            }
            all.save()?;
            println!("Forgot profile {name}.");
            Ok(())
        }
    }
}

fn known(all: &Profiles, name: &str) -> Result<()> {
    if all.profiles.contains_key(name) {
        return Ok(());
    }
    let names: Vec<&str> = all.profiles.keys().map(String::as_str).collect();
    if names.is_empty() {
        bail!("no profiles yet: `tollgate login URL --profile {name}` creates one");
    }
    bail!("no profile named {name:?} (there are: {})", names.join(", "))
}

fn list(all: &Profiles, out: OutputArgs) -> Result<()> {
    let current = profiles::selected()
        .or_else(|| all.active.clone())
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    let views: Vec<ProfileView> = all
        .profiles
        .iter()
        .map(|(name, p)| ProfileView {
            name,
            active: *name == current,
            url: &p.url,
            username: &p.username,
            email: &p.email,
        })
        .collect();
    if out.json() {
        return print_json(&views);
    }
    if views.is_empty() {
        println!("No profiles yet: `tollgate login URL` signs in and saves one.");
        return Ok(());
    }
    let mut table = Columns::new(&["", "PROFILE", "USER", "EMAIL", "URL"]);
    for v in &views {
        table.row([if v.active { "*" } else { "" }, v.name, v.username, v.email, v.url]);
    }
    table.print();
    Ok(())
}

/// The saved token of the current profile, for the chat stream's WebSocket.
pub fn token_of(client: &Client) -> Result<String> {
    client.token().map(str::to_owned).context("not signed in: run `tollgate login URL` first")
}
