//! tollgate's persistence: one [`Store`] over SQLite (the embedded default) or PostgreSQL
//! (production, several replicas on one database), each backend owning its migrations.
//!
//! Architecture invariants:
//! - Only this crate speaks SQL, and no sqlx type leaves it.
//! - Every operation is written once. Its SQL is shared text with dialect markers (`db::dialect`);
//!   what a write decides (the chat lifecycle, spend accounting) is decided in `tollgate_core`
//!   from facts loaded here, and applied here in one transaction.
//! - Errors are typed ([`StoreError`]); the store writes no prose for users.
//!
//! The methods are grouped by area: [`identity`] (users, organizations, groups, tokens),
//! [`spend`] (limits, their resolution, the ledger's spend), [`chat`] (providers, models, chats,
//! the daemon's runs, cost reports) and [`workspace`].

mod common;
mod db;
mod error;
#[cfg(feature = "testing")]
pub mod testing;
mod watchdog;

pub mod chat;
pub mod identity;
pub mod provisioner;
pub mod spend;
pub mod workspace;

use chrono::{DateTime, Utc};
use db::{Db, sql};
use std::time::Duration;

pub use chat::records::*;
pub use error::{Entity, Rule, StoreError, StoreResult, Unique};
pub use identity::records::*;
pub use provisioner::jobs::STALE_JOB_ERROR;
pub use provisioner::records::*;
pub use spend::alerts::LimitEvent;
pub use spend::audit::{LimitAuditAction, LimitAuditEntry, LimitChange, RenderLimits};
pub use spend::dry_run::LimitFacts;
pub use spend::records::*;
pub use spend::webhooks::{DueDelivery, WebhookRecord};
pub use spend::{GroupCandidate, LimitExplanation};
pub use tollgate_core::lifecycle::MAX_QUEUED_MESSAGES;
pub use tollgate_core::{ChatStatus, MessageRole, RunOutcome};
pub use watchdog::Watchdog;
pub use workspace::records::*;

pub type Time = DateTime<Utc>;

/// Which database is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// tollgate's database. Cheap to clone (it holds a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
}

/// How the store uses its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectOptions {
    /// How long a caller waits for a free connection (or a new one to open) before the store
    /// answers `Unavailable`: short, so an outage is a fast answer, not a hang.
    pub acquire_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions { acquire_timeout: Duration::from_secs(2) }
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH`, `sqlite::memory:`, `postgres://…`) and runs
    /// its migrations. A missing SQLite file is created.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        Self::connect_with(url, ConnectOptions::default()).await
    }

    /// [`Store::connect`] with `options`.
    pub async fn connect_with(url: &str, options: ConnectOptions) -> StoreResult<Store> {
        let db = if url.starts_with("sqlite:") {
            Db::open_sqlite(url, options).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Db::open_postgres(url, options).await?
        } else {
            return Err(StoreError::Unavailable(format!(
                "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
                redact_url(url)
            )));
        };
        Ok(Store { db })
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Cheap round trip to the database, for health checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sql("SELECT 1").execute(&self.db).await.map(drop)
    }
}

/// A database URL with its password replaced, safe to print.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
