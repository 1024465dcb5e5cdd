//! API tokens. Only the hash of a token's secret is stored, and it is never put in an error.

use super::rows::{token_from_prefixed_row, token_from_row, user_from_row};
use super::users::{USER_COLUMNS, require_user};
use crate::common::trunc_micros;
use crate::db::sql;
use crate::{ApiToken, Entity, Page, Store, StoreError, StoreResult, Time, Unique, User};
use tollgate_core::stored_limit;
use uuid::Uuid;

const TOKEN_SELECT: &str = "SELECT id, user_id, name, secret_hash, created_at, expires_at,
    last_used_at, spend_limit_micros, spend_period FROM api_tokens";

/// The token's columns beside its user's (`users::USER_COLUMNS`), prefixed `t_` apart from them.
const TOKEN_AND_USER_SELECT: &str = "SELECT t.id AS t_id, t.user_id AS t_user_id,
    t.name AS t_name, t.secret_hash AS t_secret_hash, t.created_at AS t_created_at,
    t.expires_at AS t_expires_at, t.last_used_at AS t_last_used_at,
    t.spend_limit_micros AS t_spend_limit_micros, t.spend_period AS t_spend_period";

impl Store {
    /// `NotFound(User)`; `Conflict(TokenName)` for a user's duplicate name; `Rejected` for a key
    /// limit that is not positive.
    pub async fn create_api_token(&self, token: ApiToken) -> StoreResult<ApiToken> {
        let token = ApiToken {
            created_at: trunc_micros(token.created_at),
            expires_at: trunc_micros(token.expires_at),
            last_used_at: token.last_used_at.map(trunc_micros),
            ..token
        };
        let mut tx = self.db.begin().await?;
        require_user(&mut tx, token.user_id).await?;
        let taken = sql("SELECT 1 FROM api_tokens WHERE user_id = $1 AND name = $2")
            .bind(token.user_id)
            .bind(&token.name)
            .exists(&mut tx)
            .await?;
        if taken {
            return Err(StoreError::Conflict(Unique::TokenName));
        }
        let limit = token.spend_limit.map(|l| stored_limit(l.limit)).transpose()?;
        sql("INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at,
                                     last_used_at, spend_limit_micros, spend_period)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&token.id)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(&token.secret_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.last_used_at)
        .bind(limit)
        .bind(token.spend_limit.map(|l| l.period.as_str()))
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn get_api_token(&self, token: &str) -> StoreResult<Option<ApiToken>> {
        let row = sql(format!("{TOKEN_SELECT} WHERE id = $1"))
            .bind(token)
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// A token and its (not deleted) user, in one read: what every authenticated request needs.
    pub async fn get_api_token_with_user(
        &self,
        token: &str,
    ) -> StoreResult<Option<(ApiToken, User)>> {
        let row = sql(format!(
            "{TOKEN_AND_USER_SELECT}, {USER_COLUMNS} FROM api_tokens t
             JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND NOT u.deleted"
        ))
        .bind(token)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((token_from_prefixed_row(&row, "t_")?, user_from_row(&row)?)))
    }

    /// A user's tokens, newest first.
    pub async fn list_api_tokens(&self, user: Uuid, page: Page) -> StoreResult<Vec<ApiToken>> {
        let rows = sql(format!(
            "{TOKEN_SELECT} WHERE user_id = $1 ORDER BY created_at DESC, id {{C}} DESC
             LIMIT $2 OFFSET $3"
        ))
        .bind(user)
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// `NotFound(ApiKey)`.
    pub async fn delete_api_token(&self, token: &str) -> StoreResult<()> {
        let deleted =
            sql("DELETE FROM api_tokens WHERE id = $1").bind(token).execute(&self.db).await?;
        if deleted == 0 { Err(StoreError::NotFound(Entity::ApiKey)) } else { Ok(()) }
    }

    pub async fn touch_api_token(&self, token: &str, at: Time) -> StoreResult<()> {
        sql("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(token)
            .bind(at)
            .execute(&self.db)
            .await
            .map(drop)
    }
}
