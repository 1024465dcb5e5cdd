//! Hostile and malformed input: always a 4xx with a JSON message, never a 500 and never a
//! partial write.

use crate::support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const LIMITS: &str = "/api/experimental/chats/usage-limits";

on_both!(
    malformed_bodies_are_400s,
    amounts_never_overflow,
    bad_paths_and_params,
    bad_tokens_are_401s,
    nul_characters_are_400s_everywhere,
    bodies_must_be_objects_of_the_right_shape
);

/// Sends a raw body with a JSON content type.
async fn send_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let req = app
        .http
        .request(method, format!("{}{path}", app.base))
        .header("Coder-Session-Token", token)
        .header("Content-Type", "application/json")
        .body(body);
    app.raw(req).await
}

fn assert_clear(status: StatusCode, body: &Value, want: StatusCode, context: &str) {
    assert_eq!(status, want, "{context}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{context}: no message in {body}");
}

async fn malformed_bodies_are_400s(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let cases: [(&str, &str); 7] = [
        ("/api/v2/users", "{not json"),
        ("/api/v2/users", "[]"),
        ("/api/v2/users", r#"{"email": 5, "username": "x", "password": "12345678"}"#),
        ("/api/v2/users", r#"{"username": "x"}"#),
        ("/api/v2/organizations", r#"{"name": null}"#),
        ("/api/v2/users/me/keys/tokens", r#"{"token_name": "x", "lifetime": "forever"}"#),
        ("/api/v2/users/first", r#"{"email": "a@b.c"}"#),
    ];
    for (path, body) in cases {
        let (status, resp) = send_raw(&app, Method::POST, path, &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, &format!("POST {path} {body}"));
    }
    let (status, resp) =
        send_raw(&app, Method::PUT, LIMITS, &owner, "{\"spend_limit_micros\":").await;
    assert_clear(status, &resp, StatusCode::BAD_REQUEST, "truncated JSON");

    let no_type = app
        .http
        .post(format!("{}/api/v2/organizations", app.base))
        .header("Coder-Session-Token", &owner)
        .body(r#"{"name":"x"}"#);
    let (status, resp) = app.raw(no_type).await;
    assert_clear(status, &resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, "no content type");

    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(100 * 1024));
    let (status, resp) = send_raw(&app, Method::POST, "/api/v2/organizations", &owner, huge).await;
    assert_clear(status, &resp, StatusCode::PAYLOAD_TOO_LARGE, "oversized body");

    for (body, field) in [
        (json!({"email": "not-an-email", "username": "ok", "password": "12345678"}), "email"),
        (json!({"email": "a@b.c", "username": "-bad-", "password": "12345678"}), "username"),
        (json!({"email": "a@b.c", "username": "x".repeat(33), "password": "12345678"}), "username"),
        (json!({"email": "a@b.c", "username": "ok", "password": "short"}), "password"),
        (
            json!({"email": "a@b.c", "username": "ok", "password": "12345678", "login_type": "oidc"}),
            "login_type",
        ),
    ] {
        let (status, resp) = app.post("/api/v2/users", &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, field);
        assert_eq!(resp["validations"][0]["field"], field);
    }
    let (_, users) = app.get("/api/v2/users", &owner).await;
    assert_eq!(users["count"], 1, "a rejected request created a user");
}

async fn amounts_never_overflow(app: TestApp) {
    let (owner, owner_id, _) = app.first_owner().await;
    for raw in ["9223372036854775808", "1e30", "-9223372036854775809", "\"5\"", "5.5", "true", "[]"]
    {
        let body = format!(r#"{{"spend_limit_micros": {raw}, "period": "day"}}"#);
        let (status, resp) = send_raw(&app, Method::PUT, LIMITS, &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, raw);
        let body = format!(r#"{{"spend_limit_micros": {raw}}}"#);
        let path = format!("{LIMITS}/overrides/{owner_id}");
        let (status, resp) = send_raw(&app, Method::PUT, &path, &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, raw);
    }
    // The largest amount is accepted and reported exactly.
    let (status, resp) =
        app.put(LIMITS, &owner, json!({"spend_limit_micros": i64::MAX, "period": "month"})).await;
    assert_eq!((status, resp["spend_limit_micros"].as_i64()), (StatusCode::OK, Some(i64::MAX)));
    let (_, view) = app.get(LIMITS, &owner).await;
    assert_eq!(view["overrides"], json!([]), "a rejected override was written");
}

async fn bad_paths_and_params(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let cases = [
        (Method::GET, "/api/v2/groups/not-a-uuid", StatusCode::BAD_REQUEST),
        (Method::GET, &format!("/api/v2/groups/{}", uuid::Uuid::new_v4()), StatusCode::NOT_FOUND),
        (Method::GET, "/api/v2/users/nobody", StatusCode::NOT_FOUND),
        (Method::GET, "/api/v2/organizations/nowhere", StatusCode::NOT_FOUND),
        (Method::GET, "/api/v2/users?limit=-1", StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v2/users?limit=1001", StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v2/users?limit=abc", StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v2/users?offset=-1", StatusCode::BAD_REQUEST),
        (Method::GET, &format!("{LIMITS}/status?organization_id=zzz"), StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v2/nothing-here", StatusCode::NOT_FOUND),
        (Method::PATCH, "/api/v2/organizations", StatusCode::METHOD_NOT_ALLOWED),
        (Method::DELETE, "/api/v2/users/me/keys/nosuchkey", StatusCode::NOT_FOUND),
    ];
    for (method, path, want) in cases {
        let (status, resp) = app.call(method.clone(), path, Some(&owner), None).await;
        assert_clear(status, &resp, want, &format!("{method} {path}"));
    }
}

async fn bad_tokens_are_401s(app: TestApp) {
    app.first_owner().await;
    let too_long = "a".repeat(5000);
    for token in [
        "",
        "garbage",
        "abcdefghij-0123456789012345678901",
        "abcdefghij-abcdefghijklmnopqrstuv",
        &too_long,
        "ü-ü",
    ] {
        let (status, resp) = app.call(Method::GET, "/api/v2/users/me", Some(token), None).await;
        assert_clear(status, &resp, StatusCode::UNAUTHORIZED, token);
    }
    let (status, resp) = app.call(Method::GET, "/api/v2/users/me", None, None).await;
    assert_clear(status, &resp, StatusCode::UNAUTHORIZED, "no token");
    let basic = app
        .http
        .get(format!("{}/api/v2/users/me", app.base))
        .header("Authorization", "Basic Zm9vOmJhcg==");
    let (status, resp) = app.raw(basic).await;
    assert_clear(status, &resp, StatusCode::UNAUTHORIZED, "basic auth");
}

/// PostgreSQL text cannot hold U+0000; both backends refuse it alike, before any route runs.
async fn nul_characters_are_400s_everywhere(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let bodies = [
        (
            Method::POST,
            "/api/v2/users/login",
            r#"{"email": "a\u0000@b.c", "password": "12345678"}"#,
        ),
        (Method::POST, "/api/v2/organizations", r#"{"name": "x\u0000"}"#),
        (
            Method::POST,
            "/api/experimental/chats",
            r#"{"content": [{"type": "text", "text": "hi\u0000"}]}"#,
        ),
        (Method::POST, "/api/experimental/chats", r#"{"content": [], "labels": {"k\u0000": "v"}}"#),
    ];
    for (method, path, body) in bodies {
        let (status, resp) = send_raw(&app, method.clone(), path, &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, &format!("{method} {path} {body}"));
        assert!(resp["message"].as_str().unwrap().contains("NUL"), "{resp}");
    }
    // An escaped backslash followed by "u0000" is text, not NUL.
    let (status, resp) =
        send_raw(&app, Method::POST, "/api/v2/organizations", &owner, r#"{"name": "x\\u0000"}"#)
            .await;
    assert_ne!(resp["message"].as_str().map(|m| m.contains("NUL")), Some(true), "{status} {resp}");
    for path in [
        "/api/v2/users/al%00ice",
        "/api/v2/organizations/%00",
        "/api/v2/users?q=%00",
        "/api/v2/organizations/coder/groups/x%00y",
    ] {
        let (status, resp) = app.call(Method::GET, path, Some(&owner), None).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, path);
    }
    let (_, orgs) = app.get("/api/v2/organizations", &owner).await;
    assert_eq!(orgs.as_array().map(Vec::len), Some(1), "a refused request wrote: {orgs}");
}

async fn bodies_must_be_objects_of_the_right_shape(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    app.put(LIMITS, &owner, json!({"spend_limit_micros": 5_000_000, "period": "day"})).await;
    for body in ["[]", "[5000000, \"day\"]", "\"x\"", "5", "null"] {
        let (status, resp) = send_raw(&app, Method::PUT, LIMITS, &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, body);
    }
    for period in ["", "fortnight"] {
        let body = json!({"spend_limit_micros": 1_000_000, "period": period});
        let (status, resp) = app.put(LIMITS, &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, period);
        assert_eq!(resp["message"], "Invalid chat usage limit period.");
    }
    let (_, config) = app.get(LIMITS, &owner).await;
    assert_eq!(
        config["spend_limit_micros"], 5_000_000,
        "a refused PUT changed the limit: {config}"
    );
    assert_eq!(config["period"], "day");
    // Disabling with an empty period stores `month` (Coder).
    let (status, config) =
        app.put(LIMITS, &owner, json!({"spend_limit_micros": null, "period": ""})).await;
    assert_eq!((status, config["period"].as_str()), (StatusCode::OK, Some("month")), "{config}");
    for url in ["http://[::1", "http://", "ftp://x", "https://exa mple.com"] {
        let body = json!({"provider": "openai", "api_key": "k", "base_url": url});
        let (status, resp) = app.post("/api/experimental/chats/providers", &owner, body).await;
        assert_clear(status, &resp, StatusCode::BAD_REQUEST, url);
    }
}
