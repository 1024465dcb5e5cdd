//! The [`ChatStore`] trait, delegating to the per-area methods of [`SqliteStore`].

use super::SqliteStore;
use crate::*;
use async_trait::async_trait;
use uuid::Uuid;

#[async_trait]
impl ChatStore for SqliteStore {
    async fn create_provider(&self, provider: Provider) -> StoreResult<Provider> {
        self.create_provider_impl(provider).await
    }

    async fn list_providers(&self) -> StoreResult<Vec<Provider>> {
        self.list_providers_impl().await
    }

    async fn get_provider(&self, id: Uuid) -> StoreResult<Option<Provider>> {
        self.get_provider_impl(id).await
    }

    async fn get_provider_by_kind(&self, kind: &str) -> StoreResult<Option<Provider>> {
        self.get_provider_by_kind_impl(kind).await
    }

    async fn update_provider(
        &self,
        id: Uuid,
        patch: ProviderPatch,
        at: Time,
    ) -> StoreResult<Provider> {
        self.update_provider_impl(id, patch, at).await
    }

    async fn delete_provider(&self, id: Uuid) -> StoreResult<()> {
        self.delete_provider_impl(id).await
    }

    async fn insert_model_config(
        &self,
        config: NewModelConfig,
        is_default: bool,
    ) -> StoreResult<ModelConfig> {
        self.insert_model_config_impl(config, is_default).await
    }

    async fn list_model_configs(&self, enabled_only: bool) -> StoreResult<Vec<ModelConfig>> {
        self.list_model_configs_impl(enabled_only).await
    }

    async fn get_model_config(&self, id: Uuid) -> StoreResult<Option<ModelConfig>> {
        self.get_model_config_impl(id).await
    }

    async fn default_model_config(&self) -> StoreResult<Option<ModelConfig>> {
        self.default_model_config_impl().await
    }

    async fn update_model_config(
        &self,
        id: Uuid,
        patch: ModelConfigPatch,
        at: Time,
    ) -> StoreResult<ModelConfig> {
        self.update_model_config_impl(id, patch, at).await
    }

    async fn delete_model_config(&self, id: Uuid) -> StoreResult<()> {
        self.delete_model_config_impl(id).await
    }

    async fn create_chat_with_message(
        &self,
        chat: NewChat,
        first: UserMessage,
    ) -> StoreResult<(Chat, ChatMessage)> {
        self.create_chat_with_message_impl(chat, first).await
    }

    async fn get_chat(&self, id: Uuid) -> StoreResult<Option<Chat>> {
        self.get_chat_impl(id).await
    }

    async fn list_chats(
        &self,
        owner: Uuid,
        archived: bool,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Chat>> {
        self.list_chats_impl(owner, archived, limit, offset).await
    }

    async fn update_chat(
        &self,
        id: Uuid,
        title: Option<String>,
        archived: Option<bool>,
        at: Time,
    ) -> StoreResult<Chat> {
        self.update_chat_impl(id, title, archived, at).await
    }

    async fn list_messages(
        &self,
        chat: Uuid,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<(Vec<ChatMessage>, bool)> {
        self.list_messages_impl(chat, before_id, limit).await
    }

    async fn messages_after(&self, chat: Uuid, after_id: i64) -> StoreResult<Vec<ChatMessage>> {
        self.messages_after_impl(chat, after_id).await
    }

    async fn list_queued(&self, chat: Uuid) -> StoreResult<Vec<QueuedMessage>> {
        self.list_queued_impl(chat).await
    }

    async fn send_message(&self, chat: Uuid, message: UserMessage) -> StoreResult<SendOutcome> {
        self.send_message_impl(chat, message).await
    }

    async fn edit_message(
        &self,
        chat: Uuid,
        message_id: i64,
        message: UserMessage,
    ) -> StoreResult<ChatMessage> {
        self.edit_message_impl(chat, message_id, message).await
    }

    async fn delete_queued(&self, chat: Uuid, queued_id: i64) -> StoreResult<()> {
        self.delete_queued_impl(chat, queued_id).await
    }

    async fn promote_queued(
        &self,
        chat: Uuid,
        queued_id: i64,
        at: Time,
    ) -> StoreResult<ChatMessage> {
        self.promote_queued_impl(chat, queued_id, at).await
    }

    async fn interrupt_chat(&self, chat: Uuid, at: Time) -> StoreResult<Chat> {
        self.interrupt_chat_impl(chat, at).await
    }

    async fn record_title(
        &self,
        chat: Uuid,
        title: &str,
        call: NewChatMessage,
    ) -> StoreResult<Chat> {
        self.record_title_impl(chat, title, call).await
    }

    async fn claim_chat(&self, worker: &str, at: Time) -> StoreResult<Option<Chat>> {
        self.claim_chat_impl(worker, at).await
    }

    async fn heartbeat(&self, chat: Uuid, worker: &str, at: Time) -> StoreResult<bool> {
        self.heartbeat_impl(chat, worker, at).await
    }

    async fn requeue_stale_chats(&self, stale_before: Time, at: Time) -> StoreResult<u64> {
        self.requeue_stale_chats_impl(stale_before, at).await
    }

    async fn finish_run(
        &self,
        chat: Uuid,
        worker: &str,
        message: Option<NewChatMessage>,
        outcome: RunOutcome,
        at: Time,
    ) -> StoreResult<FinishedRun> {
        self.finish_run_impl(chat, worker, message, outcome, at).await
    }

    async fn cost_summary(&self, user: Uuid, start: Time, end: Time) -> StoreResult<CostSummary> {
        self.cost_summary_impl(user, start, end).await
    }

    async fn cost_by_user(
        &self,
        start: Time,
        end: Time,
        username: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<UserCost>, i64)> {
        self.cost_by_user_impl(start, end, username, limit, offset).await
    }
}
