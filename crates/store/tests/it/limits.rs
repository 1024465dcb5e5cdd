//! Limit config, user overrides and group limits (spend-limits §2).

use crate::fixtures::*;
use tollgate_core::{GroupPolicy, LimitConfig, Micros, Period, PeriodLimits, Prices};
use tollgate_store::testing::by;
use tollgate_store::*;
use uuid::Uuid;

async fn config_is_seeded_disabled_and_updates(store: &Store) {
    let seeded = store.get_limit_config().await.unwrap();
    assert_eq!(seeded.config, LimitConfig::default());
    let config = LimitConfig {
        enabled: true,
        default_limit: dollars(100),
        period: Period::Week,
        group_policy: GroupPolicy::Highest,
    };
    let updated = store.update_limit_config(config, &by(june(5))).await.unwrap();
    assert_eq!(
        updated,
        LimitConfigRecord {
            config,
            windows: PeriodLimits::default().with(Period::Week, Some(dollars(100))),
            notify_at_percent: tollgate_core::Thresholds::default(),
            updated_at: june(5),
        }
    );
    assert_eq!(store.get_limit_config().await.unwrap(), updated);
    let negative = LimitConfig { default_limit: Micros::new(-1), ..config };
    let err = store.update_limit_config(negative, &by(june(6))).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::NegativeAmount))), "{err:?}");
}

async fn user_override_upsert_replaces(store: &Store) {
    let u = user(store, "ann", &[]).await;
    let first = store.upsert_user_limit(u, dollars(10), &by(june(2))).await.unwrap();
    assert_eq!(
        first,
        UserLimit {
            user_id: u,
            username: "ann".into(),
            name: "ann name".into(),
            avatar_url: String::new(),
            limit: dollars(10),
            windows: PeriodLimits::default().with(Period::Month, Some(dollars(10))),
            updated_at: june(2),
        }
    );
    let second = store.upsert_user_limit(u, dollars(20), &by(june(3))).await.unwrap();
    assert_eq!((second.limit, second.updated_at), (dollars(20), june(3)));
    assert_eq!(store.list_user_limits(Page::ALL).await.unwrap(), vec![second]);
}

async fn user_override_errors(store: &Store) {
    let u = user(store, "ann", &[]).await;
    let err = store.upsert_user_limit(Uuid::new_v4(), dollars(1), &by(june(2))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    let err = store.upsert_user_limit(u, Micros::ZERO, &by(june(2))).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::LimitNotPositive))), "{err:?}");
    let err = store.delete_user_limit(u, &by(june(9))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::UserLimitOverride))), "{err:?}");
    let err = store.delete_user_limit(Uuid::new_v4(), &by(june(9))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    store.upsert_user_limit(u, dollars(1), &by(june(2))).await.unwrap();
    store.delete_user_limit(u, &by(june(9))).await.unwrap();
    assert!(store.list_user_limits(Page::ALL).await.unwrap().is_empty());
}

async fn user_limits_listed_by_username(store: &Store) {
    for name in ["zed", "Amy", "bob"] {
        let u = user(store, name, &[]).await;
        store.upsert_user_limit(u, dollars(1), &by(june(2))).await.unwrap();
    }
    let names: Vec<_> =
        store.list_user_limits(Page::ALL).await.unwrap().into_iter().map(|l| l.username).collect();
    assert_eq!(names, ["Amy", "bob", "zed"]);
}

async fn group_limit_upsert_replaces(store: &Store) {
    let org = org(store, "acme").await;
    let (a, b) = (user(store, "a", &[org]).await, user(store, "b", &[org]).await);
    let g = group(store, org, "team").await;
    add_members(store, g, &[a]).await;
    let first = store.upsert_group_limit(g, dollars(5), &by(june(2))).await.unwrap();
    assert_eq!(
        first,
        GroupLimitRecord {
            group_id: g,
            organization_id: org,
            name: "team".into(),
            display_name: "team display".into(),
            avatar_url: String::new(),
            member_count: 1,
            limit: dollars(5),
            windows: PeriodLimits::default().with(Period::Month, Some(dollars(5))),
            updated_at: june(2),
        }
    );
    let second = store.upsert_group_limit(g, dollars(6), &by(june(3))).await.unwrap();
    assert_eq!((second.limit, second.updated_at), (dollars(6), june(3)));
    let everyone = store.upsert_group_limit(org, dollars(50), &by(june(3))).await.unwrap();
    assert_eq!((everyone.name.as_str(), everyone.member_count), ("Everyone", 2));
    let _ = b;
    let listed: Vec<_> =
        store.list_group_limits(Page::ALL).await.unwrap().into_iter().map(|l| l.group_id).collect();
    assert_eq!(listed, vec![org, g], "by group name");
}

