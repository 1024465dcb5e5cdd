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
    explain_names_every_candidate_and_the_winner_per_window,
    explain_is_for_oneself_unless_owner_or_auditor,
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

async fn explain_names_every_candidate_and_the_winner_per_window(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let body = json!({"spend_limit_micros": 50 * DOLLAR, "period": "month",
                      "windows": {"day": 10 * DOLLAR}});
    app.put(BASE, &owner, body).await;
    let (_, alice) = app.user(&owner, "alice", &[], &[org]).await;
    let team = app.group(&owner, org, "team", &[alice]).await;
    let other = app.group(&owner, org, "other", &[alice]).await;
    app.put(
        &format!("{BASE}/group-overrides/{team}"),
        &owner,
        json!({"spend_limit_micros": 20 * DOLLAR}),
    )
    .await;
    app.put(
        &format!("{BASE}/group-overrides/{other}"),
        &owner,
        json!({"spend_limit_micros": 30 * DOLLAR}),
    )
    .await;
    let body = json!({"spend_limit_micros": 40 * DOLLAR, "windows": {"day": 2 * DOLLAR, "month": 40 * DOLLAR}});
    app.put(&format!("{BASE}/overrides/{alice}"), &owner, body).await;
    app.clock.set(Period::Day.bounds(&app.now()).start + chrono::Duration::hours(6));
    let owner = app.login("owner@example.com").await;
    app.spend(alice, org, DOLLAR).await;

    let path = format!("{BASE}/explain?user=alice&organization_id={org}");
    let (status, e) = app.get(&path, &owner).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["user_id"], json!(alice));
    assert_eq!((&e["organization_id"], &e["enforcement"]), (&json!(org), &json!("strict")));
    assert_eq!((&e["blocked"], &e["binding_period"]), (&json!(false), &json!("day")));
    let [day, week, month] = [0, 1, 2].map(|i| e["windows"][i].clone());
    assert_eq!(day["period"], "day");
    assert_eq!(
        (&day["source"], &day["effective_limit_micros"]),
        (&json!("user"), &json!(2 * DOLLAR))
    );
    assert_eq!(
        day["candidates"],
        json!([{"source": "user", "spend_limit_micros": 2 * DOLLAR},
               {"source": "default", "spend_limit_micros": 10 * DOLLAR}])
    );
    assert_eq!((&day["spent_micros"], &day["remaining_micros"]), (&json!(DOLLAR), &json!(DOLLAR)));
    // $1 in 6 hours of a $2 day: gone at noon.
    let noon = Period::Day.bounds(&app.now()).start + chrono::Duration::hours(12);
    assert_eq!(day["forecast_exhaustion_at"], json!(noon));
    assert_eq!((&week["effective_limit_micros"], &week["source"]), (&json!(null), &json!(null)));
    assert_eq!(week["candidates"], json!([]));
    assert_eq!(month["source"], "user");
    assert_eq!(
        month["candidates"],
        json!([{"source": "user", "spend_limit_micros": 40 * DOLLAR},
               {"source": "group", "group_id": team, "group_name": "team", "spend_limit_micros": 20 * DOLLAR},
               {"source": "group", "group_id": other, "group_name": "other", "spend_limit_micros": 30 * DOLLAR},
               {"source": "default", "spend_limit_micros": 50 * DOLLAR}])
    );

    // Without the override, the strictest group wins the month, named.
    app.delete(&format!("{BASE}/overrides/{alice}"), &owner).await;
    let (_, e) = app.get(&path, &owner).await;
    let month = &e["windows"][2];
    assert_eq!((&month["source"], &month["group_name"]), (&json!("group"), &json!("team")));
    assert_eq!(month["group_id"], json!(team));
    assert_eq!(month["candidates"][0]["group_name"], "team");
    assert_eq!(e["windows"][0]["source"], "default");
}

async fn explain_is_for_oneself_unless_owner_or_auditor(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (alice_token, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    let (auditor, _) = app.user(&owner, "audra", &["auditor"], &[]).await;
    let explain = |who: String| format!("{BASE}/explain?user={who}");
    let (status, e) = app.get(&format!("{BASE}/explain"), &alice_token).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!((&e["user_id"], &e["organization_id"]), (&json!(alice), &json!(null)));
    assert_eq!(e["binding_period"], json!(null));
    assert_eq!(app.get(&explain(alice.to_string()), &alice_token).await.0, StatusCode::OK);
    assert_eq!(app.get(&explain(bob.to_string()), &alice_token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&explain("nobody".into()), &alice_token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&explain("bob".into()), &auditor).await.0, StatusCode::OK);
    assert_eq!(app.get(&explain("nobody".into()), &owner).await.0, StatusCode::NOT_FOUND);
}

/// Signs alice in again after the clock moved (a session outlives no jump).
async fn relogin(app: &TestApp, _old: String) -> String {
    app.login("alice@example.com").await
}
