//! sqlx errors → [`StoreError`], by the structured parts of an error only (kind, SQLSTATE or
//! SQLite result code, constraint name), never by its text.

use crate::{StoreError, Unique};
use sqlx::error::ErrorKind;

/// SQLSTATE / SQLite result codes that mean "not reachable or too busy now, try again".
const UNAVAILABLE_CODES: &[&str] = &[
    // PostgreSQL: connection exceptions (class 08), shutdown, too many connections.
    "08000", "08003", "08006", "08001", "08004", "57P01", "57P02", "57P03", "53300",
    // SQLite: SQLITE_BUSY, SQLITE_LOCKED and their extended codes.
    "5", "6", "261", "517", "262",
];

/// SQLite's extended result code for a primary key collision (it names no constraint).
const SQLITE_PRIMARY_KEY: &str = "1555";

/// SQLSTATE 22003 `numeric_value_out_of_range`: a sum or an amount beyond bigint.
const OUT_OF_RANGE: &str = "22003";

pub(crate) fn map_error(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if db.kind() == ErrorKind::UniqueViolation
                && let Some(rule) = db.constraint().and_then(Unique::of_constraint)
            {
                return StoreError::Conflict(rule);
            }
            if code == SQLITE_PRIMARY_KEY {
                return StoreError::Conflict(Unique::Id);
            }
            if code == OUT_OF_RANGE {
                StoreError::Overflow
            } else if UNAVAILABLE_CODES.contains(&code.as_str()) {
                StoreError::Unavailable(db.message().to_owned())
            } else {
                StoreError::Database(db.message().to_owned())
            }
        }
        sqlx::Error::PoolTimedOut => {
            StoreError::Unavailable("no database connection became free in time".to_owned())
        }
        sqlx::Error::PoolClosed => {
            StoreError::Unavailable("the connection pool is closed".to_owned())
        }
        sqlx::Error::Io(e) => StoreError::Unavailable(format!("cannot reach the database: {e}")),
        sqlx::Error::Tls(e) => StoreError::Unavailable(format!("TLS to the database failed: {e}")),
        sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable("the database connection's worker stopped".to_owned())
        }
        // The server's side of the wire broke off (a dropped connection mid-message).
        sqlx::Error::Protocol(e) => StoreError::Unavailable(format!("database protocol: {e}")),
        sqlx::Error::RowNotFound => StoreError::Database("expected row not found".to_owned()),
        other => StoreError::Database(other.to_string()),
    }
}

pub(crate) fn migrate_error(err: sqlx::migrate::MigrateError) -> StoreError {
    match err {
        sqlx::migrate::MigrateError::Execute(e) => match map_error(e) {
            StoreError::Unavailable(m) => StoreError::Unavailable(m),
            other => StoreError::Database(format!("migration failed: {other}")),
        },
        other => StoreError::Database(format!("migration failed: {other}")),
    }
}
