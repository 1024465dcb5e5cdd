//! Chats as their owner sees them: create, read, list, rename/archive, the visible history, the
//! queue, and the hidden title-generation calls.

use super::rows::{
    KIND_MESSAGE, KIND_TITLE, chat_from_row, message_from_row, page_size, queued_from_row,
    same_chat, stored_labels,
};
use super::state::{
    CHAT_COLUMNS, MESSAGE_COLUMNS, QUEUED_COLUMNS, fetch_chat, insert_message, insert_user_message,
    lock_chat,
};
use crate::db::{Arg, Tx, sql};
use crate::identity::{require_org, require_user};
use crate::{
    Chat, ChatMessage, ChatStatus, CostSource, Entity, LedgerEntry, MessageRole, NewChat,
    NewChatMessage, Page, QueuedMessage, Rule, Store, StoreError, StoreResult, Time, UserMessage,
};
use tollgate_core::Micros;
use uuid::Uuid;

/// Visible messages: the history, not the title calls, not what an edit soft-deleted.
const VISIBLE: &str = "chat_id = $1 AND kind = 'message' AND NOT deleted";

/// Inserts the chat with `status`; `NotFound(User)` / `NotFound(Organization)` /
/// `NotFound(Chat)` (parent) / `NotFound(ModelConfig)`. A sub-agent chat shares its parent's root.
async fn insert_chat(tx: &mut Tx, chat: &NewChat, status: ChatStatus) -> StoreResult<()> {
    let labels = stored_labels(&chat.labels)?;
    require_user(tx, chat.owner_id).await?;
    require_org(tx, chat.organization_id).await?;
    if let Some(model) = chat.model_config_id {
        super::models::require_model(tx, model).await?;
    }
    let root = match chat.parent_chat_id {
        None => None,
        Some(parent) => {
            let row = sql("SELECT coalesce(root_chat_id, id) AS root FROM chats WHERE id = $1")
                .bind(parent)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound(Entity::Chat))?;
            Some(row.uuid("root")?)
        }
    };
    sql("INSERT INTO chats (id, owner_id, organization_id, workspace_id, parent_chat_id,
             root_chat_id, last_model_config_id, title, status, labels, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)")
    .bind(chat.id)
    .bind(chat.owner_id)
    .bind(chat.organization_id)
    .bind(chat.workspace_id)
    .bind(chat.parent_chat_id)
    .bind(root)
    .bind(chat.model_config_id)
    .bind(&chat.title)
    .bind(status.as_str())
    .bind(Arg::json(&labels))
    .bind(chat.created_at)
    .execute(tx)
    .await
    .map(drop)
}

/// The ledger row of a message recorded in `chat`.
fn ledger_entry(
    chat: &Chat,
    m: &NewChatMessage,
    source: CostSource,
    message_id: Option<i64>,
    reservation: Option<Uuid>,
) -> LedgerEntry {
    LedgerEntry {
        user_id: chat.owner_id,
        organization_id: chat.organization_id,
        source,
        chat_id: Some(chat.id),
        message_id,
        api_key_id: None,
        model_config_id: m.model_config_id,
        usage: m.usage,
        cost: m.total_cost,
        estimated: false,
        overrun: false,
        reservation_id: reservation,
        created_at: m.created_at,
    }
}

impl Store {
    /// Inserts the chat as `pending` with its first user message, in one transaction.
    /// `NotFound(User)` / `NotFound(Organization)` / `NotFound(Chat)` (parent);
    /// `Rejected(LabelsNotObject)` unless `labels` is a JSON object (null is stored as `{}`).
    /// `status` of [`NewChat`] is ignored.
    pub async fn create_chat_with_message(
        &self,
        chat: NewChat,
        first: UserMessage,
    ) -> StoreResult<(Chat, ChatMessage)> {
        let mut tx = self.db.begin().await?;
        insert_chat(&mut tx, &chat, ChatStatus::Pending).await?;
        let message = insert_user_message(&mut tx, chat.id, &first).await?;
        let saved = lock_chat(&mut tx, chat.id).await?;
        tx.commit().await?;
        Ok((saved, message))
    }

