//! Limit resolution (spend-limits §3): tiers, policies, ties, Everyone groups, errors.

use crate::fixtures::*;
use tollgate_core::{EffectiveLimit, GroupPolicy, LimitConfig, LimitSource, Period};
use tollgate_store::*;
use uuid::Uuid;

async fn disabled_config_is_unlimited(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    limited_group(store, org, "team", 5, &[u]).await;
    store.upsert_user_limit(u, dollars(10), &tollgate_store::testing::by(june(2))).await.unwrap();
    let config = LimitConfig { period: Period::Week, ..LimitConfig::default() };
    store.update_limit_config(config, &tollgate_store::testing::by(june(2))).await.unwrap();
    let resolved = store.resolve_limit(u, Some(org)).await.unwrap();
    assert_eq!(resolved, EffectiveLimit::unlimited(Period::Week));
}

async fn unknown_and_deleted_users_are_not_found(store: &Store) {
    let err = store.resolve_limit(Uuid::new_v4(), None).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    enable(store, 100, GroupPolicy::Lowest).await;
    let u = user(store, "ann", &[]).await;
    store.upsert_user_limit(u, dollars(10), &tollgate_store::testing::by(june(2))).await.unwrap();
    store.delete_user(u, &tollgate_store::testing::by(june(20))).await.unwrap();
    let err = store.resolve_limit(u, None).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    assert!(store.list_user_limits(Page::ALL).await.unwrap().is_empty(), "their limit is gone");
    // Deleted users are unknown even with limits disabled.
    store
        .update_limit_config(LimitConfig::default(), &tollgate_store::testing::by(june(3)))
        .await
        .unwrap();
    assert!(matches!(store.resolve_limit(u, None).await, Err(StoreError::NotFound(Entity::User))));
}

async fn default_when_no_group_matches(store: &Store) {
    enable(store, 100, GroupPolicy::Lowest).await;
    let (a, b) = (org(store, "a").await, org(store, "b").await);
    let u = user(store, "ann", &[a, b]).await;
    limited_group(store, b, "team", 5, &[u]).await;
    let resolved = store.resolve_limit(u, Some(a)).await.unwrap();
    let expected = EffectiveLimit {
        source: LimitSource::Default,
        limit: Some(dollars(100)),
        group_id: None,
        period: Period::Month,
    };
    assert_eq!(resolved, expected);
}

async fn highest_policy_picks_the_most_generous(store: &Store) {
    enable(store, 100, GroupPolicy::Highest).await;
    let (a, b) = (org(store, "a").await, org(store, "b").await);
    let u = user(store, "ann", &[a, b]).await;
    limited_group(store, a, "A1", 5, &[u]).await;
    let a2 = limited_group(store, a, "A2", 20, &[u]).await;
    let bg = limited_group(store, b, "B", 50, &[u]).await;
    let for_a = store.resolve_limit(u, Some(a)).await.unwrap();
    assert_eq!((for_a.limit, for_a.group_id), (Some(dollars(20)), Some(a2)));
    let any = store.resolve_limit(u, None).await.unwrap();
    assert_eq!((any.limit, any.group_id), (Some(dollars(50)), Some(bg)));
}

async fn ties_go_to_the_smallest_group_id(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let mut tied = vec![];
    for name in ["x", "y", "z"] {
        tied.push(limited_group(store, org, name, 7, &[u]).await);
    }
    let smallest = tied.iter().min().copied();
    for policy in [GroupPolicy::Lowest, GroupPolicy::Highest] {
        enable(store, 100, policy).await;
        let resolved = store.resolve_limit(u, Some(org)).await.unwrap();
        assert_eq!((resolved.limit, resolved.group_id), (Some(dollars(7)), smallest), "{policy}");
    }
}

async fn everyone_group_limit_applies_to_members(store: &Store) {
    enable(store, 100, GroupPolicy::Lowest).await;
    let (org, other) = (org(store, "acme").await, org(store, "other").await);
    let (member, outsider) = (user(store, "in", &[org]).await, user(store, "out", &[other]).await);
    store.upsert_group_limit(org, dollars(7), &tollgate_store::testing::by(june(2))).await.unwrap();
    let resolved = store.resolve_limit(member, Some(org)).await.unwrap();
    assert_eq!((resolved.source, resolved.limit), (LimitSource::Group, Some(dollars(7))));
    assert_eq!(resolved.group_id, Some(org));
    assert_eq!(store.resolve_limit(member, None).await.unwrap().group_id, Some(org));
    let not_member = store.resolve_limit(outsider, Some(org)).await.unwrap();
    assert_eq!(not_member.source, LimitSource::Default);
    // A stricter explicit group still wins under the lowest policy.
    let team = limited_group(store, org, "team", 5, &[member]).await;
    assert_eq!(store.resolve_limit(member, Some(org)).await.unwrap().group_id, Some(team));
    // Leaving the organization leaves its Everyone group.
    store.remove_organization_member(org, member).await.unwrap();
    assert_eq!(store.resolve_limit(member, None).await.unwrap().source, LimitSource::Default);
}

async fn removed_limits_stop_applying(store: &Store) {
    enable(store, 100, GroupPolicy::Lowest).await;
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let team = limited_group(store, org, "team", 5, &[u]).await;
    store.upsert_user_limit(u, dollars(10), &tollgate_store::testing::by(june(2))).await.unwrap();
    store.delete_user_limit(u, &tollgate_store::testing::by(june(9))).await.unwrap();
    assert_eq!(store.resolve_limit(u, None).await.unwrap().group_id, Some(team));
    store.delete_group(team, &tollgate_store::testing::by(june(9))).await.unwrap();
    assert_eq!(store.resolve_limit(u, None).await.unwrap().source, LimitSource::Default);
}

conformance!(
    disabled_config_is_unlimited,
    unknown_and_deleted_users_are_not_found,
    default_when_no_group_matches,
    highest_policy_picks_the_most_generous,
    ties_go_to_the_smallest_group_id,
    everyone_group_limit_applies_to_members,
    removed_limits_stop_applying,
);
