//! limits-plus §4: the audit log of limit changes, through the HTTP API.

use crate::support::{DOLLAR, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BASE: &str = "/api/experimental/chats/usage-limits";
const AUDIT: &str = "/api/experimental/chats/usage-limits/audit";

on_both!(
    every_limit_change_is_logged_once_newest_first,
    the_log_pages_towards_older_entries,
    only_owners_and_auditors_read_the_log_and_nobody_changes_it,
    refused_changes_are_not_logged,
    deleting_a_user_or_group_logs_the_limit_it_takes,
);

async fn entries(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("{AUDIT}{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["entries"].as_array().expect("entries").clone()
}

async fn every_limit_change_is_logged_once_newest_first(app: TestApp) {
    let (owner, owner_id, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let team = app.group(&owner, org, "team", &[alice]).await;
    let config = json!({"spend_limit_micros": 10 * DOLLAR, "period": "week"});
    assert_eq!(app.put(BASE, &owner, config).await.0, StatusCode::OK);
    let user_path = format!("{BASE}/overrides/{alice}");
    let group_path = format!("{BASE}/group-overrides/{team}");
    app.put(&user_path, &owner, json!({"spend_limit_micros": 3 * DOLLAR})).await;
    app.put(&user_path, &owner, json!({"spend_limit_micros": 4 * DOLLAR})).await;
    app.put(&group_path, &owner, json!({"spend_limit_micros": 5 * DOLLAR})).await;
    assert_eq!(app.delete(&user_path, &owner).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&group_path, &owner).await.0, StatusCode::NO_CONTENT);

    let log = entries(&app, &owner, "").await;
    let actions: Vec<_> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "group_override.delete",
            "override.delete",
            "group_override.set",
            "override.set",
            "override.set",
            "config.update"
        ]
    );
    let ids: Vec<_> = log.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    for e in &log {
        assert_eq!(
            (e["actor_id"].as_str(), &e["actor_username"]),
            (Some(&*owner_id.to_string()), &json!("owner"))
        );
    }
    let config = &log[5];
    assert_eq!((&config["target_id"], &config["target_name"]), (&Value::Null, &Value::Null));
    assert_eq!(config["before"]["spend_limit_micros"], Value::Null);
    assert_eq!(config["after"]["spend_limit_micros"], 10 * DOLLAR);
    assert_eq!(config["after"]["period"], "week");
    let (first_set, second_set) = (&log[4], &log[3]);
    assert_eq!(first_set["before"], Value::Null);
    assert_eq!(first_set["after"]["spend_limit_micros"], 3 * DOLLAR);
    assert_eq!(second_set["before"]["spend_limit_micros"], 3 * DOLLAR);
    assert_eq!(second_set["after"]["spend_limit_micros"], 4 * DOLLAR);
    assert_eq!(second_set["target_id"], json!(alice));
    assert_eq!(second_set["target_name"], "alice");
    assert_eq!(second_set["after"]["username"], "alice");
    let group_set = &log[2];
    assert_eq!(
        (&group_set["target_id"], &group_set["target_name"]),
        (&json!(team), &json!("team"))
    );
    assert_eq!(group_set["after"]["group_name"], "team");
    assert_eq!(log[1]["before"]["spend_limit_micros"], 4 * DOLLAR);
    assert_eq!((&log[1]["after"], &log[0]["after"]), (&Value::Null, &Value::Null));
    assert_eq!(log[0]["before"]["spend_limit_micros"], 5 * DOLLAR);
}

async fn the_log_pages_towards_older_entries(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    for dollars in 1..=5 {
        app.put(BASE, &owner, json!({"spend_limit_micros": dollars * DOLLAR, "period": "day"}))
            .await;
    }
    let all = entries(&app, &owner, "").await;
    assert_eq!(all.len(), 5);
    let first = entries(&app, &owner, "?limit=2").await;
    assert_eq!(first, all[..2]);
    let after = first[1]["id"].as_i64().unwrap();
    let second = entries(&app, &owner, &format!("?limit=2&after_id={after}")).await;
    assert_eq!(second, all[2..4]);
    let last = all[4]["id"].as_i64().unwrap();
    assert!(entries(&app, &owner, &format!("?after_id={last}")).await.is_empty());
    for bad in ["?after_id=-1", "?after_id=x", "?limit=-3", "?limit=5000"] {
        let (status, err) = app.get(&format!("{AUDIT}{bad}"), &owner).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {err}");
    }
}

async fn only_owners_and_auditors_read_the_log_and_nobody_changes_it(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (auditor, _) = app.user(&owner, "audra", &["auditor"], &[]).await;
    let (member, _) = app.user(&owner, "mem", &[], &[]).await;
    app.put(BASE, &owner, json!({"spend_limit_micros": DOLLAR, "period": "day"})).await;
    let log = entries(&app, &owner, "").await;
    assert_eq!(entries(&app, &auditor, "").await, log);
    assert_eq!(app.get(AUDIT, &member).await.0, StatusCode::FORBIDDEN);
    // No route writes the log: every other method on it, or on an entry, is refused.
    let id = log[0]["id"].as_i64().unwrap();
    for path in [AUDIT.to_owned(), format!("{AUDIT}/{id}")] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::PATCH,
        ] {
            let url = format!("{}{path}", app.base);
            let resp = app
                .http
                .request(method.clone(), url)
                .header("Coder-Session-Token", &owner)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_client_error(), "{method} {path}: {}", resp.status());
        }
    }
    assert_eq!(entries(&app, &owner, "").await, log);
}

async fn refused_changes_are_not_logged(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (member, alice) = app.user(&owner, "alice", &[], &[]).await;
    app.put(BASE, &owner, json!({"spend_limit_micros": 0, "period": "day"})).await;
    app.put(BASE, &member, json!({"spend_limit_micros": DOLLAR, "period": "day"})).await;
    app.delete(&format!("{BASE}/overrides/{alice}"), &owner).await;
    app.put(
        &format!("{BASE}/overrides/{}", uuid::Uuid::new_v4()),
        &owner,
        json!({"spend_limit_micros": DOLLAR}),
    )
    .await;
    assert!(entries(&app, &owner, "").await.is_empty());
}

async fn deleting_a_user_or_group_logs_the_limit_it_takes(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    let team = app.group(&owner, org, "team", &[]).await;
    let plain = app.group(&owner, org, "plain", &[]).await;
    app.put(&format!("{BASE}/overrides/{alice}"), &owner, json!({"spend_limit_micros": DOLLAR}))
        .await;
    app.put(&format!("{BASE}/group-overrides/{team}"), &owner, json!({"spend_limit_micros": 2}))
        .await;
    for path in [
        format!("/api/v2/users/{alice}"),
        format!("/api/v2/users/{bob}"),
        format!("/api/v2/groups/{team}"),
        format!("/api/v2/groups/{plain}"),
    ] {
        assert_eq!(app.delete(&path, &owner).await.0, StatusCode::OK, "{path}");
    }
    // Only the deletions that took a limit are logged.
    let log = entries(&app, &owner, "").await;
    let got: Vec<_> = log[..2]
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["target_name"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("group_override.delete", "team"), ("override.delete", "alice")]);
    assert_eq!(log.len(), 4);
    assert_eq!(log[0]["before"]["spend_limit_micros"], 2);
    assert_eq!(log[1]["before"]["spend_limit_micros"], DOLLAR);
}
