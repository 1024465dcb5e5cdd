//! Users: first user, creation conflicts, lookups, listing, roles, deletion.

use crate::fixtures::*;
use tollgate_core::Role;
use tollgate_store::*;
use uuid::Uuid;

async fn first_user_creates_org_and_membership(store: &Store) {
    assert!(!store.has_any_user().await.unwrap());
    let user = NewUser { roles: vec![Role::Owner], ..new_user("admin") };
    let (created, org) = store.create_first_user(user.clone(), new_org("acme")).await.unwrap();
    assert!(store.has_any_user().await.unwrap());
    assert!(org.is_default, "the first organization is the default");
    assert_eq!(created.id, user.id);
    assert_eq!(created.organization_ids, vec![org.id]);
    assert_eq!(created.roles, vec![Role::Owner]);
    assert_eq!(created.status, UserStatus::Active);
    assert!(!created.is_system);
    assert_eq!(created.created_at, june(1));
    assert_eq!(store.default_organization().await.unwrap(), Some(org.clone()));
    let everyone = store.get_group(org.id).await.unwrap().expect("Everyone group");
    assert!(everyone.is_everyone());
    assert_eq!(everyone.name, "Everyone");
    assert_eq!(everyone.members.iter().map(|m| m.id).collect::<Vec<_>>(), vec![user.id]);
}

async fn second_first_user_conflicts_and_changes_nothing(store: &Store) {
    store.create_first_user(new_user("admin"), new_org("acme")).await.unwrap();
    let second = store.create_first_user(new_user("other"), new_org("other-org")).await;
    assert!(matches!(second, Err(StoreError::Conflict(Unique::FirstUser))), "{second:?}");
    assert!(store.get_user_by_username("other").await.unwrap().is_none());
    assert!(store.get_organization_by_name("other-org").await.unwrap().is_none());
}

async fn first_user_is_atomic(store: &Store) {
    // A taken organization name fails the whole call.
    store.create_organization(new_org("taken")).await.unwrap();
    let failed = store.create_first_user(new_user("admin"), new_org("TAKEN")).await;
    assert!(matches!(failed, Err(StoreError::Conflict(Unique::OrganizationName))), "{failed:?}");
    // A failure after the organization and the user were written leaves neither behind.
    let user = NewUser { organization_ids: vec![Uuid::new_v4()], ..new_user("admin") };
    let failed = store.create_first_user(user, new_org("acme")).await;
    assert!(matches!(failed, Err(StoreError::NotFound(Entity::Organization))), "{failed:?}");
    assert!(!store.has_any_user().await.unwrap());
    assert!(store.get_user_by_username("admin").await.unwrap().is_none());
    assert!(store.get_organization_by_name("acme").await.unwrap().is_none());
    assert!(store.default_organization().await.unwrap().is_none());
    store.create_first_user(new_user("admin"), new_org("acme")).await.unwrap();
}

async fn username_and_email_conflict_case_insensitively(store: &Store) {
    store.create_user(new_user("alice")).await.unwrap();
    let same_name = NewUser { email: "other@example.com".into(), ..new_user("ALICE") };
    let err = store.create_user(same_name).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::Username))), "{err:?}");
    let same_email = NewUser { email: "Alice@EXAMPLE.com".into(), ..new_user("alice2") };
    let err = store.create_user(same_email).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::Email))), "{err:?}");
}

async fn create_user_in_unknown_org_is_not_found(store: &Store) {
    let user = NewUser { organization_ids: vec![Uuid::new_v4()], ..new_user("bob") };
    let err = store.create_user(user).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Organization))), "{err:?}");
    assert!(store.get_user_by_username("bob").await.unwrap().is_none());
}

async fn lookups_are_case_insensitive(store: &Store) {
    let org = org(store, "acme").await;
    let id = user(store, "Carol", &[org]).await;
    let by_name = store.get_user_by_username("cArOl").await.unwrap().expect("by username");
    assert_eq!(by_name.id, id);
    assert_eq!(by_name.username, "Carol");
    assert_eq!(store.get_user(id).await.unwrap(), Some(by_name.clone()));
    let creds = store.get_credentials_by_email("CAROL@example.COM").await.unwrap().expect("creds");
    assert_eq!(creds.user, by_name);
    assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$fixture"));
    assert!(store.get_user(Uuid::new_v4()).await.unwrap().is_none());
    assert!(store.get_credentials_by_email("nobody@example.com").await.unwrap().is_none());
}

async fn list_users_orders_searches_and_pages(store: &Store) {
    for name in ["dave", "Bob", "alice", "carol"] {
        user(store, name, &[]).await;
    }
    let all = store.list_users(&UserQuery::default()).await.unwrap();
    let names: Vec<_> = all.0.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["alice", "Bob", "carol", "dave"]);
    assert_eq!(all.1, 4);
    let page = UserQuery { search: None, page: Page { limit: 2, offset: 1 } };
    let (users, count) = store.list_users(&page).await.unwrap();
    assert_eq!(users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["Bob", "carol"]);
    assert_eq!(count, 4, "the count ignores limit and offset");
    let search = UserQuery { search: Some("AR".into()), page: Page { limit: 10, offset: 0 } };
    let (users, count) = store.list_users(&search).await.unwrap();
    assert_eq!(users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["carol"]);
    assert_eq!(count, 1);
    // Search also matches emails and names, and treats % and _ literally.
    let by_email = UserQuery { search: Some("DAVE@EXAMPLE".into()), ..UserQuery::default() };
    assert_eq!(store.list_users(&by_email).await.unwrap().1, 1);
    let wildcard = UserQuery { search: Some("%".into()), ..UserQuery::default() };
    assert_eq!(store.list_users(&wildcard).await.unwrap().1, 0);
}

