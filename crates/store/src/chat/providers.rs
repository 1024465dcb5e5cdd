//! LLM providers. The API key is ciphertext made by the caller; it never enters an error or a
//! log line (the database's messages carry no bound values).

use super::rows::provider_from_row;
use crate::common::trunc_micros;
use crate::db::{Ex, sql};
use crate::{Entity, Page, Provider, ProviderPatch, Store, StoreError, StoreResult, Time, Unique};
use uuid::Uuid;

const PROVIDER_SELECT: &str = "SELECT id, provider, display_name, enabled, api_key_ciphertext,
    base_url, created_at, updated_at FROM chat_providers";

async fn fetch_provider<'a>(ex: impl Into<Ex<'a>>, id: Uuid) -> StoreResult<Provider> {
    let row = sql(format!("{PROVIDER_SELECT} WHERE id = $1")).bind(id).fetch_optional(ex).await?;
    provider_from_row(&row.ok_or(StoreError::NotFound(Entity::Provider))?)
}

impl Store {
    /// `Conflict(Provider)` when one of that kind exists.
    pub async fn create_provider(&self, p: Provider) -> StoreResult<Provider> {
        let mut tx = self.db.begin().await?;
        let taken = sql("SELECT 1 FROM chat_providers WHERE provider = $1")
            .bind(&p.provider)
            .exists(&mut tx)
            .await?;
        if taken {
            return Err(StoreError::Conflict(Unique::Provider));
        }
        sql("INSERT INTO chat_providers (id, provider, display_name, enabled, api_key_ciphertext,
                 base_url, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(p.id)
        .bind(&p.provider)
        .bind(&p.display_name)
        .bind(p.enabled)
        .bind(&p.api_key_ciphertext)
        .bind(&p.base_url)
        .bind(trunc_micros(p.created_at))
        .bind(trunc_micros(p.updated_at))
        .execute(&mut tx)
        .await?;
        let created = fetch_provider(&mut tx, p.id).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Ordered by provider kind.
    pub async fn list_providers(&self, page: Page) -> StoreResult<Vec<Provider>> {
        let rows = sql(format!("{PROVIDER_SELECT} ORDER BY provider {{C}}, id LIMIT $1 OFFSET $2"))
            .bind(page.limit_arg())
            .bind(page.offset_arg())
            .fetch_all(&self.db)
            .await?;
        rows.iter().map(provider_from_row).collect()
    }

    pub async fn get_provider(&self, id: Uuid) -> StoreResult<Option<Provider>> {
        let row = sql(format!("{PROVIDER_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(provider_from_row).transpose()
    }

    pub async fn get_provider_by_kind(&self, kind: &str) -> StoreResult<Option<Provider>> {
        let row = sql(format!("{PROVIDER_SELECT} WHERE provider = $1"))
            .bind(kind)
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(provider_from_row).transpose()
    }

    /// `NotFound(Provider)`.
    pub async fn update_provider(
        &self,
        id: Uuid,
        patch: ProviderPatch,
        at: Time,
    ) -> StoreResult<Provider> {
        let mut tx = self.db.begin().await?;
        let updated = sql("UPDATE chat_providers SET
                 display_name = coalesce($2, display_name),
                 enabled = coalesce($3, enabled),
                 api_key_ciphertext = CASE WHEN $4 THEN $5 ELSE api_key_ciphertext END,
                 base_url = CASE WHEN $6 THEN $7 ELSE base_url END,
                 updated_at = $8
             WHERE id = $1")
        .bind(id)
        .bind(patch.display_name)
        .bind(patch.enabled)
        .bind(patch.api_key_ciphertext.is_some())
        .bind(patch.api_key_ciphertext.flatten())
        .bind(patch.base_url.is_some())
        .bind(patch.base_url.flatten())
        .bind(at)
        .execute(&mut tx)
        .await?;
        if updated == 0 {
            return Err(StoreError::NotFound(Entity::Provider));
        }
        let saved = fetch_provider(&mut tx, id).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// `NotFound(Provider)`.
    pub async fn delete_provider(&self, id: Uuid) -> StoreResult<()> {
        let deleted =
            sql("DELETE FROM chat_providers WHERE id = $1").bind(id).execute(&self.db).await?;
        if deleted == 0 { Err(StoreError::NotFound(Entity::Provider)) } else { Ok(()) }
    }
}
