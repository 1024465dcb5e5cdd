//! limits-plus §1: several windows at once, through the HTTP API.

use crate::chats::{CHATS, text};
use crate::support::{DOLLAR, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use tollgate_core::Period;

const BASE: &str = "/api/experimental/chats/usage-limits";

on_both!(
    windows_round_trip_on_every_tier,
    windows_that_disagree_or_are_not_positive_are_refused,
    the_day_window_refuses_and_the_next_day_readmits,
);

async fn windows_round_trip_on_every_tier(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let team = app.group(&owner, org, "team", &[alice]).await;
    let body = json!({"spend_limit_micros": 50 * DOLLAR, "period": "month",
                      "windows": {"day": 2 * DOLLAR}});
    let (status, config) = app.put(BASE, &owner, body).await;
    assert_eq!(status, StatusCode::OK, "{config}");
    let both = json!({"day": 2 * DOLLAR, "week": null, "month": 50 * DOLLAR});
    assert_eq!(config["windows"], both);
    // A Coder client's body changes only its period's window.
    let (_, config) =
        app.put(BASE, &owner, json!({"spend_limit_micros": 60 * DOLLAR, "period": "month"})).await;
    assert_eq!(config["windows"], json!({"day": 2 * DOLLAR, "week": null, "month": 60 * DOLLAR}));

    let path = format!("{BASE}/overrides/{alice}");
    let body = json!({"spend_limit_micros": 9 * DOLLAR, "windows": {"week": 4 * DOLLAR}});
    let (status, o) = app.put(&path, &owner, body).await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!(o["windows"], json!({"day": null, "week": 4 * DOLLAR, "month": 9 * DOLLAR}));
    // Absent keys stay, null removes.
    let body = json!({"spend_limit_micros": 8 * DOLLAR, "windows": {"day": DOLLAR}});
    let (_, o) = app.put(&path, &owner, body).await;
    assert_eq!(o["windows"], json!({"day": DOLLAR, "week": 4 * DOLLAR, "month": 8 * DOLLAR}));
    let body = json!({"spend_limit_micros": 8 * DOLLAR, "windows": {"week": null}});
    let (_, o) = app.put(&path, &owner, body).await;
    assert_eq!(o["windows"], json!({"day": DOLLAR, "week": null, "month": 8 * DOLLAR}));

    let path = format!("{BASE}/group-overrides/{team}");
    let body = json!({"spend_limit_micros": 7 * DOLLAR, "windows": {"week": 3 * DOLLAR}});
    let (status, g) = app.put(&path, &owner, body).await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["windows"], json!({"day": null, "week": 3 * DOLLAR, "month": 7 * DOLLAR}));
    let (_, view) = app.get(BASE, &owner).await;
    assert_eq!(view["overrides"][0]["windows"]["day"], DOLLAR);
    assert_eq!(view["group_overrides"][0]["windows"]["week"], 3 * DOLLAR);
}

async fn windows_that_disagree_or_are_not_positive_are_refused(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let disagree = json!({"spend_limit_micros": 5 * DOLLAR, "period": "day",
                          "windows": {"day": 4 * DOLLAR}});
    let (status, err) = app.put(BASE, &owner, disagree).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["message"], "Invalid chat usage limit windows.");
    let zero = json!({"spend_limit_micros": 5 * DOLLAR, "windows": {"week": 0}});
    let (status, err) = app.put(&format!("{BASE}/overrides/{alice}"), &owner, zero).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["message"], "Invalid chat usage limit spend limit.");
    // The same value twice is one window, not a disagreement.
    let agree = json!({"spend_limit_micros": 5 * DOLLAR, "period": "day",
                       "windows": {"day": 5 * DOLLAR}});
    assert_eq!(app.put(BASE, &owner, agree).await.0, StatusCode::OK);
}

async fn the_day_window_refuses_and_the_next_day_readmits(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    app.offline_model().await;
    app.put(BASE, &owner, json!({"spend_limit_micros": 1000 * DOLLAR, "period": "month"})).await;
    let (token, alice) = app.user(&owner, "alice", &[], &[]).await;
    let body = json!({"spend_limit_micros": 50 * DOLLAR, "windows": {"day": 2 * DOLLAR}});
    let (status, _) = app.put(&format!("{BASE}/overrides/{alice}"), &owner, body).await;
    assert_eq!(status, StatusCode::OK);
    // Midday, so that the next day is in the same month only when the month goes on.
    let day = Period::Day.bounds(&app.now());
    app.clock.set(day.start + chrono::Duration::hours(12));
    let token = relogin(&app, token).await;
    app.spend(alice, org, 2 * DOLLAR).await;

    let (_, s) = app.get(&format!("{BASE}/status"), &token).await;
    assert_eq!(s["period"], "day", "the day window binds: {s}");
    assert_eq!(s["spend_limit_micros"], 2 * DOLLAR);
    let windows = s["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 2, "{s}");
    assert_eq!(windows[1]["period"], "month");
    assert_eq!(windows[1]["remaining_micros"], 48 * DOLLAR);
    assert_eq!(windows[1]["limit_source"], "user");

    let (status, body) = app.post(CHATS, &token, json!({"content": text("one more")})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["period"], "day");
    assert_eq!(body["limit_micros"], 2 * DOLLAR);
    assert_eq!(body["spent_micros"], 2 * DOLLAR);
    assert_eq!(body["resets_at"], json!(day.end));

    app.clock.set(day.end + chrono::Duration::hours(1));
    let token = relogin(&app, token).await;
    let (status, body) = app.post(CHATS, &token, json!({"content": text("next day")})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Signs alice in again after the clock moved (a session outlives no jump).
async fn relogin(app: &TestApp, _old: String) -> String {
    app.login("alice@example.com").await
}
