//! Running `terraform` for a job: every output line stored as a log of its stage, the process
//! interrupted (SIGINT, then SIGKILL after a grace period) when the job is canceled or runs past
//! its deadline.

use super::Ctl;
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;
use tollgate_store::NewJobLog;

/// The supported Terraform versions (documented in docs/provisioner.md).
pub const SUPPORTED: &str = ">= 1.5.0, < 2.0.0";

/// How long Terraform gets to stop after SIGINT before it is killed.
const GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Why a stage did not succeed.
#[derive(Debug)]
pub enum StageError {
    Canceled,
    Failed(String),
}

/// `terraform version -json`'s version, if it is in [`SUPPORTED`]; else the job's error.
pub async fn check_version(bin: &Path) -> Result<String, String> {
    let unsupported = |found: &str| {
        format!(
            "Terraform {found} at {} is not supported: tollgate needs Terraform {SUPPORTED}.",
            bin.display()
        )
    };
    let out = Command::new(bin).args(["version", "-json"]).output().await.map_err(|e| {
        format!(
            "Terraform was not found at {} ({e}): tollgate needs Terraform {SUPPORTED}.",
            bin.display()
        )
    })?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let version = json["terraform_version"].as_str().unwrap_or("of an unknown version").to_owned();
    let parts: Vec<u64> =
        version.split(['.', '-']).take(2).filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [1, minor] if *minor >= 5 => Ok(version),
        _ => Err(unsupported(&version)),
    }
}

/// Runs `terraform args…` in `dir`, storing each line of its output under `stage`; its standard
/// output when `capture` (then not logged: `show -json` and `graph` are data, not log lines).
pub async fn run(
    ctl: &Ctl,
    dir: &Path,
    env: &[(String, String)],
    stage: &str,
    args: &[&str],
    capture: bool,
) -> Result<Vec<u8>, StageError> {
    let mut cmd = Command::new(&ctl.terraform);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // The server's own CODER_* variables must not reach the provider.
    for (key, _) in
        std::env::vars().filter(|(k, _)| k.starts_with("CODER_") || k.starts_with("TF_"))
    {
        cmd.env_remove(key);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v))).kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| StageError::Failed(format!("start terraform: {e}")))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let captured = tokio::spawn({
        let tx = tx.clone();
        async move {
            let mut buf = Vec::new();
            if capture {
                let mut stdout = stdout;
                let _ = tokio::io::AsyncReadExt::read_to_end(&mut stdout, &mut buf).await;
            } else {
                lines(stdout, "info", tx).await;
            }
            buf
        }
    });
    let err_lines = tokio::spawn(lines(stderr, "error", tx.clone()));
    let logger = tokio::spawn(store_logs(ctl.clone(), stage.to_owned(), rx));
    let status = wait(ctl, &mut child).await;
    let _ = err_lines.await;
    drop(tx);
    let _ = logger.await;
    let out = captured.await.unwrap_or_default();
    match status {
        Outcome::Canceled => Err(StageError::Canceled),
        Outcome::TimedOut => Err(StageError::Failed(format!(
            "The job ran past the provisioner timeout ({} s) and was stopped.",
            ctl.timeout.as_secs()
        ))),
        Outcome::Exited(true) => Ok(out),
        Outcome::Exited(false) => Err(StageError::Failed(format!("terraform {} failed", args[0]))),
    }
}

enum Outcome {
    Exited(bool),
    Canceled,
    TimedOut,
}

/// Waits for the process; on cancel or deadline interrupts it, then kills it after [`GRACE`].
async fn wait(ctl: &Ctl, child: &mut tokio::process::Child) -> Outcome {
    let mut cancel = ctl.cancel.clone();
    let deadline = tokio::time::sleep_until(ctl.deadline);
    let why = tokio::select! {
        status = child.wait() => return Outcome::Exited(status.is_ok_and(|s| s.success())),
        _ = cancel.wait_for(|c| *c) => Outcome::Canceled,
        () = deadline => Outcome::TimedOut,
    };
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGINT);
    }
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
    why
}

async fn lines(
    stream: impl AsyncRead + Unpin,
    level: &'static str,
    tx: mpsc::UnboundedSender<(&'static str, String)>,
) {
    let mut reader = BufReader::new(stream).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        if tx.send((level, line)).is_err() {
            break;
        }
    }
}

/// Stores lines as they come, a batch at a time.
async fn store_logs(
    ctl: Ctl,
    stage: String,
    mut rx: mpsc::UnboundedReceiver<(&'static str, String)>,
) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, 64).await > 0 {
        let logs: Vec<NewJobLog> =
            batch.drain(..).map(|(level, output)| ctl.log(&stage, level, output)).collect();
        ctl.append(&logs).await;
    }
}
