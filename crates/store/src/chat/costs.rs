//! Cost reports (chats.md §2 `ChatCostSummary`, `/cost/users`): assistant and title rows,
//! soft-deleted ones included, and gateway calls, created in `[start, end)`. Money is summed in two halves that
//! cannot overflow first (`MONEY_PARTS`); the grand totals add up with checked arithmetic.

use super::rows::{cost_summary_from_rows, user_cost_from_row};
use crate::common::contains_pattern;
use crate::db::{Row, sql};
use crate::spend::MONEY_PARTS;
use crate::{CostSummary, Page, Store, StoreResult, Time, UserCost};
use uuid::Uuid;

/// Every costed call the reports count: chat answers and titles (their messages, soft-deleted
/// included) and gateway calls (their ledger rows: they have no message; gateway.md §2).
/// `$1` start, `$2` end, `$3` owner or NULL for everyone.
const COST_FROM: &str = "FROM (
        SELECT c.owner_id AS owner_id, c.id AS chat_id, c.title AS chat_title, m.model_config_id,
               CASE WHEN m.kind = 'title' THEN 'title' ELSE 'chat_message' END AS source,
               m.input_tokens, m.output_tokens, m.cache_read_tokens, m.cache_creation_tokens,
               m.total_cost_micros
        FROM chat_messages m JOIN chats c ON c.id = m.chat_id
        WHERE (m.role = 'assistant' OR m.kind = 'title')
          AND m.created_at >= $1 AND m.created_at < $2 AND ($3 IS NULL OR c.owner_id = $3)
        UNION ALL
        SELECT l.user_id, NULL, NULL, l.model_config_id, l.source, l.input_tokens, l.output_tokens,
               l.cache_read_tokens, l.cache_creation_tokens, l.cost_micros
        FROM spend_ledger l
        WHERE l.source = 'gateway'
          AND l.created_at >= $1 AND l.created_at < $2 AND ($3 IS NULL OR l.user_id = $3)
    ) m
    LEFT JOIN chat_model_configs mc ON mc.id = m.model_config_id";

const TOKENS: &str = "count(m.total_cost_micros) AS priced,
    count(*) - count(m.total_cost_micros) AS unpriced,
    CAST(coalesce(sum(m.input_tokens), 0) AS BIGINT) AS input_tokens,
    CAST(coalesce(sum(m.output_tokens), 0) AS BIGINT) AS output_tokens,
    CAST(coalesce(sum(m.cache_read_tokens), 0) AS BIGINT) AS cache_read_tokens,
    CAST(coalesce(sum(m.cache_creation_tokens), 0) AS BIGINT) AS cache_creation_tokens";

/// `$4` a `LIKE` pattern on the username, or NULL.
const USER_FILTER: &str = "$4 IS NULL OR lower(u.username) LIKE lower($4) ESCAPE '\\'";

impl Store {
    async fn cost_groups(
        &self,
        select: &str,
        group_by: &str,
        user: Uuid,
        start: Time,
        end: Time,
    ) -> StoreResult<Vec<Row>> {
        sql(format!("SELECT {select}, {MONEY_PARTS}, {TOKENS} {COST_FROM} GROUP BY {group_by}"))
            .bind(start)
            .bind(end)
            .bind(user)
            .fetch_all(&self.db)
            .await
    }

    /// Assistant and title rows (soft-deleted included) of `user`'s chats and their gateway
    /// calls, created in `[start, end)`: by model, by chat and by source. `Overflow` beyond the
    /// money range.
    pub async fn cost_summary(
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
        // Gateway calls belong to no chat.
        let chats = self
            .cost_groups(
                "m.chat_id AS key, m.chat_title AS label",
                "m.chat_id, m.chat_title HAVING m.chat_id IS NOT NULL",
                user,
                start,
                end,
            )
            .await?;
        let sources = self.cost_groups("m.source AS label", "m.source", user, start, end).await?;
        cost_summary_from_rows(&models, &chats, &sources)
    }

    /// Per-user totals in `[start, end)`, most expensive first; optional case-insensitive
    /// username substring; the count ignores limit and offset. `Overflow` beyond the money range.
    pub async fn cost_by_user(
        &self,
        start: Time,
        end: Time,
        username: Option<&str>,
        page: Page,
    ) -> StoreResult<(Vec<UserCost>, i64)> {
        let per_user = format!(
            "WITH per_user AS (SELECT m.owner_id AS user_id, {MONEY_PARTS}, {TOKENS} {COST_FROM}
                               GROUP BY m.owner_id)"
        );
        let pattern = username.filter(|s| !s.is_empty()).map(contains_pattern);
        let count = sql(format!(
            "{per_user} SELECT count(*) AS n FROM per_user p JOIN users u ON u.id = p.user_id
             WHERE {USER_FILTER}"
        ))
        .bind(start)
        .bind(end)
        .bind(None::<Uuid>)
        .bind(pattern.clone())
        .fetch_one(&self.db)
        .await?
        .bigint("n")?;
        let rows = sql(format!(
            "{per_user} SELECT p.*, u.username, u.name, u.avatar_url
             FROM per_user p JOIN users u ON u.id = p.user_id WHERE {USER_FILTER}
             ORDER BY p.dollars + p.micros / 1000000 DESC, p.micros % 1000000 DESC, p.user_id
             LIMIT $5 OFFSET $6"
        ))
        .bind(start)
        .bind(end)
        .bind(None::<Uuid>)
        .bind(pattern)
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        let users = rows.iter().map(user_cost_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok((users, count))
    }
}
