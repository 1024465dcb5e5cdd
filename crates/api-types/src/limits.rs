//! The chat usage-limit API (spend-limits.md §8, §10), with Coder's SDK names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChatUsageLimitPeriod {
    Day,
    Week,
    Month,
}

/// tollgate: how the limits of a user's groups combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChatUsageLimitGroupPolicy {
    Lowest,
    Highest,
}

/// tollgate: where a user's effective limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChatUsageLimitSource {
    Disabled,
    User,
    Group,
    Default,
}

/// The deployment-wide limit. `spend_limit_micros` is null when limits are disabled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitConfig {
    #[ts(type = "number | null")]
    pub spend_limit_micros: Option<i64>,
    pub period: ChatUsageLimitPeriod,
    pub updated_at: DateTime<Utc>,
    /// tollgate.
    pub group_policy: ChatUsageLimitGroupPolicy,
    /// tollgate: the default's limit at each period.
    pub windows: ChatUsageLimitWindows,
    /// tollgate: the percentages of a limit at which an event is written (limits-plus §6).
    pub notify_at_percent: Vec<u8>,
}

/// tollgate: a tier's limit at each period (limits-plus §1); null = none at that period. The
/// deployment period's key repeats `spend_limit_micros`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitWindows {
    #[ts(type = "number | null")]
    pub day: Option<i64>,
    #[ts(type = "number | null")]
    pub week: Option<i64>,
    #[ts(type = "number | null")]
    pub month: Option<i64>,
}

/// tollgate: changes to a tier's windows. An absent key leaves that period as it is; null
/// removes its limit; a number (> 0) sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema, TS)]
pub struct ChatUsageLimitWindowsUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    #[ts(optional, type = "number | null")]
    pub day: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    #[ts(optional, type = "number | null")]
    pub week: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    #[ts(optional, type = "number | null")]
    pub month: Option<Option<i64>>,
}

/// By hand, so that a key given as null (remove) differs from an absent key (keep).
impl<'de> Deserialize<'de> for ChatUsageLimitWindowsUpdate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let keys = std::collections::BTreeMap::<String, Option<i64>>::deserialize(d)?;
        let mut update = ChatUsageLimitWindowsUpdate::default();
        for (key, value) in keys {
            match key.as_str() {
                "day" => update.day = Some(value),
                "week" => update.week = Some(value),
                "month" => update.month = Some(value),
                _ => return Err(serde::de::Error::unknown_field(&key, &["day", "week", "month"])),
            }
        }
        Ok(update)
    }
}

