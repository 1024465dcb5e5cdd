//! LLM providers. The API key is ciphertext made by the caller; it never enters an error or a
//! log line (the database's messages carry no bound values).

use super::{SqliteStore, id};
use crate::chat_common::provider_from_row;
use crate::common::{ErrCtx, db_error, micros};
use crate::{Provider, ProviderPatch, StoreError, StoreResult, Time};
use sqlx::SqliteExecutor;
use uuid::Uuid;

const PROVIDER_CONFLICTS: ErrCtx = ErrCtx::new("provider", "provider");

const PROVIDER_SELECT: &str = "SELECT id, provider, display_name, enabled, api_key_ciphertext,
    base_url, created_at, updated_at FROM chat_providers";

async fn fetch_provider<'c>(
    ex: impl SqliteExecutor<'c>,
    filter: &str,
    value: String,
) -> StoreResult<Option<Provider>> {
    let row = sqlx::query(&format!("{PROVIDER_SELECT} WHERE {filter} = ?1"))
        .bind(value)
        .fetch_optional(ex)
        .await
        .map_err(db_error)?;
    row.as_ref().map(provider_from_row).transpose()
}

impl SqliteStore {
    pub(super) async fn create_provider_impl(&self, p: Provider) -> StoreResult<Provider> {
        sqlx::query(
            "INSERT INTO chat_providers (id, provider, display_name, enabled, api_key_ciphertext,
                 base_url, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(id(p.id))
        .bind(&p.provider)
        .bind(&p.display_name)
        .bind(p.enabled)
        .bind(&p.api_key_ciphertext)
        .bind(&p.base_url)
        .bind(micros(p.created_at))
        .bind(micros(p.updated_at))
        .execute(&self.pool)
        .await
        .map_err(|e| PROVIDER_CONFLICTS.map(e))?;
        self.get_provider_impl(p.id).await?.ok_or(StoreError::NotFound("provider"))
    }

    pub(super) async fn list_providers_impl(&self) -> StoreResult<Vec<Provider>> {
        let rows = sqlx::query(&format!("{PROVIDER_SELECT} ORDER BY provider, id"))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(provider_from_row).collect()
    }

    pub(super) async fn get_provider_impl(&self, p: Uuid) -> StoreResult<Option<Provider>> {
        fetch_provider(&self.pool, "id", id(p)).await
    }

    pub(super) async fn get_provider_by_kind_impl(
        &self,
        kind: &str,
    ) -> StoreResult<Option<Provider>> {
        fetch_provider(&self.pool, "provider", kind.to_owned()).await
    }

    pub(super) async fn update_provider_impl(
        &self,
        p: Uuid,
        patch: ProviderPatch,
        at: Time,
    ) -> StoreResult<Provider> {
        let done = sqlx::query(
            "UPDATE chat_providers SET
                 display_name = coalesce(?2, display_name),
                 enabled = coalesce(?3, enabled),
                 api_key_ciphertext = CASE WHEN ?4 THEN ?5 ELSE api_key_ciphertext END,
                 base_url = CASE WHEN ?6 THEN ?7 ELSE base_url END,
                 updated_at = ?8
             WHERE id = ?1",
        )
        .bind(id(p))
        .bind(patch.display_name)
        .bind(patch.enabled)
        .bind(patch.api_key_ciphertext.is_some())
        .bind(patch.api_key_ciphertext.flatten())
        .bind(patch.base_url.is_some())
        .bind(patch.base_url.flatten())
        .bind(micros(at))
        .execute(&self.pool)
        .await
        .map_err(|e| PROVIDER_CONFLICTS.map(e))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("provider"));
        }
        self.get_provider_impl(p).await?.ok_or(StoreError::NotFound("provider"))
    }

    pub(super) async fn delete_provider_impl(&self, p: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM chat_providers WHERE id = ?1")
            .bind(id(p))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound("provider")) } else { Ok(()) }
    }
}
