//! The chat daemon's persistence. Part of [`crate::Store`].

use crate::{
    Chat, ChatMessage, CostSummary, FinishedRun, ModelConfig, ModelConfigPatch, NewChat,
    NewChatMessage, NewModelConfig, Provider, ProviderPatch, QueuedMessage, RunOutcome,
    SendOutcome, StoreResult, Time, UserCost, UserMessage,
};
use async_trait::async_trait;
use uuid::Uuid;

/// Most messages a chat may hold in its queue.
pub const MAX_QUEUED_MESSAGES: i64 = 20;

#[async_trait]
pub trait ChatStore: Send + Sync {
    // --- providers -------------------------------------------------------------------------

    /// `Conflict("provider")` when one of that kind exists.
    async fn create_provider(&self, provider: Provider) -> StoreResult<Provider>;
    /// Ordered by provider kind.
    async fn list_providers(&self) -> StoreResult<Vec<Provider>>;
    async fn get_provider(&self, id: Uuid) -> StoreResult<Option<Provider>>;
    async fn get_provider_by_kind(&self, kind: &str) -> StoreResult<Option<Provider>>;
    /// `NotFound("provider")`.
    async fn update_provider(
        &self,
        id: Uuid,
        patch: ProviderPatch,
        at: Time,
    ) -> StoreResult<Provider>;
    /// `NotFound("provider")`.
    async fn delete_provider(&self, id: Uuid) -> StoreResult<()>;

    // --- model configs ---------------------------------------------------------------------

    /// The first config ever created becomes the default; `is_default` on a new config
    /// un-defaults the others.
    async fn insert_model_config(
        &self,
        config: NewModelConfig,
        is_default: bool,
    ) -> StoreResult<ModelConfig>;
    /// All configs, or only enabled ones; ordered by provider, then model.
    async fn list_model_configs(&self, enabled_only: bool) -> StoreResult<Vec<ModelConfig>>;
    async fn get_model_config(&self, id: Uuid) -> StoreResult<Option<ModelConfig>>;
    /// The enabled default config, if any.
    async fn default_model_config(&self) -> StoreResult<Option<ModelConfig>>;
    /// `NotFound("model config")`. Setting `is_default` un-defaults the others in the same
    /// transaction.
    async fn update_model_config(
        &self,
        id: Uuid,
        patch: ModelConfigPatch,
        at: Time,
    ) -> StoreResult<ModelConfig>;
    /// `NotFound("model config")`. Messages keep their cost; their `model_config_id` is nulled.
    async fn delete_model_config(&self, id: Uuid) -> StoreResult<()>;

    // --- chats -----------------------------------------------------------------------------