async fn roles_are_replaced_and_sorted(store: &Store) {
    // Another owner, so that erin may stop being one (the last active owner cannot).
    let keeper = user(store, "keeper", &[]).await;
    store.set_user_roles(keeper, &[Role::Owner], june(2)).await.unwrap();
    let id = user(store, "erin", &[]).await;
    let updated = store
        .set_user_roles(id, &[Role::Auditor, Role::Owner, Role::Auditor], june(3))
        .await
        .unwrap();
    assert_eq!(updated.roles, vec![Role::Owner, Role::Auditor]);
    assert_eq!(updated.updated_at, june(3));
    let updated = store.set_user_roles(id, &[Role::TemplateAdmin], june(4)).await.unwrap();
    assert_eq!(updated.roles, vec![Role::TemplateAdmin]);
    assert!(store.set_user_roles(id, &[], june(5)).await.unwrap().roles.is_empty());
    let err = store.set_user_roles(Uuid::new_v4(), &[Role::Owner], june(5)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
}

async fn the_last_active_owner_stays(store: &Store) {
    let (ann, bob) = (user(store, "ann", &[]).await, user(store, "bob", &[]).await);
    for id in [ann, bob] {
        store.set_user_roles(id, &[Role::Owner], june(2)).await.unwrap();
    }
    let last_owner = |r: StoreResult<()>| {
        assert!(matches!(r, Err(StoreError::Rejected(Rule::LastOwner))), "{r:?}");
    };
    // A suspended owner does not count: ann is then the last active one.
    store.set_user_status(bob, UserStatus::Suspended, june(3)).await.unwrap();
    last_owner(store.set_user_roles(ann, &[Role::Auditor], june(4)).await.map(drop));
    last_owner(store.set_user_status(ann, UserStatus::Suspended, june(4)).await.map(drop));
    last_owner(store.delete_user(ann, &tollgate_store::testing::by(june(4))).await);
    // Bob back, ann may go; then bob is the last.
    store.set_user_status(bob, UserStatus::Active, june(5)).await.unwrap();
    store.delete_user(ann, &tollgate_store::testing::by(june(6))).await.unwrap();
    last_owner(store.delete_user(bob, &tollgate_store::testing::by(june(7))).await);
    // Keeping the owner role among others is no removal.
    let kept = store.set_user_roles(bob, &[Role::Owner, Role::UserAdmin], june(7)).await.unwrap();
    assert_eq!(kept.roles, vec![Role::Owner, Role::UserAdmin]);
}

async fn last_seen_is_recorded(store: &Store) {
    let id = user(store, "frank", &[]).await;
    assert_eq!(store.get_user(id).await.unwrap().unwrap().last_seen_at, None);
    store.touch_user_last_seen(id, june(7)).await.unwrap();
    assert_eq!(store.get_user(id).await.unwrap().unwrap().last_seen_at, Some(june(7)));
}

async fn delete_user_is_soft_and_frees_the_name(store: &Store) {
    let org = org(store, "acme").await;
    let id = user(store, "gina", &[org]).await;
    let group = limited_group(store, org, "team", 5, &[id]).await;
    store.upsert_user_limit(id, dollars(10), &tollgate_store::testing::by(june(2))).await.unwrap();
    let chat = chat(store, id, org).await;
    spend_dollars(store, chat, 4).await;
    store.delete_user(id, &tollgate_store::testing::by(june(20))).await.unwrap();

    assert!(store.get_user(id).await.unwrap().is_none());
    assert!(store.get_user_by_username("gina").await.unwrap().is_none());
    assert!(store.get_credentials_by_email("gina@example.com").await.unwrap().is_none());
    assert!(!store.is_organization_member(org, id).await.unwrap());
    assert!(store.get_group(group).await.unwrap().unwrap().members.is_empty());
    assert!(
        store.list_user_limits(Page::ALL).await.unwrap().is_empty(),
        "the override goes with the user"
    );
    assert_eq!(store.list_users(&UserQuery::default()).await.unwrap().1, 0);
    let err = store.delete_user(id, &tollgate_store::testing::by(june(20))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    // The ledger is kept.
    let spent = store.spend(id, tollgate_core::SpendScope::AllOrganizations, june_bounds()).await;
    assert_eq!(spent.unwrap(), dollars(4));
    // The username and email can be taken again.
    store.create_user(new_user("gina")).await.unwrap();
}

async fn delete_unknown_user_is_not_found(store: &Store) {
    let err = store.delete_user(Uuid::new_v4(), &tollgate_store::testing::by(june(20))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
}

async fn ping_and_backend(store: &Store) {
    store.ping().await.unwrap();
    let _ = store.backend();
}

conformance!(
    first_user_creates_org_and_membership,
    second_first_user_conflicts_and_changes_nothing,
    first_user_is_atomic,
    username_and_email_conflict_case_insensitively,
    create_user_in_unknown_org_is_not_found,
    lookups_are_case_insensitive,
    list_users_orders_searches_and_pages,
    roles_are_replaced_and_sorted,
    the_last_active_owner_stays,
    last_seen_is_recorded,
    delete_user_is_soft_and_frees_the_name,
    delete_unknown_user_is_not_found,
    ping_and_backend,
);
