//! Spend-limit configuration, overrides and their resolution (spend-limits §2, §3).

use super::audit::{self, Entry, LimitAuditAction::*, LimitChange};
use super::rows::{
    effective_from_row, group_limit_from_row, limit_config_from_row, user_limit_from_row,
};
use super::standing::standing_in;
use crate::db::{Ex, Tx, sql};
use crate::identity::require_user;
use crate::{
    Entity, GroupLimitRecord, LimitConfigRecord, LimitStanding, Page, Store, StoreError,
    StoreResult, Time, UserLimit,
};
use tollgate_core::{EffectiveLimit, LimitConfig, Micros, stored_amount, stored_limit};
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
/// group limits go to the smallest group id (uuid order; SQLite's canonical text sorts alike).
pub(super) const RESOLVE_SQL: &str = "
WITH cfg AS (
    SELECT enabled, default_limit_micros, period, group_policy
    FROM chat_usage_limit_config WHERE id = 1
), grp AS (
    SELECT gl.group_id, gl.spend_limit_micros AS lim
    FROM chat_usage_limit_group_overrides gl
    JOIN groups g ON g.id = gl.group_id
    JOIN group_memberships gm ON gm.group_id = g.id AND gm.user_id = $1
    WHERE $2 IS NULL OR g.organization_id = $2
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
LEFT JOIN win ON TRUE";

/// spend-limits §3 on any executor (a transaction that reserves resolves under its lock).
pub(crate) async fn resolve_in<'a>(
    ex: impl Into<Ex<'a>>,
    user: Uuid,
    organization: Option<Uuid>,
) -> StoreResult<EffectiveLimit> {
    let row = sql(RESOLVE_SQL).bind(user).bind(organization).fetch_one(ex).await?;
    effective_from_row(&row)
}

pub(super) async fn fetch_config<'a>(ex: impl Into<Ex<'a>>) -> StoreResult<LimitConfigRecord> {
    let row = sql("SELECT enabled, default_limit_micros, period, group_policy, updated_at
                   FROM chat_usage_limit_config WHERE id = 1")
    .fetch_one(ex)
    .await?;
    limit_config_from_row(&row)
}

async fn fetch_user_limit<'a>(ex: impl Into<Ex<'a>>, user: Uuid) -> StoreResult<Option<UserLimit>> {
    let row = sql(format!("{USER_LIMIT_SELECT} WHERE o.user_id = $1"))
        .bind(user)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(user_limit_from_row).transpose()
}

async fn fetch_group_limit<'a>(
    ex: impl Into<Ex<'a>>,
    group: Uuid,
) -> StoreResult<Option<GroupLimitRecord>> {
    let row = sql(format!("{GROUP_LIMIT_SELECT} WHERE o.group_id = $1"))
        .bind(group)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(group_limit_from_row).transpose()
}

/// Logs `override.delete` when `user` has an override that is about to go with the user.
pub(crate) async fn log_user_limit_removal(
    tx: &mut Tx,
    user: Uuid,
    by: &LimitChange<'_>,
) -> StoreResult<()> {
    let Some(before) = fetch_user_limit(&mut *tx, user).await? else { return Ok(()) };
    let entry = Entry {
        action: OverrideDelete,
        target: Some((user, before.username.clone())),
        before: Some(by.render.user(&before)),
        after: None,
    };
    audit::record(tx, by, entry).await
}

/// Logs `group_override.delete` when `group` has a limit that is about to go with the group.
pub(crate) async fn log_group_limit_removal(
    tx: &mut Tx,
    group: Uuid,
    by: &LimitChange<'_>,
) -> StoreResult<()> {
    let Some(before) = fetch_group_limit(&mut *tx, group).await? else { return Ok(()) };
    let entry = Entry {
        action: GroupOverrideDelete,
        target: Some((group, before.name.clone())),
        before: Some(by.render.group(&before)),
        after: None,
    };
    audit::record(tx, by, entry).await
}

async fn group_exists<'a>(ex: impl Into<Ex<'a>>, group: Uuid) -> StoreResult<()> {
    let found =
        sql("SELECT 1 FROM groups WHERE id = $1 {FOR_SHARE}").bind(group).exists(ex).await?;
    if found { Ok(()) } else { Err(StoreError::NotFound(Entity::Group)) }
}

impl Store {
    /// The deployment's limit config; it always exists (seeded disabled by the migration).
    pub async fn get_limit_config(&self) -> StoreResult<LimitConfigRecord> {
        fetch_config(&self.db).await
    }

