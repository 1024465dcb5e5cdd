//! Spend in a period and the org-scoping conformance of spend-limits §5, sentence by sentence.

use crate::fixtures::*;
use chrono::Duration;
use tollgate_core::{EffectiveLimit, GroupPolicy, LimitSource, Micros, SpendScope};
use tollgate_store::testing::TestDb;
use tollgate_store::*;
use uuid::Uuid;

/// What the server does for a status: resolve, then sum the spend in the limit's scope.
async fn status(store: &Store, user: Uuid, org: Option<Uuid>) -> (EffectiveLimit, Micros) {
    let limit = store.resolve_limit(user, org).await.unwrap();
    let spent = store.spend(user, limit.spend_scope(org), june_bounds()).await.unwrap();
    (limit, spent)
}

fn limit_of(l: &EffectiveLimit) -> (LimitSource, Option<Micros>) {
    (l.source, l.limit)
}

struct Section5 {
    a: Uuid,
    b: Uuid,
    a1: Uuid,
    user: Uuid,
}

/// Config on, default $100, month; user in orgs A and B and groups A1=$5, A2=$20, B=$50.
async fn section5(store: &Store) -> Section5 {
    enable(store, 100, GroupPolicy::Lowest).await;
    let (a, b) = (org(store, "A").await, org(store, "B").await);
    let user = user(store, "user", &[a, b]).await;
    let a1 = limited_group(store, a, "A1", 5, &[user]).await;
    limited_group(store, a, "A2", 20, &[user]).await;
    limited_group(store, b, "B", 50, &[user]).await;
    Section5 { a, b, a1, user }
}

async fn section5_limits_per_organization(store: &Store) {
    let s = section5(store).await;
    let none_of_mine = org(store, "C").await;
    let for_a = store.resolve_limit(s.user, Some(s.a)).await.unwrap();
    assert_eq!(limit_of(&for_a), (LimitSource::Group, Some(dollars(5))));
    assert_eq!(for_a.group_id, Some(s.a1));
    let for_b = store.resolve_limit(s.user, Some(s.b)).await.unwrap();
    assert_eq!(limit_of(&for_b), (LimitSource::Group, Some(dollars(50))));
    let for_c = store.resolve_limit(s.user, Some(none_of_mine)).await.unwrap();
    assert_eq!(limit_of(&for_c), (LimitSource::Default, Some(dollars(100))));
    assert_eq!(for_c.group_id, None);
    let no_org = store.resolve_limit(s.user, None).await.unwrap();
    assert_eq!(limit_of(&no_org), (LimitSource::Group, Some(dollars(5))), "min over all");
    assert_eq!(no_org.group_id, Some(s.a1));
}

async fn section5_group_spend_is_per_organization(store: &Store) {
    let s = section5(store).await;
    // Another user in A1 and B spends $3 in an org-A chat.
    let other = user(store, "other", &[s.a, s.b]).await;
    add_members(store, s.a1, &[other]).await;
    let b_group =
        store.list_groups(s.b, Page::ALL).await.unwrap().into_iter().find(|g| g.name == "B");
    add_members(store, b_group.expect("group B").id, &[other]).await;
    let chat = chat(store, other, s.a).await;
    spend_dollars(store, chat, 3).await;
    assert_eq!(status(store, other, Some(s.b)).await.1, Micros::ZERO, "org B sees nothing");
    assert_eq!(status(store, other, Some(s.a)).await.1, dollars(3));
    assert_eq!(status(store, other, None).await.1, dollars(3));
    let scoped = |org| store.spend(other, SpendScope::Organization(org), june_bounds());
    assert_eq!(scoped(s.b).await.unwrap(), Micros::ZERO);
    assert_eq!(scoped(s.a).await.unwrap(), dollars(3));
}

async fn section5_override_beats_group(store: &Store) {
    let s = section5(store).await;
    store
        .upsert_user_limit(s.user, dollars(10), &tollgate_store::testing::by(june(2)))
        .await
        .unwrap();
    let for_a = store.resolve_limit(s.user, Some(s.a)).await.unwrap();
    assert_eq!(limit_of(&for_a), (LimitSource::User, Some(dollars(10))));
    assert_eq!(for_a.group_id, None);
}

async fn section5_override_counts_all_organizations(store: &Store) {
    let s = section5(store).await;
    store
        .upsert_user_limit(s.user, dollars(10), &tollgate_store::testing::by(june(2)))
        .await
        .unwrap();
    let (in_a, in_b) = (chat(store, s.user, s.a).await, chat(store, s.user, s.b).await);
    spend_dollars(store, in_a, 6).await;
    spend_dollars(store, in_b, 6).await;
    let (limit, spent) = status(store, s.user, Some(s.a)).await;
    assert_eq!((limit.limit, spent), (Some(dollars(10)), dollars(12)));
}

async fn section5_default_counts_all_organizations(store: &Store) {
    enable(store, 100, GroupPolicy::Lowest).await;
    let (a, c) = (org(store, "A").await, org(store, "C").await);
    let user = user(store, "nogroups", &[a, c]).await;
    spend_dollars(store, chat(store, user, a).await, 30).await;
    spend_dollars(store, chat(store, user, c).await, 40).await;
    let (limit, spent) = status(store, user, Some(c)).await;
    assert_eq!(limit_of(&limit), (LimitSource::Default, Some(dollars(100))));
    assert_eq!(spent, dollars(70));
}

