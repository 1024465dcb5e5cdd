//! Spend-limit configuration, overrides, resolution and spend (spend-limits §2, §3, §5).

use super::users::require_user;
use super::{PostgresStore, ts};
use crate::common::{db_error, non_negative, positive_limit, spend_overflow};
use crate::identity_rows::{
    effective_from_row, group_limit_from_row, limit_config_from_row, user_limit_from_row,
};
use crate::{GroupLimitRecord, LimitConfigRecord, StoreError, StoreResult, Time, UserLimit};
use sqlx::PgConnection;
use tollgate_core::{EffectiveLimit, LimitConfig, Micros, PeriodBounds, SpendScope};
use uuid::Uuid;

const USER_LIMIT_SELECT: &str = "SELECT o.user_id, u.username, u.name, u.avatar_url,
    o.spend_limit_micros, o.updated_at
    FROM chat_usage_limit_overrides o JOIN users u ON u.id = o.user_id";

/// `member_count` excludes system users; an Everyone group counts its organization's members.
const GROUP_LIMIT_SELECT: &str = "SELECT g.id AS group_id, g.organization_id, g.name,
    g.display_name, g.avatar_url, o.spend_limit_micros, o.updated_at,
    (SELECT count(*) FROM group_memberships gm JOIN users u ON u.id = gm.user_id
     WHERE gm.group_id = g.id AND NOT u.deleted AND NOT u.is_system) AS member_count
    FROM chat_usage_limit_group_overrides o JOIN groups g ON g.id = o.group_id";

/// spend-limits §3 in one statement; `$1` user, `$2` organization or NULL. Ties between equal
/// group limits go to the smallest group id (uuid order, the same as SQLite's).
const RESOLVE_SQL: &str = "
WITH cfg AS (
    SELECT enabled, default_limit_micros, period, group_policy
    FROM chat_usage_limit_config WHERE id = 1
), grp AS (
    SELECT gl.group_id, gl.spend_limit_micros AS lim
    FROM chat_usage_limit_group_overrides gl
    JOIN groups g ON g.id = gl.group_id
    JOIN group_memberships gm ON gm.group_id = g.id AND gm.user_id = $1
    WHERE $2::uuid IS NULL OR g.organization_id = $2
), win AS (
    SELECT grp.group_id, grp.lim FROM grp, cfg
    ORDER BY CASE cfg.group_policy WHEN 'highest' THEN -grp.lim ELSE grp.lim END, grp.group_id
    LIMIT 1
)
SELECT
    EXISTS (SELECT 1 FROM users WHERE id = $1 AND NOT deleted) AS user_found,
    cfg.period,
    CASE WHEN NOT cfg.enabled THEN 'disabled'
         WHEN o.spend_limit_micros IS NOT NULL THEN 'user'
         WHEN win.group_id IS NOT NULL THEN 'group'
         ELSE 'default' END AS source,
    CASE WHEN cfg.enabled
         THEN coalesce(o.spend_limit_micros, win.lim, cfg.default_limit_micros) END AS lim,
    CASE WHEN cfg.enabled AND o.spend_limit_micros IS NULL THEN win.group_id END AS group_id
FROM cfg
LEFT JOIN chat_usage_limit_overrides o ON o.user_id = $1
LEFT JOIN win ON true";

/// `sum(bigint)` is numeric here: a total beyond the bigint range is reported, not cast.
const SPEND_SQL: &str = "
WITH s AS (
    SELECT coalesce(sum(m.total_cost_micros), 0) AS total
    FROM chats c JOIN chat_messages m ON m.chat_id = c.id
    WHERE c.owner_id = $1 AND ($2::uuid IS NULL OR c.organization_id = $2)
      AND m.created_at >= $3 AND m.created_at < $4
)
SELECT CASE WHEN total BETWEEN -9223372036854775808 AND 9223372036854775807
            THEN total::bigint END AS total
FROM s";

async fn fetch_config(conn: &mut PgConnection) -> StoreResult<LimitConfigRecord> {
    let row = sqlx::query(
        "SELECT enabled, default_limit_micros, period, group_policy, updated_at
         FROM chat_usage_limit_config WHERE id = 1",
    )
    .fetch_one(conn)
    .await
    .map_err(db_error)?;
    limit_config_from_row(&row)
}

async fn fetch_group_limit(conn: &mut PgConnection, group: Uuid) -> StoreResult<GroupLimitRecord> {
    let row = sqlx::query(&format!("{GROUP_LIMIT_SELECT} WHERE o.group_id = $1"))
        .bind(group)
        .fetch_one(conn)
        .await
        .map_err(db_error)?;
    group_limit_from_row(&row)
}

