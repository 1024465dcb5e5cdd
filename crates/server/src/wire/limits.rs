//! Spend-limit records → wire types.

use tollgate_api_types as api;
use tollgate_core::{EffectiveLimit, GroupPolicy, LimitSource, Period, PeriodLimits, Window};
use tollgate_store as store;

pub fn period(p: Period) -> api::ChatUsageLimitPeriod {
    match p {
        Period::Day => api::ChatUsageLimitPeriod::Day,
        Period::Week => api::ChatUsageLimitPeriod::Week,
        Period::Month => api::ChatUsageLimitPeriod::Month,
    }
}

pub fn group_policy(p: GroupPolicy) -> api::ChatUsageLimitGroupPolicy {
    match p {
        GroupPolicy::Lowest => api::ChatUsageLimitGroupPolicy::Lowest,
        GroupPolicy::Highest => api::ChatUsageLimitGroupPolicy::Highest,
    }
}

pub fn limit_source(s: LimitSource) -> api::ChatUsageLimitSource {
    match s {
        LimitSource::Disabled => api::ChatUsageLimitSource::Disabled,
        LimitSource::User => api::ChatUsageLimitSource::User,
        LimitSource::Group => api::ChatUsageLimitSource::Group,
        LimitSource::Default => api::ChatUsageLimitSource::Default,
    }
}

pub fn limit_config(r: &store::LimitConfigRecord) -> api::ChatUsageLimitConfig {
    api::ChatUsageLimitConfig {
        spend_limit_micros: r.config.enabled.then_some(r.config.default_limit.get()),
        period: period(r.config.period),
        updated_at: r.updated_at,
        group_policy: group_policy(r.config.group_policy),
        windows: windows(&r.windows),
        notify_at_percent: r.notify_at_percent.percents().to_vec(),
    }
}

pub fn user_override(o: &store::UserLimit) -> api::ChatUsageLimitOverride {
    api::ChatUsageLimitOverride {
        user_id: o.user_id,
        username: o.username.clone(),
        name: o.name.clone(),
        avatar_url: o.avatar_url.clone(),
        spend_limit_micros: Some(o.limit.get()),
        windows: windows(&o.windows),
    }
}

pub fn group_override(o: &store::GroupLimitRecord) -> api::ChatUsageLimitGroupOverride {
    api::ChatUsageLimitGroupOverride {
        group_id: o.group_id,
        group_name: o.name.clone(),
        group_display_name: o.display_name.clone(),
        group_avatar_url: o.avatar_url.clone(),
        member_count: o.member_count,
        spend_limit_micros: Some(o.limit.get()),
        windows: windows(&o.windows),
    }
}

pub fn windows(w: &PeriodLimits) -> api::ChatUsageLimitWindows {
    let at = |p| w.get(p).map(|m: tollgate_core::Micros| m.get());
    api::ChatUsageLimitWindows {
        day: at(Period::Day),
        week: at(Period::Week),
        month: at(Period::Month),
    }
}

/// One window of a status; `remaining` is computed by the caller (checked money).
pub fn status_window(
    limit: &EffectiveLimit,
    w: &Window,
    remaining: tollgate_core::Micros,
) -> api::ChatUsageLimitStatusWindow {
    api::ChatUsageLimitStatusWindow {
        period: period(limit.period),
        spend_limit_micros: w.limit.get(),
        current_spend: w.spent.get(),
        reserved_micros: w.reserved.get(),
        remaining_micros: remaining.get(),
        period_start: w.bounds.start,
        period_end: w.bounds.end,
        limit_source: limit_source(limit.source),
        limit_group_id: limit.group_id.filter(|_| limit.source == LimitSource::Group),
    }
}
