//! Rows of chats, messages and the queue, and the small statements the chat lifecycle and the
//! daemon share. Writers lock the chat row (`SELECT … FOR UPDATE`) first, so that two replicas
//! serialize on one chat and never on two different ones.

use super::users::require_user;
use super::{Tx, ts};
use crate::chat_common::{KIND_MESSAGE, MessageValues};
pub(super) use crate::chat_common::{chat_from_row, message_from_row, queued_from_row};
use crate::common::{ErrCtx, db_error};
use crate::{
    Chat, ChatMessage, ChatStatus, MessageRole, NewChatMessage, QueuedMessage, StoreError,
    StoreResult, Time, UserMessage,
};
use sqlx::PgExecutor;
use uuid::Uuid;

pub(super) const CHAT_COLUMNS: &str = "id, owner_id, organization_id, workspace_id,
    parent_chat_id, root_chat_id, last_model_config_id, title, status, last_error, worker_id,
    heartbeat_at, archived, labels::text AS labels, created_at, updated_at";

pub(super) const MESSAGE_COLUMNS: &str = "id, chat_id, created_by, model_config_id, role,
    content::text AS content, input_tokens, output_tokens, reasoning_tokens, cache_read_tokens,
    cache_creation_tokens, total_cost_micros, created_at";

pub(super) const QUEUED_COLUMNS: &str =
    "id, chat_id, content::text AS content, created_by, model_config_id, created_at";

pub(super) async fn fetch_chat<'c>(
    ex: impl PgExecutor<'c>,
    chat: Uuid,
) -> StoreResult<Option<Chat>> {
    let row = sqlx::query(&format!("SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1"))
        .bind(chat)
        .fetch_optional(ex)
        .await
        .map_err(db_error)?;
    row.as_ref().map(chat_from_row).transpose()
}

/// Locks the chat row until the transaction ends; `NotFound("chat")`.
pub(super) async fn lock_chat(tx: &mut Tx, chat: Uuid) -> StoreResult<Chat> {
    let row = sqlx::query(&format!("SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1 FOR UPDATE"))
        .bind(chat)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?;
    row.as_ref().map(chat_from_row).transpose()?.ok_or(StoreError::NotFound("chat"))
}

/// Appends a message of `kind` to a chat the caller has locked (or just created).
pub(super) async fn insert_message(
    tx: &mut Tx,
    msg: &NewChatMessage,
    kind: &str,
) -> StoreResult<ChatMessage> {
    let values = MessageValues::of(msg)?;
    if let Some(author) = msg.created_by {
        require_user(tx, author).await?;
    }
    let [input, output, reasoning, cache_read, cache_write] = values.usage;
    let row = sqlx::query(&format!(
        "INSERT INTO chat_messages (chat_id, created_by, model_config_id, role, content,
             input_tokens, output_tokens, reasoning_tokens, cache_read_tokens,
             cache_creation_tokens, total_cost_micros, deleted, kind, created_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, false, $12, $13)
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(msg.chat_id)
    .bind(msg.created_by)
    .bind(msg.model_config_id)
    .bind(msg.role.as_str())
    .bind(msg.content.to_string())
    .bind(input)
    .bind(output)
    .bind(reasoning)
    .bind(cache_read)
    .bind(cache_write)
    .bind(values.cost)
    .bind(kind)
    .bind(ts(msg.created_at))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| ErrCtx::new("chat message", "model config").map(e))?;
    message_from_row(&row)
}

/// Adds a user message to the history; the chat remembers its model.
pub(super) async fn insert_user_message(
    tx: &mut Tx,
    chat: Uuid,
    msg: &UserMessage,
) -> StoreResult<ChatMessage> {
    let new = NewChatMessage {
        chat_id: chat,
        created_by: Some(msg.created_by),
        model_config_id: msg.model_config_id,
        role: MessageRole::User,
        content: msg.content.clone(),
        usage: None,
        total_cost: None,
        created_at: msg.created_at,
    };
    let saved = insert_message(tx, &new, KIND_MESSAGE).await?;
    if let Some(model) = msg.model_config_id {
        sqlx::query("UPDATE chats SET last_model_config_id = $2 WHERE id = $1")
            .bind(chat)
            .bind(model)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
    }
    Ok(saved)
}

/// Sets the status (and `last_error`), releasing any worker and any rerun request.
pub(super) async fn set_state(
    tx: &mut Tx,
    chat: Uuid,
    status: ChatStatus,
    last_error: Option<&str>,
    at: Time,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE chats SET status = $2, last_error = $3, worker_id = NULL, heartbeat_at = NULL,
             rerun_requested = false, updated_at = $4
         WHERE id = $1",
    )
    .bind(chat)
    .bind(status.as_str())
    .bind(last_error)
    .bind(ts(at))
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Asks the run in flight to be followed by another (see `rerun_requested` in 0002).
pub(super) async fn request_rerun(tx: &mut Tx, chat: Uuid) -> StoreResult<()> {
    sqlx::query("UPDATE chats SET rerun_requested = true WHERE id = $1")
        .bind(chat)
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

pub(super) async fn rerun_requested(tx: &mut Tx, chat: Uuid) -> StoreResult<bool> {
    sqlx::query_scalar("SELECT rerun_requested FROM chats WHERE id = $1")
        .bind(chat)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_error)
}

pub(super) async fn queue_len(tx: &mut Tx, chat: Uuid) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT count(*) FROM chat_queued_messages WHERE chat_id = $1")
        .bind(chat)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_error)
}

/// Moves the queued message `queued` (the head when `None`) into the history as a user message
/// created at `at`. `None` when there is no such queued message.
pub(super) async fn take_queued(
    tx: &mut Tx,
    chat: Uuid,
    queued: Option<i64>,
    at: Time,
) -> StoreResult<Option<ChatMessage>> {
    let row = sqlx::query(&format!(
        "DELETE FROM chat_queued_messages
         WHERE id = (SELECT id FROM chat_queued_messages
                     WHERE chat_id = $1 AND ($2::bigint IS NULL OR id = $2) ORDER BY id LIMIT 1)
         RETURNING {QUEUED_COLUMNS}"
    ))
    .bind(chat)
    .bind(queued)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_error)?;
    let Some(row) = row else { return Ok(None) };
    let queued = queued_from_row(&row)?;
    let Some(created_by) = queued.created_by else {
        return Err(StoreError::Database("queued message has no author".to_owned()));
    };
    let msg = UserMessage {
        content: queued.content,
        created_by,
        model_config_id: queued.model_config_id,
        created_at: at,
    };
    insert_user_message(tx, chat, &msg).await.map(Some)
}

pub(super) async fn insert_queued(
    tx: &mut Tx,
    chat: Uuid,
    msg: &UserMessage,
) -> StoreResult<QueuedMessage> {
    require_user(tx, msg.created_by).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO chat_queued_messages (chat_id, content, created_by, model_config_id,
             created_at)
         VALUES ($1, $2::jsonb, $3, $4, $5)
         RETURNING {QUEUED_COLUMNS}"
    ))
    .bind(chat)
    .bind(msg.content.to_string())
    .bind(msg.created_by)
    .bind(msg.model_config_id)
    .bind(ts(msg.created_at))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| ErrCtx::new("queued message", "model config").map(e))?;
    queued_from_row(&row)
}
