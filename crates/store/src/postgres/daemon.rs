//! The chat daemon's side (chats.md §3): claim a pending chat, heartbeat while running, requeue
//! the chats of a crashed worker, and finish a run. Replicas claim with `FOR UPDATE SKIP LOCKED`:
//! a chat another replica is claiming is skipped, never claimed twice.

use super::chat_rows::{
    CHAT_COLUMNS, chat_from_row, insert_message, lock_chat, rerun_requested, set_state, take_queued,
};
use super::{PostgresStore, Tx, ts};
use crate::chat_common::{KIND_MESSAGE, same_chat};
use crate::common::db_error;
use crate::{
    Chat, ChatMessage, ChatStatus, FinishedRun, NewChatMessage, RunOutcome, StoreResult, Time,
};
use uuid::Uuid;

/// What the chat becomes after a run that still owned it (or was interrupted), when no queued
/// message is promoted.
async fn settle(
    tx: &mut Tx,
    chat: Uuid,
    owned: bool,
    outcome: &RunOutcome,
    at: Time,
) -> StoreResult<()> {
    if !owned {
        // Interrupted: it stays `waiting`.
        return Ok(());
    }
    if rerun_requested(tx, chat).await? {
        return set_state(tx, chat, ChatStatus::Pending, None, at).await;
    }
    match outcome {
        RunOutcome::Succeeded => set_state(tx, chat, ChatStatus::Waiting, None, at).await,
        RunOutcome::Failed { error } => {
            set_state(tx, chat, ChatStatus::Error, Some(error), at).await
        }
    }
}

async fn save_run_message(
    tx: &mut Tx,
    chat: Uuid,
    message: Option<&NewChatMessage>,
) -> StoreResult<Option<ChatMessage>> {
    let Some(message) = message else { return Ok(None) };
    same_chat(chat, message)?;
    insert_message(tx, message, KIND_MESSAGE).await.map(Some)
}

impl PostgresStore {
    pub(super) async fn claim_chat_impl(
        &self,
        worker: &str,
        at: Time,
    ) -> StoreResult<Option<Chat>> {
        let row = sqlx::query(&format!(
            "UPDATE chats SET status = 'running', worker_id = $1, heartbeat_at = $2,
                 last_error = NULL, rerun_requested = false, updated_at = $2
             WHERE status = 'pending'
               AND id = (SELECT id FROM chats WHERE status = 'pending'
                         ORDER BY updated_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING {CHAT_COLUMNS}"
        ))
        .bind(worker)
        .bind(ts(at))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(chat_from_row).transpose()
    }

    pub(super) async fn heartbeat_impl(
        &self,
        chat: Uuid,
        worker: &str,
        at: Time,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE chats SET heartbeat_at = $3
             WHERE id = $1 AND status = 'running' AND worker_id = $2",
        )
        .bind(chat)
        .bind(worker)
        .bind(ts(at))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn requeue_stale_chats_impl(
        &self,
        stale_before: Time,
        at: Time,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE chats SET status = 'pending', worker_id = NULL, heartbeat_at = NULL,
                 updated_at = $2
             WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)",
        )
        .bind(ts(stale_before))
        .bind(ts(at))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected())
    }

    pub(super) async fn finish_run_impl(
        &self,
        chat: Uuid,
        worker: &str,
        message: Option<NewChatMessage>,
        outcome: RunOutcome,
        at: Time,
    ) -> StoreResult<FinishedRun> {
        let mut tx = self.begin().await?;
        let current = lock_chat(&mut tx, chat).await?;
        // Always saved first: its cost was billed, whoever owns the chat now.
        let saved = save_run_message(&mut tx, chat, message.as_ref()).await?;
        let owned =
            current.status == ChatStatus::Running && current.worker_id.as_deref() == Some(worker);
        let interrupted = current.status == ChatStatus::Waiting;
        let mut promoted = None;
        if owned || interrupted {
            promoted = take_queued(&mut tx, chat, None, at).await?;
            if promoted.is_some() {
                set_state(&mut tx, chat, ChatStatus::Pending, None, at).await?;
            } else {
                settle(&mut tx, chat, owned, &outcome, at).await?;
            }
        }
        let after = lock_chat(&mut tx, chat).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(FinishedRun { message: saved, promoted, chat: after })
    }
}
