//! The audit log of limit changes (limits-plus §4): one entry per change, written in the
//! change's transaction, read newest first. Nothing here updates or deletes an entry.

use crate::db::{Arg, Ex, Row, sql};
use crate::{GroupLimitRecord, LimitConfigRecord, Store, StoreError, StoreResult, Time, UserLimit};
use serde_json::Value;
use uuid::Uuid;

/// What a limit change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitAuditAction {
    ConfigUpdate,
    OverrideSet,
    OverrideDelete,
    GroupOverrideSet,
    GroupOverrideDelete,
}

impl LimitAuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConfigUpdate => "config.update",
            Self::OverrideSet => "override.set",
            Self::OverrideDelete => "override.delete",
            Self::GroupOverrideSet => "group_override.set",
            Self::GroupOverrideDelete => "group_override.delete",
        }
    }

    fn parse(raw: &str) -> StoreResult<Self> {
        [
            Self::ConfigUpdate,
            Self::OverrideSet,
            Self::OverrideDelete,
            Self::GroupOverrideSet,
            Self::GroupOverrideDelete,
        ]
        .into_iter()
        .find(|a| a.as_str() == raw)
        .ok_or_else(|| StoreError::Database(format!("unknown audit action {raw:?}")))
    }
}

/// How the changed things read in the log. The log keeps the API's shape of them, which the
/// store does not know, so the caller supplies it.
pub trait RenderLimits: Send + Sync {
    fn config(&self, record: &LimitConfigRecord) -> Value;
    fn user(&self, record: &UserLimit) -> Value;
    fn group(&self, record: &GroupLimitRecord) -> Value;
}

/// Who changes a limit, when, and how the log renders it.
#[derive(Clone, Copy)]
pub struct LimitChange<'a> {
    pub actor: Uuid,
    pub at: Time,
    pub render: &'a dyn RenderLimits,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LimitAuditEntry {
    pub id: i64,
    pub time: Time,
    pub actor_id: Uuid,
    pub actor_username: String,
    pub action: LimitAuditAction,
    pub target_id: Option<Uuid>,
    pub target_name: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// One entry about to be written.
pub(crate) struct Entry {
    pub action: LimitAuditAction,
    pub target: Option<(Uuid, String)>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Appends `entry` on `ex` (the change's transaction). The actor's username is copied so the
/// entry still reads after they are renamed or deleted.
pub(crate) async fn record<'a>(
    ex: impl Into<Ex<'a>>,
    change: &LimitChange<'_>,
    entry: Entry,
) -> StoreResult<()> {
    let (target_id, target_name) = entry.target.unzip();
    sql("INSERT INTO chat_usage_limit_audit
            (time, actor_id, actor_username, action, target_id, target_name, before, after)
         VALUES ($1, $2, coalesce((SELECT username FROM users WHERE id = $2), ''),
                 $3, $4, $5, $6, $7)")
    .bind(change.at)
    .bind(change.actor)
    .bind(entry.action.as_str())
    .bind(target_id)
    .bind(target_name)
    .bind(Arg::Json(entry.before))
    .bind(Arg::Json(entry.after))
    .execute(ex)
    .await?;
    Ok(())
}

fn entry_from_row(row: &Row) -> StoreResult<LimitAuditEntry> {
    Ok(LimitAuditEntry {
        id: row.bigint("id")?,
        time: row.time("time")?,
        actor_id: row.uuid("actor_id")?,
        actor_username: row.text("actor_username")?,
        action: LimitAuditAction::parse(&row.text("action")?)?,
        target_id: row.opt_uuid("target_id")?,
        target_name: row.opt_text("target_name")?,
        before: row.opt_json("before")?,
        after: row.opt_json("after")?,
    })
}

impl Store {
    /// Up to `limit` entries, newest first, older than `after_id` when given.
    pub async fn list_limit_audit(
        &self,
        limit: i64,
        after_id: Option<i64>,
    ) -> StoreResult<Vec<LimitAuditEntry>> {
        let rows = sql("SELECT id, time, actor_id, actor_username, action, target_id,
                target_name, before, after
             FROM chat_usage_limit_audit WHERE $1 IS NULL OR id < $1
             ORDER BY id DESC LIMIT $2")
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }
}
