use tollgate_core::{
    EffectiveLimit, GroupLimit, GroupPolicy, LimitConfig, LimitSource, Micros, Period, SpendScope,
    resolve_limit,
};
use uuid::Uuid;

fn dollars(d: i64) -> Micros {
    Micros::from_dollars(d).expect("in range")
}

struct World {
    org_a: Uuid,
    org_b: Uuid,
    a1: Uuid,
    a2: Uuid,
    b: Uuid,
    groups: Vec<GroupLimit>,
}

/// spend-limits.md §5: a user in orgs A and B, in groups A1=$5, A2=$20 (org A) and B=$50 (org B).
fn world() -> World {
    let (org_a, org_b) = (Uuid::new_v4(), Uuid::new_v4());
    let (a1, a2, b) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let groups = vec![
        GroupLimit { group_id: a1, organization_id: org_a, limit: dollars(5) },
        GroupLimit { group_id: a2, organization_id: org_a, limit: dollars(20) },
        GroupLimit { group_id: b, organization_id: org_b, limit: dollars(50) },
    ];
    World { org_a, org_b, a1, a2, b, groups }
}

fn config(policy: GroupPolicy) -> LimitConfig {
    LimitConfig {
        enabled: true,
        default_limit: dollars(100),
        period: Period::Month,
        group_policy: policy,
    }
}

fn resolved(limit: &EffectiveLimit) -> (LimitSource, Option<Micros>, Option<Uuid>) {
    (limit.source, limit.limit, limit.group_id)
}

#[test]
fn lowest_group_limit_in_the_organization_wins() {
    let w = world();
    let c = config(GroupPolicy::Lowest);
    let other_org = Uuid::new_v4();
    let table = [
        (Some(w.org_a), (LimitSource::Group, Some(dollars(5)), Some(w.a1))),
        (Some(w.org_b), (LimitSource::Group, Some(dollars(50)), Some(w.b))),
        (Some(other_org), (LimitSource::Default, Some(dollars(100)), None)),
        (None, (LimitSource::Group, Some(dollars(5)), Some(w.a1))),
    ];
    for (org, want) in table {
        assert_eq!(resolved(&resolve_limit(&c, None, &w.groups, org)), want, "org {org:?}");
    }
}

#[test]
fn highest_policy_takes_the_most_generous_group() {
    let w = world();
    let c = config(GroupPolicy::Highest);
    let for_a = resolve_limit(&c, None, &w.groups, Some(w.org_a));
    assert_eq!(resolved(&for_a), (LimitSource::Group, Some(dollars(20)), Some(w.a2)));
    let any = resolve_limit(&c, None, &w.groups, None);
    assert_eq!(resolved(&any), (LimitSource::Group, Some(dollars(50)), Some(w.b)));
}

#[test]
fn an_override_beats_groups_even_when_higher() {
    let w = world();
    let got =
        resolve_limit(&config(GroupPolicy::Lowest), Some(dollars(10)), &w.groups, Some(w.org_a));
    assert_eq!(resolved(&got), (LimitSource::User, Some(dollars(10)), None));
}

#[test]
fn no_groups_fall_through_to_the_default_and_disabled_means_unlimited() {
    let c = config(GroupPolicy::Lowest);
    let got = resolve_limit(&c, None, &[], None);
    assert_eq!(resolved(&got), (LimitSource::Default, Some(dollars(100)), None));
    let off = LimitConfig { enabled: false, ..c };
    let got = resolve_limit(&off, Some(dollars(1)), &world().groups, None);
    assert_eq!(resolved(&got), (LimitSource::Disabled, None, None));
}

#[test]
fn equal_group_limits_pick_the_smallest_group_id() {
    let org = Uuid::new_v4();
    let (lo, hi) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let groups = [
        GroupLimit { group_id: hi, organization_id: org, limit: dollars(5) },
        GroupLimit { group_id: lo, organization_id: org, limit: dollars(5) },
    ];
    for policy in [GroupPolicy::Lowest, GroupPolicy::Highest] {
        let got = resolve_limit(&config(policy), None, &groups, Some(org));
        assert_eq!(got.group_id, Some(lo), "{policy}");
    }
}

#[test]
fn only_a_group_limit_scopes_spend_to_its_organization() {
    let w = world();
    let c = config(GroupPolicy::Lowest);
    let group = resolve_limit(&c, None, &w.groups, Some(w.org_a));
    assert_eq!(group.spend_scope(Some(w.org_a)), SpendScope::Organization(w.org_a));
    assert_eq!(group.spend_scope(None), SpendScope::AllOrganizations);
    let user = resolve_limit(&c, Some(dollars(10)), &w.groups, Some(w.org_a));
    assert_eq!(user.spend_scope(Some(w.org_a)), SpendScope::AllOrganizations);
    let default = resolve_limit(&c, None, &[], Some(w.org_b));
    assert_eq!(default.spend_scope(Some(w.org_b)), SpendScope::AllOrganizations);
}

#[test]
fn group_policy_parses() {
    assert_eq!("lowest".parse::<GroupPolicy>(), Ok(GroupPolicy::Lowest));
    assert_eq!("highest".parse::<GroupPolicy>(), Ok(GroupPolicy::Highest));
    assert!("max".parse::<GroupPolicy>().is_err());
}
