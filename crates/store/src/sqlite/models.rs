//! Model configs: which provider's model a chat runs on, its limits and its prices (exact
//! decimals kept as text). At most one is the default (a partial unique index).

use super::{SqliteStore, Tx, id};
use crate::chat_common::model_from_row;
use crate::chat_common::price_columns;
use crate::common::{ErrCtx, db_error, micros};
use crate::{ModelConfig, ModelConfigPatch, NewModelConfig, StoreError, StoreResult, Time};
use sqlx::SqliteExecutor;
use uuid::Uuid;

const MODEL_CONFLICTS: ErrCtx = ErrCtx::new("model config", "model config");

const MODEL_SELECT: &str = "SELECT id, provider, model, display_name, enabled, is_default,
    context_limit, max_output_tokens, temperature, input_price, output_price, cache_read_price,
    cache_write_price, created_at, updated_at FROM chat_model_configs";

async fn fetch_model<'c>(
    ex: impl SqliteExecutor<'c>,
    model: Uuid,
) -> StoreResult<Option<ModelConfig>> {
    let row = sqlx::query(&format!("{MODEL_SELECT} WHERE id = ?1"))
        .bind(id(model))
        .fetch_optional(ex)
        .await
        .map_err(db_error)?;
    row.as_ref().map(model_from_row).transpose()
}

/// Clears the default flag of every config but `keep`.
async fn undefault_others(tx: &mut Tx, keep: Uuid, at: Time) -> StoreResult<()> {
    sqlx::query(
        "UPDATE chat_model_configs SET is_default = 0, updated_at = ?2
         WHERE is_default = 1 AND id <> ?1",
    )
    .bind(id(keep))
    .bind(micros(at))
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

impl SqliteStore {
    pub(super) async fn insert_model_config_impl(
        &self,
        config: NewModelConfig,
        is_default: bool,
    ) -> StoreResult<ModelConfig> {
        let [input, output, cache_read, cache_write] = price_columns(config.prices);
        let mut tx = self.begin().await?;
        if is_default {
            undefault_others(&mut tx, config.id, config.created_at).await?;
        }
        // The first config ever created becomes the default (chats.md §2).
        sqlx::query(
            "INSERT INTO chat_model_configs (id, provider, model, display_name, enabled, is_default,
                 context_limit, input_price, output_price, cache_read_price, cache_write_price,
                 created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6 OR NOT EXISTS (SELECT 1 FROM chat_model_configs),
                     ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        )
        .bind(id(config.id))
        .bind(&config.provider)
        .bind(&config.model)
        .bind(&config.display_name)
        .bind(config.enabled)
        .bind(is_default)
        .bind(config.context_limit)
        .bind(input)
        .bind(output)
        .bind(cache_read)
        .bind(cache_write)
        .bind(micros(config.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| MODEL_CONFLICTS.map(e))?;
        let saved = fetch_model(&mut *tx, config.id).await?;
        tx.commit().await.map_err(db_error)?;
        saved.ok_or(StoreError::NotFound("model config"))
    }

    pub(super) async fn list_model_configs_impl(
        &self,
        enabled_only: bool,
    ) -> StoreResult<Vec<ModelConfig>> {
        let rows = sqlx::query(&format!(
            "{MODEL_SELECT} WHERE enabled = 1 OR NOT ?1 ORDER BY provider, model, id"
        ))
        .bind(enabled_only)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(model_from_row).collect()
    }

    pub(super) async fn get_model_config_impl(
        &self,
        model: Uuid,
    ) -> StoreResult<Option<ModelConfig>> {
        fetch_model(&self.pool, model).await
    }

    pub(super) async fn default_model_config_impl(&self) -> StoreResult<Option<ModelConfig>> {
        let row = sqlx::query(&format!("{MODEL_SELECT} WHERE is_default = 1 AND enabled = 1"))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(model_from_row).transpose()
    }

    pub(super) async fn update_model_config_impl(
        &self,
        model: Uuid,
        patch: ModelConfigPatch,
        at: Time,
    ) -> StoreResult<ModelConfig> {
        let mut tx = self.begin().await?;
        if fetch_model(&mut *tx, model).await?.is_none() {
            return Err(StoreError::NotFound("model config"));
        }
        if patch.is_default == Some(true) {
            undefault_others(&mut tx, model, at).await?;
        }
        let [input, output, cache_read, cache_write] = price_columns(patch.prices.flatten());
        sqlx::query(
            "UPDATE chat_model_configs SET
                 display_name = coalesce(?2, display_name),
                 enabled = coalesce(?3, enabled),
                 is_default = coalesce(?4, is_default),
                 context_limit = coalesce(?5, context_limit),
                 max_output_tokens = CASE WHEN ?6 THEN ?7 ELSE max_output_tokens END,
                 temperature = CASE WHEN ?8 THEN ?9 ELSE temperature END,
                 input_price = CASE WHEN ?10 THEN ?11 ELSE input_price END,
                 output_price = CASE WHEN ?10 THEN ?12 ELSE output_price END,
                 cache_read_price = CASE WHEN ?10 THEN ?13 ELSE cache_read_price END,
                 cache_write_price = CASE WHEN ?10 THEN ?14 ELSE cache_write_price END,
                 updated_at = ?15
             WHERE id = ?1",
        )
        .bind(id(model))
        .bind(patch.display_name)
        .bind(patch.enabled)
        .bind(patch.is_default)
        .bind(patch.context_limit)
        .bind(patch.max_output_tokens.is_some())
        .bind(patch.max_output_tokens.flatten())
        .bind(patch.temperature.is_some())
        .bind(patch.temperature.flatten())
        .bind(patch.prices.is_some())
        .bind(input)
        .bind(output)
        .bind(cache_read)
        .bind(cache_write)
        .bind(micros(at))
        .execute(&mut *tx)
        .await
        .map_err(|e| MODEL_CONFLICTS.map(e))?;
        let saved = fetch_model(&mut *tx, model).await?;
        tx.commit().await.map_err(db_error)?;
        saved.ok_or(StoreError::NotFound("model config"))
    }

    /// Messages, chats and queued messages keep their rows (and costs); their reference to the
    /// config is nulled by `ON DELETE SET NULL`.
    pub(super) async fn delete_model_config_impl(&self, model: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM chat_model_configs WHERE id = ?1")
            .bind(id(model))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound("model config")) } else { Ok(()) }
    }
}
