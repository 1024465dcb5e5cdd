//! The SQLite store: the embedded default, one file beside the server.
//!
//! Storage conventions (see the migration): ids are canonical lowercase hyphenated UUID text,
//! whose text order equals the UUID byte order PostgreSQL sorts by, so tie-breaks agree across
//! backends; times are INTEGER unix microseconds, so period bounds compare exactly; booleans are
//! 0/1. Every write transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front:
//! a deferred transaction that upgrades from read to write can fail with SQLITE_BUSY without
//! waiting for `busy_timeout`.

mod chat_lifecycle;
mod chat_queue;
mod chat_rows;
mod chats;
mod costs;
mod daemon;
mod groups;
mod limits;
mod models;
mod orgs;
mod providers;
mod tokens;
mod users;
mod workspaces;

use crate::common::{db_error, from_micros, migrate_error, parse_uuid};
use crate::row::ReadRow;
use crate::{StoreResult, Time};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

type Tx = Transaction<'static, Sqlite>;

/// A [`Store`](crate::Store) on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database at `url` — `sqlite://PATH`, `sqlite:///ABS`
    /// or `sqlite::memory:` — and runs the migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(db_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // An in-memory database lives as long as one of its connections: keep exactly one.
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        };
        let pool = pool.connect_with(options).await.map_err(db_error)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(migrate_error)?;
        Ok(SqliteStore { pool })
    }

    async fn begin(&self) -> StoreResult<Tx> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_error)
    }

    /// Cheap round trip, for health checks.
    async fn ping_impl(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }
}

crate::delegate::delegate_store!(SqliteStore, crate::Backend::Sqlite);

fn id(u: Uuid) -> String {
    u.to_string()
}

fn opt_id(u: Option<Uuid>) -> Option<String> {
    u.map(id)
}

fn get<'r, T>(row: &'r SqliteRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(col).map_err(db_error)
}

fn get_uuid(row: &SqliteRow, col: &str) -> StoreResult<Uuid> {
    parse_uuid(&get::<String>(row, col)?)
}

fn get_time(row: &SqliteRow, col: &str) -> StoreResult<Time> {
    from_micros(get(row, col)?)
}

fn get_opt_time(row: &SqliteRow, col: &str) -> StoreResult<Option<Time>> {
    get::<Option<i64>>(row, col)?.map(from_micros).transpose()
}

impl ReadRow for SqliteRow {
    crate::row::plain_reads!();

    fn uuid(&self, col: &str) -> StoreResult<Uuid> {
        get_uuid(self, col)
    }
    fn opt_uuid(&self, col: &str) -> StoreResult<Option<Uuid>> {
        get::<Option<String>>(self, col)?.as_deref().map(parse_uuid).transpose()
    }
    fn time(&self, col: &str) -> StoreResult<Time> {
        get_time(self, col)
    }
    fn opt_time(&self, col: &str) -> StoreResult<Option<Time>> {
        get_opt_time(self, col)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    /// Tie-breaks compare ids as text on SQLite and as uuids on PostgreSQL (and in
    /// `tollgate_core`): the canonical lowercase text must sort like the uuid.
    #[test]
    fn id_text_order_is_uuid_order() {
        let mut ids: Vec<Uuid> = (0..500).map(|_| Uuid::new_v4()).collect();
        ids.extend([Uuid::nil(), Uuid::max(), Uuid::from_u128(0x0a), Uuid::from_u128(0xa0 << 64)]);
        let mut by_text = ids.clone();
        by_text.sort_by_key(|u| super::id(*u));
        ids.sort();
        assert_eq!(by_text, ids);
        assert!(super::id(Uuid::max()).chars().all(|c| !c.is_ascii_uppercase()));
    }
}