    /// `Rejected(NegativeAmount)` for a negative default limit. Logged as `config.update`.
    pub async fn update_limit_config(
        &self,
        config: LimitConfig,
        by: &LimitChange<'_>,
    ) -> StoreResult<LimitConfigRecord> {
        let default_limit = stored_amount(config.default_limit)?;
        let mut tx = self.db.begin().await?;
        let before = fetch_config(&mut tx).await?;
        sql("UPDATE chat_usage_limit_config SET enabled = $1, default_limit_micros = $2,
                period = $3, group_policy = $4, updated_at = $5
             WHERE id = 1")
        .bind(config.enabled)
        .bind(default_limit)
        .bind(config.period.as_str())
        .bind(config.group_policy.as_str())
        .bind(by.at)
        .execute(&mut tx)
        .await?;
        let record = fetch_config(&mut tx).await?;
        let (before, after) = (by.render.config(&before), by.render.config(&record));
        let entry =
            Entry { action: ConfigUpdate, target: None, before: Some(before), after: Some(after) };
        audit::record(&mut tx, by, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Sets or replaces the user's override. `NotFound(User)`; `Rejected(LimitNotPositive)`.
    pub async fn upsert_user_limit(
        &self,
        user: Uuid,
        limit: Micros,
        by: &LimitChange<'_>,
    ) -> StoreResult<UserLimit> {
        let limit = stored_limit(limit)?;
        let mut tx = self.db.begin().await?;
        require_user(&mut tx, user).await?;
        let before = fetch_user_limit(&mut tx, user).await?;
        sql("INSERT INTO chat_usage_limit_overrides (user_id, spend_limit_micros, updated_at)
             VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE
             SET spend_limit_micros = excluded.spend_limit_micros, updated_at = excluded.updated_at")
        .bind(user)
        .bind(limit)
        .bind(by.at)
        .execute(&mut tx)
        .await?;
        let record =
            fetch_user_limit(&mut tx, user).await?.ok_or(StoreError::NotFound(Entity::User))?;
        let entry = Entry {
            action: OverrideSet,
            target: Some((user, record.username.clone())),
            before: before.map(|b| by.render.user(&b)),
            after: Some(by.render.user(&record)),
        };
        audit::record(&mut tx, by, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// `NotFound(User)`, or `NotFound(UserLimitOverride)` when the user has none.
    pub async fn delete_user_limit(&self, user: Uuid, by: &LimitChange<'_>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        require_user(&mut tx, user).await?;
        let Some(before) = fetch_user_limit(&mut tx, user).await? else {
            return Err(StoreError::NotFound(Entity::UserLimitOverride));
        };
        sql("DELETE FROM chat_usage_limit_overrides WHERE user_id = $1")
            .bind(user)
            .execute(&mut tx)
            .await?;
        let entry = Entry {
            action: OverrideDelete,
            target: Some((user, before.username.clone())),
            before: Some(by.render.user(&before)),
            after: None,
        };
        audit::record(&mut tx, by, entry).await?;
        tx.commit().await
    }

    /// Ordered by username.
    pub async fn list_user_limits(&self, page: Page) -> StoreResult<Vec<UserLimit>> {
        let rows = sql(format!(
            "{USER_LIMIT_SELECT} WHERE NOT u.deleted
             ORDER BY lower(u.username) {{C}}, u.username {{C}}, u.id LIMIT $1 OFFSET $2"
        ))
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(user_limit_from_row).collect()
    }

    /// Sets or replaces the group's limit. `NotFound(Group)`; `Rejected(LimitNotPositive)`.
    pub async fn upsert_group_limit(
        &self,
        group: Uuid,
        limit: Micros,
        by: &LimitChange<'_>,
    ) -> StoreResult<GroupLimitRecord> {
        let limit = stored_limit(limit)?;
        let mut tx = self.db.begin().await?;
        group_exists(&mut tx, group).await?;
        let before = fetch_group_limit(&mut tx, group).await?;
        sql("INSERT INTO chat_usage_limit_group_overrides (group_id, spend_limit_micros, updated_at)
             VALUES ($1, $2, $3)
             ON CONFLICT (group_id) DO UPDATE
             SET spend_limit_micros = excluded.spend_limit_micros, updated_at = excluded.updated_at")
        .bind(group)
        .bind(limit)
        .bind(by.at)
        .execute(&mut tx)
        .await?;
        let record =
            fetch_group_limit(&mut tx, group).await?.ok_or(StoreError::NotFound(Entity::Group))?;
        let entry = Entry {
            action: GroupOverrideSet,
            target: Some((group, record.name.clone())),
            before: before.map(|b| by.render.group(&b)),
            after: Some(by.render.group(&record)),
        };
        audit::record(&mut tx, by, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// `NotFound(Group)`, or `NotFound(GroupLimitOverride)` when the group has none.
    pub async fn delete_group_limit(&self, group: Uuid, by: &LimitChange<'_>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        group_exists(&mut tx, group).await?;
        let Some(before) = fetch_group_limit(&mut tx, group).await? else {
            return Err(StoreError::NotFound(Entity::GroupLimitOverride));
        };
        sql("DELETE FROM chat_usage_limit_group_overrides WHERE group_id = $1")
            .bind(group)
            .execute(&mut tx)
            .await?;
        let entry = Entry {
            action: GroupOverrideDelete,
            target: Some((group, before.name.clone())),
            before: Some(by.render.group(&before)),
            after: None,
        };
        audit::record(&mut tx, by, entry).await?;
        tx.commit().await
    }

    /// Ordered by group name.
    pub async fn list_group_limits(&self, page: Page) -> StoreResult<Vec<GroupLimitRecord>> {
        let rows = sql(format!(
            "{GROUP_LIMIT_SELECT} ORDER BY lower(g.name) {{C}}, g.name {{C}}, g.id
             LIMIT $1 OFFSET $2"
        ))
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(group_limit_from_row).collect()
    }

    /// The user's effective limit (spend-limits §3), resolved in one SQL statement: override,
    /// else the group policy over the user's groups (those of `organization` when given,
    /// Everyone groups included), else the default. `NotFound(User)` for an unknown user.
    pub async fn resolve_limit(
        &self,
        user: Uuid,
        organization: Option<Uuid>,
    ) -> StoreResult<EffectiveLimit> {
        resolve_in(&self.db, user, organization).await
    }

    /// The limit that applies to `user` (in `organization`, when given) and where its window
    /// stands at `now`: settled spend from the day counters, plus live reservations. `None` when
    /// no limit applies. Its cost does not grow with the ledger.
    pub async fn limit_standing(
        &self,
        user: Uuid,
        organization: Option<Uuid>,
        now: Time,
    ) -> StoreResult<Option<LimitStanding>> {
        let (limit, window) = standing_in(&self.db, user, organization, now).await?;
        Ok(window.map(|window| LimitStanding { limit, window }))
    }
}
