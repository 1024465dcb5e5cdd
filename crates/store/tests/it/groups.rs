//! Groups: creation, listing, patches (one transaction), deletion, system users.

use crate::fixtures::*;
use tollgate_store::testing::TestDb;
use tollgate_store::*;
use uuid::Uuid;

fn ids(group: &Group) -> Vec<Uuid> {
    group.members.iter().map(|m| m.id).collect()
}

async fn create_and_get_group(store: &Store) {
    let org = org(store, "acme").await;
    let new = NewGroup {
        id: Uuid::new_v4(),
        organization_id: org,
        name: "devs".into(),
        display_name: "Developers".into(),
        avatar_url: "https://example.com/a.png".into(),
        created_at: june(1),
    };
    let created = store.create_group(new.clone()).await.unwrap();
    let expected = Group {
        id: new.id,
        name: "devs".into(),
        display_name: "Developers".into(),
        organization_id: org,
        avatar_url: "https://example.com/a.png".into(),
        members: vec![],
        total_member_count: 0,
    };
    assert_eq!(created, expected);
    assert_eq!(store.get_group(new.id).await.unwrap(), Some(expected));
    assert!(store.get_group(Uuid::new_v4()).await.unwrap().is_none());
}

async fn group_names_conflict_within_the_organization(store: &Store) {
    let a = org(store, "a").await;
    let b = org(store, "b").await;
    group(store, a, "devs").await;
    group(store, b, "devs").await;
    let mut dup = NewGroup {
        id: Uuid::new_v4(),
        organization_id: a,
        name: "DEVS".into(),
        display_name: String::new(),
        avatar_url: String::new(),
        created_at: june(1),
    };
    let err = store.create_group(dup.clone()).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::GroupName))), "{err:?}");
    dup.name = "everyone".into();
    let err = store.create_group(dup.clone()).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::GroupName))), "{err:?}");
    dup.organization_id = Uuid::new_v4();
    dup.name = "fresh".into();
    let err = store.create_group(dup).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Organization))), "{err:?}");
}

async fn list_groups_everyone_first_then_by_name(store: &Store) {
    let org = org(store, "acme").await;
    let zeta = group(store, org, "zeta").await;
    let alpha = group(store, org, "Alpha").await;
    let beta = group(store, org, "beta").await;
    let other = org_with_group(store).await;
    let listed: Vec<_> =
        store.list_groups(org, Page::ALL).await.unwrap().into_iter().map(|g| g.id).collect();
    assert_eq!(listed, vec![org, alpha, beta, zeta]);
    assert!(!listed.contains(&other));
}

async fn org_with_group(store: &Store) -> Uuid {
    let other = crate::fixtures::org(store, "other").await;
    group(store, other, "elsewhere").await
}

async fn patch_adds_removes_and_renames(store: &Store) {
    let org = org(store, "acme").await;
    let (carl, anna, bob) = (
        user(store, "carl", &[org]).await,
        user(store, "anna", &[org]).await,
        user(store, "bob", &[org]).await,
    );
    let g = group(store, org, "team").await;
    let patch = GroupPatch { add_users: vec![carl, anna, bob, anna], ..GroupPatch::default() };
    let updated = store.update_group(g, patch, june(3)).await.unwrap();
    assert_eq!(ids(&updated), vec![anna, bob, carl], "members sorted by username");
    assert_eq!(updated.total_member_count, 3);
    assert_eq!(updated.members[0].email, "anna@example.com");
    let patch = GroupPatch {
        name: Some("crew".into()),
        display_name: Some("The Crew".into()),
        remove_users: vec![bob],
        ..GroupPatch::default()
    };
    let updated = store.update_group(g, patch, june(4)).await.unwrap();
    assert_eq!((updated.name.as_str(), updated.display_name.as_str()), ("crew", "The Crew"));
    assert_eq!(ids(&updated), vec![anna, carl]);
    assert_eq!(store.get_group(g).await.unwrap(), Some(updated));
}

