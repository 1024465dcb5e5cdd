//! spend-limits.md §2–§5 and §8 through the HTTP API.

use crate::support::{DOLLAR, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

const BASE: &str = "/api/experimental/chats/usage-limits";

on_both!(
    config_starts_disabled_and_round_trips,
    config_rejects_bad_values_with_the_spec_messages,
    status_explains_where_the_limit_comes_from,
    org_scoping_follows_the_spec,
    overrides_upsert_replace_and_delete,
    override_errors_say_what_is_missing,
    deleting_a_user_or_group_removes_its_limit,
    reaching_the_period_boundary_resets_spend,
);

async fn config_starts_disabled_and_round_trips(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (status, view) = app.get(BASE, &owner).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["spend_limit_micros"], json!(null));
    assert_eq!(view["period"], "month");
    assert_eq!(view["unpriced_model_count"], 0);
    assert_eq!(view["overrides"], json!([]));
    assert_eq!(view["group_overrides"], json!([]));

    let (status, config) =
        app.put(BASE, &owner, json!({"spend_limit_micros": 50 * DOLLAR, "period": "week"})).await;
    assert_eq!(status, StatusCode::OK, "{config}");
    assert_eq!(config["spend_limit_micros"], 50 * DOLLAR);
    assert_eq!(config["period"], "week");
    assert_eq!(config["group_policy"], "lowest");

    // null disables; an empty period is stored as month.
    let (status, config) =
        app.put(BASE, &owner, json!({"spend_limit_micros": null, "period": ""})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["spend_limit_micros"], json!(null));
    assert_eq!(config["period"], "month");
    let (_, status) = app.get(&format!("{BASE}/status"), &owner).await;
    assert_eq!(
        status,
        json!({"is_limited": false, "current_spend": 0, "limit_source": "disabled"})
    );
}

