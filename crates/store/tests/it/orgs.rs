//! Organizations, their Everyone groups and memberships.

use crate::fixtures::*;
use tollgate_store::*;
use uuid::Uuid;

async fn organization_has_an_everyone_group(store: &Store) {
    let org = new_org("acme");
    let created = store.create_organization(org.clone()).await.unwrap();
    assert_eq!(created, org);
    assert_eq!(store.get_organization(org.id).await.unwrap(), Some(org.clone()));
    assert_eq!(store.get_organization_by_name("ACME").await.unwrap(), Some(org.clone()));
    let groups = store.list_groups(org.id, Page::ALL).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert!(groups[0].is_everyone());
    assert_eq!((groups[0].id, groups[0].name.as_str()), (org.id, "Everyone"));
    assert_eq!(groups[0].total_member_count, 0);
    assert!(store.default_organization().await.unwrap().is_none());
}

async fn organization_names_conflict_case_insensitively(store: &Store) {
    store.create_organization(new_org("acme")).await.unwrap();
    let err = store.create_organization(new_org("AcMe")).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::OrganizationName))), "{err:?}");
    assert!(store.get_organization(Uuid::new_v4()).await.unwrap().is_none());
    assert!(store.get_organization_by_name("nope").await.unwrap().is_none());
}

async fn list_organizations_by_name_and_member(store: &Store) {
    let b = org(store, "beta").await;
    let a = org(store, "Alpha").await;
    let c = org(store, "gamma").await;
    let all: Vec<_> = store
        .list_organizations(None, Page::ALL)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(all, vec![a, b, c]);
    let u = user(store, "ann", &[c, b]).await;
    let mine: Vec<_> = store
        .list_organizations(Some(u), Page::ALL)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(mine, vec![b, c]);
}

async fn membership_add_is_idempotent_and_remove_leaves_groups(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[]).await;
    assert!(!store.is_organization_member(org, u).await.unwrap());
    store.add_organization_member(org, u, june(2)).await.unwrap();
    store.add_organization_member(org, u, june(3)).await.unwrap();
    assert!(store.is_organization_member(org, u).await.unwrap());
    assert_eq!(store.get_user(u).await.unwrap().unwrap().organization_ids, vec![org]);
    let team = group(store, org, "team").await;
    add_members(store, team, &[u]).await;
    let everyone = store.get_group(org).await.unwrap().unwrap();
    assert_eq!(everyone.members.iter().map(|m| m.id).collect::<Vec<_>>(), vec![u]);

    store.remove_organization_member(org, u).await.unwrap();
    assert!(!store.is_organization_member(org, u).await.unwrap());
    assert!(store.get_group(team).await.unwrap().unwrap().members.is_empty());
    assert!(store.get_group(org).await.unwrap().unwrap().members.is_empty());
    let err = store.remove_organization_member(org, u).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::OrganizationMember))), "{err:?}");
}

async fn membership_errors(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[]).await;
    let err = store.add_organization_member(Uuid::new_v4(), u, june(2)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Organization))), "{err:?}");
    let err = store.add_organization_member(org, Uuid::new_v4(), june(2)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
}

async fn second_default_organization_conflicts(store: &Store) {
    store.create_first_user(new_user("admin"), new_org("acme")).await.unwrap();
    let another = Organization { is_default: true, ..new_org("other") };
    let err = store.create_organization(another).await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
}

conformance!(
    organization_has_an_everyone_group,
    organization_names_conflict_case_insensitively,
    list_organizations_by_name_and_member,
    membership_add_is_idempotent_and_remove_leaves_groups,
    membership_errors,
    second_default_organization_conflicts,
);
