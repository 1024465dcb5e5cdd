//! The chat daemon's side (chats.md §3): claim a pending chat, heartbeat while running, requeue
//! the chats of a crashed worker, and finish a run.

use super::rows::{KIND_MESSAGE, chat_from_row, same_chat};
use super::state::{CHAT_COLUMNS, apply, insert_message, lock_chat, lock_facts};
use crate::db::sql;
use crate::{Chat, FinishedRun, NewChatMessage, RunOutcome, Store, StoreResult, Time};
use tollgate_core::lifecycle;
use uuid::Uuid;

impl Store {
    /// Claims the oldest `pending` chat for `worker`: `running`, `worker_id`, `heartbeat_at`.
    /// On PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two replicas never claim one chat; on
    /// SQLite one `UPDATE … RETURNING` is atomic under the write lock.
    pub async fn claim_chat(&self, worker: &str, at: Time) -> StoreResult<Option<Chat>> {
        let row = sql(format!(
            "UPDATE chats SET status = 'running', worker_id = $1, heartbeat_at = $2,
                 last_error = NULL, rerun_requested = FALSE, updated_at = $2
             WHERE status = 'pending'
               AND id = (SELECT id FROM chats WHERE status = 'pending'
                         ORDER BY updated_at, id LIMIT 1 {{SKIP_LOCKED}})
             RETURNING {CHAT_COLUMNS}"
        ))
        .bind(worker)
        .bind(at)
        .fetch_optional(&self.db)
        .await?;
        row.as_ref().map(chat_from_row).transpose()
    }

    /// Refreshes the heartbeat; `false` when the chat is no longer `running` for `worker`
    /// (interrupted, edited, or taken over after a timeout): the worker must stop.
    pub async fn heartbeat(&self, chat: Uuid, worker: &str, at: Time) -> StoreResult<bool> {
        let beaten = sql("UPDATE chats SET heartbeat_at = $3
                          WHERE id = $1 AND status = 'running' AND worker_id = $2")
        .bind(chat)
        .bind(worker)
        .bind(at)
        .execute(&self.db)
        .await?;
        Ok(beaten == 1)
    }

    /// Chats `running` with a heartbeat older than `stale_before` go back to `pending`.
    /// Returns how many.
    pub async fn requeue_stale_chats(&self, stale_before: Time, at: Time) -> StoreResult<u64> {
        sql("UPDATE chats SET status = 'pending', worker_id = NULL, heartbeat_at = NULL, updated_at = $2
             WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)")
        .bind(stale_before)
        .bind(at)
        .execute(&self.db)
        .await
    }

    /// In one transaction: saves `message` (always — its cost was billed, even when the worker
    /// lost the chat meanwhile), then applies what [`lifecycle::finish`] decides for `worker`'s
    /// run. `Rejected(MessageOfAnotherChat)` when `message.chat_id != chat` (nothing is written).
    pub async fn finish_run(
        &self,
        chat: Uuid,
        worker: &str,
        message: Option<NewChatMessage>,
        outcome: RunOutcome,
        at: Time,
    ) -> StoreResult<FinishedRun> {
        if let Some(m) = &message {
            same_chat(chat, m)?;
        }
        let mut tx = self.db.begin().await?;
        let (_, facts) = lock_facts(&mut tx, chat).await?;
        let saved = match &message {
            Some(m) => Some(insert_message(&mut tx, m, KIND_MESSAGE).await?),
            None => None,
        };
        let promoted =
            apply(&mut tx, chat, &lifecycle::finish(&facts, worker, &outcome), at).await?;
        let after = lock_chat(&mut tx, chat).await?;
        tx.commit().await?;
        Ok(FinishedRun { message: saved, promoted, chat: after })
    }
}
