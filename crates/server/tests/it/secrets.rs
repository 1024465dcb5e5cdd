//! Passwords and tokens never reach a log line, nor any response after the one that creates them.

use crate::support::{PASSWORD, TestApp, logs};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both!(secrets_stay_secret);

async fn secrets_stay_secret(app: TestApp) {
    let logs = logs();
    let (owner, owner_id, _) = app.first_owner().await;
    let (_, token) =
        app.post("/api/v2/users/me/keys/tokens", &owner, json!({"token_name": "t"})).await;
    let token = token["key"].as_str().expect("key").to_owned();
    let (_, session) = app.post(&format!("/api/v2/users/{owner_id}/keys"), &owner, json!({})).await;
    let session = session["key"].as_str().expect("key").to_owned();

    let mut responses = String::new();
    for path in [
        "/api/v2/users/me",
        "/api/v2/users",
        "/api/v2/users/me/keys/tokens",
        "/api/experimental/chats/usage-limits",
    ] {
        let (status, body) = app.get(path, &token).await;
        assert_eq!(status, StatusCode::OK);
        responses.push_str(&body.to_string());
    }
    let wrong = json!({"email": "owner@example.com", "password": format!("{PASSWORD}-typo")});
    app.call(Method::POST, "/api/v2/users/login", None, Some(wrong)).await;
    app.call(Method::GET, "/api/v2/users/me", Some(&format!("{token}x")), None).await;

    let secrets = [PASSWORD, owner.as_str(), token.as_str(), session.as_str()];
    let secret_halves: Vec<&str> =
        secrets[1..].iter().filter_map(|t| t.split_once('-')).map(|(_, s)| s).collect();
    let log_text =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(!log_text.is_empty(), "the log capture saw nothing; the check would be vacuous");
    for secret in secrets.iter().chain(&secret_halves) {
        assert!(!log_text.contains(secret), "a secret reached the logs");
        assert!(!responses.contains(secret), "a secret reached a response");
    }
    assert!(!responses.contains("argon2"), "a password hash reached a response");
}
