//! limits-plus §5: the dry run, as tables over users and windows.

use std::collections::HashMap;
use tollgate_core::{
    Blocked, DryRun, GroupPolicy, LimitConfig, LimitSet, Micros, Period, PeriodLimits, UserSpend,
    WindowChanges, dry_run,
};
use uuid::Uuid;

use Period::{Day, Month, Week};

fn config(dollars: i64, period: Period) -> LimitConfig {
    LimitConfig {
        enabled: true,
        default_limit: Micros::new(dollars),
        period,
        group_policy: GroupPolicy::Lowest,
    }
}

/// A tier's limits from (period, amount) pairs.
fn windows(limits: &[(Period, i64)]) -> PeriodLimits {
    limits.iter().fold(PeriodLimits::default(), |w, &(p, n)| w.with(p, Some(Micros::new(n))))
}

/// Limits on with a default of `dollars` at `period` and no other tier.
fn limits(dollars: i64, period: Period) -> LimitSet {
    LimitSet {
        config: config(dollars, period),
        default: windows(&[(period, dollars)]),
        ..LimitSet::default()
    }
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn user(n: u128, groups: &[u128], spent: [i64; 3]) -> UserSpend {
    UserSpend {
        user_id: id(n),
        groups: groups.iter().map(|&g| id(g)).collect(),
        spent: spent.map(Micros::new),
    }
}

fn blocked(user: u128, period: Period, spent: i64, limit: i64) -> Blocked {
    Blocked { user_id: id(user), period, spent: Micros::new(spent), limit: Micros::new(limit) }
}

fn counts(run: &DryRun) -> (u64, u64, u64) {
    (run.newly_blocked, run.newly_unblocked, run.affected_users)
}

#[test]
fn counts_users_blocked_unblocked_and_affected() {
    // Spent (day, week, month): a 5/20/50, b 1/2/3, c 9/9/9 (in group 7).
    let users = [user(1, &[], [5, 20, 50]), user(2, &[], [1, 2, 3]), user(3, &[7], [9; 3])];
    let current = limits(10, Day);
    assert_eq!(dry_run(&users, &current, &current), DryRun::default());

    // Monthly 10, b raised to 100, group 7 at 4: a and c blocked, b not.
    let proposed = LimitSet {
        overrides: HashMap::from([(id(2), windows(&[(Month, 100)]))]),
        group_limits: HashMap::from([(id(7), windows(&[(Month, 4)]))]),
        ..limits(10, Month)
    };
    let got = dry_run(&users, &current, &proposed);
    assert_eq!(got.blocked_now, [blocked(1, Month, 50, 10), blocked(3, Month, 9, 4)]);
    assert_eq!(counts(&got), (2, 0, 3));

    // And back: both unblocked.
    let back = dry_run(&users, &proposed, &current);
    assert_eq!(counts(&back), (0, 2, 3));
    assert!(back.blocked_now.is_empty());
}

#[test]
fn disabled_limits_block_nobody_whatever_the_period() {
    let users = [user(1, &[], [5, 20, 50])];
    let off = |period| LimitSet {
        config: LimitConfig { enabled: false, ..config(1, period) },
        default: windows(&[(Day, 1), (Week, 1)]),
        ..LimitSet::default()
    };
    assert_eq!(dry_run(&users, &off(Day), &off(Month)), DryRun::default());
    let got = dry_run(&users, &off(Day), &limits(50, Month));
    // Reaching the limit exactly blocks.
    assert_eq!((counts(&got), got.blocked_now.len()), ((1, 0, 1), 1));
}

#[test]
fn each_window_is_judged_on_its_own_spend() {
    // In dimes: day $2 and month $50 for everyone; a spent $2.50 today ($3 this month), b $1
    // today but $60 this month.
    let users = [user(1, &[], [25, 30, 30]), user(2, &[], [10, 60, 600])];
    let current = LimitSet { default: windows(&[(Day, 20), (Month, 500)]), ..limits(500, Month) };
    let got = dry_run(&users, &LimitSet::default(), &current);
    assert_eq!(got.blocked_now, [blocked(1, Day, 25, 20), blocked(2, Month, 600, 500)]);
    assert_eq!(counts(&got), (2, 0, 2));
}

#[test]
fn a_user_blocked_in_two_windows_has_two_entries_and_counts_once() {
    let users = [user(1, &[], [25, 30, 600])];
    let two = LimitSet { default: windows(&[(Day, 20), (Month, 500)]), ..limits(500, Month) };
    let got = dry_run(&users, &LimitSet::default(), &two);
    assert_eq!(got.blocked_now, [blocked(1, Day, 25, 20), blocked(1, Month, 600, 500)]);
    assert_eq!(counts(&got), (1, 0, 1));
    // Already blocked by the month: a day window blocks in one more window, not newly.
    let month = limits(500, Month);
    assert_eq!(counts(&dry_run(&users, &month, &two)), (0, 0, 1));
    assert_eq!(counts(&dry_run(&users, &two, &month)), (0, 0, 1));
}

#[test]
fn a_proposal_adding_a_window_blocks_by_it() {
    // Month $50 now; the proposal adds $2 a day to the default (a config PUT with windows).
    let users = [user(1, &[], [25, 25, 25]), user(2, &[], [10, 10, 10])];
    let current = limits(500, Month);
    let mut day = WindowChanges::default();
    day.set(Day, Some(Some(Micros::new(20))));
    let proposed = current.with_config(current.config, day);
    assert_eq!(proposed.default, windows(&[(Day, 20), (Month, 500)]));
    let got = dry_run(&users, &current, &proposed);
    assert_eq!(got.blocked_now, [blocked(1, Day, 25, 20)]);
    // Both users gain a day limit; only one reaches it.
    assert_eq!(counts(&got), (1, 0, 2));
}

#[test]
fn group_windows_resolve_per_period_by_the_policy() {
    // Groups 7 (day 3, month 40) and 8 (day 6, week 20); default month 100. The user spent
    // 5 today, 25 this week, 45 this month.
    let users = [user(1, &[7, 8], [5, 25, 45])];
    let groups = HashMap::from([
        (id(7), windows(&[(Day, 3), (Month, 40)])),
        (id(8), windows(&[(Day, 6), (Week, 20)])),
    ]);
    let lowest = LimitSet { group_limits: groups, ..limits(100, Month) };
    let got = dry_run(&users, &LimitSet::default(), &lowest);
    let want = [blocked(1, Day, 5, 3), blocked(1, Week, 25, 20), blocked(1, Month, 45, 40)];
    assert_eq!(got.blocked_now, want);

    // The most generous group at each period: day 6 (not reached); week 20 and month 40 are the
    // only group limits there.
    let highest = LimitSet {
        config: LimitConfig { group_policy: GroupPolicy::Highest, ..lowest.config },
        ..lowest.clone()
    };
    let got = dry_run(&users, &lowest, &highest);
    assert_eq!(got.blocked_now, [blocked(1, Week, 25, 20), blocked(1, Month, 45, 40)]);
    assert_eq!(counts(&got), (0, 0, 1));
}

#[test]
fn a_period_change_moves_every_tier_and_keeps_other_windows() {
    // Month now: default 50 (+ day 2), user 1's override 100 (+ week 30), group 7 at 40.
    let current = LimitSet {
        default: windows(&[(Day, 2), (Month, 50)]),
        overrides: HashMap::from([(id(1), windows(&[(Week, 30), (Month, 100)]))]),
        group_limits: HashMap::from([(id(7), windows(&[(Month, 40)]))]),
        ..limits(50, Month)
    };
    // A Coder client: $50 a week. Every tier's month limit is now its week limit (the
    // override's week 30 is replaced); the default's day window stays.
    let proposed = current.with_config(config(50, Week), WindowChanges::default());
    assert_eq!(proposed.default, windows(&[(Day, 2), (Week, 50)]));
    assert_eq!(proposed.overrides[&id(1)], windows(&[(Week, 100)]));
    assert_eq!(proposed.group_limits[&id(7)], windows(&[(Week, 40)]));

    // Everyone spent 1/45/60. Now user 1 is blocked by its week 30, user 2 by the default's
    // month 50 and user 3 by group 7's month 40. After: user 1's week is 100 and the default's
    // week 50 is not reached, but group 7's week 40 is.
    let users = [user(1, &[], [1, 45, 60]), user(2, &[], [1, 45, 60]), user(3, &[7], [1, 45, 60])];
    let got = dry_run(&users, &current, &proposed);
    assert_eq!(got.blocked_now, [blocked(3, Week, 45, 40)]);
    assert_eq!(counts(&got), (0, 2, 3));
}

#[test]
fn proposed_overrides_set_the_deployment_period_and_null_removes_all() {
    let mut set = LimitSet {
        overrides: HashMap::from([(id(1), windows(&[(Day, 3), (Month, 100)]))]),
        group_limits: HashMap::from([(id(7), windows(&[(Week, 9), (Month, 40)]))]),
        ..limits(50, Month)
    };
    set.set_override(id(1), Some(Micros::new(70)));
    set.set_override(id(2), Some(Micros::new(80)));
    assert_eq!(set.overrides[&id(1)], windows(&[(Day, 3), (Month, 70)]));
    assert_eq!(set.overrides[&id(2)], windows(&[(Month, 80)]));
    set.set_group_limit(id(7), None);
    assert!(set.group_limits.is_empty());
}
