//! API tokens. Only the hash of a token's secret is stored, and it is never put in an error.

use super::users::require_user;
use super::{PostgresStore, ts};
use crate::common::{ErrCtx, db_error};
use crate::identity_rows::token_from_row;
use crate::{ApiToken, StoreError, StoreResult, Time};
use uuid::Uuid;

const TOKEN_CONFLICTS: ErrCtx = ErrCtx::new("API key", "user").with(&[("name", "token name")]);

const TOKEN_SELECT: &str = "SELECT id, user_id, name, secret_hash, created_at, expires_at,
    last_used_at FROM api_tokens";

impl PostgresStore {
    pub(super) async fn create_api_token_impl(&self, token: ApiToken) -> StoreResult<ApiToken> {
        let token = ApiToken {
            created_at: ts(token.created_at),
            expires_at: ts(token.expires_at),
            last_used_at: token.last_used_at.map(ts),
            ..token
        };
        let mut tx = self.begin().await?;
        require_user(&mut tx, token.user_id).await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at,
                                     last_used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&token.id)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(&token.secret_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.last_used_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| TOKEN_CONFLICTS.map(e))?;
        tx.commit().await.map_err(db_error)?;
        Ok(token)
    }

    pub(super) async fn get_api_token_impl(&self, token: &str) -> StoreResult<Option<ApiToken>> {
        let row = sqlx::query(&format!("{TOKEN_SELECT} WHERE id = $1"))
            .bind(token)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(token_from_row).transpose()
    }

    pub(super) async fn list_api_tokens_impl(&self, user: Uuid) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "{TOKEN_SELECT} WHERE user_id = $1 ORDER BY created_at DESC, id COLLATE \"C\" DESC"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(token_from_row).collect()
    }

    pub(super) async fn delete_api_token_impl(&self, token: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(token)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound("API key")) } else { Ok(()) }
    }

    pub(super) async fn touch_api_token_impl(&self, token: &str, at: Time) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(token)
            .bind(ts(at))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}
