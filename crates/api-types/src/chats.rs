//! Chats, their messages and stream events, providers, model configs and cost summaries
//! (chats.md), with Coder's experimental API shapes.

use crate::{ChatUsageLimitExceededResponse, ChatUsageLimitStatus, ExactDecimal};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChatStatus {
    Waiting,
    Pending,
    Running,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct Chat {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub workspace_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub parent_chat_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub root_chat_id: Option<Uuid>,
    pub last_model_config_id: Option<Uuid>,
    pub title: String,
    pub status: ChatStatus,
    pub last_error: Option<String>,
    /// tollgate: when the last run could not start because the spend limit could not pay for
    /// it (strict enforcement), the 409 body a request would have got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub usage_limit_exceeded: Option<ChatUsageLimitExceededResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
    #[ts(type = "Record<string, string>")]
    pub labels: serde_json::Value,
}

/// One part of what a user sends. Only `text` parts are accepted for now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatInputPart {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    #[ts(optional)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateChatRequest {
    pub content: Vec<ChatInputPart>,
    /// tollgate: defaults to the default organization.
    #[serde(default)]
    #[ts(optional)]
    pub organization_id: Option<Uuid>,
    #[serde(default)]
    #[ts(optional)]
    pub workspace_id: Option<Uuid>,
    #[serde(default)]
    #[ts(optional)]
    pub model_config_id: Option<Uuid>,
    /// tollgate: a sub-agent chat; admission checks the parent's owner in the parent's
    /// organization.
    #[serde(default)]
    #[ts(optional)]
    pub parent_chat_id: Option<Uuid>,
    #[serde(default)]
    #[ts(optional, type = "Record<string, string>")]
    pub labels: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct UpdateChatRequest {
    pub title: Option<String>,
    pub archived: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatMessagePart {
    /// `text` or `reasoning`.
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatMessageUsage {
    #[ts(type = "number")]
    pub input_tokens: i64,
    #[ts(type = "number")]
    pub output_tokens: i64,
    #[ts(type = "number")]
    pub total_tokens: i64,
    #[ts(type = "number")]
    pub reasoning_tokens: i64,
    #[ts(type = "number")]
    pub cache_creation_tokens: i64,
    #[ts(type = "number")]
    pub cache_read_tokens: i64,
    #[ts(type = "number")]
    pub context_limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatMessage {
    #[ts(type = "number")]
    pub id: i64,
    pub chat_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub created_by: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model_config_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    pub content: Vec<ChatMessagePart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub usage: Option<ChatMessageUsage>,
    /// tollgate: null when the call was unpriced.
    #[ts(type = "number | null")]
    pub total_cost_micros: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatQueuedMessage {
    #[ts(type = "number")]
    pub id: i64,
    pub chat_id: Uuid,
    pub content: Vec<ChatMessagePart>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatMessagesResponse {
    pub messages: Vec<ChatMessage>,
    pub queued_messages: Vec<ChatQueuedMessage>,
    pub has_more: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateChatMessageRequest {
    pub content: Vec<ChatInputPart>,
    #[serde(default)]
    #[ts(optional)]
    pub model_config_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateChatMessageResponse {
    pub queued: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<ChatMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub queued_message: Option<ChatQueuedMessage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct EditChatMessageRequest {
    pub content: Vec<ChatInputPart>,
}

/// A provider as listed: never its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatProviderConfig {
    pub id: Uuid,
    pub provider: String,
    pub display_name: String,
    pub enabled: bool,
    pub has_api_key: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub base_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateChatProviderConfigRequest {
    pub provider: String,
    #[serde(default)]
    #[ts(optional)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub api_key: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub base_url: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub enabled: Option<bool>,
}

#[derive(Clone, Default, Serialize, Deserialize, ToSchema, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct UpdateChatProviderConfigRequest {
    pub display_name: Option<String>,
    /// An empty string removes the key.
    pub api_key: Option<String>,
    /// An empty string removes the base URL.
    pub base_url: Option<String>,
    pub enabled: Option<bool>,
}

/// Prices in USD per 1M tokens. Requests accept decimal numbers or strings, read exactly;
/// responses carry exact decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatModelCost {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | number")]
    #[schema(value_type = Option<String>)]
    pub input_price_per_million_tokens: Option<ExactDecimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | number")]
    #[schema(value_type = Option<String>)]
    pub output_price_per_million_tokens: Option<ExactDecimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | number")]
    #[schema(value_type = Option<String>)]
    pub cache_read_price_per_million_tokens: Option<ExactDecimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | number")]
    #[schema(value_type = Option<String>)]
    pub cache_write_price_per_million_tokens: Option<ExactDecimal>,
}

/// Call settings of a model config. The four price keys are also accepted here at the top
/// level (Coder's legacy form).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatModelCallConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub max_output_tokens: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cost: Option<ChatModelCost>,
    /// Coder's legacy form: the four price keys at this level (read, never written).
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    #[schema(ignore)]
    pub input_price_per_million_tokens: Option<ExactDecimal>,
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    #[schema(ignore)]
    pub output_price_per_million_tokens: Option<ExactDecimal>,
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    #[schema(ignore)]
    pub cache_read_price_per_million_tokens: Option<ExactDecimal>,
    #[serde(default, skip_serializing)]
    #[ts(skip)]
    #[schema(ignore)]
    pub cache_write_price_per_million_tokens: Option<ExactDecimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatModelConfig {
    pub id: Uuid,
    pub provider: String,
    pub model: String,
    pub display_name: String,
    pub enabled: bool,
    pub is_default: bool,
    #[ts(type = "number")]
    pub context_limit: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model_config: Option<ChatModelCallConfig>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateChatModelConfigRequest {
    pub provider: String,
    pub model: String,
    #[serde(default)]
    #[ts(optional)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub enabled: Option<bool>,
    #[serde(default)]
    #[ts(optional)]
    pub is_default: Option<bool>,
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub context_limit: Option<i64>,
    #[serde(default)]
    #[ts(optional)]
    pub model_config: Option<ChatModelCallConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct UpdateChatModelConfigRequest {
    pub display_name: Option<String>,
    pub enabled: Option<bool>,
    pub is_default: Option<bool>,
    #[ts(optional, type = "number")]
    pub context_limit: Option<i64>,
    /// Replaces the call settings and prices when present.
    pub model_config: Option<ChatModelCallConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatModel {
    /// `provider:model`.
    pub id: String,
    pub provider: String,
    pub model: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatModelProvider {
    pub provider: String,
    pub available: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unavailable_reason: Option<String>,
    pub models: Vec<ChatModel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatModelsResponse {
    pub providers: Vec<ChatModelProvider>,
}

/// Totals shared by every row of a cost report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatCostTotals {
    #[ts(type = "number")]
    pub total_cost_micros: i64,
    #[ts(type = "number")]
    pub priced_message_count: i64,
    #[ts(type = "number")]
    pub unpriced_message_count: i64,
    #[ts(type = "number")]
    pub total_input_tokens: i64,
    #[ts(type = "number")]
    pub total_output_tokens: i64,
    #[ts(type = "number")]
    pub total_cache_read_tokens: i64,
    #[ts(type = "number")]
    pub total_cache_creation_tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatCostModelBreakdown {
    pub model_config_id: Option<Uuid>,
    pub display_name: String,
    #[serde(flatten)]
    pub totals: ChatCostTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatCostSourceBreakdown {
    pub source: String,
    #[serde(flatten)]
    pub totals: ChatCostTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatCostChatBreakdown {
    pub chat_id: Uuid,
    pub title: String,
    #[serde(flatten)]
    pub totals: ChatCostTotals,
}

/// tollgate: `GET /api/experimental/chats/cost/{user}/daily` — what the user spent on each of
/// the last `days` UTC days (today last), every organization together, as the limits count it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct DailySpend {
    pub days: Vec<DaySpend>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct DaySpend {
    /// The UTC day, `YYYY-MM-DD`.
    pub date: String,
    pub spent_micros: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatCostSummary {
    pub start_date: DateTime<Utc>,
    pub end_date: DateTime<Utc>,
    #[serde(flatten)]
    pub totals: ChatCostTotals,
    pub by_model: Vec<ChatCostModelBreakdown>,
    pub by_chat: Vec<ChatCostChatBreakdown>,
    /// tollgate: the totals by what was billed (`chat_message`, `title`, `gateway`).
    #[serde(default)]
    pub by_source: Vec<ChatCostSourceBreakdown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub usage_limit: Option<ChatUsageLimitStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatCostUserRollup {
    pub user_id: Uuid,
    pub username: String,
    pub name: String,
    pub avatar_url: String,
    #[serde(flatten)]
    pub totals: ChatCostTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatCostUsersResponse {
    pub start_date: DateTime<Utc>,
    pub end_date: DateTime<Utc>,
    #[ts(type = "number")]
    pub count: i64,
    pub users: Vec<ChatCostUserRollup>,
}

/// A delta of the answer being written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatStreamMessagePart {
    pub role: String,
    pub part: ChatMessagePart,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatStreamStatus {
    pub status: ChatStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatStreamError {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub provider: Option<String>,
    pub retryable: bool,
}

/// One event of a chat's stream. `type` says which of the optional fields is set:
/// `message_part`, `message`, `status`, `error` or `queue_update` (`queued_messages`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ChatStreamEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub chat_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message_part: Option<ChatStreamMessagePart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<ChatMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub status: Option<ChatStreamStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<ChatStreamError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub queued_messages: Option<Vec<ChatQueuedMessage>>,
}

crate::debug_hiding!(CreateChatProviderConfigRequest { provider, display_name, base_url, enabled } hides api_key);

crate::debug_hiding!(UpdateChatProviderConfigRequest { display_name, base_url, enabled } hides api_key);
