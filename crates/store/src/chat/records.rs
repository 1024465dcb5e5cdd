//! Rows of the chat daemon: providers, model configs, chats, messages, the queue, cost roll-ups.

use crate::{Grant, Refusal, Time};
use tollgate_core::{ChatStatus, Enforcement, MessageRole, Micros, Prices, RunRef, TokenUsage};
use uuid::Uuid;

/// An LLM provider. The key is stored encrypted by the caller; the store only holds bytes.
#[derive(Clone, PartialEq)]
pub struct Provider {
    pub id: Uuid,
    /// `openai`, `openai-compat`, `openrouter`, `anthropic`, `simulated`; unique.
    pub provider: String,
    pub display_name: String,
    pub enabled: bool,
    pub api_key_ciphertext: Option<Vec<u8>>,
    pub base_url: Option<String>,
    pub created_at: Time,
    pub updated_at: Time,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("provider", &self.provider)
            .field("has_api_key", &self.api_key_ciphertext.is_some())
            .finish_non_exhaustive()
    }
}

/// Fields to change on a provider; `None` leaves a field alone. `api_key_ciphertext:
/// Some(None)` removes the key.
#[derive(Clone, Default)]
pub struct ProviderPatch {
    pub display_name: Option<String>,
    pub enabled: Option<bool>,
    pub api_key_ciphertext: Option<Option<Vec<u8>>>,
    pub base_url: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub id: Uuid,
    pub provider: String,
    pub model: String,
    pub display_name: String,
    pub enabled: bool,
    pub is_default: bool,
    pub context_limit: i64,
    pub max_output_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub prices: Option<Prices>,
    pub created_at: Time,
    pub updated_at: Time,
}

/// Fields to change on a model config; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ModelConfigPatch {
    pub display_name: Option<String>,
    pub enabled: Option<bool>,
    /// `Some(true)` makes this the default and un-defaults the others.
    pub is_default: Option<bool>,
    pub context_limit: Option<i64>,
    pub max_output_tokens: Option<Option<i64>>,
    pub temperature: Option<Option<f64>>,
    pub prices: Option<Option<Prices>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub parent_chat_id: Option<Uuid>,
    pub root_chat_id: Option<Uuid>,
    pub last_model_config_id: Option<Uuid>,
    pub title: String,
    pub status: ChatStatus,
    pub last_error: Option<String>,
    pub worker_id: Option<String>,
    pub heartbeat_at: Option<Time>,
    /// How many times the chat was claimed (the fencing token of its latest run).
    pub generation: i64,
    /// Why the last run could not start, when the limit refused it (`last_error` says so too).
    pub limit_refusal: Option<Refusal>,
    pub archived: bool,
    /// A JSON object, never null.
    pub labels: serde_json::Value,
    pub created_at: Time,
    pub updated_at: Time,
}

/// What a message is for. Only `Message` rows are shown; every kind's cost counts as spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Message,
    /// The LLM call that (re)generated the chat's title.
    Title,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub id: i64,
    pub chat_id: Uuid,
    pub created_by: Option<Uuid>,
    pub model_config_id: Option<Uuid>,
    pub role: MessageRole,
    pub content: serde_json::Value,
    pub usage: Option<TokenUsage>,
    pub total_cost: Option<Micros>,
    pub created_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueuedMessage {
    pub id: i64,
    pub chat_id: Uuid,
    pub content: serde_json::Value,
    pub created_by: Option<Uuid>,
    pub model_config_id: Option<Uuid>,
    pub created_at: Time,
}

/// A user message to add to a chat.
#[derive(Debug, Clone)]
pub struct UserMessage {
    pub content: serde_json::Value,
    pub created_by: Uuid,
    pub model_config_id: Option<Uuid>,
    pub created_at: Time,
}

/// Where a sent message went.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// The chat was idle: the message is in the history and the chat is `pending`.
    Sent(ChatMessage),
    /// A run is in flight or others are waiting: the message is queued.
    Queued(QueuedMessage),
}

/// What `finish_run` did.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedRun {
    /// The assistant message saved: `None` when there was none, or when the run was stale (its
    /// cost is recorded all the same).
    pub message: Option<ChatMessage>,
    /// The queued message promoted into the history, if any.
    pub promoted: Option<ChatMessage>,
    /// The chat after the run.
    pub chat: Chat,
    /// What the run's cost added to the ledger.
    pub recorded: Micros,
}

/// Per-model or per-chat totals of a cost summary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CostTotals {
    pub total_cost: Micros,
    pub priced_message_count: i64,
    pub unpriced_message_count: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_creation_tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CostSummary {
    pub totals: CostTotals,
    /// (model config id, display name or model, totals), most expensive first.
    pub by_model: Vec<(Option<Uuid>, String, CostTotals)>,
    /// (chat id, title, totals), most expensive first; gateway calls belong to no chat.
    pub by_chat: Vec<(Uuid, String, CostTotals)>,
    /// (chat answers, titles, gateway calls), most expensive first.
    pub by_source: Vec<(crate::CostSource, CostTotals)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserCost {
    pub user_id: Uuid,
    pub username: String,
    pub name: String,
    pub avatar_url: String,
    pub totals: CostTotals,
}

#[derive(Debug, Clone)]
pub struct NewChat {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub parent_chat_id: Option<Uuid>,
    pub model_config_id: Option<Uuid>,
    /// A JSON object (`{}` when none); `Invalid` otherwise.
    pub labels: serde_json::Value,
    pub title: String,
    pub status: ChatStatus,
    pub created_at: Time,
}

/// A message to append to a chat. Costed messages are the spend ledger: append-only.
#[derive(Debug, Clone)]
pub struct NewChatMessage {
    pub chat_id: Uuid,
    pub created_by: Option<Uuid>,
    pub model_config_id: Option<Uuid>,
    pub role: MessageRole,
    /// The message parts, as JSON (`[{"type":"text","text":"…"}]`).
    pub content: serde_json::Value,
    pub usage: Option<TokenUsage>,
    /// `None` = unpriced.
    pub total_cost: Option<Micros>,
    pub created_at: Time,
}

#[derive(Debug, Clone)]
pub struct NewModelConfig {
    pub id: Uuid,
    pub provider: String,
    pub model: String,
    pub display_name: String,
    pub enabled: bool,
    pub context_limit: i64,
    pub prices: Option<Prices>,
    pub created_at: Time,
}

/// How the daemon claims (accounting.md §2–§3).
#[derive(Debug, Clone)]
pub struct ClaimPolicy {
    pub enforcement: Enforcement,
    /// The output cap of a model that sets none.
    pub default_max_output_tokens: u32,
    /// How long a reservation is held without a heartbeat.
    pub lease: chrono::Duration,
    /// What a run may stream between two heartbeats, in tokens (see
    /// [`tollgate_core::progress`]).
    pub lookahead_tokens: u32,
    /// What `last_error` says when the limit refuses a run.
    pub refusal_message: String,
}

/// A claimed run: the chat, the claim (its generation), the history it answers, its model and,
/// in strict mode, its reservation.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub chat: Chat,
    pub run: RunRef,
    pub history: Vec<ChatMessage>,
    /// `None` when the chat's model config no longer exists (the run fails).
    pub model: Option<ModelConfig>,
    pub grant: Option<Grant>,
}

/// What claiming the oldest pending chat did.
#[derive(Debug, Clone, PartialEq)]
pub enum Claimed {
    Run(Box<Claim>),
    /// The limit could not pay for the run: the chat rests in `error` with the refusal.
    Refused(Box<Chat>),
}
