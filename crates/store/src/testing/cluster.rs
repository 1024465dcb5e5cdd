//! A throw-away PostgreSQL cluster for tests, started once per process with `initdb`/`pg_ctl`
//! when no `TOLLGATE_TEST_DATABASE_URL` is given. A watchdog shell stops it and removes its
//! files once the test process has exited.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

static CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();

/// The cluster's admin URL, starting the cluster on first use.
pub(super) fn admin_url() -> Result<String, String> {
    CLUSTER.get_or_init(start).clone()
}

fn start() -> Result<String, String> {
    let dir = tempfile::Builder::new()
        .prefix("tollgate-pg-")
        .tempdir()
        .map_err(|e| format!("no temporary directory: {e}"))?
        .keep();
    let result = start_in(&dir);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn start_in(dir: &Path) -> Result<String, String> {
    // initdb refuses to run as root: run the server as the `postgres` account then.
    let as_postgres = is_root();
    if as_postgres {
        run(Command::new("chown").arg("-R").arg("postgres").arg(dir), "chown")?;
    }
    let data = dir.join("data");
    let initdb = pg_command(as_postgres, "initdb");
    run(
        initdb(&["-D", &path_str(&data)?, "-A", "trust", "-U", "postgres", "-E", "UTF8"])
            .args(["--locale=C", "--no-sync"]),
        "initdb",
    )?;
    let port = free_port()?;
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
        path_str(dir)?
    );
    let log = path_str(&dir.join("postgres.log"))?;
    let pg_ctl = pg_command(as_postgres, "pg_ctl");
    run(
        &mut pg_ctl(&["-D", &path_str(&data)?, "-l", &log, "-o", &options, "-w", "start"]),
        "pg_ctl",
    )?;
    spawn_watchdog(dir, &data, as_postgres)?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

/// Builds a command for a PostgreSQL tool, run as the `postgres` account when asked.
fn pg_command(as_postgres: bool, tool: &'static str) -> impl Fn(&[&str]) -> Command {
    move |args| {
        let mut cmd = if as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", tool]);
            c
        } else {
            Command::new(tool)
        };
        cmd.args(args);
        cmd
    }
}

fn spawn_watchdog(dir: &Path, data: &Path, as_postgres: bool) -> Result<(), String> {
    let stop = if as_postgres { "runuser -u postgres -- pg_ctl" } else { "pg_ctl" };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {stop} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        data = path_str(data)?,
        dir = path_str(dir)?,
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the cluster watchdog: {e}"))
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what} is not available: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("no free port: {e}"))
}

fn path_str(path: &Path) -> Result<String, String> {
    path.to_str().map(str::to_owned).ok_or_else(|| format!("non-UTF-8 path {path:?}"))
}
