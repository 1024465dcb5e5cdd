//! `tollgate serve`: open the database (running its migrations), bind, serve until a signal.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use tollgate_core::{Clock, Enforcement, SystemClock};
use tollgate_server::secrets::SecretBox;
use tollgate_server::{AppState, LimitFailureMode, Settings};

mod database;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, env = "TOLLGATE_LISTEN", default_value = "127.0.0.1:3000", value_name = "ADDR")]
    pub listen: String,
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`. Default: an SQLite file in the
    /// data directory (`$TOLLGATE_DATA_DIR`, else `~/.local/share/tollgate`), created 0600.
    #[arg(long, env = "TOLLGATE_DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database: Option<String>,
    /// What an admission point does when the spend-limit lookup itself fails: `open` allows
    /// (and counts it in a metric), `closed` answers 503.
    #[arg(long, env = "TOLLGATE_LIMIT_FAILURE_MODE", value_enum, default_value = "open")]
    pub limit_failure_mode: FailureModeArg,
    /// 64 hex characters that encrypt provider API keys at rest. Replicas sharing a database
    /// must share it. Default: a key generated once into the data directory (`secret.key`).
    #[arg(long, env = "TOLLGATE_SECRET_KEY", hide_env_values = true, value_name = "HEX")]
    pub secret_key: Option<String>,
    /// Largest workspace-creation body (a Terraform state or plan plus its graph), in MiB.
    /// Every other request is held to 1 MiB.
    #[arg(long, env = "TOLLGATE_MAX_TERRAFORM_MIB", default_value_t = 32, value_name = "MIB", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_terraform_mib: u16,
    /// Workspace creations converting Terraform at once (each holds a few times its body in
    /// memory); one that finds no free slot within 10 s is answered 503 with Retry-After.
    #[arg(long, env = "TOLLGATE_TERRAFORM_CONVERSIONS", default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub terraform_conversions: u16,
    /// `strict` (the default): every run reserves what it may cost before it calls the model, so
    /// no window is ever overspent. `check`: Coder's check-then-write.
    #[arg(long, env = "TOLLGATE_LIMIT_ENFORCEMENT", value_enum, default_value = "strict")]
    pub limit_enforcement: EnforcementArg,
    /// Seconds without a heartbeat after which another replica takes a run over (its cost is
    /// settled at its recorded progress and the chat runs again).
    #[arg(long, env = "TOLLGATE_STALE_RUN_TIMEOUT", default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub stale_run_timeout: u64,
    /// At shutdown, seconds to wait for chat runs in flight to finish and save; results the
    /// database cannot take by then go to the journal in the data directory, saved at the next
    /// start.
    #[arg(long, env = "TOLLGATE_DRAIN_TIMEOUT", default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub drain_timeout: u64,
    /// This replica's id, stable across its restarts (a restarted replica takes over what it
    /// left running at once). Default: one generated into the data directory (`replica-id`):
    /// replicas must not share a data directory.
    #[arg(long, env = "TOLLGATE_REPLICA_ID", value_name = "ID")]
    pub replica_id: Option<String>,
    /// Seconds a request waits for a database connection before it is answered 503: an outage
    /// is a fast, clear answer rather than a hang, and the server recovers on its own.
    #[arg(long, env = "TOLLGATE_DB_ACQUIRE_TIMEOUT", default_value_t = 2, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=60))]
    pub db_acquire_timeout: u64,
    /// Refuse limit-event webhooks (and their deliveries) to loopback, private and link-local
    /// addresses, so webhooks cannot reach into the deployment's own network.
    #[arg(long, env = "TOLLGATE_WEBHOOK_DENY_PRIVATE")]
    pub webhook_deny_private: bool,
    /// Provisioner workers in this process: each runs one Terraform job at a time, as this
    /// server's OS user (docs/provisioner.md). 0 runs none.
    #[arg(long, env = "TOLLGATE_PROVISIONERS", default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=64))]
    pub provisioners: u16,
    /// Minutes a provisioner job may run before it is stopped and failed.
    #[arg(long, env = "TOLLGATE_PROVISIONER_TIMEOUT", default_value_t = 30, value_name = "MINUTES", value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub provisioner_timeout: u64,
    /// The Terraform binary the provisioner runs.
    #[arg(long, env = "TOLLGATE_TERRAFORM", default_value = "terraform", value_name = "PATH")]
    pub terraform: std::path::PathBuf,
    /// The `terraform-provider-coder` binary (default: beside this executable).
    #[arg(long, env = "TOLLGATE_PROVIDER_BINARY", value_name = "PATH")]
    pub provider_binary: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EnforcementArg {
    /// Reserve before every call: limits hold under any concurrency (accounting.md).
    Strict,
    /// Check, then write (Coder's behaviour): concurrent work can pass the limit.
    Check,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FailureModeArg {
    /// Allow the message, and count it in `tollgate_usage_limit_check_failures_total`.
    Open,
    /// Refuse the message with 503.
    Closed,
}

/// `$TOLLGATE_DATA_DIR`, else `~/.local/share/tollgate`; created readable by its owner only
/// (0700), since it holds the database and the key that seals provider keys.
fn data_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("TOLLGATE_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home =
                std::env::var_os("HOME").context("set HOME, TOLLGATE_DATA_DIR or --database")?;
            PathBuf::from(home).join(".local/share/tollgate")
        }
    };
    crate::profiles::create_private_dir(&dir)
        .with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}

/// The given key, else the data directory's key file, created (mode 0600) on first start.
fn secret_box(given: Option<String>) -> Result<SecretBox> {
    if let Some(hex) = given {
        return SecretBox::from_hex(&hex).context("TOLLGATE_SECRET_KEY");
    }
    let path = data_dir()?.join("secret.key");
    if !path.exists() {
        crate::profiles::write_private(&path, SecretBox::generate_hex().as_bytes())
            .with_context(|| format!("write {}", path.display()))?;
    }
    let hex = std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
    SecretBox::from_hex(&hex).with_context(|| format!("the key in {}", path.display()))
}

/// The given id, else the data directory's, generated on first start.
fn replica_id(given: Option<String>) -> Result<String> {
    if let Some(id) = given.filter(|id| !id.trim().is_empty()) {
        return Ok(id.trim().to_owned());
    }
    let path = data_dir()?.join("replica-id");
    if !path.exists() {
        let id = format!("replica-{}", uuid::Uuid::new_v4().simple());
        crate::profiles::write_private(&path, id.as_bytes())
            .with_context(|| format!("write {}", path.display()))?;
    }
    let id = std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
    Ok(id.trim().to_owned())
}

pub(crate) fn default_database() -> Result<String> {
    Ok(format!("sqlite://{}", data_dir()?.join("tollgate.db").display()))
}

pub async fn run(args: ServeArgs) -> Result<()> {
    let url = match args.database {
        Some(url) => url,
        None => default_database()?,
    };
    let shown_url = tollgate_store::redact_url(&url);
    let store = database::open(&url, std::time::Duration::from_secs(args.db_acquire_timeout))
        .await
        .with_context(|| format!("open the database {shown_url}"))?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let new_deployment = !store.has_any_user().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if tollgate_server::ensure_offline_model(&store, &clock).await? {
        tracing::info!("added the offline `simulated` model as the default model");
    }
    let mut settings = Settings::with_secret_box(secret_box(args.secret_key)?);
    settings.max_terraform_bytes = usize::from(args.max_terraform_mib) * 1024 * 1024;
    settings.terraform_conversions = usize::from(args.terraform_conversions);
    settings.limit_failure_mode = match args.limit_failure_mode {
        FailureModeArg::Open => LimitFailureMode::Open,
        FailureModeArg::Closed => LimitFailureMode::Closed,
    };
    settings.limit_enforcement = match args.limit_enforcement {
        EnforcementArg::Strict => Enforcement::Strict,
        EnforcementArg::Check => Enforcement::Check,
    };
    settings.webhooks.deny_private = args.webhook_deny_private;
    settings.chat.stale_after = std::time::Duration::from_secs(args.stale_run_timeout);
    settings.chat.drain_timeout = std::time::Duration::from_secs(args.drain_timeout);
    settings.chat.worker_id = replica_id(args.replica_id)?;
    settings.chat.journal_dir = Some(data_dir()?);
    settings.provisioner.workers = usize::from(args.provisioners);
    settings.provisioner.timeout = std::time::Duration::from_secs(args.provisioner_timeout * 60);
    settings.provisioner.terraform = args.terraform;
    settings.provisioner.provider_binary = args.provider_binary;
    settings.provisioner.stale_after = settings.chat.stale_after;
    settings.provisioner.worker_id = format!("{}-provisioner", settings.chat.worker_id);
    let state = AppState::new(store, clock, settings);
    println!("tollgate {} listening on http://{addr}", env!("CARGO_PKG_VERSION"));
    println!("database: {shown_url}");
    if new_deployment {
        println!(
            "This is a new deployment. Create the first user with:\n  tollgate login http://{addr}"
        );
    }
    tracing::info!(%addr, "serving");
    tollgate_server::run(listener, state, shutdown_signal()).await.context("serve HTTP")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
