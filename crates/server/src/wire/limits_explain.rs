//! An explanation of a user's limits (limits-plus §2) → its wire type.

use super::limits::{group_policy, limit_source, period};
use tollgate_api_types as api;
use tollgate_core::{
    Candidate, EffectiveLimit, Enforcement, Micros, MicrosError, Period, Window, candidates,
    forecast_exhaustion,
};
use tollgate_store::{LimitExplanation, Time, User};
use uuid::Uuid;

pub fn enforcement(e: Enforcement) -> api::ChatUsageLimitEnforcement {
    match e {
        Enforcement::Strict => api::ChatUsageLimitEnforcement::Strict,
        Enforcement::Check => api::ChatUsageLimitEnforcement::Check,
    }
}

/// The whole answer; `binding` is the period of the binding window, when a limit applies.
pub fn explanation(
    user: &User,
    organization: Option<Uuid>,
    e: &LimitExplanation,
    mode: Enforcement,
    binding: Option<Period>,
    now: Time,
) -> Result<api::ChatUsageLimitExplainResponse, MicrosError> {
    let mut windows = Vec::new();
    let mut blocked = false;
    for (limit, w) in &e.windows {
        blocked |= limit.limit.is_some() && w.committed()? >= w.limit;
        windows.push(window(e, limit, w, now)?);
    }
    Ok(api::ChatUsageLimitExplainResponse {
        user_id: user.id,
        username: user.username.clone(),
        organization_id: organization,
        enforcement: enforcement(mode),
        group_policy: group_policy(e.config.config.group_policy),
        blocked,
        binding_period: binding.map(period),
        windows,
    })
}

fn window(
    e: &LimitExplanation,
    limit: &EffectiveLimit,
    w: &Window,
    now: Time,
) -> Result<api::ChatUsageLimitExplainWindow, MicrosError> {
    let groups: Vec<_> = e.groups.iter().map(|g| (g.group_id, g.windows)).collect();
    let considered =
        candidates(&e.config.config, &e.config.windows, e.user.as_ref(), &groups, limit.period);
    let limited = limit.limit.is_some();
    Ok(api::ChatUsageLimitExplainWindow {
        period: period(limit.period),
        effective_limit_micros: limit.limit.map(Micros::get),
        source: limited.then(|| limit_source(limit.source)),
        group_id: limit.group_id,
        group_name: limit.group_id.and_then(|id| group_name(e, id)),
        candidates: considered.iter().map(|c| candidate(e, c)).collect(),
        spent_micros: w.spent.get(),
        reserved_micros: w.reserved.get(),
        remaining_micros: if limited { Some(w.remaining()?.get()) } else { None },
        period_start: w.bounds.start,
        period_end: w.bounds.end,
        resets_at: w.bounds.end,
        forecast_exhaustion_at: if limited { forecast_exhaustion(w, now) } else { None },
    })
}

fn candidate(e: &LimitExplanation, c: &Candidate) -> api::ChatUsageLimitCandidate {
    api::ChatUsageLimitCandidate {
        source: limit_source(c.source),
        group_id: c.group_id,
        group_name: c.group_id.and_then(|id| group_name(e, id)),
        spend_limit_micros: c.limit.get(),
    }
}

fn group_name(e: &LimitExplanation, id: Uuid) -> Option<String> {
    e.groups.iter().find(|g| g.group_id == id).map(|g| g.name.clone())
}
