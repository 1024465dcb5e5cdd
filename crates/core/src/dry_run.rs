//! limits-plus §5: what a proposed limit configuration would do to this period's spend. Each
//! user's limit is resolved under the current and the proposed limits by [`resolve_limit`] (the
//! one resolution rule) and compared with what they spent.

use crate::{GroupLimit, LimitConfig, Micros, Period, resolve_limit};
use std::collections::HashMap;
use uuid::Uuid;

/// A set of limits: the config, user overrides and group limits (by group id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitSet {
    pub config: LimitConfig,
    pub overrides: HashMap<Uuid, Micros>,
    pub group_limits: HashMap<Uuid, Micros>,
}

/// One user: the groups they are in (with each group's organization) and what they spent in
/// the current day, week and month (in [`Period::ALL`] order), in every organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpend {
    pub user_id: Uuid,
    pub groups: Vec<(Uuid, Uuid)>,
    pub spent: [Micros; 3],
}

impl UserSpend {
    fn spent_in(&self, period: Period) -> Micros {
        let i = Period::ALL.iter().position(|p| *p == period).unwrap_or_default();
        self.spent[i]
    }
}

/// A user the proposal blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub user_id: Uuid,
    pub period: Period,
    pub spent: Micros,
    pub limit: Micros,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    /// In the order of the users given.
    pub blocked_now: Vec<Blocked>,
    pub newly_blocked: u64,
    pub newly_unblocked: u64,
    /// Users whose limit (amount or period) would change.
    pub affected_users: u64,
}

/// The proposal's effect on `users`, limits resolved across organizations (as the status of a
/// user who names none).
pub fn dry_run(users: &[UserSpend], current: &LimitSet, proposed: &LimitSet) -> DryRun {
    let mut out = DryRun::default();
    for user in users {
        let (before, before_blocked) = judge(user, current);
        let (after, after_blocked) = judge(user, proposed);
        out.affected_users += u64::from(before != after);
        out.newly_blocked += u64::from(after_blocked.is_some() && before_blocked.is_none());
        out.newly_unblocked += u64::from(before_blocked.is_some() && after_blocked.is_none());
        out.blocked_now.extend(after_blocked);
    }
    out
}

/// The user's limit under `limits` (amount and period; none when limits are off), and whether
/// their spend reaches it.
fn judge(user: &UserSpend, limits: &LimitSet) -> (Option<(Micros, Period)>, Option<Blocked>) {
    let groups: Vec<GroupLimit> = user
        .groups
        .iter()
        .filter_map(|&(group_id, organization_id)| {
            let limit = *limits.group_limits.get(&group_id)?;
            Some(GroupLimit { group_id, organization_id, limit })
        })
        .collect();
    let user_override = limits.overrides.get(&user.user_id).copied();
    let effective = resolve_limit(&limits.config, user_override, &groups, None);
    let spent = user.spent_in(effective.period);
    let blocked = effective.limit.filter(|limit| spent >= *limit).map(|limit| Blocked {
        user_id: user.user_id,
        period: effective.period,
        spent,
        limit,
    });
    (effective.limit.map(|limit| (limit, effective.period)), blocked)
}