async fn period_is_half_open(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let chat = chat(store, u, org).await;
    let bounds = june_bounds();
    let micro = Duration::microseconds(1);
    for (cost, at) in [
        (1, bounds.start),
        (10, bounds.end - micro),
        (100, bounds.end),
        (1000, bounds.start - micro),
    ] {
        store.append_chat_message(message(chat, Some(Micros::new(cost)), at)).await.unwrap();
    }
    let spent = store.spend(u, SpendScope::AllOrganizations, bounds).await.unwrap();
    assert_eq!(spent, Micros::new(11), "start counted, end not");
}

async fn unpriced_messages_do_not_count(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let chat = chat(store, u, org).await;
    store.append_chat_message(message(chat, None, june(3))).await.unwrap();
    assert_eq!(
        store.spend(u, SpendScope::AllOrganizations, june_bounds()).await.unwrap(),
        Micros::ZERO
    );
    store.append_chat_message(message(chat, Some(Micros::ZERO), june(3))).await.unwrap();
    store.append_chat_message(message(chat, Some(Micros::new(7)), june(3))).await.unwrap();
    assert_eq!(
        store.spend(u, SpendScope::AllOrganizations, june_bounds()).await.unwrap(),
        Micros::new(7)
    );
}

async fn only_owned_chats_count_every_role(store: &Store) {
    let org = org(store, "acme").await;
    let (u, other) = (user(store, "ann", &[org]).await, user(store, "bob", &[org]).await);
    let mine = chat(store, u, org).await;
    let theirs = chat(store, other, org).await;
    for role in [MessageRole::User, MessageRole::Assistant, MessageRole::Tool, MessageRole::System]
    {
        let msg = NewChatMessage {
            role,
            created_by: Some(u),
            ..message(mine, Some(Micros::new(1)), june(3))
        };
        store.append_chat_message(msg).await.unwrap();
    }
    // Written by ann in bob's chat: it is bob's spend.
    let msg =
        NewChatMessage { created_by: Some(u), ..message(theirs, Some(Micros::new(50)), june(3)) };
    store.append_chat_message(msg).await.unwrap();
    assert_eq!(
        store.spend(u, SpendScope::AllOrganizations, june_bounds()).await.unwrap(),
        Micros::new(4)
    );
    assert_eq!(
        store.spend(other, SpendScope::AllOrganizations, june_bounds()).await.unwrap(),
        Micros::new(50)
    );
}

async fn sub_agent_archived_and_deleted_count(db: &TestDb) {
    let store = &*db.store;
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let parent = chat(store, u, org).await;
    let child = NewChat { parent_chat_id: Some(parent), ..new_chat(u, org) };
    store.create_chat(child.clone()).await.unwrap();
    let grandchild = NewChat { parent_chat_id: Some(child.id), ..new_chat(u, org) };
    store.create_chat(grandchild.clone()).await.unwrap();
    for chat in [parent, child.id, grandchild.id] {
        store.append_chat_message(message(chat, Some(Micros::new(5)), june(3))).await.unwrap();
    }
    db.execute(&format!("UPDATE chats SET archived = TRUE WHERE id = '{parent}'")).await;
    db.execute("UPDATE chat_messages SET deleted = TRUE").await;
    let spent = store.spend(u, SpendScope::AllOrganizations, june_bounds()).await.unwrap();
    assert_eq!(spent, Micros::new(15));
}

async fn spend_overflow_is_an_error(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let chat = chat(store, u, org).await;
    let half = Micros::new(i64::MAX / 2 + 1);
    for day in [3, 4] {
        store.append_chat_message(message(chat, Some(half), june(day))).await.unwrap();
    }
    let err = store.spend(u, SpendScope::AllOrganizations, june_bounds()).await;
    assert!(matches!(err, Err(StoreError::Overflow)), "{err:?}");
    let err = store.window_spend(u, SpendScope::AllOrganizations, june_bounds()).await;
    assert!(matches!(err, Err(StoreError::Overflow)), "the counters' sum too: {err:?}");
    let err = store.append_chat_message(message(chat, Some(half), june(4))).await;
    assert!(matches!(err, Err(StoreError::Overflow)), "a day's counter never wraps: {err:?}");
}

async fn negative_cost_is_rejected(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let chat = chat(store, u, org).await;
    let err = store.append_chat_message(message(chat, Some(Micros::new(-1)), june(3))).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::NegativeAmount))), "{err:?}");
}

conformance!(
    section5_limits_per_organization,
    section5_group_spend_is_per_organization,
    section5_override_beats_group,
    section5_override_counts_all_organizations,
    section5_default_counts_all_organizations,
    period_is_half_open,
    unpriced_messages_do_not_count,
    only_owned_chats_count_every_role,
    spend_overflow_is_an_error,
    negative_cost_is_rejected;
    db: sub_agent_archived_and_deleted_count,
);
