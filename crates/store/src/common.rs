//! Backend-independent helpers: error mapping and parsing of the text columns both backends
//! share (roles, statuses, periods, policies, prices).

use crate::{StoreError, StoreResult, Time, UserStatus};
use sqlx::error::ErrorKind;
use tollgate_core::{GroupPolicy, Micros, Period, Price, Role};

/// How a failed statement maps to a [`StoreError`]: unique violations become `Conflict` (the
/// first entry of `conflicts` whose needle occurs in the constraint name or message, else
/// `conflict`), foreign-key violations become `NotFound(not_found)`.
#[derive(Clone, Copy)]
pub(crate) struct ErrCtx {
    pub conflicts: &'static [(&'static str, &'static str)],
    pub conflict: &'static str,
    pub not_found: &'static str,
}

impl ErrCtx {
    pub const fn new(conflict: &'static str, not_found: &'static str) -> Self {
        ErrCtx { conflicts: &[], conflict, not_found }
    }

    pub const fn with(mut self, conflicts: &'static [(&'static str, &'static str)]) -> Self {
        self.conflicts = conflicts;
        self
    }

    pub fn map(self, err: sqlx::Error) -> StoreError {
        let sqlx::Error::Database(db) = &err else { return db_error(err) };
        match db.kind() {
            ErrorKind::UniqueViolation => {
                // SQLite names no constraint; its message lists the index or the columns.
                let haystack = db.constraint().unwrap_or_else(|| db.message());
                let label = self
                    .conflicts
                    .iter()
                    .find(|(needle, _)| haystack.contains(needle))
                    .map_or(self.conflict, |(_, label)| label);
                StoreError::Conflict(label)
            }
            ErrorKind::ForeignKeyViolation => StoreError::NotFound(self.not_found),
            ErrorKind::CheckViolation => StoreError::Invalid(format!(
                "value breaks a rule of the data ({})",
                db.constraint().unwrap_or("check constraint")
            )),
            _ => db_error(err),
        }
    }
}

/// Any other database failure. Only the database's message is kept: drivers put no bound values
/// there, so no password or token hash can leak into an error or a log line.
pub(crate) fn db_error(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => StoreError::Database(db.message().to_owned()),
        sqlx::Error::RowNotFound => StoreError::Database("expected row not found".to_owned()),
        other => StoreError::Database(other.to_string()),
    }
}

pub(crate) fn migrate_error(err: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Database(format!("migration failed: {err}"))
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("stored {what} {value:?} is not valid"))
}

pub(crate) fn parse_status(s: &str) -> StoreResult<UserStatus> {
    match s {
        "active" => Ok(UserStatus::Active),
        "suspended" => Ok(UserStatus::Suspended),
        other => Err(corrupt("user status", other)),
    }
}

pub(crate) fn parse_period(s: &str) -> StoreResult<Period> {
    s.parse().map_err(|_| corrupt("period", s))
}

pub(crate) fn parse_policy(s: &str) -> StoreResult<GroupPolicy> {
    s.parse().map_err(|_| corrupt("group policy", s))
}

/// Roles stored one per row, aggregated as a comma-separated list; sorted.
pub(crate) fn parse_roles(joined: Option<&str>) -> StoreResult<Vec<Role>> {
    let mut roles = joined
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Role>().map_err(|_| corrupt("role", s)))
        .collect::<StoreResult<Vec<_>>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

pub(crate) fn parse_uuid(s: &str) -> StoreResult<uuid::Uuid> {
    uuid::Uuid::parse_str(s).map_err(|_| corrupt("id", s))
}

/// Organization ids aggregated as a comma-separated list; sorted.
pub(crate) fn parse_uuid_list(joined: Option<&str>) -> StoreResult<Vec<uuid::Uuid>> {
    let mut ids = joined
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(parse_uuid)
        .collect::<StoreResult<Vec<_>>>()?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

pub(crate) fn price_text(price: Option<Price>) -> Option<String> {
    price.map(|p| p.to_string())
}

/// A stored limit must be positive; callers get `Invalid` before the CHECK fires.
pub(crate) fn positive_limit(limit: Micros) -> StoreResult<i64> {
    if limit.is_positive() {
        Ok(limit.get())
    } else {
        Err(StoreError::Invalid("spend limit must be greater than 0".to_owned()))
    }
}

pub(crate) fn non_negative(limit: Micros, what: &str) -> StoreResult<i64> {
    if limit.get() >= 0 {
        Ok(limit.get())
    } else {
        Err(StoreError::Invalid(format!("{what} must not be negative")))
    }
}

pub(crate) fn token_count(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| StoreError::Invalid("token count out of range".to_owned()))
}

pub(crate) fn spend_overflow() -> StoreError {
    StoreError::Invalid("spend total overflows the money range".to_owned())
}

/// Roles as stored: their text form, deduplicated.
pub(crate) fn role_texts(roles: &[Role]) -> Vec<&'static str> {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.into_iter().map(Role::as_str).collect()
}

/// Times are kept at microsecond precision by both backends.
pub(crate) fn micros(t: Time) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(us: i64) -> StoreResult<Time> {
    Time::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Database(format!("stored time {us} is out of range")))
}

/// `t` truncated to whole microseconds, the precision both backends keep. PostgreSQL would round
/// instead, which could move a time at the very end of a period across its boundary.
pub(crate) fn trunc_micros(t: Time) -> Time {
    Time::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}
