//! API tokens.

use crate::fixtures::*;
use tollgate_store::*;
use uuid::Uuid;

fn token(id: &str, user: Uuid, name: &str, created_day: u32) -> ApiToken {
    ApiToken {
        id: id.to_owned(),
        user_id: user,
        name: name.to_owned(),
        secret_hash: format!("{:0>64}", id),
        created_at: june(created_day),
        expires_at: at(2026, 6, created_day, 0, 0, 0),
        last_used_at: None,
        spend_limit: None,
    }
}

async fn create_get_list_delete(store: &Store) {
    let u = user(store, "ann", &[]).await;
    let other = user(store, "bob", &[]).await;
    let first = store.create_api_token(token("tok1", u, "cli", 1)).await.unwrap();
    assert_eq!(first, token("tok1", u, "cli", 1));
    // A key may carry its own limit (gateway.md §2); it reads back as written.
    let capped =
        KeyLimit { limit: tollgate_core::Micros::new(5_000), period: tollgate_core::Period::Week };
    let ci = ApiToken { spend_limit: Some(capped), ..token("tok2", u, "ci", 3) };
    store.create_api_token(ci.clone()).await.unwrap();
    assert_eq!(store.get_api_token("tok2").await.unwrap(), Some(ci));
    store.create_api_token(token("tok3", other, "cli", 2)).await.unwrap();
    assert_eq!(store.get_api_token("tok1").await.unwrap(), Some(first));
    assert!(store.get_api_token("missing").await.unwrap().is_none());
    let listed: Vec<_> =
        store.list_api_tokens(u, Page::ALL).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(listed, ["tok2", "tok1"], "newest first");

    store.touch_api_token("tok1", june(9)).await.unwrap();
    assert_eq!(store.get_api_token("tok1").await.unwrap().unwrap().last_used_at, Some(june(9)));

    store.delete_api_token("tok1").await.unwrap();
    assert!(store.get_api_token("tok1").await.unwrap().is_none());
    let err = store.delete_api_token("tok1").await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::ApiKey))), "{err:?}");
}

async fn token_errors(store: &Store) {
    let u = user(store, "ann", &[]).await;
    store.create_api_token(token("tok1", u, "cli", 1)).await.unwrap();
    let err = store.create_api_token(token("tok2", u, "cli", 2)).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::TokenName))), "{err:?}");
    let err = store.create_api_token(token("tok3", Uuid::new_v4(), "x", 2)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    let err = store.create_api_token(token("tok1", u, "other", 2)).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::Id))), "{err:?}");
    let text = format!("{err:?}");
    assert!(!text.contains("0000tok1"), "no hash in errors: {text}");
}

async fn deleting_the_user_revokes_tokens(store: &Store) {
    let u = user(store, "ann", &[]).await;
    store.create_api_token(token("tok1", u, "cli", 1)).await.unwrap();
    store.delete_user(u, &tollgate_store::testing::by(june(20))).await.unwrap();
    assert!(store.get_api_token("tok1").await.unwrap().is_none());
}

/// The one read each authenticated request makes: the token with its user, whose columns share
/// names with the token's (id, name, created_at) and must not mix.
async fn a_token_reads_with_its_user(store: &Store) {
    let u = user(store, "ann", &[]).await;
    let capped =
        KeyLimit { limit: tollgate_core::Micros::new(7), period: tollgate_core::Period::Day };
    let made = ApiToken { spend_limit: Some(capped), ..token("tok1", u, "cli", 1) };
    store.create_api_token(made.clone()).await.unwrap();
    let (read, owner) = store.get_api_token_with_user("tok1").await.unwrap().expect("found");
    assert_eq!(read, made);
    assert_eq!(owner, store.get_user(u).await.unwrap().expect("user"));
    assert!(store.get_api_token_with_user("missing").await.unwrap().is_none());
    store.delete_user(u, &tollgate_store::testing::by(june(20))).await.unwrap();
    assert!(store.get_api_token_with_user("tok1").await.unwrap().is_none());
}

conformance!(
    create_get_list_delete,
    token_errors,
    deleting_the_user_revokes_tokens,
    a_token_reads_with_its_user
);
