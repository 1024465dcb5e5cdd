//! Chats as their owner sees them: create, read, list, rename/archive, the visible history, the
//! queue, and the hidden title-generation calls.

use super::chat_rows::{
    CHAT_COLUMNS, MESSAGE_COLUMNS, chat_from_row, fetch_chat, insert_message, insert_user_message,
    lock_chat, message_from_row, queued_from_row,
};
use super::chats::insert_chat;
use super::{SqliteStore, id};
use crate::chat_common::{KIND_TITLE, page_size, same_chat};
use crate::common::{db_error, micros};
use crate::{
    Chat, ChatMessage, ChatStatus, NewChat, NewChatMessage, QueuedMessage, StoreError, StoreResult,
    Time, UserMessage,
};
use uuid::Uuid;

/// Visible messages: the history, not the title calls, not what an edit soft-deleted.
const VISIBLE: &str = "chat_id = ?1 AND kind = 'message' AND deleted = 0";

impl SqliteStore {
    pub(super) async fn create_chat_with_message_impl(
        &self,
        chat: NewChat,
        first: UserMessage,
    ) -> StoreResult<(Chat, ChatMessage)> {
        let mut tx = self.begin().await?;
        insert_chat(&mut tx, &chat, ChatStatus::Pending).await?;
        let message = insert_user_message(&mut tx, chat.id, &first).await?;
        let saved = lock_chat(&mut tx, chat.id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((saved, message))
    }

    pub(super) async fn get_chat_impl(&self, chat: Uuid) -> StoreResult<Option<Chat>> {
        fetch_chat(&self.pool, chat).await
    }

    pub(super) async fn list_chats_impl(
        &self,
        owner: Uuid,
        archived: bool,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Chat>> {
        // SQLite reads a negative LIMIT as "no limit".
        let limit = if limit > 0 { limit } else { -1 };
        let rows = sqlx::query(&format!(
            "SELECT {CHAT_COLUMNS} FROM chats WHERE owner_id = ?1 AND archived = ?2
             ORDER BY updated_at DESC, id DESC LIMIT ?3 OFFSET ?4"
        ))
        .bind(id(owner))
        .bind(archived)
        .bind(limit)
        .bind(offset.max(0))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(chat_from_row).collect()
    }

    pub(super) async fn update_chat_impl(
        &self,
        chat: Uuid,
        title: Option<String>,
        archived: Option<bool>,
        at: Time,
    ) -> StoreResult<Chat> {
        let mut tx = self.begin().await?;
        let current = lock_chat(&mut tx, chat).await?;
        if archived == Some(true) && current.archived {
            return Err(StoreError::Invalid("Chat is already archived.".to_owned()));
        }
        sqlx::query(
            "UPDATE chats SET title = coalesce(?2, title), archived = coalesce(?3, archived),
                 updated_at = ?4
             WHERE id = ?1",
        )
        .bind(id(chat))
        .bind(title)
        .bind(archived)
        .bind(micros(at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let saved = lock_chat(&mut tx, chat).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(saved)
    }

    pub(super) async fn list_messages_impl(
        &self,
        chat: Uuid,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<(Vec<ChatMessage>, bool)> {
        let limit = page_size(limit)?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages
             WHERE {VISIBLE} AND (?2 IS NULL OR id < ?2)
             ORDER BY id DESC LIMIT ?3"
        ))
        .bind(id(chat))
        .bind(before_id)
        .bind(limit.saturating_add(1))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        let mut messages = rows.iter().map(message_from_row).collect::<StoreResult<Vec<_>>>()?;
        let has_more = i64::try_from(messages.len()).unwrap_or(i64::MAX) > limit;
        messages.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok((messages, has_more))
    }

    pub(super) async fn messages_after_impl(
        &self,
        chat: Uuid,
        after_id: i64,
    ) -> StoreResult<Vec<ChatMessage>> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE {VISIBLE} AND id > ?2 ORDER BY id"
        ))
        .bind(id(chat))
        .bind(after_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(message_from_row).collect()
    }

    pub(super) async fn list_queued_impl(&self, chat: Uuid) -> StoreResult<Vec<QueuedMessage>> {
        let rows = sqlx::query(
            "SELECT id, chat_id, content, created_by, model_config_id, created_at
             FROM chat_queued_messages WHERE chat_id = ?1 ORDER BY id",
        )
        .bind(id(chat))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(queued_from_row).collect()
    }

    pub(super) async fn record_title_impl(
        &self,
        chat: Uuid,
        title: &str,
        call: NewChatMessage,
    ) -> StoreResult<Chat> {
        same_chat(chat, &call)?;
        let mut tx = self.begin().await?;
        lock_chat(&mut tx, chat).await?;
        insert_message(&mut tx, &call, KIND_TITLE).await?;
        sqlx::query("UPDATE chats SET title = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(id(chat))
            .bind(title)
            .bind(micros(call.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let saved = lock_chat(&mut tx, chat).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(saved)
    }
}
