//! Spend-limit records → wire types.

use tollgate_api_types as api;
use tollgate_core::{GroupPolicy, LimitSource, Period};
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
    }
}

pub fn user_override(o: &store::UserLimit) -> api::ChatUsageLimitOverride {
    api::ChatUsageLimitOverride {
        user_id: o.user_id,
        username: o.username.clone(),
        name: o.name.clone(),
        avatar_url: o.avatar_url.clone(),
        spend_limit_micros: Some(o.limit.get()),
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
    }
}
