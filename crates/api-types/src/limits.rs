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
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct UpsertChatUsageLimitOverrideRequest {
    #[ts(type = "number")]
    pub spend_limit_micros: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct UpsertChatUsageLimitGroupOverrideRequest {
    #[ts(type = "number")]
    pub spend_limit_micros: i64,
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
}
