//! Spend-limit configuration, overrides and their resolution (spend-limits §2, §3).

use super::audit::{self, Entry, LimitAuditAction::*, LimitChange};
use super::resolve::RESOLVE_SQL;
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
use tollgate_core::{
    EffectiveLimit, LimitConfig, Micros, Period, PeriodLimits, Thresholds, WindowChanges, binding,
    stored_amount, stored_limit,
};
use uuid::Uuid;

/// The deployment period, which says what a tier's `spend_limit_micros` is the limit of.
macro_rules! cfg_period {
    () => {
        "(SELECT period FROM chat_usage_limit_config WHERE id = 1) AS cfg_period"
    };
}
pub(super) use cfg_period;

const USER_LIMIT_SELECT: &str = concat!(
    "SELECT o.user_id, u.username, u.name, u.avatar_url, o.spend_limit_micros, o.updated_at,
    o.day_limit_micros, o.week_limit_micros, o.month_limit_micros, ",
    cfg_period!(),
    "
    FROM chat_usage_limit_overrides o JOIN users u ON u.id = o.user_id"
);

/// `member_count` excludes system users; an Everyone group counts its organization's members.
const GROUP_LIMIT_SELECT: &str = concat!(
    "SELECT g.id AS group_id, g.organization_id, g.name,
    g.display_name, g.avatar_url, o.spend_limit_micros, o.updated_at,
    o.day_limit_micros, o.week_limit_micros, o.month_limit_micros, ",
    cfg_period!(),
    ",
    (SELECT count(*) FROM group_memberships gm JOIN users u ON u.id = gm.user_id
     WHERE gm.group_id = g.id AND NOT u.deleted AND NOT u.is_system) AS member_count
    FROM chat_usage_limit_group_overrides o JOIN groups g ON g.id = o.group_id"
);

/// spend-limits §3 on any executor (a transaction that reserves resolves under its lock).
pub(crate) async fn resolve_in<'a>(
    ex: impl Into<Ex<'a>>,
    user: Uuid,
    organization: Option<Uuid>,
) -> StoreResult<EffectiveLimit> {
    let row = sql(RESOLVE_SQL.as_str()).bind(user).bind(organization).fetch_one(ex).await?;
    effective_from_row(&row)
}

