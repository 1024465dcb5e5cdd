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
pub(crate) use query::{Query, sql};
pub(crate) use row::Row;

use crate::{Backend, StoreError, StoreResult};
use error::map_error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A pool of connections to one database, SQLite or PostgreSQL. SQLite's writers also queue,
/// in order, on `Writer` (see [`Db::begin`]).
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool, Writer),
    Postgres(PgPool),
}

/// How long a SQLite writer waits for its turn before the database counts as unavailable.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The right to write to a SQLite database, held by one transaction of this process at a time.
pub(crate) type Writer = Arc<tokio::sync::Mutex<()>>;

/// A transaction on a [`Db`]. Dropping it without [`Tx::commit`] rolls it back. (Fields drop in
/// order: a SQLite transaction's rollback is queued before its writer's turn passes on.)
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>, tokio::sync::OwnedMutexGuard<()>),
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
    pub async fn open_sqlite(url: &str, connect: crate::ConnectOptions) -> StoreResult<Db> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(map_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT)
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
        let pool = pool.acquire_timeout(connect.acquire_timeout);
        let pool = pool.after_release(|conn, _| Box::pin(close_abandoned_transaction(conn)));
        let pool = pool.connect_with(options).await.map_err(map_error)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(error::migrate_error)?;
        Ok(Db::Sqlite(pool, Writer::default()))
    }

    /// Connects to `postgres://…` and runs the migrations (sqlx serializes concurrent migrators
    /// with an advisory lock, so replicas may start together).
    pub async fn open_postgres(url: &str, connect: crate::ConnectOptions) -> StoreResult<Db> {
        let options = PgConnectOptions::from_str(url).map_err(map_error)?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(connect.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(map_error)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await.map_err(error::migrate_error)?;
        Ok(Db::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`): a
    /// deferred transaction that upgrades from read to write can fail with SQLITE_BUSY without
    /// waiting for the busy timeout. So on SQLite every transaction here is serialised, and
    /// first in this process, in arrival order: left to SQLite's busy handler (which sleeps and
    /// retries, unfairly) a writer under load could starve past the busy timeout.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(pool, writer) => {
                let turn = tokio::time::timeout(BUSY_TIMEOUT, writer.clone().lock_owned())
                    .await
                    .map_err(|_| StoreError::Unavailable("database is locked".into()))?;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_error)?, turn)
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await.map_err(map_error)?),
        })
    }
}

/// sqlx-sqlite (0.8) can hand back a connection still inside a transaction whose `BEGIN` was
/// acknowledged after its caller was cancelled (a dropped request, an aborted task): the
/// connection then holds the write lock forever and refuses every later `BEGIN`. So when a
/// connection comes back to the pool its queue is flushed (a ping) and such a transaction
/// rolled back; a connection that cannot be rolled back is closed (`false`).
async fn close_abandoned_transaction(
    conn: &mut sqlx::SqliteConnection,
) -> Result<bool, sqlx::Error> {
    use sqlx::{Connection, Database, TransactionManager};
    conn.ping().await?;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    tracing::warn!("rolling back a transaction its cancelled caller left open");
    let rolled_back = <Sqlite as Database>::TransactionManager::rollback(conn).await.is_ok();
    Ok(rolled_back && !conn.is_in_transaction())
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.commit().await.map_err(map_error),
            Tx::Postgres(tx) => tx.commit().await.map_err(map_error),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Makes every read in this transaction see one snapshot (PostgreSQL's default reads each
    /// statement's own; SQLite's write transaction sees one already). Must come first.
    pub async fn snapshot(&mut self) -> StoreResult<()> {
        if self.backend() == Backend::Postgres {
            sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(self).await?;
        }
        Ok(())
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
