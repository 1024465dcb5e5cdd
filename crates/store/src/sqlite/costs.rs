//! Cost roll-ups (chats.md §2 `ChatCostSummary`, `/cost/users`): assistant and title rows,
//! soft-deleted ones included, created in `[start, end)`. Sums are checked: SQLite's `sum()`
//! raises on overflow, the grand totals add up in Rust with checked arithmetic.

use super::{SqliteStore, id};
use crate::chat_common::cost_overflow;
use crate::chat_common::{cost_summary_from_rows, user_cost_from_row};
use crate::common::{db_error, micros};
use crate::{CostSummary, StoreError, StoreResult, Time, UserCost};
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

/// `?1` start, `?2` end, `?3` owner or NULL for everyone.
const COST_FROM: &str = "FROM chat_messages m JOIN chats c ON c.id = m.chat_id
    LEFT JOIN chat_model_configs mc ON mc.id = m.model_config_id
    WHERE (m.role = 'assistant' OR m.kind = 'title')
      AND m.created_at >= ?1 AND m.created_at < ?2 AND (?3 IS NULL OR c.owner_id = ?3)";

const TOTALS: &str = "coalesce(sum(m.total_cost_micros), 0) AS total_cost,
    count(m.total_cost_micros) AS priced, count(*) - count(m.total_cost_micros) AS unpriced,
    coalesce(sum(m.input_tokens), 0) AS input_tokens,
    coalesce(sum(m.output_tokens), 0) AS output_tokens,
    coalesce(sum(m.cache_read_tokens), 0) AS cache_read_tokens,
    coalesce(sum(m.cache_creation_tokens), 0) AS cache_creation_tokens";

/// `?4` case-insensitive username substring or NULL.
const USER_FILTER: &str = "?4 IS NULL OR instr(lower(u.username), lower(?4)) > 0";

/// SQLite's `sum()` raises "integer overflow" instead of wrapping.
fn sum_error(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.message().contains("integer overflow") => cost_overflow(),
        _ => db_error(e),
    }
}

impl SqliteStore {
    async fn cost_groups(
        &self,
        select: &str,
        group_by: &str,
        user: Uuid,
        start: Time,
        end: Time,
    ) -> StoreResult<Vec<SqliteRow>> {
        sqlx::query(&format!("SELECT {select}, {TOTALS} {COST_FROM} GROUP BY {group_by}"))
            .bind(micros(start))
            .bind(micros(end))
            .bind(id(user))
            .fetch_all(&self.pool)
            .await
            .map_err(sum_error)
    }

    pub(super) async fn cost_summary_impl(
        &self,
        user: Uuid,
        start: Time,
        end: Time,
    ) -> StoreResult<CostSummary> {
        let models = self
            .cost_groups(
                "m.model_config_id AS key,
                 coalesce(nullif(mc.display_name, ''), nullif(mc.model, ''), 'unknown') AS label",
                "m.model_config_id, mc.display_name, mc.model",
                user,
                start,
                end,
            )
            .await?;
        let chats = self
            .cost_groups("c.id AS key, c.title AS label", "c.id, c.title", user, start, end)
            .await?;
        cost_summary_from_rows(&models, &chats)
    }

    pub(super) async fn cost_by_user_impl(
        &self,
        start: Time,
        end: Time,
        username: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<UserCost>, i64)> {
        let per_user = format!(
            "WITH per_user AS (SELECT c.owner_id AS user_id, {TOTALS} {COST_FROM}
                               GROUP BY c.owner_id)"
        );
        let username = username.filter(|s| !s.is_empty());
        let count: i64 = sqlx::query_scalar(&format!(
            "{per_user} SELECT count(*) FROM per_user p JOIN users u ON u.id = p.user_id
             WHERE {USER_FILTER}"
        ))
        .bind(micros(start))
        .bind(micros(end))
        .bind(None::<String>)
        .bind(username)
        .fetch_one(&self.pool)
        .await
        .map_err(sum_error)?;
        // SQLite reads a negative LIMIT as "no limit".
        let limit = if limit > 0 { limit } else { -1 };
        let rows = sqlx::query(&format!(
            "{per_user} SELECT p.*, u.username, u.name, u.avatar_url
             FROM per_user p JOIN users u ON u.id = p.user_id WHERE {USER_FILTER}
             ORDER BY p.total_cost DESC, p.user_id LIMIT ?5 OFFSET ?6"
        ))
        .bind(micros(start))
        .bind(micros(end))
        .bind(None::<String>)
        .bind(username)
        .bind(limit)
        .bind(offset.max(0))
        .fetch_all(&self.pool)
        .await
        .map_err(sum_error)?;
        let users = rows.iter().map(user_cost_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok((users, count))
    }
}
