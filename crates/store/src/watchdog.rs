//! A connection of its own that tells whether the database answers at all. Apart from the pool
//! on purpose: a pool busy with slow work is not an outage, and a probe must not queue behind it.

use crate::Store;
use crate::db::Db;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use std::sync::Arc;
use std::time::Duration;

pub struct Watchdog {
    options: Arc<PgConnectOptions>,
    conn: Option<PgConnection>,
}

impl Store {
    /// A watchdog for a PostgreSQL store; none for SQLite, a local file with no network to lose
    /// (its stalls are the busy timeout's business).
    pub fn watchdog(&self) -> Option<Watchdog> {
        match &self.db {
            Db::Postgres(pool) => Some(Watchdog { options: pool.connect_options(), conn: None }),
            Db::Sqlite(..) => None,
        }
    }
}

impl Watchdog {
    /// Whether the database answered a trivial query within `within`. A connection that failed
    /// or hung is dropped; the next probe opens a new one.
    pub async fn answers(&mut self, within: Duration) -> bool {
        let probe = async {
            if self.conn.is_none() {
                self.conn = Some(self.options.connect().await.ok()?);
            }
            let conn = self.conn.as_mut()?;
            conn.ping().await.ok()
        };
        let answered = tokio::time::timeout(within, probe).await.ok().flatten().is_some();
        if !answered {
            self.conn = None;
        }
        answered
    }
}