/// The body of `PUT /usage-limits`. Period and policy travel as strings so a wrong value gets
/// the spec's message rather than a generic JSON error.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct UpdateChatUsageLimitConfigRequest {
    /// null or absent disables limits.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub spend_limit_micros: Option<i64>,
    #[serde(default)]
    #[ts(optional, as = "Option<ChatUsageLimitPeriod>")]
    pub period: Option<String>,
    /// tollgate: `lowest` (default) or `highest`.
    #[serde(default)]
    #[ts(optional, as = "Option<ChatUsageLimitGroupPolicy>")]
    pub group_policy: Option<String>,
    /// tollgate: the default's limits at each period.
    #[serde(default)]
    #[ts(optional)]
    pub windows: Option<ChatUsageLimitWindowsUpdate>,
    /// tollgate: 1..=100, ascending, at most 5; absent leaves them as they are.
    #[serde(default)]
    #[ts(optional)]
    pub notify_at_percent: Option<Vec<i64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitConfigResponse {
    #[serde(flatten)]
    pub config: ChatUsageLimitConfig,
    #[ts(type = "number")]
    pub unpriced_model_count: i64,
    pub overrides: Vec<ChatUsageLimitOverride>,
    pub group_overrides: Vec<ChatUsageLimitGroupOverride>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitOverride {
    pub user_id: Uuid,
    pub username: String,
    pub name: String,
    pub avatar_url: String,
    #[ts(type = "number | null")]
    pub spend_limit_micros: Option<i64>,
    /// tollgate.
    pub windows: ChatUsageLimitWindows,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitGroupOverride {
    pub group_id: Uuid,
    pub group_name: String,
    pub group_display_name: String,
    pub group_avatar_url: String,
    #[ts(type = "number")]
    pub member_count: i64,
    #[ts(type = "number | null")]
    pub spend_limit_micros: Option<i64>,
    /// tollgate.
    pub windows: ChatUsageLimitWindows,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct UpsertChatUsageLimitOverrideRequest {
    #[ts(type = "number")]
    pub spend_limit_micros: i64,
    /// tollgate: the limits at the other periods.
    #[serde(default)]
    #[ts(optional)]
    pub windows: Option<ChatUsageLimitWindowsUpdate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct UpsertChatUsageLimitGroupOverrideRequest {
    #[ts(type = "number")]
    pub spend_limit_micros: i64,
    /// tollgate: the limits at the other periods.
    #[serde(default)]
    #[ts(optional)]
    pub windows: Option<ChatUsageLimitWindowsUpdate>,
}

/// A user's own standing. When not limited only `is_limited: false, current_spend: 0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitStatus {
    pub is_limited: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period: Option<ChatUsageLimitPeriod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub spend_limit_micros: Option<i64>,
    #[ts(type = "number")]
    pub current_spend: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period_start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period_end: Option<DateTime<Utc>>,
    /// tollgate: where the limit comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub limit_source: Option<ChatUsageLimitSource>,
    /// tollgate: the group whose limit applies, when `limit_source` is `group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub limit_group_id: Option<Uuid>,
    /// tollgate: every window with a limit, shortest period first; Coder's fields above are
    /// the binding one's (least remaining; ties: shortest period).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<ChatUsageLimitStatusWindow>>")]
    pub windows: Vec<ChatUsageLimitStatusWindow>,
}

/// tollgate: one window of a user's standing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitStatusWindow {
    pub period: ChatUsageLimitPeriod,
    #[ts(type = "number")]
    pub spend_limit_micros: i64,
    /// Settled spend in the window.
    #[ts(type = "number")]
    pub current_spend: i64,
    /// What runs in flight hold.
    #[ts(type = "number")]
    pub reserved_micros: i64,
    #[ts(type = "number")]
    pub remaining_micros: i64,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub limit_source: ChatUsageLimitSource,
    pub limit_group_id: Option<Uuid>,
}

/// The 409 body when a chat action would exceed the limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitExceededResponse {
    pub message: String,
    #[ts(type = "number")]
    pub spent_micros: i64,
    #[ts(type = "number")]
    pub limit_micros: i64,
    pub resets_at: DateTime<Utc>,
    /// tollgate: the window that refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period: Option<ChatUsageLimitPeriod>,
}

/// tollgate: how limits are enforced (accounting.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChatUsageLimitEnforcement {
    Strict,
    Check,
}

/// tollgate (limits-plus §2): why a user's limits are what they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitExplainResponse {
    pub user_id: Uuid,
    pub username: String,
    /// null when none was asked.
    pub organization_id: Option<Uuid>,
    pub enforcement: ChatUsageLimitEnforcement,
    pub group_policy: ChatUsageLimitGroupPolicy,
    /// Some window with a limit is exhausted.
    pub blocked: bool,
    /// The window with the least left (ties: shortest period); null when no limit applies.
    pub binding_period: Option<ChatUsageLimitPeriod>,
    /// Day, week and month.
    pub windows: Vec<ChatUsageLimitExplainWindow>,
}

/// One period of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitExplainWindow {
    pub period: ChatUsageLimitPeriod,
    #[ts(type = "number | null")]
    pub effective_limit_micros: Option<i64>,
    pub source: Option<ChatUsageLimitSource>,
    pub group_id: Option<Uuid>,
    pub group_name: Option<String>,
    /// Every limit considered for this period, the winner first.
    pub candidates: Vec<ChatUsageLimitCandidate>,
    #[ts(type = "number")]
    pub spent_micros: i64,
    #[ts(type = "number")]
    pub reserved_micros: i64,
    #[ts(type = "number | null")]
    pub remaining_micros: Option<i64>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub resets_at: DateTime<Utc>,
    /// When the limit is reached at the average rate since the window's start; null when no
    /// limit, no spend, or not before the reset.
    pub forecast_exhaustion_at: Option<DateTime<Utc>>,
}

/// A limit considered for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitCandidate {
    pub source: ChatUsageLimitSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub group_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub group_name: Option<String>,
    #[ts(type = "number")]
    pub spend_limit_micros: i64,
}
