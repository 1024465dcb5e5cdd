//! Fresh PostgreSQL databases for tests, one per call, dropped with their [`TestDb`].

use super::{Guard, TestDb, cluster};
use sqlx::{Connection, PgConnection};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const ENV_URL: &str = "TOLLGATE_TEST_DATABASE_URL";
const PREFIX: &str = "tollgate_test_";

static NEXT: AtomicU32 = AtomicU32::new(0);
static SWEPT: AtomicBool = AtomicBool::new(false);

/// A new, migrated PostgreSQL database, or `None` (skip) when no server is available and `CI` is
/// not set. Panics when `CI` is set and there is no server, or when the server fails.
pub async fn postgres() -> Option<TestDb> {
    let admin = admin_url()?;
    let mut conn = PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("connect to {}: {e}", crate::redact_url(&admin)));
    if !SWEPT.swap(true, Ordering::SeqCst) {
        sweep_stale(&mut conn).await;
    }
    let name = format!("{PREFIX}{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
    let _ = conn.close().await;
    let url = with_database(&admin, &name);
    let guard = DropDatabase { admin, name };
    let store = crate::Store::connect(&url).await.expect("open the PostgreSQL test database");
    Some(TestDb {
        store: std::sync::Arc::new(store),
        url,
        _guard: std::sync::Arc::new(Guard::Postgres { _db: guard }),
    })
}

/// The admin URL: the environment's, else a throw-away cluster's.
fn admin_url() -> Option<String> {
    if let Some(url) = std::env::var(ENV_URL).ok().filter(|u| !u.is_empty()) {
        return Some(url);
    }
    match cluster::admin_url() {
        Ok(url) => Some(url),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but no PostgreSQL is available ({ENV_URL} unset; {why})")
        }
        Err(why) => {
            eprintln!("skipping PostgreSQL test: {ENV_URL} is unset and {why}");
            None
        }
    }
}

/// Replaces the database name (the URL's path) of `url`.
fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

/// Drops the test databases of processes that are gone (killed runs leave theirs behind).
async fn sweep_stale(conn: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'tollgate\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut *conn)
                .await;
        }
    }
}

/// Drops the database when the [`TestDb`] goes. `Drop` cannot await, so a short-lived thread
/// with its own runtime does it; `WITH (FORCE)` ends the store's remaining connections.
pub(super) struct DropDatabase {
    admin: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let Ok(runtime) = runtime else { return };
            runtime.block_on(async move {
                let Ok(mut conn) = PgConnection::connect(&admin).await else { return };
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                if let Err(e) = sqlx::query(&sql).execute(&mut conn).await {
                    eprintln!("could not drop test database {name}: {e}");
                }
                let _ = conn.close().await;
            });
        });
        let _ = dropper.join();
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
