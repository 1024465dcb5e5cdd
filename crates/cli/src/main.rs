//! The `tollgate` binary. Thin: it parses flags and hands over to the server or the HTTP API.

mod client;
mod commands;
mod serve;
mod template;

use clap::{Parser, Subcommand};
use commands::{chat, identity, limits, models};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about = "LLM spend limits for AI coding agents")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Sign in to a deployment (offers first-user setup on a new one).
    Login(identity::LoginArgs),
    /// Sign out and forget the saved session.
    Logout,
    /// Manage users.
    #[command(subcommand)]
    Users(identity::UsersCommand),
    /// Manage organizations.
    #[command(subcommand)]
    Orgs(identity::OrgsCommand),
    /// Manage groups.
    #[command(subcommand)]
    Groups(identity::GroupsCommand),
    /// Manage spend limits.
    #[command(subcommand)]
    Limits(limits::LimitsCommand),
    /// Show what you spent against your limit.
    Usage {
        /// Resolve group limits within this organization.
        #[arg(long)]
        org: Option<String>,
    },
    /// Chat with an agent: `tollgate chat "…"`, `chat send CHAT "…"`, `chat list`.
    Chat(chat::ChatArgs),
    /// Manage model configs and their prices.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Manage LLM providers and their keys.
    #[command(subcommand)]
    Providers(models::ProvidersCommand),
    /// Convert Terraform state or plans into workspace resources.
    Template(template::TemplateArgs),
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Template(args) = cli.command {
        return template::run(args);
    }
    init_logging(matches!(cli.command, Command::Serve(_)));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Login(args) => identity::login(args).await,
        Command::Logout => identity::logout().await,
        Command::Users(cmd) => identity::users(cmd).await,
        Command::Orgs(cmd) => identity::orgs(cmd).await,
        Command::Groups(cmd) => identity::groups(cmd).await,
        Command::Limits(cmd) => limits::limits(cmd).await,
        Command::Usage { org } => limits::usage(org).await,
        Command::Chat(args) => chat::chat(args).await,
        Command::Models(cmd) => models::models(cmd).await,
        Command::Providers(cmd) => models::providers(cmd).await,
        Command::Openapi => {
            println!("{}", tollgate_server::openapi_json());
            Ok(())
        }
        Command::Template(_) => {
            anyhow::bail!("template commands run before the async runtime starts")
        }
    }
}

/// The server logs at `info` (override with `RUST_LOG`); client commands only warn.
fn init_logging(server: bool) {
    let default = if server { "info,sqlx=warn,tower_http=info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
