//! Spend-limit rows → records (the config, overrides, group limits, the resolved limit).

use crate::common::{parse, parse_period, parse_policy};
use crate::db::Row;
use crate::{Entity, GroupLimitRecord, LimitConfigRecord, StoreError, StoreResult, UserLimit};
use tollgate_core::{EffectiveLimit, LimitConfig, LimitSource, Micros};

pub(crate) fn user_limit_from_row(row: &Row) -> StoreResult<UserLimit> {
    Ok(UserLimit {
        user_id: row.uuid("user_id")?,
        username: row.text("username")?,
        name: row.text("name")?,
        avatar_url: row.text("avatar_url")?,
        limit: Micros::new(row.bigint("spend_limit_micros")?),
        updated_at: row.time("updated_at")?,
    })
}

pub(crate) fn group_limit_from_row(row: &Row) -> StoreResult<GroupLimitRecord> {
    Ok(GroupLimitRecord {
        group_id: row.uuid("group_id")?,
        organization_id: row.uuid("organization_id")?,
        name: row.text("name")?,
        display_name: row.text("display_name")?,
        avatar_url: row.text("avatar_url")?,
        member_count: row.bigint("member_count")?,
        limit: Micros::new(row.bigint("spend_limit_micros")?),
        updated_at: row.time("updated_at")?,
    })
}

/// The row of the backend's limit resolution (`user_found`, `period`, `source`, `lim`,
/// `group_id`).
pub(crate) fn effective_from_row(row: &Row) -> StoreResult<EffectiveLimit> {
    if !row.flag("user_found")? {
        return Err(StoreError::NotFound(Entity::User));
    }
    let period = parse_period(&row.text("period")?)?;
    let source = parse::<LimitSource>("limit source", &row.text("source")?)?;
    if source == LimitSource::Disabled {
        return Ok(EffectiveLimit::unlimited(period));
    }
    let group_id = row.opt_uuid("group_id")?;
    let limit = row.opt_bigint("lim")?.map(Micros::new);
    Ok(EffectiveLimit { source, limit, group_id, period })
}

pub(crate) fn limit_config_from_row(row: &Row) -> StoreResult<LimitConfigRecord> {
    Ok(LimitConfigRecord {
        config: LimitConfig {
            enabled: row.flag("enabled")?,
            default_limit: Micros::new(row.bigint("default_limit_micros")?),
            period: parse_period(&row.text("period")?)?,
            group_policy: parse_policy(&row.text("group_policy")?)?,
        },
        updated_at: row.time("updated_at")?,
    })
}
