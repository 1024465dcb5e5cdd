//! The `tollgate` binary. Thin: it parses flags and hands over to the server or the HTTP API.

mod admin;
mod client;
mod commands;
mod output;
mod profiles;
mod prompt;
mod serve;
mod template;

use clap::{Args, CommandFactory, Parser, Subcommand};
use commands::{chat, groups, limits, models, session, templates, tokens, users, workspaces};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "tollgate",
    version,
    about = "LLM spend limits for AI coding agents",
    after_help = "Amounts are dollars written as plain numbers (35, 12.50, 0.002), so a shell \
                  never reads them as variables; '$35' (quoted) and 12500000micros work too.\n\
                  Objects are named by name or by id.",
    max_term_width = 100
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// The saved session to use (see `tollgate profiles`); default: the active profile.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_PROFILE",
        value_name = "NAME",
        help_heading = "Global options",
        display_order = 900
    )]
    profile: Option<String>,
    /// When to colour output.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        value_name = "WHEN",
        help_heading = "Global options",
        display_order = 901
    )]
    color: output::ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Sign in to a deployment (offers first-user setup on a new one) and save the session.
    Login(session::LoginArgs),
    /// Sign out and forget the current profile's session.
    Logout,
    /// Show who the current profile is signed in as, and where.
    Whoami {
        #[command(flatten)]
        out: output::OutputArgs,
    },
    /// List saved profiles, or choose the one used by default.
    Profiles(session::ProfilesArgs),
    /// Manage users.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Manage organizations.
    #[command(subcommand)]
    Orgs(users::OrgsCommand),
    /// Manage groups.
    #[command(subcommand)]
    Groups(groups::GroupsCommand),
    /// Manage spend limits: the default, group limits and per-user overrides.
    #[command(subcommand)]
    Limits(limits::LimitsCommand),
    /// Show what you spent against your limit, and when it resets.
    Usage(limits::UsageArgs),
    /// Chat with an agent: `tollgate chat "…"`, `chat send CHAT "…"`, `chat list`.
    Chat(chat::ChatArgs),
    /// Manage model configs and their prices.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Manage LLM providers and their keys.
    #[command(subcommand)]
    Providers(models::ProvidersCommand),
    /// API keys for agents and the gateway, with optional spend caps.
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// Store, list and show workspaces built from Terraform.
    #[command(subcommand)]
    Workspaces(workspaces::WorkspacesCommand),
    /// Push and list templates the server's provisioner runs.
    #[command(subcommand)]
    Templates(templates::TemplatesCommand),
    /// Create a workspace from a template and follow its first build.
    Create(templates::CreateArgs),
    /// Stop a workspace (a build with the `stop` transition), following it to its end.
    Stop {
        /// The workspace: its name, `owner/name`, or its id.
        workspace: String,
    },
    /// Delete a workspace (Terraform destroys its resources), following the build to its end.
    Delete {
        /// The workspace: its name, `owner/name`, or its id.
        workspace: String,
    },
    /// A workspace build's logs.
    #[command(subcommand)]
    Builds(templates::BuildsCommand),
    /// Convert Terraform state or plans into workspace resources (offline).
    Template(template::TemplateArgs),
    /// Print a shell completion script: `tollgate completions bash > /etc/bash_completion.d/tollgate`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
    /// Operator commands on the database itself.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    output::set_color(cli.global.color);
    profiles::select(cli.global.profile);
    match cli.command {
        Command::Template(args) => return template::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "tollgate", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    init_logging(matches!(cli.command, Command::Serve(_)));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{} cannot start the async runtime: {e}", output::error_label());
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{} {e:#}", output::error_label());
            ExitCode::FAILURE
        }
    }
}

/// Prints clap's error; a missing amount gets the reason it most often goes missing.
fn usage_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    let missing_amount = e.kind() == clap::error::ErrorKind::MissingRequiredArgument
        && matches!(
            e.get(clap::error::ContextKind::InvalidArg),
            Some(clap::error::ContextValue::Strings(args)) if args.iter().any(|a| a == "<AMOUNT>")
        );
    if missing_amount {
        eprintln!("\n{} {}", output::hint_label(), commands::limits::SHELL_HINT);
    }
    if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

async fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    let done = match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Login(args) => session::login(args).await,
        Command::Logout => session::logout().await,
        Command::Whoami { out } => session::whoami(out).await,
        Command::Profiles(args) => session::profiles(args),
        Command::Users(cmd) => users::users(cmd).await,
        Command::Orgs(cmd) => users::orgs(cmd).await,
        Command::Groups(cmd) => groups::groups(cmd).await,
        Command::Limits(cmd) => limits::limits(cmd).await,
        Command::Usage(args) => limits::usage(args).await,
        Command::Chat(args) => chat::chat(args).await,
        Command::Models(cmd) => models::models(cmd).await,
        Command::Providers(cmd) => models::providers(cmd).await,
        Command::Tokens(cmd) => tokens::tokens(cmd).await,
        Command::Workspaces(cmd) => workspaces::workspaces(cmd).await,
        Command::Templates(cmd) => templates::templates(cmd).await,
        Command::Create(args) => templates::create(args).await,
        Command::Stop { workspace } => {
            templates::transition(&workspace, tollgate_api_types::WorkspaceTransition::Stop).await
        }
        Command::Delete { workspace } => {
            templates::transition(&workspace, tollgate_api_types::WorkspaceTransition::Delete).await
        }
        Command::Builds(cmd) => templates::builds(cmd).await,
        Command::Openapi => {
            println!("{}", tollgate_server::openapi_json());
            Ok(())
        }
        Command::Admin(cmd) => return admin::run(cmd).await,
        Command::Template(_) | Command::Completions { .. } => {
            anyhow::bail!("this command runs before the async runtime starts")
        }
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// The server logs at `info` (override with `RUST_LOG`); client commands only warn. Colours
/// only on a terminal: a piped or redirected log stays plain text.
fn init_logging(server: bool) {
    let default = if server { "info,sqlx=warn,tower_http=info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(output::color_for(std::io::stderr().is_terminal()))
        .with_writer(std::io::stderr)
        .init();
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command, option and positional says what it is for (`--help` and `-h` aside).
    #[test]
    fn every_command_and_argument_is_described() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                if sub.get_name() != "help" && sub.get_about().is_none() {
                    missing.push(name.clone());
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "tollgate", &mut missing);
        assert!(missing.is_empty(), "undescribed: {missing:#?}");
        Cli::command().debug_assert();
    }
}
