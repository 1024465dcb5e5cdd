//! Spend-limit rows → records (the config, overrides, group limits, the resolved limit).

use crate::common::{parse, parse_period, parse_policy};
use crate::db::Row;
use crate::{Entity, GroupLimitRecord, LimitConfigRecord, StoreError, StoreResult, UserLimit};
use tollgate_core::{
    EffectiveLimit, LimitConfig, LimitSource, Micros, Period, PeriodLimits, Thresholds,
};

pub(crate) fn user_limit_from_row(row: &Row) -> StoreResult<UserLimit> {
    Ok(UserLimit {
        user_id: row.uuid("user_id")?,
        username: row.text("username")?,
        name: row.text("name")?,
        avatar_url: row.text("avatar_url")?,
        limit: Micros::new(row.bigint("spend_limit_micros")?),
        windows: tier_windows(row, Some(Micros::new(row.bigint("spend_limit_micros")?)))?,
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
        windows: tier_windows(row, Some(Micros::new(row.bigint("spend_limit_micros")?)))?,
        updated_at: row.time("updated_at")?,
    })
}

/// A tier's limits by period from its `<period>_limit_micros` columns and `cfg_period`; `main`
/// (Coder's column) is its limit at the deployment period.
pub(crate) fn tier_windows(row: &Row, main: Option<Micros>) -> StoreResult<PeriodLimits> {
    let deployment = parse_period(&row.text("cfg_period")?)?;
    let mut windows = PeriodLimits::default();
    for period in Period::ALL {
        let limit = match period == deployment {
            true => main,
            false => row.opt_bigint(&format!("{}_limit_micros", period.as_str()))?.map(Micros::new),
        };
        windows.set(period, limit);
    }
    Ok(windows)
}

/// The limit at the deployment period from the row of the backend's limit resolution.
pub(crate) fn effective_from_row(row: &Row) -> StoreResult<EffectiveLimit> {
    effective_at(row, parse_period(&row.text("period")?)?)
}

/// The limit at `period` from the row of the resolution (`user_found`, `<period>_source`,
/// `<period>_lim`, `<period>_group_id`).
pub(crate) fn effective_at(row: &Row, period: Period) -> StoreResult<EffectiveLimit> {
    if !row.flag("user_found")? {
        return Err(StoreError::NotFound(Entity::User));
    }
    let p = period.as_str();
    let source = parse::<LimitSource>("limit source", &row.text(&format!("{p}_source"))?)?;
    if source == LimitSource::Disabled {
        return Ok(EffectiveLimit::unlimited(period));
    }
    let group_id = row.opt_uuid(&format!("{p}_group_id"))?;
    let limit = row.opt_bigint(&format!("{p}_lim"))?.map(Micros::new);
    Ok(EffectiveLimit { source, limit, group_id, period })
}

pub(crate) fn limit_config_from_row(row: &Row) -> StoreResult<LimitConfigRecord> {
    let config = LimitConfig {
        enabled: row.flag("enabled")?,
        default_limit: Micros::new(row.bigint("default_limit_micros")?),
        period: parse_period(&row.text("period")?)?,
        group_policy: parse_policy(&row.text("group_policy")?)?,
    };
    let main = config.enabled.then_some(config.default_limit);
    Ok(LimitConfigRecord {
        config,
        windows: tier_windows(row, main)?,
        notify_at_percent: Thresholds::parse_stored(&row.text("notify_at_percent")?)
            .map_err(|e| StoreError::Database(format!("notify_at_percent: {e}")))?,
        updated_at: row.time("updated_at")?,
    })
}
