//! Opening databases by URL, and concurrent first-user setup.

use crate::fixtures::*;
use std::sync::Arc;
use tollgate_store::*;

#[tokio::test]
async fn sqlite_memory_url_works_across_calls() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    let id = user(&store, "ann", &[]).await;
    assert_eq!(store.get_user(id).await.unwrap().unwrap().username, "ann");
    assert!(store.get_limit_config().await.is_ok(), "migrated");
}

#[tokio::test]
async fn sqlite_file_is_created_and_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.db");
    let url = format!("sqlite://{}", path.display());
    let id = {
        let store = Store::connect(&url).await.unwrap();
        user(&store, "ann", &[]).await
    };
    assert!(path.exists());
    let reopened = Store::connect(&url).await.unwrap();
    assert!(reopened.get_user(id).await.unwrap().is_some(), "data persists, migrations rerun");
}

#[tokio::test]
async fn unsupported_url_is_invalid() {
    let err = Store::connect("mysql://root:secret@localhost/db").await.err();
    let text = format!("{err:?}");
    assert!(matches!(err, Some(StoreError::Unavailable(_))), "{text}");
    assert!(!text.contains("secret"), "password redacted: {text}");
}

/// Two concurrent first-user calls: exactly one wins, the other gets `Conflict`.
async fn concurrent_first_user(store: Arc<Store>) {
    let (a, b) = (store.clone(), store.clone());
    let first =
        tokio::spawn(async move { a.create_first_user(new_user("one"), new_org("o1")).await });
    let second =
        tokio::spawn(async move { b.create_first_user(new_user("two"), new_org("o2")).await });
    let results = [first.await.unwrap(), second.await.unwrap()];
    let won = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(StoreError::Conflict(_)))).count();
    assert_eq!((won, conflicts), (1, 1), "{results:?}");
    assert_eq!(store.list_users(&UserQuery::default()).await.unwrap().1, 1);
    assert_eq!(store.list_organizations(None, Page::ALL).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_first_user() {
    let db = tollgate_store::testing::sqlite().await;
    concurrent_first_user(db.store.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_first_user() {
    let Some(db) = tollgate_store::testing::postgres().await else { return };
    concurrent_first_user(db.store.clone()).await;
}

/// Writes cancelled at every point (a dropped request, an aborted task) roll back whole and
/// leave no connection behind inside a transaction: every later write still succeeds.
async fn cancelled_writes_leave_nothing_behind(store: Arc<Store>) {
    for i in 0..300u64 {
        let s = store.clone();
        let task = tokio::spawn(async move { s.create_user(new_user(&format!("user-{i}"))).await });
        tokio::time::sleep(std::time::Duration::from_micros(i * 7 % 900)).await;
        task.abort();
        let _ = task.await;
    }
    for i in 0..20 {
        let user = store.create_user(new_user(&format!("after-{i}"))).await;
        assert!(user.is_ok(), "a write after the cancellations failed: {user:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_cancelled_writes_leave_nothing_behind() {
    let db = tollgate_store::testing::sqlite().await;
    cancelled_writes_leave_nothing_behind(db.store.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cancelled_writes_leave_nothing_behind() {
    let Some(db) = tollgate_store::testing::postgres().await else { return };
    cancelled_writes_leave_nothing_behind(db.store.clone()).await;
}
