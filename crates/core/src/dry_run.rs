//! limits-plus §5: what a proposed limit configuration would do to this period's spend. Each
//! user's limit at every period is resolved under the current and the proposed limits by
//! [`candidates`] (the one resolution rule, limits-plus §1) and compared with what they spent in
//! that window.

use crate::{LimitConfig, Micros, Period, PeriodLimits, WindowChanges, candidates};
use std::collections::HashMap;
use uuid::Uuid;

/// A set of limits: the config and each tier's limits by period — the default, user overrides
/// and group limits (by group id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitSet {
    pub config: LimitConfig,
    /// At `config.period`: `config.default_limit` when limits are on.
    pub default: PeriodLimits,
    pub overrides: HashMap<Uuid, PeriodLimits>,
    pub group_limits: HashMap<Uuid, PeriodLimits>,
}

impl LimitSet {
    /// These limits after a config PUT of `config` and `windows` (the default's other periods),
    /// as the store makes it: when the period changes, every tier's limit at the old period
    /// moves to the new one (Coder's rule, [`PeriodLimits::moved`]).
    pub fn with_config(&self, config: LimitConfig, windows: WindowChanges) -> LimitSet {
        let (from, to) = (self.config.period, config.period);
        let moved = |tiers: &HashMap<Uuid, PeriodLimits>| {
            tiers.iter().map(|(id, w)| (*id, w.moved(from, to))).collect()
        };
        LimitSet {
            config,
            default: windows
                .apply(self.default.moved(from, to))
                .with(to, config.enabled.then_some(config.default_limit)),
            overrides: moved(&self.overrides),
            group_limits: moved(&self.group_limits),
        }
    }

    /// An override PUT (`Some`: its limit at the deployment period, other windows kept) or
    /// DELETE (`None`: the whole override goes) for `user`.
    pub fn set_override(&mut self, user: Uuid, limit: Option<Micros>) {
        set_tier(&mut self.overrides, user, limit, self.config.period);
    }

    /// [`Self::set_override`] for a group's limit.
    pub fn set_group_limit(&mut self, group: Uuid, limit: Option<Micros>) {
        set_tier(&mut self.group_limits, group, limit, self.config.period);
    }
}

fn set_tier(tiers: &mut HashMap<Uuid, PeriodLimits>, id: Uuid, limit: Option<Micros>, at: Period) {
    match limit {
        Some(limit) => tiers.entry(id).or_default().set(at, Some(limit)),
        None => {
            tiers.remove(&id);
        }
    }
}

/// One user: the groups they are in and what they spent in the current day, week and month (in
/// [`Period::ALL`] order), in every organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpend {
    pub user_id: Uuid,
    pub groups: Vec<Uuid>,
    pub spent: [Micros; 3],
}

/// A user the proposal blocks in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub user_id: Uuid,
    pub period: Period,
    pub spent: Micros,
    pub limit: Micros,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    /// One entry per blocked user and window: in the order of the users given, shortest period
    /// first.
    pub blocked_now: Vec<Blocked>,
    /// Users blocked in some window under the proposal and in none now.
    pub newly_blocked: u64,
    /// Users blocked in some window now and in none under the proposal.
    pub newly_unblocked: u64,
    /// Users whose limit at some period would change (appear, go, or change amount).
    pub affected_users: u64,
}

/// The proposal's effect on `users`, limits resolved across organizations (as the status of a
/// user who names none).
pub fn dry_run(users: &[UserSpend], current: &LimitSet, proposed: &LimitSet) -> DryRun {
    let mut out = DryRun::default();
    for user in users {
        let (before, before_blocked) = judge(user, current);
        let (after, after_blocked) = judge(user, proposed);
        let (was, is) = (!before_blocked.is_empty(), !after_blocked.is_empty());
        out.affected_users += u64::from(before != after);
        out.newly_blocked += u64::from(is && !was);
        out.newly_unblocked += u64::from(was && !is);
        out.blocked_now.extend(after_blocked);
    }
    out
}

/// The user's resolved limit at each period under `limits`, and the windows whose spend
/// reaches it (shortest period first).
fn judge(user: &UserSpend, limits: &LimitSet) -> (PeriodLimits, Vec<Blocked>) {
    let groups: Vec<(Uuid, PeriodLimits)> = user
        .groups
        .iter()
        .filter_map(|group| Some((*group, *limits.group_limits.get(group)?)))
        .collect();
    let own = limits.overrides.get(&user.user_id);
    let (mut resolved, mut blocked) = (PeriodLimits::default(), Vec::new());
    for period in Period::ALL {
        let found = candidates(&limits.config, &limits.default, own, &groups, period);
        let Some(limit) = found.first().map(|winner| winner.limit) else { continue };
        resolved.set(period, Some(limit));
        let spent = user.spent[period.index()];
        if spent >= limit {
            blocked.push(Blocked { user_id: user.user_id, period, spent, limit });
        }
    }
    (resolved, blocked)
}
