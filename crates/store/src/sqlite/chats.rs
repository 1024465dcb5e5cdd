//! Chats and chat messages: the spend ledger's source.

use super::orgs::require_org;
use super::users::require_user;
use super::{SqliteStore, Tx, id, opt_id};
use crate::chat_common::labels_text;
use crate::common::{ErrCtx, db_error, micros, non_negative, token_count};
use crate::{ChatStatus, NewChat, NewChatMessage, StoreError, StoreResult};

/// Inserts the chat with `status`; `NotFound("user")` / `NotFound("organization")` /
/// `NotFound("chat")` (parent). A sub-agent chat shares its parent's root.
pub(super) async fn insert_chat(
    tx: &mut Tx,
    chat: &NewChat,
    status: ChatStatus,
) -> StoreResult<()> {
    let labels = labels_text(&chat.labels)?;
    require_user(tx, chat.owner_id).await?;
    require_org(tx, chat.organization_id).await?;
    let root: Option<String> = match chat.parent_chat_id {
        None => None,
        Some(parent) => Some(
            sqlx::query_scalar("SELECT coalesce(root_chat_id, id) FROM chats WHERE id = ?1")
                .bind(id(parent))
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_error)?
                .ok_or(StoreError::NotFound("chat"))?,
        ),
    };
    sqlx::query(
        "INSERT INTO chats (id, owner_id, organization_id, workspace_id, parent_chat_id,
             root_chat_id, last_model_config_id, title, status, labels, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
    )
    .bind(id(chat.id))
    .bind(id(chat.owner_id))
    .bind(id(chat.organization_id))
    .bind(opt_id(chat.workspace_id))
    .bind(opt_id(chat.parent_chat_id))
    .bind(root)
    .bind(opt_id(chat.model_config_id))
    .bind(&chat.title)
    .bind(status.as_str())
    .bind(labels)
    .bind(micros(chat.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| ErrCtx::new("chat", "model config").map(e))?;
    Ok(())
}

impl SqliteStore {
    pub(super) async fn create_chat_impl(&self, chat: NewChat) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_chat(&mut tx, &chat, chat.status).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn append_chat_message_impl(&self, msg: NewChatMessage) -> StoreResult<i64> {
        let cost = msg.total_cost.map(|c| non_negative(c, "message cost")).transpose()?;
        let usage = msg.usage.unwrap_or_default();
        let tokens = |n: u64| msg.usage.map(|_| token_count(n)).transpose();
        let mut tx = self.begin().await?;
        let chat_found: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM chats WHERE id = ?1)")
                .bind(id(msg.chat_id))
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
        if !chat_found {
            return Err(StoreError::NotFound("chat"));
        }
        if let Some(author) = msg.created_by {
            require_user(&mut tx, author).await?;
        }
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_messages (chat_id, created_by, model_config_id, role, content,
                 input_tokens, output_tokens, reasoning_tokens, cache_read_tokens,
                 cache_creation_tokens, total_cost_micros, deleted, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12)
             RETURNING id",
        )
        .bind(id(msg.chat_id))
        .bind(opt_id(msg.created_by))
        .bind(opt_id(msg.model_config_id))
        .bind(msg.role.as_str())
        .bind(msg.content.to_string())
        .bind(tokens(usage.input)?)
        .bind(tokens(usage.output)?)
        .bind(tokens(usage.reasoning)?)
        .bind(tokens(usage.cache_read)?)
        .bind(tokens(usage.cache_write)?)
        .bind(cost)
        .bind(micros(msg.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| ErrCtx::new("chat message", "model config").map(e))?;
        tx.commit().await.map_err(db_error)?;
        Ok(message_id)
    }
}
