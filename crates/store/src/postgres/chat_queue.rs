//! What a user does to a chat's work (chats.md §3): send (or queue), edit, promote or delete a
//! queued message, interrupt. Each runs in one transaction holding the chat row's lock.

use super::PostgresStore;
use super::chat_rows::{
    insert_queued, insert_user_message, lock_chat, queue_len, request_rerun, set_state, take_queued,
};
use crate::chat_common::KIND_MESSAGE;
use crate::common::db_error;
use crate::{
    Chat, ChatMessage, ChatStatus, MAX_QUEUED_MESSAGES, MessageRole, SendOutcome, StoreError,
    StoreResult, Time, UserMessage,
};
use uuid::Uuid;

fn is_idle(status: ChatStatus) -> bool {
    matches!(status, ChatStatus::Waiting | ChatStatus::Error)
}

fn queue_full() -> StoreError {
    StoreError::Invalid("queue full".to_owned())
}

impl PostgresStore {
    pub(super) async fn send_message_impl(
        &self,
        chat: Uuid,
        message: UserMessage,
    ) -> StoreResult<SendOutcome> {
        let mut tx = self.begin().await?;
        let current = lock_chat(&mut tx, chat).await?;
        let queued = queue_len(&mut tx, chat).await?;
        let outcome = if is_idle(current.status) && queued == 0 {
            let saved = insert_user_message(&mut tx, chat, &message).await?;
            set_state(&mut tx, chat, ChatStatus::Pending, None, message.created_at).await?;
            SendOutcome::Sent(saved)
        } else {
            // An idle chat with a queue (left so by an interrupt) runs its head first: FIFO.
            let promote = is_idle(current.status);
            if queued - i64::from(promote) >= MAX_QUEUED_MESSAGES {
                return Err(queue_full());
            }
            if promote && take_queued(&mut tx, chat, None, message.created_at).await?.is_some() {
                set_state(&mut tx, chat, ChatStatus::Pending, None, message.created_at).await?;
            }
            SendOutcome::Queued(insert_queued(&mut tx, chat, &message).await?)
        };
        tx.commit().await.map_err(db_error)?;
        Ok(outcome)
    }

    pub(super) async fn edit_message_impl(
        &self,
        chat: Uuid,
        message_id: i64,
        message: UserMessage,
    ) -> StoreResult<ChatMessage> {
        let mut tx = self.begin().await?;
        lock_chat(&mut tx, chat).await?;
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM chat_messages
             WHERE id = $1 AND chat_id = $2 AND kind = $3 AND NOT deleted",
        )
        .bind(message_id)
        .bind(chat)
        .bind(KIND_MESSAGE)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        match role {
            None => return Err(StoreError::NotFound("chat message")),
            Some(role) if role != MessageRole::User.as_str() => {
                return Err(StoreError::Invalid("Only user messages can be edited.".to_owned()));
            }
            Some(_) => {}
        }
        // Soft delete: the rows stay in the ledger, their cost still counts.
        sqlx::query("UPDATE chat_messages SET deleted = true WHERE chat_id = $1 AND id >= $2")
            .bind(chat)
            .bind(message_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        sqlx::query("DELETE FROM chat_queued_messages WHERE chat_id = $1")
            .bind(chat)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let saved = insert_user_message(&mut tx, chat, &message).await?;
        set_state(&mut tx, chat, ChatStatus::Pending, None, message.created_at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(saved)
    }

    pub(super) async fn delete_queued_impl(&self, chat: Uuid, queued: i64) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM chat_queued_messages WHERE id = $1 AND chat_id = $2")
            .bind(queued)
            .bind(chat)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound("queued message")) } else { Ok(()) }
    }

    pub(super) async fn promote_queued_impl(
        &self,
        chat: Uuid,
        queued: i64,
        at: Time,
    ) -> StoreResult<ChatMessage> {
        let mut tx = self.begin().await?;
        let current = lock_chat(&mut tx, chat).await?;
        let promoted = take_queued(&mut tx, chat, Some(queued), at)
            .await?
            .ok_or(StoreError::NotFound("queued message"))?;
        match current.status {
            status if is_idle(status) => {
                set_state(&mut tx, chat, ChatStatus::Pending, None, at).await?;
            }
            // The run in flight did not see the message: run again when it ends.
            ChatStatus::Running => request_rerun(&mut tx, chat).await?,
            _ => {}
        }
        tx.commit().await.map_err(db_error)?;
        Ok(promoted)
    }

    pub(super) async fn interrupt_chat_impl(&self, chat: Uuid, at: Time) -> StoreResult<Chat> {
        let mut tx = self.begin().await?;
        lock_chat(&mut tx, chat).await?;
        set_state(&mut tx, chat, ChatStatus::Waiting, None, at).await?;
        let saved = lock_chat(&mut tx, chat).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(saved)
    }
}