    /// Inserts the chat as `pending` with its first user message, in one transaction.
    /// `NotFound("user")` / `NotFound("organization")` / `NotFound("chat")` (parent).
    /// `root_chat_id` is the parent's root (or the parent) for sub-agent chats. `Invalid` when
    /// `labels` is not a JSON object (null is stored as `{}`). `status` of [`NewChat`] is ignored.
    async fn create_chat_with_message(
        &self,
        chat: NewChat,
        first: UserMessage,
    ) -> StoreResult<(Chat, ChatMessage)>;
    async fn get_chat(&self, id: Uuid) -> StoreResult<Option<Chat>>;
    /// The owner's chats, archived or not, newest `updated_at` first.
    async fn list_chats(
        &self,
        owner: Uuid,
        archived: bool,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Chat>>;
    /// `NotFound("chat")`; `Invalid("Chat is already archived.")` when archiving an archived chat.
    async fn update_chat(
        &self,
        id: Uuid,
        title: Option<String>,
        archived: Option<bool>,
        at: Time,
    ) -> StoreResult<Chat>;

    /// Visible messages (kind `Message`, not soft-deleted) newest first, with `id < before_id`
    /// when given; `has_more` says whether older ones remain. `Invalid` when `limit < 1`.
    async fn list_messages(
        &self,
        chat: Uuid,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<(Vec<ChatMessage>, bool)>;
    /// Visible messages with `id > after_id`, oldest first (the model's history, stream replay).
    async fn messages_after(&self, chat: Uuid, after_id: i64) -> StoreResult<Vec<ChatMessage>>;
    /// Oldest first.
    async fn list_queued(&self, chat: Uuid) -> StoreResult<Vec<QueuedMessage>>;

    /// Under a lock on the chat row: when the chat is `pending` or `running`, or its queue is
    /// non-empty, appends to the queue (`Invalid("queue full")` at [`MAX_QUEUED_MESSAGES`]);
    /// otherwise inserts the message and sets `pending`. A chat left `waiting`/`error` with a
    /// non-empty queue first promotes the queue head, so FIFO order holds and nothing is stuck.
    /// `NotFound("chat")`.
    async fn send_message(&self, chat: Uuid, message: UserMessage) -> StoreResult<SendOutcome>;
    /// Soft-deletes the user message `message_id` and everything after it (their cost still
    /// counts), inserts the new text, clears the queue, sets `pending` and releases any worker.
    /// `NotFound("chat message")`; `Invalid("Only user messages can be edited.")`.
    async fn edit_message(
        &self,
        chat: Uuid,
        message_id: i64,
        message: UserMessage,
    ) -> StoreResult<ChatMessage>;
    /// `NotFound("queued message")`.
    async fn delete_queued(&self, chat: Uuid, queued_id: i64) -> StoreResult<()>;
    /// Moves a queued message into the history as a user message (no spend check: it was
    /// admitted when queued); if the chat is idle it becomes `pending`. `NotFound("queued message")`.
    /// The message gets `at` as its time. When a run is in flight it goes on, and the chat becomes
    /// `pending` again when that run finishes (so the promoted message is answered).
    async fn promote_queued(
        &self,
        chat: Uuid,
        queued_id: i64,
        at: Time,
    ) -> StoreResult<ChatMessage>;
    /// Sets `waiting` and releases the worker; the worker notices on its next heartbeat.
    /// `NotFound("chat")`.
    async fn interrupt_chat(&self, chat: Uuid, at: Time) -> StoreResult<Chat>;
    /// Records the (costed, hidden) title-generation call and sets the title; `updated_at` becomes
    /// the call's `created_at`. `NotFound("chat")`; `Invalid` when `call.chat_id != chat`.
    async fn record_title(
        &self,
        chat: Uuid,
        title: &str,
        call: NewChatMessage,
    ) -> StoreResult<Chat>;

    // --- the daemon ------------------------------------------------------------------------

    /// Claims the oldest `pending` chat for `worker`: `running`, `worker_id`, `heartbeat_at`.
    /// On PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two replicas never claim one chat.
    async fn claim_chat(&self, worker: &str, at: Time) -> StoreResult<Option<Chat>>;
    /// Refreshes the heartbeat; `false` when the chat is no longer `running` for `worker`
    /// (interrupted, edited, or taken over after a timeout): the worker must stop.
    async fn heartbeat(&self, chat: Uuid, worker: &str, at: Time) -> StoreResult<bool>;
    /// Chats `running` with a heartbeat older than `stale_before` go back to `pending`.
    /// Returns how many.
    async fn requeue_stale_chats(&self, stale_before: Time, at: Time) -> StoreResult<u64>;
    /// In one transaction: saves `message` (always — its cost was billed, even when the worker
    /// lost the chat meanwhile); then, if `worker` still owns the chat, or the chat was
    /// interrupted to `waiting`: promotes the queue head (status `pending`), else sets `waiting`
    /// (`Succeeded`) or `error` with `last_error` (`Failed`) — an interrupted run with an empty
    /// queue leaves the chat `waiting`. A chat taken by another worker, or `pending` after an
    /// edit, is left alone. `Invalid` when `message.chat_id != chat` (nothing is written).
    async fn finish_run(
        &self,
        chat: Uuid,
        worker: &str,
        message: Option<NewChatMessage>,
        outcome: RunOutcome,
        at: Time,
    ) -> StoreResult<FinishedRun>;

    // --- costs -----------------------------------------------------------------------------

    /// Assistant and title rows (soft-deleted included) of `user`'s chats created in
    /// `[start, end)`.
    async fn cost_summary(&self, user: Uuid, start: Time, end: Time) -> StoreResult<CostSummary>;
    /// Per-user totals in `[start, end)`, most expensive first; optional case-insensitive
    /// username substring; the count ignores limit and offset.
    async fn cost_by_user(
        &self,
        start: Time,
        end: Time,
        username: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<UserCost>, i64)>;
}
