//! Model configs: which provider's model a chat runs on, its limits and its prices (exact
//! decimals kept as text). At most one is the default (a partial unique index).

use super::rows::{model_from_row, price_columns};
use crate::db::{Ex, Tx, sql};
use crate::{
    Entity, ModelConfig, ModelConfigPatch, NewModelConfig, Page, Store, StoreError, StoreResult,
    Time,
};
use uuid::Uuid;

pub(crate) const MODEL_SELECT: &str =
    "SELECT id, provider, model, display_name, enabled, is_default,
    context_limit, max_output_tokens, temperature, input_price, output_price, cache_read_price,
    cache_write_price, created_at, updated_at FROM chat_model_configs";

async fn fetch_model<'a>(ex: impl Into<Ex<'a>>, model: Uuid) -> StoreResult<Option<ModelConfig>> {
    let row = sql(format!("{MODEL_SELECT} WHERE id = $1")).bind(model).fetch_optional(ex).await?;
    row.as_ref().map(model_from_row).transpose()
}

/// `NotFound(ModelConfig)` unless it exists; held against a concurrent delete on PostgreSQL.
pub(crate) async fn require_model(tx: &mut Tx, model: Uuid) -> StoreResult<()> {
    let found = sql("SELECT 1 FROM chat_model_configs WHERE id = $1 {FOR_SHARE}")
        .bind(model)
        .exists(tx)
        .await?;
    if found { Ok(()) } else { Err(StoreError::NotFound(Entity::ModelConfig)) }
}

/// Clears the default flag of every config but `keep`.
async fn undefault_others(tx: &mut Tx, keep: Uuid, at: Time) -> StoreResult<()> {
    sql("UPDATE chat_model_configs SET is_default = FALSE, updated_at = $2 WHERE is_default AND id <> $1")
        .bind(keep)
        .bind(at)
        .execute(tx)
        .await
        .map(drop)
}

async fn saved_model(tx: &mut Tx, model: Uuid) -> StoreResult<ModelConfig> {
    fetch_model(tx, model).await?.ok_or(StoreError::NotFound(Entity::ModelConfig))
}

impl Store {
    /// The first config ever created becomes the default (chats.md §2); `is_default` on a new
    /// config un-defaults the others.
    pub async fn insert_model_config(
        &self,
        config: NewModelConfig,
        is_default: bool,
    ) -> StoreResult<ModelConfig> {
        let [input, output, cache_read, cache_write] = price_columns(config.prices);
        let mut tx = self.db.begin().await?;
        if is_default {
            undefault_others(&mut tx, config.id, config.created_at).await?;
        }
        sql("INSERT INTO chat_model_configs (id, provider, model, display_name, enabled, is_default,
                 context_limit, input_price, output_price, cache_read_price, cache_write_price,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6 OR NOT EXISTS (SELECT 1 FROM chat_model_configs),
                     $7, $8, $9, $10, $11, $12, $12)")
        .bind(config.id)
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
        .bind(config.created_at)
        .execute(&mut tx)
        .await?;
        let saved = saved_model(&mut tx, config.id).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// All configs, or only enabled ones; ordered by provider, then model.
    pub async fn list_model_configs(
        &self,
        enabled_only: bool,
        page: Page,
    ) -> StoreResult<Vec<ModelConfig>> {
        let rows = sql(format!(
            "{MODEL_SELECT} WHERE enabled OR NOT $1 ORDER BY provider {{C}}, model {{C}}, id
             LIMIT $2 OFFSET $3"
        ))
        .bind(enabled_only)
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(model_from_row).collect()
    }

    pub async fn get_model_config(&self, model: Uuid) -> StoreResult<Option<ModelConfig>> {
        fetch_model(&self.db, model).await
    }

    /// The enabled default config, if any.
    pub async fn default_model_config(&self) -> StoreResult<Option<ModelConfig>> {
        let row = sql(format!("{MODEL_SELECT} WHERE is_default AND enabled"))
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(model_from_row).transpose()
    }

    /// `NotFound(ModelConfig)`. Setting `is_default` un-defaults the others in the same
    /// transaction.
    pub async fn update_model_config(
        &self,
        model: Uuid,
        patch: ModelConfigPatch,
        at: Time,
    ) -> StoreResult<ModelConfig> {
        let mut tx = self.db.begin().await?;
        require_model(&mut tx, model).await?;
        if patch.is_default == Some(true) {
            undefault_others(&mut tx, model, at).await?;
        }
        let [input, output, cache_read, cache_write] = price_columns(patch.prices.flatten());
        sql("UPDATE chat_model_configs SET
                 display_name = coalesce($2, display_name),
                 enabled = coalesce($3, enabled),
                 is_default = coalesce($4, is_default),
                 context_limit = coalesce($5, context_limit),
                 max_output_tokens = CASE WHEN $6 THEN $7 ELSE max_output_tokens END,
                 temperature = CASE WHEN $8 THEN $9 ELSE temperature END,
                 input_price = CASE WHEN $10 THEN $11 ELSE input_price END,
                 output_price = CASE WHEN $10 THEN $12 ELSE output_price END,
                 cache_read_price = CASE WHEN $10 THEN $13 ELSE cache_read_price END,
                 cache_write_price = CASE WHEN $10 THEN $14 ELSE cache_write_price END,
                 updated_at = $15
             WHERE id = $1")
        .bind(model)
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
        .bind(at)
        .execute(&mut tx)
        .await?;
        let saved = saved_model(&mut tx, model).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// `NotFound(ModelConfig)`. Messages keep their cost; their `model_config_id` is nulled
    /// (`ON DELETE SET NULL`).
    pub async fn delete_model_config(&self, model: Uuid) -> StoreResult<()> {
        let deleted = sql("DELETE FROM chat_model_configs WHERE id = $1")
            .bind(model)
            .execute(&self.db)
            .await?;
        if deleted == 0 { Err(StoreError::NotFound(Entity::ModelConfig)) } else { Ok(()) }
    }
}
