//! limits-plus §4 (the audit log of limit changes) and §5 (dry run), in Coder's naming style.

use crate::{ChatUsageLimitPeriod, UpdateChatUsageLimitConfigRequest};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a limit change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub enum ChatUsageLimitAuditAction {
    #[serde(rename = "config.update")]
    ConfigUpdate,
    #[serde(rename = "override.set")]
    OverrideSet,
    #[serde(rename = "override.delete")]
    OverrideDelete,
    #[serde(rename = "group_override.set")]
    GroupOverrideSet,
    #[serde(rename = "group_override.delete")]
    GroupOverrideDelete,
}

/// One change to the limits. `before`/`after` are the changed thing as the API showed it then
/// (the config, a user override or a group override); null when it did not exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitAuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub time: DateTime<Utc>,
    pub actor_id: Uuid,
    pub actor_username: String,
    pub action: ChatUsageLimitAuditAction,
    /// The user or group whose override changed; null for the config.
    pub target_id: Option<Uuid>,
    pub target_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    #[ts(type = "Record<string, unknown> | null")]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    #[ts(type = "Record<string, unknown> | null")]
    pub after: Option<serde_json::Value>,
}

/// Newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitAuditResponse {
    pub entries: Vec<ChatUsageLimitAuditEntry>,
}

/// A proposed user override; null removes the user's override.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitDryRunOverride {
    pub user_id: Uuid,
    #[ts(type = "number | null")]
    pub spend_limit_micros: Option<i64>,
}

/// A proposed group override; null removes the group's override.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitDryRunGroupOverride {
    pub group_id: Uuid,
    #[ts(type = "number | null")]
    pub spend_limit_micros: Option<i64>,
}

/// A config PUT body, plus override changes to consider with it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitDryRunRequest {
    #[serde(flatten)]
    pub config: UpdateChatUsageLimitConfigRequest,
    #[serde(default)]
    #[ts(optional, as = "Option<Vec<ChatUsageLimitDryRunOverride>>")]
    pub overrides: Vec<ChatUsageLimitDryRunOverride>,
    #[serde(default)]
    #[ts(optional, as = "Option<Vec<ChatUsageLimitDryRunGroupOverride>>")]
    pub group_overrides: Vec<ChatUsageLimitDryRunGroupOverride>,
}

/// One window in which the proposed configuration would block a user (one entry per blocked
/// user and window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitDryRunBlockedUser {
    pub user_id: Uuid,
    pub username: String,
    pub period: ChatUsageLimitPeriod,
    #[ts(type = "number")]
    pub spent_micros: i64,
    #[ts(type = "number")]
    pub limit_micros: i64,
}

/// What the proposed configuration would do, against this period's spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitDryRunResponse {
    pub blocked_now: Vec<ChatUsageLimitDryRunBlockedUser>,
    /// Blocked under the proposal, not under the current configuration.
    #[ts(type = "number")]
    pub newly_blocked: i64,
    /// Blocked under the current configuration, not under the proposal.
    #[ts(type = "number")]
    pub newly_unblocked: i64,
    /// Users whose effective limit would change.
    #[ts(type = "number")]
    pub affected_users: i64,
}