async fn invalid_patch_changes_nothing(store: &Store) {
    let org = org(store, "acme").await;
    let (member, outsider) = (user(store, "in", &[org]).await, user(store, "out", &[]).await);
    let g = group(store, org, "team").await;
    let before = store.get_group(g).await.unwrap().unwrap();
    let patch = GroupPatch {
        name: Some("renamed".into()),
        add_users: vec![member, outsider],
        ..GroupPatch::default()
    };
    let err = store.update_group(g, patch, june(3)).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::NotOrganizationMember))), "{err:?}");
    assert_eq!(store.get_group(g).await.unwrap(), Some(before.clone()), "nothing changed");
    let patch = GroupPatch { add_users: vec![member, Uuid::new_v4()], ..GroupPatch::default() };
    let err = store.update_group(g, patch, june(3)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    assert_eq!(store.get_group(g).await.unwrap(), Some(before));
    let err = store.update_group(Uuid::new_v4(), GroupPatch::default(), june(3)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Group))), "{err:?}");
}

async fn patch_rename_conflict(store: &Store) {
    let org = org(store, "acme").await;
    group(store, org, "taken").await;
    let g = group(store, org, "mine").await;
    let patch = GroupPatch { name: Some("TAKEN".into()), ..GroupPatch::default() };
    let err = store.update_group(g, patch, june(3)).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::GroupName))), "{err:?}");
}

async fn everyone_membership_is_implicit(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let patch = GroupPatch { add_users: vec![u], ..GroupPatch::default() };
    let err = store.update_group(org, patch, june(3)).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::EveryoneGroupMembers))), "{err:?}");
    let patch = GroupPatch { remove_users: vec![u], ..GroupPatch::default() };
    let err = store.update_group(org, patch, june(3)).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::EveryoneGroupMembers))), "{err:?}");
    let patch = GroupPatch { display_name: Some("All of us".into()), ..GroupPatch::default() };
    let everyone = store.update_group(org, patch, june(3)).await.unwrap();
    assert_eq!(everyone.display_name, "All of us");
    assert_eq!(ids(&everyone), vec![u]);
}

async fn delete_group_and_its_limit(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let g = limited_group(store, org, "team", 5, &[u]).await;
    store.delete_group(g, &tollgate_store::testing::by(june(9))).await.unwrap();
    assert!(store.get_group(g).await.unwrap().is_none());
    assert!(
        store.list_group_limits(Page::ALL).await.unwrap().is_empty(),
        "the limit goes with the group"
    );
    let err = store.delete_group(g, &tollgate_store::testing::by(june(9))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Group))), "{err:?}");
    let err = store.delete_group(org, &tollgate_store::testing::by(june(9))).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::EveryoneGroupDelete))), "{err:?}");
    assert!(store.get_group(org).await.unwrap().is_some());
}

async fn system_users_are_not_members(db: &TestDb) {
    let store = &*db.store;
    let org = org(store, "acme").await;
    let (human, robot) = (user(store, "human", &[org]).await, user(store, "robot", &[org]).await);
    let g = limited_group(store, org, "team", 5, &[human, robot]).await;
    store.upsert_group_limit(org, dollars(7), &tollgate_store::testing::by(june(2))).await.unwrap();
    db.mark_system_user(robot).await;
    let team = store.get_group(g).await.unwrap().unwrap();
    assert_eq!((ids(&team), team.total_member_count), (vec![human], 1));
    let everyone = store.get_group(org).await.unwrap().unwrap();
    assert_eq!((ids(&everyone), everyone.total_member_count), (vec![human], 1));
    let counts: Vec<_> = store
        .list_group_limits(Page::ALL)
        .await
        .unwrap()
        .iter()
        .map(|l| (l.group_id, l.member_count))
        .collect();
    assert_eq!(counts, vec![(org, 1), (g, 1)]);
    assert_eq!(store.list_users(&UserQuery::default()).await.unwrap().1, 1);
}

conformance!(
    create_and_get_group,
    group_names_conflict_within_the_organization,
    list_groups_everyone_first_then_by_name,
    patch_adds_removes_and_renames,
    invalid_patch_changes_nothing,
    patch_rename_conflict,
    everyone_membership_is_implicit,
    delete_group_and_its_limit;
    db: system_users_are_not_members,
);
