//! The one place that knows there are two databases. Everything above it is written once: SQL
//! with `$n` placeholders (both SQLite and PostgreSQL take them), values bound as [`Arg`]s (each
//! backend encodes them its own way), rows read through [`Row`], errors mapped in [`error`].
//! The few dialect differences are named markers in the SQL text ([`dialect`]).
//!
//! Storage conventions. SQLite: ids are canonical lowercase UUID text (whose text order is the
//! UUID byte order PostgreSQL sorts by), times are INTEGER unix microseconds, booleans 0/1, JSON
//! is text. PostgreSQL: native `uuid`, `timestamptz` (written truncated to microseconds, like
//! SQLite), `jsonb`. Money is a 64-bit integer of micro-dollars on both.

mod arg;
pub(crate) mod dialect;
pub(crate) mod error;
mod query;
mod row;

pub(crate) use arg::Arg;
pub(crate) use query::sql;
pub(crate) use row::Row;

use crate::{Backend, StoreResult};
use error::map_error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// A pool of connections to one database, SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on a [`Db`]. Dropping it without [`Tx::commit`] rolls it back.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Where a statement runs: on the pool (its own implicit transaction) or in a transaction.
pub(crate) enum Ex<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for Ex<'a> {
    fn from(db: &'a Db) -> Self {
        Ex::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for Ex<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Ex::Tx(tx)
    }
}

impl Db {
    /// Opens (creating a missing SQLite file) the database at `url` and runs its migrations.
    pub async fn open_sqlite(url: &str) -> StoreResult<Db> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(map_error)?
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
        let pool = pool.connect_with(options).await.map_err(map_error)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(error::migrate_error)?;
        Ok(Db::Sqlite(pool))
    }

    /// Connects to `postgres://…` and runs the migrations (sqlx serializes concurrent migrators
    /// with an advisory lock, so replicas may start together).
    pub async fn open_postgres(url: &str) -> StoreResult<Db> {
        let options = PgConnectOptions::from_str(url).map_err(map_error)?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(map_error)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await.map_err(error::migrate_error)?;
        Ok(Db::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`): a
    /// deferred transaction that upgrades from read to write can fail with SQLITE_BUSY without
    /// waiting for the busy timeout. So on SQLite every transaction here is serialised.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(pool) => {
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_error)?)
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await.map_err(map_error)?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await.map_err(map_error),
            Tx::Postgres(tx) => tx.commit().await.map_err(map_error),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Serialises this transaction against every other writer of `table` until it ends
    /// (PostgreSQL; SQLite's write transactions are serialised already). Reads are not blocked.
    pub async fn lock_table(&mut self, table: &str) -> StoreResult<()> {
        if self.backend() == Backend::Postgres {
            sql(format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")).execute(self).await?;
        }
        Ok(())
    }
}

impl Ex<'_> {
    /// The same executor for one more statement (a transaction is lent, not given away).
    pub fn reborrow(&mut self) -> Ex<'_> {
        match self {
            Ex::Db(db) => Ex::Db(db),
            Ex::Tx(tx) => Ex::Tx(tx),
        }
    }

    fn backend(&self) -> Backend {
        match self {
            Ex::Db(db) => db.backend(),
            Ex::Tx(tx) => tx.backend(),
        }
    }
}
