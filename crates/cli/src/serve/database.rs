//! Opening the database for `serve`. A new SQLite file is created readable by its owner only
//! (0600; SQLite gives its `-wal` and `-shm` files the same mode). A PostgreSQL server is
//! reached once by TCP first, so an unreachable one is named with its address and the reason
//! instead of the pool's "pool timed out".

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tollgate_store::{ConnectOptions, Store};

const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn open(url: &str, acquire_timeout: Duration) -> Result<Arc<Store>> {
    if let Some(path) = sqlite_file(url) {
        prepare_sqlite(&path)?;
    }
    if let Some((host, port)) = postgres_address(url) {
        probe(&host, port).await?;
    }
    let options = ConnectOptions { acquire_timeout };
    Store::connect_with(url, options).await.map(Arc::new).map_err(|e| explain(e.to_string(), url))
}

/// The file of an `sqlite:` URL; `None` for other URLs and in-memory databases.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Creates a missing database file (and its directory) private; says so when an existing one
/// can be read by others.
fn prepare_sqlite(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::profiles::create_private_dir(dir)
            .with_context(|| format!("create {}", dir.display()))?;
    }
    if !path.exists() {
        return crate::profiles::write_private(path, b"")
            .with_context(|| format!("create {}", path.display()));
    }
    warn_if_shared(path);
    Ok(())
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "{} can be read by other users (mode {:o}): `chmod 600 {}` keeps it to you",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

/// Host and port of a `postgres://` URL that names a TCP host (not a Unix socket).
fn postgres_address(url: &str) -> Option<(String, u16)> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return None;
    }
    let parsed = reqwest::Url::parse(url).ok()?;
    if parsed.query_pairs().any(|(k, _)| k == "host" || k == "hostaddr") {
        return None;
    }
    let host = parsed.host_str().filter(|h| !h.is_empty())?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    Some((host, parsed.port().unwrap_or(5432)))
}

async fn probe(host: &str, port: u16) -> Result<()> {
    let connect = tokio::net::TcpStream::connect((host, port));
    let cause = match tokio::time::timeout(PROBE_TIMEOUT, connect).await {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
    };
    let cause = cause.split(" (os error").next().unwrap_or(&cause).to_lowercase();
    bail!(
        "cannot reach PostgreSQL at {host}:{port} ({cause}): is it running, and is the address \
         in --database or TOLLGATE_DATABASE_URL right?"
    )
}

/// A store error for people: sqlx's "pool timed out" says neither where nor what to check.
fn explain(error: String, url: &str) -> anyhow::Error {
    if !error.contains("pool timed out") {
        return anyhow::anyhow!(error);
    }
    let place = postgres_address(url)
        .map(|(host, port)| format!("PostgreSQL at {host}:{port}"))
        .unwrap_or_else(|| "the database".to_owned());
    anyhow::anyhow!(
        "{place} did not accept a connection in time (pool timed out): check that it is running, \
         accepts connections from this machine, and that the URL's user, password and database \
         are right"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_file("sqlite:///data/t.db"), Some(PathBuf::from("/data/t.db")));
        assert_eq!(sqlite_file("sqlite://t.db?mode=rwc"), Some(PathBuf::from("t.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://file?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }

    #[test]
    fn postgres_urls_name_their_address() {
        let at = |u: &str| postgres_address(u);
        assert_eq!(at("postgres://u:p@db.internal:6543/x"), Some(("db.internal".into(), 6543)));
        assert_eq!(at("postgresql://127.0.0.1/test"), Some(("127.0.0.1".into(), 5432)));
        assert_eq!(at("postgres://[::1]:5432/x"), Some(("::1".into(), 5432)));
        assert_eq!(at("postgres:///db?host=/var/run/postgresql"), None);
        assert_eq!(at("sqlite://x.db"), None);
    }

    #[test]
    fn a_pool_timeout_says_where_and_what_to_check() {
        let e = explain("database error: pool timed out".into(), "postgres://u@h:5/db");
        assert!(e.to_string().starts_with("PostgreSQL at h:5 did not accept"), "{e}");
        assert_eq!(explain("other".into(), "x").to_string(), "other");
    }
}
