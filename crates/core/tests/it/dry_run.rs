//! limits-plus §5: the dry run, as a table over users.

use std::collections::HashMap;
use tollgate_core::{
    Blocked, DryRun, GroupPolicy, LimitConfig, LimitSet, Micros, Period, UserSpend, dry_run,
};
use uuid::Uuid;

fn config(dollars: i64, period: Period) -> LimitConfig {
    LimitConfig {
        enabled: true,
        default_limit: Micros::new(dollars),
        period,
        group_policy: GroupPolicy::Lowest,
    }
}

fn user(id: u128, groups: &[(u128, u128)], spent: [i64; 3]) -> UserSpend {
    UserSpend {
        user_id: Uuid::from_u128(id),
        groups: groups.iter().map(|&(g, o)| (Uuid::from_u128(g), Uuid::from_u128(o))).collect(),
        spent: spent.map(Micros::new),
    }
}

#[test]
fn counts_users_blocked_unblocked_and_affected() {
    // Spent (day, week, month): a 5/20/50, b 1/2/3, c 9/9/9 (in group 7 of org 100).
    let users = [user(1, &[], [5, 20, 50]), user(2, &[], [1, 2, 3]), user(3, &[(7, 100)], [9; 3])];
    let current = LimitSet { config: config(10, Period::Day), ..LimitSet::default() };
    assert_eq!(dry_run(&users, &current, &current), DryRun::default());

    // Monthly 10, b raised to 100, group 7 at 4: a and c blocked, b not.
    let proposed = LimitSet {
        config: config(10, Period::Month),
        overrides: HashMap::from([(Uuid::from_u128(2), Micros::new(100))]),
        group_limits: HashMap::from([(Uuid::from_u128(7), Micros::new(4))]),
    };
    let got = dry_run(&users, &current, &proposed);
    let blocked = |id, spent, limit| Blocked {
        user_id: Uuid::from_u128(id),
        period: Period::Month,
        spent: Micros::new(spent),
        limit: Micros::new(limit),
    };
    assert_eq!(got.blocked_now, [blocked(1, 50, 10), blocked(3, 9, 4)]);
    assert_eq!((got.newly_blocked, got.newly_unblocked, got.affected_users), (2, 0, 3));

    // And back: both unblocked.
    let back = dry_run(&users, &proposed, &current);
    assert_eq!((back.newly_blocked, back.newly_unblocked, back.affected_users), (0, 2, 3));
    assert!(back.blocked_now.is_empty());
}

#[test]
fn disabled_limits_block_nobody_whatever_the_period() {
    let users = [user(1, &[], [5, 20, 50])];
    let off = |period| LimitSet {
        config: LimitConfig { enabled: false, ..config(1, period) },
        ..LimitSet::default()
    };
    assert_eq!(dry_run(&users, &off(Period::Day), &off(Period::Month)), DryRun::default());
    let on = LimitSet { config: config(50, Period::Month), ..LimitSet::default() };
    let got = dry_run(&users, &off(Period::Day), &on);
    // Reaching the limit exactly blocks.
    assert_eq!((got.newly_blocked, got.affected_users, got.blocked_now.len()), (1, 1, 1));
}
