//! Loading a chat's facts under its row lock and applying what the lifecycle decided
//! ([`tollgate_core::lifecycle`]), plus the statements every chat write shares. Writers lock the
//! chat row first (`FOR UPDATE` on PostgreSQL; SQLite's write transaction), so that two replicas
//! serialise on one chat and never on two different ones.

use super::rows::{KIND_MESSAGE, MessageValues, chat_from_row, message_from_row, queued_from_row};
use crate::db::{Ex, Tx, sql};
use crate::identity::require_user;
use crate::{
    Chat, ChatMessage, Entity, MessageRole, NewChatMessage, QueuedMessage, StoreError, StoreResult,
    Time, UserMessage,
};
use tollgate_core::lifecycle::{ChatFacts, Transition};
use uuid::Uuid;

pub(crate) const CHAT_COLUMNS: &str = "id, owner_id, organization_id, workspace_id,
    parent_chat_id, root_chat_id, last_model_config_id, title, status, last_error, worker_id,
    heartbeat_at, generation, last_error_detail, archived, labels, created_at, updated_at";

pub(crate) const MESSAGE_COLUMNS: &str = "id, chat_id, created_by, model_config_id, role,
    content, input_tokens, output_tokens, reasoning_tokens, cache_read_tokens,
    cache_creation_tokens, total_cost_micros, created_at";

pub(crate) const QUEUED_COLUMNS: &str =
    "id, chat_id, content, created_by, model_config_id, created_at";

pub(crate) async fn fetch_chat<'a>(ex: impl Into<Ex<'a>>, chat: Uuid) -> StoreResult<Option<Chat>> {
    let row = sql(format!("SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1"))
        .bind(chat)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(chat_from_row).transpose()
}

/// Locks the chat row until the transaction ends; `NotFound(Chat)`.
pub(crate) async fn lock_chat(tx: &mut Tx, chat: Uuid) -> StoreResult<Chat> {
    let row = sql(format!("SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1 {{FOR_UPDATE}}"))
        .bind(chat)
        .fetch_optional(tx)
        .await?;
    row.as_ref().map(chat_from_row).transpose()?.ok_or(StoreError::NotFound(Entity::Chat))
}

/// Locks the chat and loads what the lifecycle decides from.
pub(crate) async fn lock_facts(tx: &mut Tx, chat: Uuid) -> StoreResult<(Chat, ChatFacts)> {
    let current = lock_chat(tx, chat).await?;
    let row = sql("SELECT c.rerun_requested,
                          (SELECT count(*) FROM chat_queued_messages q WHERE q.chat_id = c.id) AS queued
                   FROM chats c WHERE c.id = $1")
    .bind(chat)
    .fetch_one(tx)
    .await?;
    let facts = ChatFacts {
        status: current.status,
        worker_id: current.worker_id.clone(),
        generation: current.generation,
        rerun_requested: row.flag("rerun_requested")?,
        queued: row.bigint("queued")?,
    };
    Ok((current, facts))
}

/// Applies `transition` to the locked chat; returns the message it promoted, if any.
pub(crate) async fn apply(
    tx: &mut Tx,
    chat: Uuid,
    transition: &Transition,
    at: Time,
) -> StoreResult<Option<ChatMessage>> {
    let mut promoted = None;
    if transition.promote_head {
        promoted = take_queued(tx, chat, None, at).await?;
    }
    if let Some(change) = &transition.status {
        sql("UPDATE chats SET status = $2, last_error = $3, last_error_detail = NULL, worker_id = NULL,
                 heartbeat_at = NULL, rerun_requested = FALSE, updated_at = $4
             WHERE id = $1")
        .bind(chat)
        .bind(change.status.as_str())
        .bind(change.last_error.as_deref())
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    if transition.request_rerun {
        sql("UPDATE chats SET rerun_requested = TRUE WHERE id = $1").bind(chat).execute(tx).await?;
    }
    Ok(promoted)
}

/// Appends a message of `kind` to a chat the caller has locked (or just created).
pub(crate) async fn insert_message(
    tx: &mut Tx,
    msg: &NewChatMessage,
    kind: &str,
) -> StoreResult<ChatMessage> {
    let values = MessageValues::of(msg)?;
    if let Some(author) = msg.created_by {
        require_user(tx, author).await?;
    }
    if let Some(model) = msg.model_config_id {
        super::models::require_model(tx, model).await?;
    }
    let [input, output, reasoning, cache_read, cache_write] = values.usage;
    let row = sql(format!(
        "INSERT INTO chat_messages (chat_id, created_by, model_config_id, role, content,
             input_tokens, output_tokens, reasoning_tokens, cache_read_tokens,
             cache_creation_tokens, total_cost_micros, deleted, kind, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, FALSE, $12, $13)
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(msg.chat_id)
    .bind(msg.created_by)
    .bind(msg.model_config_id)
    .bind(msg.role.as_str())
    .bind(crate::db::Arg::json(&msg.content))
    .bind(input)
    .bind(output)
    .bind(reasoning)
    .bind(cache_read)
    .bind(cache_write)
    .bind(values.cost)
    .bind(kind)
    .bind(msg.created_at)
    .fetch_one(tx)
    .await?;
    message_from_row(&row)
}

/// Adds a user message to the history; the chat remembers its model.
pub(crate) async fn insert_user_message(
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
        sql("UPDATE chats SET last_model_config_id = $2 WHERE id = $1")
            .bind(chat)
            .bind(model)
            .execute(tx)
            .await?;
    }
    Ok(saved)
}

/// Moves the queued message `queued` (the head when `None`) into the history as a user message
/// created at `at`. `None` when there is no such queued message.
pub(crate) async fn take_queued(
    tx: &mut Tx,
    chat: Uuid,
    queued: Option<i64>,
    at: Time,
) -> StoreResult<Option<ChatMessage>> {
    let row = sql(format!(
        "DELETE FROM chat_queued_messages
         WHERE id = (SELECT id FROM chat_queued_messages
                     WHERE chat_id = $1 AND ($2 IS NULL OR id = $2) ORDER BY id LIMIT 1)
         RETURNING {QUEUED_COLUMNS}"
    ))
    .bind(chat)
    .bind(queued)
    .fetch_optional(&mut *tx)
    .await?;
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

pub(crate) async fn insert_queued(
    tx: &mut Tx,
    chat: Uuid,
    msg: &UserMessage,
) -> StoreResult<QueuedMessage> {
    require_user(tx, msg.created_by).await?;
    if let Some(model) = msg.model_config_id {
        super::models::require_model(tx, model).await?;
    }
    let row = sql(format!(
        "INSERT INTO chat_queued_messages (chat_id, content, created_by, model_config_id, created_at)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING {QUEUED_COLUMNS}"
    ))
    .bind(chat)
    .bind(crate::db::Arg::json(&msg.content))
    .bind(msg.created_by)
    .bind(msg.model_config_id)
    .bind(msg.created_at)
    .fetch_one(tx)
    .await?;
    queued_from_row(&row)
}
