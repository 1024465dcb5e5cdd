//! limits-plus §5: the dry run of proposed limits, through the HTTP API.

use crate::support::{DOLLAR, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BASE: &str = "/api/experimental/chats/usage-limits";
const DRY_RUN: &str = "/api/experimental/chats/usage-limits/dry-run";

on_both!(
    a_dry_run_counts_against_this_periods_spend,
    a_dry_run_changes_nothing,
    dry_run_refuses_members_and_bad_input,
);

fn blocked(answer: &Value) -> Vec<(String, i64, i64)> {
    let all = answer["blocked_now"].as_array().expect("blocked_now");
    all.iter()
        .map(|b| {
            assert_eq!(b["period"], "day");
            let name = b["username"].as_str().expect("username").to_owned();
            (name, b["spent_micros"].as_i64().unwrap(), b["limit_micros"].as_i64().unwrap())
        })
        .collect()
}

fn counts(answer: &Value) -> (i64, i64, i64) {
    let n = |k: &str| answer[k].as_i64().unwrap_or_else(|| panic!("{k} in {answer}"));
    (n("newly_blocked"), n("newly_unblocked"), n("affected_users"))
}

async fn a_dry_run_counts_against_this_periods_spend(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    let (_, carol) = app.user(&owner, "carol", &[], &[]).await;
    let team = app.group(&owner, org, "team", &[carol]).await;
    app.spend(alice, org, 30 * DOLLAR).await;
    app.spend(bob, org, 5 * DOLLAR).await;
    app.spend(carol, org, 2 * DOLLAR).await;
    // Yesterday's spend does not count against a daily limit.
    app.spend_at(bob, org, 50 * DOLLAR, app.now() - chrono::Duration::days(1)).await;

    // Limits off now; proposed: $20 a day, bob $3, carol's team $2 (reached exactly).
    let proposal = json!({
        "spend_limit_micros": 20 * DOLLAR, "period": "day",
        "overrides": [{"user_id": bob, "spend_limit_micros": 3 * DOLLAR}],
        "group_overrides": [{"group_id": team, "spend_limit_micros": 2 * DOLLAR}],
    });
    let (status, answer) = app.post(DRY_RUN, &owner, proposal).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let want = [
        ("alice".to_owned(), 30 * DOLLAR, 20 * DOLLAR),
        ("bob".to_owned(), 5 * DOLLAR, 3 * DOLLAR),
        ("carol".to_owned(), 2 * DOLLAR, 2 * DOLLAR),
    ];
    assert_eq!(blocked(&answer), want);
    // Everyone (the owner too) goes from no limit to one.
    assert_eq!(counts(&answer), (3, 0, 4));

    // Once $20 a day is the real limit: lifting it unblocks alice alone, and only alice is
    // affected by raising her limit.
    app.put(BASE, &owner, json!({"spend_limit_micros": 20 * DOLLAR, "period": "day"})).await;
    let (_, lifted) = app.post(DRY_RUN, &owner, json!({"spend_limit_micros": null})).await;
    assert_eq!((blocked(&lifted), counts(&lifted)), (vec![], (0, 1, 4)));
    let raise = json!({"spend_limit_micros": 20 * DOLLAR, "period": "day",
        "overrides": [{"user_id": alice, "spend_limit_micros": 40 * DOLLAR}]});
    let (_, raised) = app.post(DRY_RUN, &owner, raise).await;
    assert_eq!((blocked(&raised), counts(&raised)), (vec![], (0, 1, 1)));
}

async fn a_dry_run_changes_nothing(app: TestApp) {
    let (owner, owner_id, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let team = app.group(&owner, org, "team", &[alice]).await;
    app.put(BASE, &owner, json!({"spend_limit_micros": 20 * DOLLAR, "period": "week"})).await;
    app.put(&format!("{BASE}/overrides/{owner_id}"), &owner, json!({"spend_limit_micros": DOLLAR}))
        .await;
    let before = app.get(BASE, &owner).await.1;
    let audit_before = app.get(&format!("{BASE}/audit"), &owner).await.1;
    let proposal = json!({
        "spend_limit_micros": 5, "period": "day", "group_policy": "highest",
        "overrides": [{"user_id": owner_id, "spend_limit_micros": null},
                      {"user_id": alice, "spend_limit_micros": 7}],
        "group_overrides": [{"group_id": team, "spend_limit_micros": 9}],
    });
    let (status, answer) = app.post(DRY_RUN, &owner, proposal).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(app.get(BASE, &owner).await.1, before);
    assert_eq!(app.get(&format!("{BASE}/audit"), &owner).await.1, audit_before);
}

async fn dry_run_refuses_members_and_bad_input(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (member, _) = app.user(&owner, "mem", &[], &[]).await;
    let (auditor, _) = app.user(&owner, "audra", &["auditor"], &[]).await;
    let ok = json!({"spend_limit_micros": DOLLAR, "period": "day"});
    assert_eq!(app.post(DRY_RUN, &member, ok.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.post(DRY_RUN, &auditor, ok).await.0, StatusCode::FORBIDDEN);
    let stranger = uuid::Uuid::new_v4();
    for bad in [
        json!({"spend_limit_micros": 0, "period": "day"}),
        json!({"spend_limit_micros": DOLLAR, "period": "year"}),
        json!({"overrides": [{"user_id": stranger, "spend_limit_micros": DOLLAR}]}),
        json!({"group_overrides": [{"group_id": stranger, "spend_limit_micros": DOLLAR}]}),
        json!({"overrides": [{"user_id": "not-a-uuid", "spend_limit_micros": DOLLAR}]}),
        json!({"overrides": "many"}),
    ] {
        let (status, err) = app.post(DRY_RUN, &owner, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {err}");
        assert!(err["message"].is_string(), "{err}");
    }
}