    /// Inserts a chat with the status it names and no message (for tests and imports).
    pub async fn create_chat(&self, chat: NewChat) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        insert_chat(&mut tx, &chat, chat.status).await?;
        tx.commit().await
    }

    /// Appends a message to the chat as it is (for tests and imports); a costed message, or an
    /// assistant answer, is recorded in the ledger and its day's counter too. Returns its id
    /// (increasing). `NotFound(Chat)`.
    pub async fn append_chat_message(&self, message: NewChatMessage) -> StoreResult<i64> {
        let mut tx = self.db.begin().await?;
        let chat = fetch_chat(&mut tx, message.chat_id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Chat))?;
        let saved = insert_message(&mut tx, &message, KIND_MESSAGE).await?;
        if message.total_cost.is_some() || message.role == MessageRole::Assistant {
            crate::spend::settle_call(
                &mut tx,
                ledger_entry(&chat, &message, CostSource::ChatMessage, Some(saved.id), None),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(saved.id)
    }

    pub async fn get_chat(&self, chat: Uuid) -> StoreResult<Option<Chat>> {
        fetch_chat(&self.db, chat).await
    }

    /// The owner's chats, archived or not, newest `updated_at` first.
    pub async fn list_chats(
        &self,
        owner: Uuid,
        archived: bool,
        page: Page,
    ) -> StoreResult<Vec<Chat>> {
        let rows = sql(format!(
            "SELECT {CHAT_COLUMNS} FROM chats WHERE owner_id = $1 AND archived = $2
             ORDER BY updated_at DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(owner)
        .bind(archived)
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(chat_from_row).collect()
    }

    /// `NotFound(Chat)`; `Rejected(AlreadyArchived)` when archiving an archived chat.
    pub async fn update_chat(
        &self,
        chat: Uuid,
        title: Option<String>,
        archived: Option<bool>,
        at: Time,
    ) -> StoreResult<Chat> {
        let mut tx = self.db.begin().await?;
        let current = lock_chat(&mut tx, chat).await?;
        if archived == Some(true) && current.archived {
            return Err(Rule::AlreadyArchived.into());
        }
        sql("UPDATE chats SET title = coalesce($2, title), archived = coalesce($3, archived),
                 updated_at = $4
             WHERE id = $1")
        .bind(chat)
        .bind(title)
        .bind(archived)
        .bind(at)
        .execute(&mut tx)
        .await?;
        let saved = lock_chat(&mut tx, chat).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Visible messages (not title calls, not soft-deleted) newest first, with `id < before_id`
    /// when given; `has_more` says whether older ones remain. `Rejected(PageSizeNotPositive)`
    /// when `limit < 1`.
    pub async fn list_messages(
        &self,
        chat: Uuid,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<(Vec<ChatMessage>, bool)> {
        let limit = page_size(limit)?;
        let rows = sql(format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages
             WHERE {VISIBLE} AND ($2 IS NULL OR id < $2)
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(chat)
        .bind(before_id)
        .bind(limit.saturating_add(1))
        .fetch_all(&self.db)
        .await?;
        let mut messages = rows.iter().map(message_from_row).collect::<StoreResult<Vec<_>>>()?;
        let has_more = i64::try_from(messages.len()).unwrap_or(i64::MAX) > limit;
        messages.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok((messages, has_more))
    }

    /// Visible messages with `id > after_id`, oldest first (the model's history, stream replay).
    pub async fn messages_after(&self, chat: Uuid, after_id: i64) -> StoreResult<Vec<ChatMessage>> {
        let rows = sql(format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE {VISIBLE} AND id > $2 ORDER BY id"
        ))
        .bind(chat)
        .bind(after_id)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Oldest first.
    pub async fn list_queued(&self, chat: Uuid) -> StoreResult<Vec<QueuedMessage>> {
        let rows = sql(format!(
            "SELECT {QUEUED_COLUMNS} FROM chat_queued_messages WHERE chat_id = $1 ORDER BY id"
        ))
        .bind(chat)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(queued_from_row).collect()
    }

    /// Records the (costed, hidden) title-generation call, in the ledger too (settling its
    /// `reservation`, if any), and sets the title; `updated_at` becomes the call's `created_at`.
    /// Returns the chat and what the call added to the ledger. `NotFound(Chat)`;
    /// `Rejected(MessageOfAnotherChat)` when `call.chat_id != chat`.
    pub async fn record_title(
        &self,
        chat: Uuid,
        title: &str,
        call: NewChatMessage,
        reservation: Option<Uuid>,
    ) -> StoreResult<(Chat, Micros)> {
        same_chat(chat, &call)?;
        let mut tx = self.db.begin().await?;
        let current = lock_chat(&mut tx, chat).await?;
        let saved = insert_message(&mut tx, &call, KIND_TITLE).await?;
        let entry = ledger_entry(&current, &call, CostSource::Title, Some(saved.id), reservation);
        let recorded = crate::spend::settle_call(&mut tx, entry).await?;
        sql("UPDATE chats SET title = $2, updated_at = $3 WHERE id = $1")
            .bind(chat)
            .bind(title)
            .bind(call.created_at)
            .execute(&mut tx)
            .await?;
        let saved = lock_chat(&mut tx, chat).await?;
        tx.commit().await?;
        Ok((saved, recorded))
    }
}
