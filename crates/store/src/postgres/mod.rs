//! The PostgreSQL store: for production, several server replicas on one database.
//!
//! Native `uuid` (its order is the byte order, the same as SQLite's canonical text), `timestamptz`
//! (written truncated to microseconds, like SQLite), `bigint` money. Text ordering uses
//! `COLLATE "C"` so that lists sort the same as on SQLite whatever the database's locale.

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

use crate::common::{db_error, migrate_error, trunc_micros};
use crate::row::ReadRow;
use crate::{StoreResult, Time};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

type Tx = Transaction<'static, Postgres>;

/// A [`Store`](crate::Store) on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `postgres://…` and runs the migrations (sqlx serializes concurrent migrators
    /// with an advisory lock, so replicas may start together).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(db_error)?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db_error)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await.map_err(migrate_error)?;
        Ok(PostgresStore { pool })
    }

    async fn begin(&self) -> StoreResult<Tx> {
        self.pool.begin().await.map_err(db_error)
    }

    /// Cheap round trip, for health checks.
    async fn ping_impl(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }
}

crate::delegate::delegate_store!(PostgresStore, crate::Backend::Postgres);

/// A time as written: truncated to microseconds.
fn ts(t: Time) -> Time {
    trunc_micros(t)
}

fn get<'r, T>(row: &'r PgRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(col).map_err(db_error)
}

impl ReadRow for PgRow {
    crate::row::plain_reads!();

    fn uuid(&self, col: &str) -> StoreResult<Uuid> {
        get(self, col)
    }
    fn opt_uuid(&self, col: &str) -> StoreResult<Option<Uuid>> {
        get(self, col)
    }
    fn time(&self, col: &str) -> StoreResult<Time> {
        get(self, col)
    }
    fn opt_time(&self, col: &str) -> StoreResult<Option<Time>> {
        get(self, col)
    }
}
