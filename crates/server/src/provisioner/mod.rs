//! tollgate's provisioner (provisioner.md §3): workers in `serve` (`--provisioners N`) claim
//! jobs from the database queue, run Terraform for them in a directory of their own with the
//! `coder` provider installed from an offline mirror, store every output line as a log, and
//! hand the result back to the store. A sweeper fails the jobs of workers that stopped
//! heartbeating. Jobs run as the server's OS user, with no further sandbox.

pub mod archive;
mod job;
pub use job::ImportResult;
pub mod params;
mod terraform;

pub use terraform::{SUPPORTED, check_version};

use crate::state::AppState;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tollgate_provider_coder::{CliConfig, InstallOptions, install_mirror};
use tollgate_store::NewJobLog;
use uuid::Uuid;

/// How the provisioner runs (`serve --provisioners`, `--provisioner-timeout`, `--terraform`).
#[derive(Debug, Clone)]
pub struct ProvisionerSettings {
    /// Workers in this process; 0 runs none (jobs wait for another replica).
    pub workers: usize,
    /// A job running longer is stopped and failed.
    pub timeout: Duration,
    /// The `terraform` binary.
    pub terraform: PathBuf,
    /// The `terraform-provider-coder` binary; `None`: next to the running executable.
    pub provider_binary: Option<PathBuf>,
    pub heartbeat_interval: Duration,
    /// A running job whose heartbeat is older than this is failed.
    pub stale_after: Duration,
    /// How often an idle worker looks for a job.
    pub poll_interval: Duration,
    /// Prefix of this process's worker ids.
    pub worker_id: String,
}

impl Default for ProvisionerSettings {
    fn default() -> Self {
        ProvisionerSettings {
            workers: 2,
            timeout: Duration::from_secs(30 * 60),
            terraform: PathBuf::from("terraform"),
            provider_binary: None,
            heartbeat_interval: Duration::from_secs(2),
            stale_after: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            worker_id: format!("provisioner-{}", Uuid::new_v4().simple()),
        }
    }
}

/// The provider binary: as configured, else `terraform-provider-coder` beside this executable
/// (where `cargo build` and the release archive put it).
pub fn provider_binary(settings: &ProvisionerSettings) -> Option<PathBuf> {
    if let Some(path) = &settings.provider_binary {
        return Some(path.clone());
    }
    let exe = std::env::current_exe().ok()?;
    let beside = exe.parent()?.join("terraform-provider-coder");
    beside.exists().then_some(beside)
}

/// What every worker of this process shares: the provider mirror (or why there is none).
struct Shared {
    state: AppState,
    mirror: Result<CliConfig, String>,
    shutdown: watch::Receiver<bool>,
}

/// One job's handle for its stages: where logs go, when to stop.
#[derive(Clone)]
pub(crate) struct Ctl {
    state: AppState,
    job: Uuid,
    terraform: PathBuf,
    cancel: watch::Receiver<bool>,
    deadline: tokio::time::Instant,
    timeout: Duration,
}

impl Ctl {
    fn log(&self, stage: &str, level: &str, output: String) -> NewJobLog {
        NewJobLog {
            created_at: self.state.clock.now(),
            source: "provisioner".to_owned(),
            level: level.to_owned(),
            stage: stage.to_owned(),
            output,
        }
    }

    async fn append(&self, logs: &[NewJobLog]) {
        if let Err(e) = self.state.store.append_job_logs(self.job, logs).await {
            tracing::warn!(job = %self.job, error = %e, "could not store job logs");
        }
    }
}

/// Runs the workers and the sweeper until `shutdown`; jobs in flight are then stopped and
/// failed. Warns at start when Terraform is missing or unsupported (jobs then fail, saying so).
pub async fn run_provisioners(
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let settings = state.settings.provisioner.clone();
    if settings.workers == 0 {
        return;
    }
    if let Err(e) = check_version(&settings.terraform).await {
        tracing::warn!("{e}");
    }
    let dir = tempfile::Builder::new().prefix("tollgate-provider-").tempdir();
    let mirror = match (&dir, provider_binary(&settings)) {
        (Ok(dir), Some(binary)) => install_mirror(dir.path(), &binary, &InstallOptions::default())
            .map_err(|e| format!("The coder provider could not be installed for Terraform: {e}")),
        (Err(e), _) => Err(format!("No directory for the provider mirror: {e}")),
        (_, None) => Err("The terraform-provider-coder binary was not found beside tollgate \
                          (set --provider-binary)."
            .to_owned()),
    };
    if let Err(e) = &mirror {
        tracing::warn!("{e}");
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared { state, mirror, shutdown: stop_rx });
    let mut tasks = Vec::new();
    for n in 0..settings.workers {
        let worker = format!("{}-{n}", settings.worker_id);
        tasks.push(tokio::spawn(worker_loop(shared.clone(), worker)));
    }
    tasks.push(tokio::spawn(sweep_loop(shared.clone())));
    shutdown.await;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    drop(dir);
}

async fn worker_loop(shared: Arc<Shared>, worker: String) {
    let settings = &shared.state.settings.provisioner;
    let mut stop = shared.shutdown.clone();
    while !*stop.borrow() {
        let now = shared.state.clock.now();
        match shared.state.store.claim_job(&worker, now).await {
            Ok(Some(claimed)) => {
                job::run(&shared, &worker, claimed).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not claim a provisioner job"),
        }
        let _ = tokio::time::timeout(settings.poll_interval, stop.wait_for(|s| *s)).await;
    }
}

/// Fails the jobs whose workers stopped heartbeating (on any replica).
async fn sweep_loop(shared: Arc<Shared>) {
    let settings = &shared.state.settings.provisioner;
    let mut stop = shared.shutdown.clone();
    let stale =
        chrono::Duration::from_std(settings.stale_after).unwrap_or(chrono::Duration::seconds(30));
    while !*stop.borrow() {
        let now = shared.state.clock.now();
        match shared.state.store.fail_stale_jobs(now - stale, now).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::warn!(jobs = ?ids, "failed provisioner jobs whose worker stopped")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not sweep stale provisioner jobs"),
        }
        let _ = tokio::time::timeout(settings.stale_after / 2, stop.wait_for(|s| *s)).await;
    }
}
