//! `tollgate admin verify-ledger` (accounting.md §7) on a real deployment's database: consistent
//! after real chats, a counter corrupted by hand is found (exit 1), repaired (exit 0, saying
//! what changed), and consistent again.

use crate::support::{Home, serve, tollgate};
use tollgate_store::testing::TestDb;

fn verify(db: &TestDb, repair: bool) -> (bool, String) {
    let mut cmd = tollgate();
    cmd.args(["admin", "verify-ledger", "--database", &db.url]);
    if repair {
        cmd.arg("--repair");
    }
    let out = cmd.output().expect("run verify-ledger");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn a_corrupted_counter_is_found_and_repaired(runtime: &tokio::runtime::Runtime, db: &TestDb) {
    let server = serve(&db.url);
    let home = Home::new();
    home.first_user(&server);
    home.run(&["chat", "what does a spend limit do?"]);
    home.run(&["chat", "and a reservation?"]);
    drop(server);
    let (ok, text) = verify(db, false);
    assert!(ok && text.contains("The ledger is consistent"), "{text}");

    runtime.block_on(db.execute("UPDATE spend_counters SET spent_micros = spent_micros + 7"));
    let (ok, text) = verify(db, false);
    assert!(!ok, "a corrupted counter exits 1: {text}");
    assert!(text.contains("found: counter of user") && text.contains("--repair"), "{text}");

    let (ok, text) = verify(db, true);
    assert!(ok && text.contains("repaired: counter of user"), "{text}");
    let (ok, text) = verify(db, false);
    assert!(ok && text.contains("The ledger is consistent"), "{text}");
}

#[test]
fn sqlite_verify_ledger_finds_a_corrupted_counter() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = runtime.block_on(tollgate_store::testing::sqlite());
    a_corrupted_counter_is_found_and_repaired(&runtime, &db);
    runtime.block_on(async move { drop(db) });
}

#[test]
fn postgres_verify_ledger_finds_a_corrupted_counter() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(tollgate_store::testing::postgres()) else { return };
    a_corrupted_counter_is_found_and_repaired(&runtime, &db);
    runtime.block_on(async move { drop(db) });
}
