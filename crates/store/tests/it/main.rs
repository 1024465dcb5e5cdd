//! The store's conformance suite: every case is written once against `&Store` and run on
//! both backends (`sqlite::*` and `postgres::*` tests). PostgreSQL comes from
//! `TOLLGATE_TEST_DATABASE_URL` or a throw-away local cluster (see `tollgate_store::testing`).

/// After every case: the day counters agree with the ledger, and no reservation outlived its
/// run (leases are not judged: cases end at many different times).
pub async fn ledger_is_consistent(db: &tollgate_store::testing::TestDb) {
    let before_every_lease = fixtures::june(1) - chrono::Duration::days(3650);
    let report = db.store.verify_ledger(false, before_every_lease).await.expect("verify");
    assert!(report.is_consistent(), "inconsistent after the case: {report:?}");
}

/// Generates `sqlite::CASE` and `postgres::CASE` tokio tests for each case of the module,
/// each followed by [`ledger_is_consistent`]. Cases after `db:` take the whole
/// [`TestDb`](tollgate_store::testing::TestDb) (for raw access).
macro_rules! conformance {
    ($($case:ident),* $(,)? $(; db: $($db_case:ident),* $(,)?)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = tollgate_store::testing::sqlite().await;
                    super::$case(&*db.store).await;
                    crate::ledger_is_consistent(&db).await;
                }
            )*
            $($(
                #[tokio::test]
                async fn $db_case() {
                    let db = tollgate_store::testing::sqlite().await;
                    super::$db_case(&db).await;
                    crate::ledger_is_consistent(&db).await;
                }
            )*)?
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(db) = tollgate_store::testing::postgres().await else { return };
                    super::$case(&*db.store).await;
                    crate::ledger_is_consistent(&db).await;
                }
            )*
            $($(
                #[tokio::test]
                async fn $db_case() {
                    let Some(db) = tollgate_store::testing::postgres().await else { return };
                    super::$db_case(&db).await;
                    crate::ledger_is_consistent(&db).await;
                }
            )*)?
        }
    };
}

mod alerts;
mod chat_costs;
mod chat_daemon;
mod chat_fixtures;
mod chat_lifecycle;
mod chat_models;
mod chat_queue;
mod chats;
mod connect;
mod fixtures;
mod groups;
mod limits;
mod orgs;
mod provisioner;
mod reservations;
mod resolve;
mod resolve_random;
mod spend;
mod standing;
mod tokens;
mod users;
mod workspaces;
