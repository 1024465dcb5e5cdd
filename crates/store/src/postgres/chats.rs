//! Model configs, chats and chat messages: the spend ledger's source.

use super::orgs::require_org;
use super::users::require_user;
use super::{PostgresStore, ts};
use crate::common::{ErrCtx, db_error, non_negative, price_text, token_count};
use crate::{NewChat, NewChatMessage, NewModelConfig, StoreError, StoreResult};
use uuid::Uuid;

const MODEL_CONFLICTS: ErrCtx = ErrCtx::new("model config", "model config");

impl PostgresStore {
    pub(super) async fn create_model_config_impl(&self, config: NewModelConfig) -> StoreResult<()> {
        let prices = config.prices.unwrap_or_default();
        // The first config ever created becomes the default (chats.md §2).
        sqlx::query(
            "INSERT INTO chat_model_configs (id, provider, model, display_name, enabled, is_default,
                 context_limit, input_price, output_price, cache_read_price, cache_write_price,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, NOT EXISTS (SELECT 1 FROM chat_model_configs), $6, $7,
                     $8, $9, $10, $11, $11)",
        )
        .bind(config.id)
        .bind(&config.provider)
        .bind(&config.model)
        .bind(&config.display_name)
        .bind(config.enabled)
        .bind(config.context_limit)
        .bind(price_text(prices.input))
        .bind(price_text(prices.output))
        .bind(price_text(prices.cache_read))
        .bind(price_text(prices.cache_write))
        .bind(ts(config.created_at))
        .execute(&self.pool)
        .await
        .map_err(|e| MODEL_CONFLICTS.map(e))?;
        Ok(())
    }

    pub(super) async fn create_chat_impl(&self, chat: NewChat) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        require_user(&mut tx, chat.owner_id).await?;
        require_org(&mut tx, chat.organization_id).await?;
        // A sub-agent chat shares its parent's root.
        let root: Option<Uuid> = match chat.parent_chat_id {
            None => None,
            Some(parent) => Some(
                sqlx::query_scalar("SELECT coalesce(root_chat_id, id) FROM chats WHERE id = $1")
                    .bind(parent)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?
                    .ok_or(StoreError::NotFound("parent chat"))?,
            ),
        };
        sqlx::query(
            "INSERT INTO chats (id, owner_id, organization_id, workspace_id, parent_chat_id,
                 root_chat_id, last_model_config_id, title, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(chat.id)
        .bind(chat.owner_id)
        .bind(chat.organization_id)
        .bind(chat.workspace_id)
        .bind(chat.parent_chat_id)
        .bind(root)
        .bind(chat.model_config_id)
        .bind(&chat.title)
        .bind(chat.status.as_str())
        .bind(ts(chat.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| ErrCtx::new("chat", "model config").map(e))?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn append_chat_message_impl(&self, msg: NewChatMessage) -> StoreResult<i64> {
        let cost = msg.total_cost.map(|c| non_negative(c, "message cost")).transpose()?;
        let usage = msg.usage.unwrap_or_default();
        let tokens = |n: u64| msg.usage.map(|_| token_count(n)).transpose();
        let mut tx = self.begin().await?;
        let chat_found: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM chats WHERE id = $1)")
                .bind(msg.chat_id)
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
             VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, false, $12)
             RETURNING id",
        )
        .bind(msg.chat_id)
        .bind(msg.created_by)
        .bind(msg.model_config_id)
        .bind(msg.role.as_str())
        .bind(msg.content.to_string())
        .bind(tokens(usage.input)?)
        .bind(tokens(usage.output)?)
        .bind(tokens(usage.reasoning)?)
        .bind(tokens(usage.cache_read)?)
        .bind(tokens(usage.cache_write)?)
        .bind(cost)
        .bind(ts(msg.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| ErrCtx::new("chat message", "model config").map(e))?;
        tx.commit().await.map_err(db_error)?;
        Ok(message_id)
    }
}
