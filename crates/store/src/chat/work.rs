//! What a user does to a chat's work (chats.md §3): send (or queue), edit, promote or delete a
//! queued message, interrupt. Each loads the chat's facts under its lock, asks the lifecycle
//! what must change, and applies it in the same transaction.

use super::rows::KIND_MESSAGE;
use super::state::{apply, insert_queued, insert_user_message, lock_facts, take_queued};
use crate::db::sql;
use crate::{
    Chat, ChatMessage, Entity, SendOutcome, Store, StoreError, StoreResult, Time, UserMessage,
};
use tollgate_core::lifecycle::{self, EditRefused, Placement};
use uuid::Uuid;

impl Store {
    /// Under a lock on the chat row: when the chat is `pending` or `running`, or its queue is
    /// non-empty, appends to the queue (`Rejected(QueueFull)` at
    /// [`MAX_QUEUED_MESSAGES`](crate::MAX_QUEUED_MESSAGES)); otherwise inserts the message and
    /// sets `pending`. A chat left `waiting`/`error` with a non-empty queue first promotes the
    /// queue head, so FIFO order holds and nothing is stuck. `NotFound(Chat)`.
    pub async fn send_message(&self, chat: Uuid, message: UserMessage) -> StoreResult<SendOutcome> {
        let mut tx = self.db.begin().await?;
        let (_, facts) = lock_facts(&mut tx, chat).await?;
        let plan = lifecycle::send(&facts)?;
        apply(&mut tx, chat, &plan.transition, message.created_at).await?;
        let outcome = match plan.placement {
            Placement::History => {
                SendOutcome::Sent(insert_user_message(&mut tx, chat, &message).await?)
            }
            Placement::Queue => SendOutcome::Queued(insert_queued(&mut tx, chat, &message).await?),
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Soft-deletes the user message `message_id` and everything after it (their cost still
    /// counts), inserts the new text, clears the queue, sets `pending` and releases any worker.
    /// `NotFound(ChatMessage)`; `Rejected(OnlyUserMessagesEditable)`.
    pub async fn edit_message(
        &self,
        chat: Uuid,
        message_id: i64,
        message: UserMessage,
    ) -> StoreResult<ChatMessage> {
        let mut tx = self.db.begin().await?;
        lock_facts(&mut tx, chat).await?;
        let target = sql("SELECT role FROM chat_messages
                          WHERE id = $1 AND chat_id = $2 AND kind = $3 AND NOT deleted")
        .bind(message_id)
        .bind(chat)
        .bind(KIND_MESSAGE)
        .fetch_optional(&mut tx)
        .await?;
        let role = target
            .map(|row| crate::common::parse("message role", &row.text("role")?))
            .transpose()?;
        let transition = lifecycle::edit(role).map_err(|refused| match refused {
            EditRefused::NoSuchMessage => StoreError::NotFound(Entity::ChatMessage),
            EditRefused::Broken(rule) => StoreError::Rejected(rule),
        })?;
        // Soft delete: the rows stay in the ledger, their cost still counts.
        sql("UPDATE chat_messages SET deleted = TRUE WHERE chat_id = $1 AND id >= $2")
            .bind(chat)
            .bind(message_id)
            .execute(&mut tx)
            .await?;
        sql("DELETE FROM chat_queued_messages WHERE chat_id = $1")
            .bind(chat)
            .execute(&mut tx)
            .await?;
        let saved = insert_user_message(&mut tx, chat, &message).await?;
        apply(&mut tx, chat, &transition, message.created_at).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// `NotFound(QueuedMessage)`.
    pub async fn delete_queued(&self, chat: Uuid, queued: i64) -> StoreResult<()> {
        let deleted = sql("DELETE FROM chat_queued_messages WHERE id = $1 AND chat_id = $2")
            .bind(queued)
            .bind(chat)
            .execute(&self.db)
            .await?;
        if deleted == 0 { Err(StoreError::NotFound(Entity::QueuedMessage)) } else { Ok(()) }
    }

    /// Moves a queued message into the history as a user message created at `at` (no spend
    /// check: it was admitted when queued); an idle chat becomes `pending`; when a run is in
    /// flight it goes on, and the chat becomes `pending` again when that run finishes (so the
    /// promoted message is answered). `NotFound(QueuedMessage)`.
    pub async fn promote_queued(
        &self,
        chat: Uuid,
        queued: i64,
        at: Time,
    ) -> StoreResult<ChatMessage> {
        let mut tx = self.db.begin().await?;
        let (_, facts) = lock_facts(&mut tx, chat).await?;
        let promoted = take_queued(&mut tx, chat, Some(queued), at)
            .await?
            .ok_or(StoreError::NotFound(Entity::QueuedMessage))?;
        apply(&mut tx, chat, &lifecycle::promote(&facts), at).await?;
        tx.commit().await?;
        Ok(promoted)
    }

    /// Sets `waiting` and releases the worker; the worker notices on its next heartbeat.
    /// `NotFound(Chat)`.
    pub async fn interrupt_chat(&self, chat: Uuid, at: Time) -> StoreResult<Chat> {
        let mut tx = self.db.begin().await?;
        lock_facts(&mut tx, chat).await?;
        apply(&mut tx, chat, &lifecycle::interrupt(), at).await?;
        let saved = super::state::lock_chat(&mut tx, chat).await?;
        tx.commit().await?;
        Ok(saved)
    }
}