async fn group_limit_errors(store: &Store) {
    let org = org(store, "acme").await;
    let g = group(store, org, "team").await;
    let err = store.upsert_group_limit(Uuid::new_v4(), dollars(1), &by(june(2))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Group))), "{err:?}");
    let err = store.upsert_group_limit(g, Micros::new(-5), &by(june(2))).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::LimitNotPositive))), "{err:?}");
    let err = store.delete_group_limit(g, &by(june(9))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::GroupLimitOverride))), "{err:?}");
    let err = store.delete_group_limit(Uuid::new_v4(), &by(june(9))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Group))), "{err:?}");
    store.upsert_group_limit(g, dollars(1), &by(june(2))).await.unwrap();
    store.delete_group_limit(g, &by(june(9))).await.unwrap();
    assert!(store.list_group_limits(Page::ALL).await.unwrap().is_empty());
}

async fn unpriced_models_are_counted(store: &Store) {
    let price = |s: &str| Some(s.parse().expect("fixture price"));
    let configs = [
        (true, None),
        (true, Some(Prices::default())),
        (true, Some(Prices { cache_read: price("0.3"), ..Prices::default() })),
        (true, Some(Prices { input: price("3"), ..Prices::default() })),
        (true, Some(Prices { output: price("15"), ..Prices::default() })),
        (false, None),
    ];
    for (i, (enabled, prices)) in configs.into_iter().enumerate() {
        let config = NewModelConfig {
            id: Uuid::new_v4(),
            provider: "openai".into(),
            model: format!("model-{i}"),
            display_name: format!("Model {i}"),
            enabled,
            context_limit: 128_000,
            prices,
            created_at: june(1),
        };
        store.insert_model_config(config, false).await.unwrap();
    }
    assert_eq!(store.count_unpriced_models().await.unwrap(), 3);
}

/// limits-plus §4: each change is one entry, in its transaction; a rejected change leaves none.
async fn limit_changes_are_logged_newest_first(store: &Store) {
    let u = user(store, "ann", &[]).await;
    store.upsert_user_limit(u, dollars(1), &by(june(2))).await.unwrap();
    store.upsert_user_limit(u, dollars(2), &by(june(3))).await.unwrap();
    let _ = store.upsert_user_limit(u, Micros::ZERO, &by(june(4))).await.unwrap_err();
    store.delete_user_limit(u, &by(june(5))).await.unwrap();
    let _ = store.delete_user_limit(u, &by(june(6))).await.unwrap_err();
    let log = store.list_limit_audit(10, None).await.unwrap();
    let actions: Vec<_> = log.iter().map(|e| e.action).collect();
    use LimitAuditAction::*;
    assert_eq!(actions, [OverrideDelete, OverrideSet, OverrideSet]);
    assert_eq!(log[1].before, Some(serde_json::json!({"limit": dollars(1).get()})));
    assert_eq!(log[1].after, Some(serde_json::json!({"limit": dollars(2).get()})));
    assert_eq!((log[0].target_id, log[0].target_name.as_deref()), (Some(u), Some("ann")));
    assert_eq!((log[0].time, log[0].after.clone()), (june(5), None));
    let older = store.list_limit_audit(10, Some(log[1].id)).await.unwrap();
    assert_eq!(older, log[2..]);
}

conformance!(
    limit_changes_are_logged_newest_first,
    config_is_seeded_disabled_and_updates,
    user_override_upsert_replaces,
    user_override_errors,
    user_limits_listed_by_username,
    group_limit_upsert_replaces,
    group_limit_errors,
    unpriced_models_are_counted,
);
