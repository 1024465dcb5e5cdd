//! limits-plus §6: limit events and the webhooks that receive them, in Coder's naming style.

use crate::ChatUsageLimitPeriod;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// What happened to a user's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub enum ChatUsageLimitEventType {
    /// Spend first reached one of the config's `notify_at_percent`.
    #[serde(rename = "usage_limit.threshold_crossed")]
    ThresholdCrossed,
    /// Spend reached the limit, or work was first refused because what is left cannot pay.
    #[serde(rename = "usage_limit.exceeded")]
    Exceeded,
}

/// One event; also the body a webhook receives. Each (user, window instance, type, percent)
/// happens once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitEvent {
    #[ts(type = "number")]
    pub id: i64,
    #[serde(rename = "type")]
    pub event_type: ChatUsageLimitEventType,
    pub time: DateTime<Utc>,
    pub user_id: Uuid,
    pub username: String,
    pub period: ChatUsageLimitPeriod,
    /// The threshold crossed; 100 for `usage_limit.exceeded`.
    pub percent: u8,
    #[ts(type = "number")]
    pub spent_micros: i64,
    #[ts(type = "number")]
    pub limit_micros: i64,
    pub resets_at: DateTime<Utc>,
}

/// Oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitEventsResponse {
    pub events: Vec<ChatUsageLimitEvent>,
}

/// The body of `POST /usage-limits/webhooks`. The secret signs every delivery
/// (`X-Tollgate-Signature: sha256=<hex HMAC-SHA256 of the body>`) and is never shown again.
#[derive(Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateChatUsageLimitWebhookRequest {
    pub url: String,
    pub secret: String,
}

crate::debug_hiding!(CreateChatUsageLimitWebhookRequest { url } hides secret);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitWebhook {
    pub id: Uuid,
    pub url: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatUsageLimitWebhooksResponse {
    pub webhooks: Vec<ChatUsageLimitWebhook>,
}