impl PostgresStore {
    pub(super) async fn get_limit_config_impl(&self) -> StoreResult<LimitConfigRecord> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        fetch_config(&mut conn).await
    }

    pub(super) async fn update_limit_config_impl(
        &self,
        config: LimitConfig,
        at: Time,
    ) -> StoreResult<LimitConfigRecord> {
        let default_limit = non_negative(config.default_limit, "default limit")?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE chat_usage_limit_config SET enabled = $1, default_limit_micros = $2,
                    period = $3, group_policy = $4, updated_at = $5
             WHERE id = 1",
        )
        .bind(config.enabled)
        .bind(default_limit)
        .bind(config.period.as_str())
        .bind(config.group_policy.as_str())
        .bind(ts(at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let record = fetch_config(&mut tx).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    pub(super) async fn upsert_user_limit_impl(
        &self,
        user: Uuid,
        limit: Micros,
        at: Time,
    ) -> StoreResult<UserLimit> {
        let limit = positive_limit(limit)?;
        let mut tx = self.begin().await?;
        require_user(&mut tx, user).await?;
        sqlx::query(
            "INSERT INTO chat_usage_limit_overrides (user_id, spend_limit_micros, updated_at)
             VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE
             SET spend_limit_micros = excluded.spend_limit_micros, updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(limit)
        .bind(ts(at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let row = sqlx::query(&format!("{USER_LIMIT_SELECT} WHERE o.user_id = $1"))
            .bind(user)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        let record = user_limit_from_row(&row)?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    pub(super) async fn delete_user_limit_impl(&self, user: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        require_user(&mut tx, user).await?;
        let done = sqlx::query("DELETE FROM chat_usage_limit_overrides WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("override"));
        }
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn list_user_limits_impl(&self) -> StoreResult<Vec<UserLimit>> {
        let sql = format!(
            "{USER_LIMIT_SELECT} WHERE NOT u.deleted ORDER BY lower(u.username) COLLATE \"C\", u.username COLLATE \"C\", u.id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter().map(user_limit_from_row).collect()
    }

    pub(super) async fn upsert_group_limit_impl(
        &self,
        group: Uuid,
        limit: Micros,
        at: Time,
    ) -> StoreResult<GroupLimitRecord> {
        let limit = positive_limit(limit)?;
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO chat_usage_limit_group_overrides (group_id, spend_limit_micros, updated_at)
             SELECT id, $2, $3 FROM groups WHERE id = $1
             ON CONFLICT (group_id) DO UPDATE
             SET spend_limit_micros = excluded.spend_limit_micros, updated_at = excluded.updated_at",
        )
        .bind(group)
        .bind(limit)
        .bind(ts(at))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("group"));
        }
        let record = fetch_group_limit(&mut tx, group).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(record)
    }

    pub(super) async fn delete_group_limit_impl(&self, group: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM groups WHERE id = $1)")
            .bind(group)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        if !exists {
            return Err(StoreError::NotFound("group"));
        }
        let done = sqlx::query("DELETE FROM chat_usage_limit_group_overrides WHERE group_id = $1")
            .bind(group)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("override"));
        }
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn list_group_limits_impl(&self) -> StoreResult<Vec<GroupLimitRecord>> {
        let sql = format!(
            "{GROUP_LIMIT_SELECT} ORDER BY lower(g.name) COLLATE \"C\", g.name COLLATE \"C\", g.id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter().map(group_limit_from_row).collect()
    }

    pub(super) async fn resolve_limit_impl(
        &self,
        user: Uuid,
        organization: Option<Uuid>,
    ) -> StoreResult<EffectiveLimit> {
        let row = sqlx::query(RESOLVE_SQL)
            .bind(user)
            .bind(organization)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        effective_from_row(&row)
    }

    pub(super) async fn spend_impl(
        &self,
        user: Uuid,
        scope: SpendScope,
        bounds: PeriodBounds,
    ) -> StoreResult<Micros> {
        let org = match scope {
            SpendScope::AllOrganizations => None,
            SpendScope::Organization(org) => Some(org),
        };
        let total: Option<i64> = sqlx::query_scalar(SPEND_SQL)
            .bind(user)
            .bind(org)
            .bind(ts(bounds.start))
            .bind(ts(bounds.end))
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        total.map(Micros::new).ok_or_else(spend_overflow)
    }

    pub(super) async fn count_unpriced_models_impl(&self) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT count(*) FROM chat_model_configs
             WHERE enabled AND input_price IS NULL AND output_price IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)
    }
}