pub(super) async fn fetch_config<'a>(ex: impl Into<Ex<'a>>) -> StoreResult<LimitConfigRecord> {
    let row = sql("SELECT enabled, default_limit_micros, period, group_policy, updated_at,
                   day_limit_micros, week_limit_micros, month_limit_micros, period AS cfg_period,
                   notify_at_percent
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

    /// [`Self::update_limit_config_windows`], leaving the other periods' windows as they are.
    pub async fn update_limit_config(
        &self,
        config: LimitConfig,
        by: &LimitChange<'_>,
    ) -> StoreResult<LimitConfigRecord> {
        self.update_limit_config_windows(config, WindowChanges::default(), None, by).await
    }

    /// `Rejected(NegativeAmount)` for a negative default limit. `windows` changes the default's
    /// limits at the periods other than `config.period` (limits-plus §1). When the period
    /// changes, every tier's `spend_limit_micros` moves to the new period (Coder's rule),
    /// replacing a window the tier had there; its other windows stay. `notify` replaces the
    /// alert thresholds when given.
    pub async fn update_limit_config_windows(
        &self,
        config: LimitConfig,
        windows: WindowChanges,
        notify: Option<&Thresholds>,
        by: &LimitChange<'_>,
    ) -> StoreResult<LimitConfigRecord> {
        let default_limit = stored_amount(config.default_limit)?;
        let mut tx = self.db.begin().await?;
        let before = fetch_config(&mut tx).await?;
        // The old period's limit was the default limit, which moves with the period (the other
        // tiers' move is the UPDATE below).
        let extras = windows.apply(before.windows.moved(before.config.period, config.period));
        sql("UPDATE chat_usage_limit_config SET enabled = $1, default_limit_micros = $2,
                period = $3, group_policy = $4, updated_at = $5,
                day_limit_micros = $6, week_limit_micros = $7, month_limit_micros = $8,
                notify_at_percent = coalesce($9, notify_at_percent)
             WHERE id = 1")
        .bind(config.enabled)
        .bind(default_limit)
        .bind(config.period.as_str())
        .bind(config.group_policy.as_str())
        .bind(by.at)
        .bind(extra(&extras, Period::Day, config.period))
        .bind(extra(&extras, Period::Week, config.period))
        .bind(extra(&extras, Period::Month, config.period))
        .bind(notify.map(Thresholds::to_string))
        .execute(&mut tx)
        .await?;
        if config.period != before.config.period {
            let column = format!("{}_limit_micros", config.period.as_str());
            for table in ["chat_usage_limit_overrides", "chat_usage_limit_group_overrides"] {
                sql(format!("UPDATE {table} SET {column} = NULL")).execute(&mut tx).await?;
            }
        }
        let record = fetch_config(&mut tx).await?;
        let (before, after) = (by.render.config(&before), by.render.config(&record));
        let entry =
            Entry { action: ConfigUpdate, target: None, before: Some(before), after: Some(after) };
        audit::record(&mut tx, by, entry).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// [`Self::upsert_user_limit_windows`], leaving the other periods' windows as they are.
    pub async fn upsert_user_limit(
        &self,
        user: Uuid,
        limit: Micros,
        by: &LimitChange<'_>,
    ) -> StoreResult<UserLimit> {
        self.upsert_user_limit_windows(user, limit, WindowChanges::default(), by).await
    }

    /// Sets or replaces the user's override: `limit` at the deployment period, `windows` at the
    /// others. `NotFound(User)`; `Rejected(LimitNotPositive)`.
    pub async fn upsert_user_limit_windows(
        &self,
        user: Uuid,
        limit: Micros,
        windows: WindowChanges,
        by: &LimitChange<'_>,
    ) -> StoreResult<UserLimit> {
        let limit = stored_limit(limit)?;
        let mut tx = self.db.begin().await?;
        require_user(&mut tx, user).await?;
        let before = fetch_user_limit(&mut tx, user).await?;
        let period = fetch_config(&mut tx).await?.config.period;
        let extras = windows.apply(before.as_ref().map(|b| b.windows).unwrap_or_default());
        sql("INSERT INTO chat_usage_limit_overrides (user_id, spend_limit_micros, updated_at,
                 day_limit_micros, week_limit_micros, month_limit_micros)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id) DO UPDATE
             SET spend_limit_micros = excluded.spend_limit_micros, updated_at = excluded.updated_at,
                 day_limit_micros = excluded.day_limit_micros,
                 week_limit_micros = excluded.week_limit_micros,
                 month_limit_micros = excluded.month_limit_micros")
        .bind(user)
        .bind(limit)
        .bind(by.at)
        .bind(extra(&extras, Period::Day, period))
        .bind(extra(&extras, Period::Week, period))
        .bind(extra(&extras, Period::Month, period))
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

    /// [`Self::upsert_group_limit_windows`], leaving the other periods' windows as they are.
    pub async fn upsert_group_limit(
        &self,
        group: Uuid,
        limit: Micros,
        by: &LimitChange<'_>,
    ) -> StoreResult<GroupLimitRecord> {
        self.upsert_group_limit_windows(group, limit, WindowChanges::default(), by).await
    }

    /// Sets or replaces the group's limit: `limit` at the deployment period, `windows` at the
    /// others. `NotFound(Group)`; `Rejected(LimitNotPositive)`.
    pub async fn upsert_group_limit_windows(
        &self,
        group: Uuid,
        limit: Micros,
        windows: WindowChanges,
        by: &LimitChange<'_>,
    ) -> StoreResult<GroupLimitRecord> {
        let limit = stored_limit(limit)?;
        let mut tx = self.db.begin().await?;
        group_exists(&mut tx, group).await?;
        let before = fetch_group_limit(&mut tx, group).await?;
        let period = fetch_config(&mut tx).await?.config.period;
        let extras = windows.apply(before.as_ref().map(|b| b.windows).unwrap_or_default());
        sql("INSERT INTO chat_usage_limit_group_overrides (group_id, spend_limit_micros, updated_at,
                 day_limit_micros, week_limit_micros, month_limit_micros)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (group_id) DO UPDATE
             SET spend_limit_micros = excluded.spend_limit_micros, updated_at = excluded.updated_at,
                 day_limit_micros = excluded.day_limit_micros,
                 week_limit_micros = excluded.week_limit_micros,
                 month_limit_micros = excluded.month_limit_micros")
        .bind(group)
        .bind(limit)
        .bind(by.at)
        .bind(extra(&extras, Period::Day, period))
        .bind(extra(&extras, Period::Week, period))
        .bind(extra(&extras, Period::Month, period))
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

    /// The limits that apply to `user` (in `organization`, when given) and where their windows
    /// stand at `now`: settled spend from the day counters, plus live reservations, and which
    /// window binds. `None` when no limit applies. Its cost does not grow with the ledger.
    pub async fn limit_standing(
        &self,
        user: Uuid,
        organization: Option<Uuid>,
        now: Time,
    ) -> StoreResult<Option<LimitStanding>> {
        let (_, windows) = standing_in(&self.db, user, organization, now).await?;
        let plain: Vec<_> = windows.iter().map(|(_, w)| *w).collect();
        let Some(i) = binding(&plain)? else { return Ok(None) };
        let (limit, window) = windows[i];
        Ok(Some(LimitStanding { limit, window, windows }))
    }
}

/// What a tier's column for `period` holds: NULL at the deployment period, whose limit is the
/// tier's `spend_limit_micros`.
fn extra(windows: &PeriodLimits, period: Period, deployment: Period) -> Option<i64> {
    windows.get(period).filter(|_| period != deployment).map(Micros::get)
}