async fn config_rejects_bad_values_with_the_spec_messages(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    for bad in [0, -1, i64::MIN] {
        let (status, err) =
            app.put(BASE, &owner, json!({"spend_limit_micros": bad, "period": "day"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["message"], "Invalid chat usage limit spend limit.");
        assert_eq!(err["detail"], "Spend limit must be greater than 0.");
    }
    let (status, err) =
        app.put(BASE, &owner, json!({"spend_limit_micros": 5, "period": "year"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["message"], "Invalid chat usage limit period.");
    assert_eq!(err["detail"], "Period must be one of: day, week, month.");
    let (status, err) = app
        .put(BASE, &owner, json!({"spend_limit_micros": 5, "period": "day", "group_policy": "max"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    // Nothing was written by the rejected requests.
    let (_, view) = app.get(BASE, &owner).await;
    assert_eq!(view["spend_limit_micros"], json!(null));
}

async fn status_explains_where_the_limit_comes_from(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (alice_token, alice) = app.user(&owner, "alice", &[], &[]).await;
    app.put(BASE, &owner, json!({"spend_limit_micros": 100 * DOLLAR, "period": "day"})).await;
    app.spend(alice, org, 7 * DOLLAR).await;

    let (status, s) = app.get(&format!("{BASE}/status"), &alice_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["is_limited"], true);
    assert_eq!(s["limit_source"], "default");
    assert_eq!(s["spend_limit_micros"], 100 * DOLLAR);
    assert_eq!(s["current_spend"], 7 * DOLLAR);
    assert_eq!(s["period"], "day");
    let bounds = tollgate_core::Period::Day.bounds(&app.now());
    assert_eq!(s["period_start"], json!(bounds.start));
    assert_eq!(s["period_end"], json!(bounds.end));

    let group = app.group(&owner, org, "interns", &[alice]).await;
    app.put(
        &format!("{BASE}/group-overrides/{group}"),
        &owner,
        json!({"spend_limit_micros": 20 * DOLLAR}),
    )
    .await;
    let (_, s) = app.get(&format!("{BASE}/status"), &alice_token).await;
    assert_eq!(
        (s["limit_source"].clone(), s["limit_group_id"].clone()),
        (json!("group"), json!(group))
    );
    assert_eq!(s["spend_limit_micros"], 20 * DOLLAR);

    // The organization's Everyone group carries a limit like any group (lowest wins).
    app.put(
        &format!("{BASE}/group-overrides/{org}"),
        &owner,
        json!({"spend_limit_micros": 10 * DOLLAR}),
    )
    .await;
    let (_, s) = app.get(&format!("{BASE}/status"), &alice_token).await;
    assert_eq!(s["limit_group_id"], json!(org));
    app.put(
        BASE,
        &owner,
        json!({"spend_limit_micros": 100 * DOLLAR, "period": "day", "group_policy": "highest"}),
    )
    .await;
    let (_, s) = app.get(&format!("{BASE}/status"), &alice_token).await;
    assert_eq!(s["limit_group_id"], json!(group));

    app.put(
        &format!("{BASE}/overrides/{alice}"),
        &owner,
        json!({"spend_limit_micros": 500 * DOLLAR}),
    )
    .await;
    let (_, s) = app.get(&format!("{BASE}/status"), &alice_token).await;
    assert_eq!(s["limit_source"], "user");
    assert_eq!(s["spend_limit_micros"], 500 * DOLLAR);
    assert!(s.get("limit_group_id").is_none());
}

/// §5's conformance example, every sentence.
async fn org_scoping_follows_the_spec(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (org_a, org_b, org_c) =
        (app.org(&owner, "a").await, app.org(&owner, "b").await, app.org(&owner, "c").await);
    let (u_token, u) = app.user(&owner, "u", &[], &[org_a, org_b]).await;
    let (v_token, v) = app.user(&owner, "v", &[], &[org_a, org_b]).await;
    let (w_token, w) = app.user(&owner, "w", &[], &[org_a, org_c]).await;
    let a1 = app.group(&owner, org_a, "a1", &[u, v]).await;
    let a2 = app.group(&owner, org_a, "a2", &[u]).await;
    let b = app.group(&owner, org_b, "b", &[u, v]).await;
    for (group, dollars) in [(a1, 5), (a2, 20), (b, 50)] {
        let (status, _) = app
            .put(
                &format!("{BASE}/group-overrides/{group}"),
                &owner,
                json!({"spend_limit_micros": dollars * DOLLAR}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    app.put(BASE, &owner, json!({"spend_limit_micros": 100 * DOLLAR, "period": "month"})).await;
    let status = |token: String, org: Option<Uuid>| {
        let app = &app;
        async move {
            let q = org.map(|o| format!("?organization_id={o}")).unwrap_or_default();
            let (code, s) = app.get(&format!("{BASE}/status{q}"), &token).await;
            assert_eq!(code, StatusCode::OK, "{s}");
            (
                s["spend_limit_micros"].as_i64().unwrap_or(-1) / DOLLAR,
                s["current_spend"].as_i64().unwrap_or(-1),
            )
        }
    };
    assert_eq!(status(u_token.clone(), Some(org_a)).await.0, 5);
    assert_eq!(status(u_token.clone(), Some(org_b)).await.0, 50);
    assert_eq!(status(u_token.clone(), Some(Uuid::new_v4())).await.0, 100);
    assert_eq!(status(u_token.clone(), None).await.0, 5);

    app.spend(v, org_a, 3 * DOLLAR).await;
    assert_eq!(status(v_token.clone(), Some(org_b)).await, (50, 0));
    assert_eq!(status(v_token.clone(), Some(org_a)).await, (5, 3 * DOLLAR));
    assert_eq!(status(v_token.clone(), None).await, (5, 3 * DOLLAR));

    app.put(&format!("{BASE}/overrides/{u}"), &owner, json!({"spend_limit_micros": 10 * DOLLAR}))
        .await;
    assert_eq!(status(u_token.clone(), Some(org_a)).await.0, 10);
    app.spend(u, org_a, 6 * DOLLAR).await;
    app.spend(u, org_b, 6 * DOLLAR).await;
    assert_eq!(status(u_token.clone(), Some(org_a)).await, (10, 12 * DOLLAR));

    app.spend(w, org_a, 30 * DOLLAR).await;
    app.spend(w, org_c, 40 * DOLLAR).await;
    assert_eq!(status(w_token.clone(), Some(org_c)).await, (100, 70 * DOLLAR));
}

async fn overrides_upsert_replace_and_delete(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    let group = app.group(&owner, org, "team", &[alice, bob]).await;

    let (status, o) =
        app.put(&format!("{BASE}/overrides/{bob}"), &owner, json!({"spend_limit_micros": 7})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        o,
        json!({"user_id": bob, "username": "bob", "name": "", "avatar_url": "", "spend_limit_micros": 7,
               // tollgate (limits-plus §1): every tier shows its windows.
               "windows": {"day": null, "week": null, "month": 7}})
    );
    app.put(&format!("{BASE}/overrides/{alice}"), &owner, json!({"spend_limit_micros": 5})).await;
    let (_, o) =
        app.put(&format!("{BASE}/overrides/{bob}"), &owner, json!({"spend_limit_micros": 9})).await;
    assert_eq!(o["spend_limit_micros"], 9);

    let (status, g) = app
        .put(&format!("{BASE}/group-overrides/{group}"), &owner, json!({"spend_limit_micros": 11}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(g["group_name"], "team");
    assert_eq!(g["member_count"], 2);
    assert_eq!(g["spend_limit_micros"], 11);

    let (_, view) = app.get(BASE, &owner).await;
    let names: Vec<_> =
        view["overrides"].as_array().unwrap().iter().map(|o| o["username"].clone()).collect();
    assert_eq!(names, [json!("alice"), json!("bob")]);
    assert_eq!(view["overrides"][1]["spend_limit_micros"], 9);
    assert_eq!(view["group_overrides"][0]["group_id"], json!(group));

    let (status, body) = app.delete(&format!("{BASE}/overrides/{bob}"), &owner).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, json!(null)));
    let (status, _) = app.delete(&format!("{BASE}/group-overrides/{group}"), &owner).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, view) = app.get(BASE, &owner).await;
    assert_eq!(view["overrides"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["group_overrides"], json!([]));
}

async fn override_errors_say_what_is_missing(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let missing = Uuid::new_v4();
    let cases = [
        (
            app.put(
                &format!("{BASE}/overrides/{missing}"),
                &owner,
                json!({"spend_limit_micros": 5}),
            )
            .await,
            404,
            "User not found.",
        ),
        (
            app.put(
                &format!("{BASE}/group-overrides/{missing}"),
                &owner,
                json!({"spend_limit_micros": 5}),
            )
            .await,
            404,
            "Group not found.",
        ),
        (app.delete(&format!("{BASE}/overrides/{missing}"), &owner).await, 404, "User not found."),
        (
            app.delete(&format!("{BASE}/group-overrides/{missing}"), &owner).await,
            404,
            "Group not found.",
        ),
        (
            app.delete(&format!("{BASE}/overrides/{alice}"), &owner).await,
            404,
            "Chat usage limit override not found.",
        ),
        (
            app.delete(&format!("{BASE}/group-overrides/{org}"), &owner).await,
            404,
            "Chat usage limit override not found.",
        ),
        (
            app.put(
                &format!("{BASE}/overrides/not-a-uuid"),
                &owner,
                json!({"spend_limit_micros": 5}),
            )
            .await,
            400,
            "Invalid UUID \"not-a-uuid\".",
        ),
        (
            app.delete(&format!("{BASE}/group-overrides/xyz"), &owner).await,
            400,
            "Invalid UUID \"xyz\".",
        ),
        (
            app.put(&format!("{BASE}/overrides/{alice}"), &owner, json!({"spend_limit_micros": 0}))
                .await,
            400,
            "Invalid chat usage limit spend limit.",
        ),
        (
            app.put(
                &format!("{BASE}/group-overrides/{org}"),
                &owner,
                json!({"spend_limit_micros": -3}),
            )
            .await,
            400,
            "Invalid chat usage limit spend limit.",
        ),
    ];
    for (i, ((status, body), want_status, want_message)) in cases.into_iter().enumerate() {
        assert_eq!(status.as_u16(), want_status, "case {i}: {body}");
        assert_eq!(body["message"], want_message, "case {i}");
    }
}

async fn deleting_a_user_or_group_removes_its_limit(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let group = app.group(&owner, org, "team", &[alice]).await;
    app.put(&format!("{BASE}/overrides/{alice}"), &owner, json!({"spend_limit_micros": 5})).await;
    app.put(&format!("{BASE}/group-overrides/{group}"), &owner, json!({"spend_limit_micros": 5}))
        .await;
    let (status, _) = app.delete(&format!("/api/v2/users/{alice}"), &owner).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.delete(&format!("/api/v2/groups/{group}"), &owner).await;
    assert_eq!(status, StatusCode::OK);
    let (_, view) = app.get(BASE, &owner).await;
    assert_eq!(
        (view["overrides"].clone(), view["group_overrides"].clone()),
        (json!([]), json!([]))
    );
}

async fn reaching_the_period_boundary_resets_spend(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (token, alice) = app.user(&owner, "alice", &[], &[]).await;
    app.put(BASE, &owner, json!({"spend_limit_micros": 10 * DOLLAR, "period": "day"})).await;
    let bounds = tollgate_core::Period::Day.bounds(&app.now());
    app.spend_at(alice, org, 4 * DOLLAR, bounds.start).await;
    app.spend_at(alice, org, 2 * DOLLAR, bounds.end - chrono::Duration::seconds(1)).await;
    app.spend_at(alice, org, DOLLAR, bounds.end).await;
    let (_, s) = app.get(&format!("{BASE}/status"), &token).await;
    assert_eq!(s["current_spend"], 6 * DOLLAR);
    app.clock.set(bounds.end);
    // The token must outlive the jump; sign in again at the new time.
    let token = app.login("alice@example.com").await;
    let (_, s) = app.get(&format!("{BASE}/status"), &token).await;
    assert_eq!(s["current_spend"], DOLLAR);
    assert_eq!(s["period_start"], json!(bounds.end));
}
