//! Test support (cargo feature `testing`): a fresh, migrated database per call.
//!
//! ```ignore
//! let db = tollgate_store::testing::sqlite().await;
//! db.store.ping().await?;
//! if let Some(db) = tollgate_store::testing::postgres().await { /* … */ }
//! ```
//!
//! PostgreSQL comes from `TOLLGATE_TEST_DATABASE_URL` (an admin URL; each call creates a uniquely
//! named database and drops it when the [`TestDb`] is dropped), else from a throw-away cluster
//! started once per process with `initdb`/`pg_ctl`. When neither works, `postgres()` returns
//! `None` so the caller skips — unless `CI` is set, where it panics: CI must never skip silently.

mod cluster;
mod pg;

use crate::Store;
use std::sync::Arc;

pub use pg::postgres;

/// A fresh database and the store on it. Dropping its last clone removes the database.
#[derive(Clone)]
pub struct TestDb {
    pub store: Arc<Store>,
    /// The database's URL, for tests that need raw access.
    pub url: String,
    /// Removes the database when the last clone is dropped.
    _guard: Arc<Guard>,
}

/// Whatever removes a test database when dropped.
enum Guard {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { _db: pg::DropDatabase },
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("url", &crate::redact_url(&self.url)).finish_non_exhaustive()
    }
}

/// A new SQLite database in its own temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("create a temporary directory for the test database");
    let url = format!("sqlite://{}", dir.path().join("tollgate.db").display());
    let store = Store::connect(&url).await.expect("open the SQLite test database");
    TestDb { store: Arc::new(store), url, _guard: Arc::new(Guard::Sqlite { _dir: dir }) }
}

impl TestDb {
    /// Runs one raw SQL statement (for tests that need state no [`Store`] method makes, such as
    /// a soft-deleted message); write it in SQL both backends accept.
    pub async fn execute(&self, sql: &str) {
        let result = match &*self._guard {
            Guard::Sqlite { .. } => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.expect("open test database");
                let result = sqlx::query(sql).execute(&pool).await.map(drop);
                pool.close().await;
                result
            }
            Guard::Postgres { .. } => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("open test database");
                let result = sqlx::query(sql).execute(&pool).await.map(drop);
                pool.close().await;
                result
            }
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Marks a user as a system user (nothing in the [`Store`] trait creates one).
    pub async fn mark_system_user(&self, user: uuid::Uuid) {
        self.execute(&format!("UPDATE users SET is_system = TRUE WHERE id = '{user}'")).await;
    }
}

/// A limit change by a nameless actor, rendered as the bare limit (store tests do not check
/// the API's shapes).
pub fn by(at: crate::Time) -> crate::LimitChange<'static> {
    crate::LimitChange { actor: uuid::Uuid::nil(), at, render: &PlainRender }
}

struct PlainRender;

impl crate::RenderLimits for PlainRender {
    fn config(&self, r: &crate::LimitConfigRecord) -> serde_json::Value {
        serde_json::json!({"enabled": r.config.enabled, "limit": r.config.default_limit.get()})
    }
    fn user(&self, r: &crate::UserLimit) -> serde_json::Value {
        serde_json::json!({"limit": r.limit.get()})
    }
    fn group(&self, r: &crate::GroupLimitRecord) -> serde_json::Value {
        serde_json::json!({"limit": r.limit.get()})
    }
}
