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
    a_day_window_blocks_while_the_month_does_not,
    a_proposed_day_window_blocks_by_day,
    a_user_blocked_in_two_windows_counts_once,
    a_period_change_previews_what_the_put_does,
);

/// `blocked_now` as (username, period, spent, limit).
fn entries(answer: &Value) -> Vec<(String, String, i64, i64)> {
    let all = answer["blocked_now"].as_array().expect("blocked_now");
    let text = |v: &Value| v.as_str().expect("a string").to_owned();
    let n = |v: &Value| v.as_i64().expect("a number");
    all.iter()
        .map(|b| {
            (text(&b["username"]), text(&b["period"]), n(&b["spent_micros"]), n(&b["limit_micros"]))
        })
        .collect()
}

/// `blocked_now` of a proposal whose only window is the day.
fn blocked(answer: &Value) -> Vec<(String, i64, i64)> {
    entries(answer)
        .into_iter()
        .map(|(name, period, spent, limit)| {
            assert_eq!(period, "day");
            (name, spent, limit)
        })
        .collect()
}

fn entry(name: &str, period: &str, spent: i64, limit: i64) -> (String, String, i64, i64) {
    (name.to_owned(), period.to_owned(), spent, limit)
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
    let config = json!({"spend_limit_micros": 20 * DOLLAR, "period": "week",
                        "windows": {"day": 4 * DOLLAR}});
    assert_eq!(app.put(BASE, &owner, config).await.0, StatusCode::OK);
    let mine = json!({"spend_limit_micros": DOLLAR, "windows": {"month": 3 * DOLLAR}});
    let (status, _) = app.put(&format!("{BASE}/overrides/{owner_id}"), &owner, mine).await;
    assert_eq!(status, StatusCode::OK);
    let theirs = json!({"spend_limit_micros": 8, "windows": {"day": 2}});
    let (status, _) = app.put(&format!("{BASE}/overrides/{alice}"), &owner, theirs).await;
    assert_eq!(status, StatusCode::OK);
    let before = app.get(BASE, &owner).await.1;
    let audit_before = app.get(&format!("{BASE}/audit"), &owner).await.1;
    // A period change, new windows, and overrides set and removed.
    let proposal = json!({
        "spend_limit_micros": 5, "period": "day", "group_policy": "highest",
        "windows": {"week": 6, "month": null},
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
        // windows[period] repeats spend_limit_micros (limits-plus §1).
        json!({"spend_limit_micros": DOLLAR, "period": "day", "windows": {"day": 2 * DOLLAR}}),
        json!({"spend_limit_micros": DOLLAR, "period": "day", "windows": {"week": 0}}),
    ] {
        let (status, err) = app.post(DRY_RUN, &owner, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {err}");
        assert!(err["message"].is_string(), "{err}");
    }
}

async fn a_day_window_blocks_while_the_month_does_not(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    // Default $100 a month; alice's override: $2 a day and $50 a month.
    app.put(BASE, &owner, json!({"spend_limit_micros": 100 * DOLLAR, "period": "month"})).await;
    let own = json!({"spend_limit_micros": 50 * DOLLAR, "windows": {"day": 2 * DOLLAR}});
    assert_eq!(app.put(&format!("{BASE}/overrides/{alice}"), &owner, own).await.0, StatusCode::OK);
    app.spend(alice, org, 5 * DOLLAR / 2).await;
    app.spend(bob, org, 5 * DOLLAR / 2).await;

    // Proposing the same config (a Coder body leaves the windows as they are).
    let same = json!({"spend_limit_micros": 100 * DOLLAR, "period": "month"});
    let (status, answer) = app.post(DRY_RUN, &owner, same).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(entries(&answer), [entry("alice", "day", 5 * DOLLAR / 2, 2 * DOLLAR)]);
    assert_eq!(counts(&answer), (0, 0, 0));
}

async fn a_proposed_day_window_blocks_by_day(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    app.put(BASE, &owner, json!({"spend_limit_micros": 50 * DOLLAR, "period": "month"})).await;
    app.spend(alice, org, 3 * DOLLAR).await;
    app.spend(bob, org, DOLLAR).await;
    // Spent before today counts against the month only.
    app.spend_at(bob, org, 9 * DOLLAR, app.now() - chrono::Duration::days(1)).await;

    let proposal = json!({"spend_limit_micros": 50 * DOLLAR, "period": "month",
                          "windows": {"day": 2 * DOLLAR}});
    let (status, answer) = app.post(DRY_RUN, &owner, proposal).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(entries(&answer), [entry("alice", "day", 3 * DOLLAR, 2 * DOLLAR)]);
    // Everyone (the owner too) gains a day limit.
    assert_eq!(counts(&answer), (1, 0, 3));
}

async fn a_user_blocked_in_two_windows_counts_once(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, carol) = app.user(&owner, "carol", &[], &[]).await;
    app.spend(carol, org, 12 * DOLLAR).await;
    // Limits off now; proposed: $10 a week and $2 a day.
    let proposal = json!({"spend_limit_micros": 10 * DOLLAR, "period": "week",
                          "windows": {"day": 2 * DOLLAR}});
    let (status, answer) = app.post(DRY_RUN, &owner, proposal).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let want = [
        entry("carol", "day", 12 * DOLLAR, 2 * DOLLAR),
        entry("carol", "week", 12 * DOLLAR, 10 * DOLLAR),
    ];
    assert_eq!(entries(&answer), want);
    assert_eq!(counts(&answer), (1, 0, 2));
}

/// Coder's rule: a new period carries every tier's limit to it. The dry run's answer is what the
/// PUT then makes true.
async fn a_period_change_previews_what_the_put_does(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    app.put(BASE, &owner, json!({"spend_limit_micros": 50 * DOLLAR, "period": "month"})).await;
    let own = json!({"spend_limit_micros": 4 * DOLLAR, "windows": {"week": 30 * DOLLAR}});
    assert_eq!(app.put(&format!("{BASE}/overrides/{alice}"), &owner, own).await.0, StatusCode::OK);
    app.spend(alice, org, 5 * DOLLAR).await;
    app.spend(bob, org, 5 * DOLLAR).await;

    // Alice is blocked by her month $4; by the day, her $4 (replacing nothing) still blocks her.
    let proposal = json!({"spend_limit_micros": 6 * DOLLAR, "period": "day"});
    let (_, preview) = app.post(DRY_RUN, &owner, proposal.clone()).await;
    assert_eq!(entries(&preview), [entry("alice", "day", 5 * DOLLAR, 4 * DOLLAR)]);
    // Everyone's limit moves to the day; alice is blocked before and after.
    assert_eq!(counts(&preview), (0, 0, 3));

    assert_eq!(app.put(BASE, &owner, proposal.clone()).await.0, StatusCode::OK);
    let (_, after) = app.post(DRY_RUN, &owner, proposal).await;
    assert_eq!(entries(&after), entries(&preview));
    assert_eq!(counts(&after), (0, 0, 0));
}
