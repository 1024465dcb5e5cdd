//! limits-plus §3: admitted answers say what is left and when it resets; refusals say when to
//! retry.

use crate::chats::{CHATS, text};
use crate::support::{DOLLAR, TestApp};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const LIMITS: &str = "/api/experimental/chats/usage-limits";
const REMAINING: &str = "x-tollgate-spend-remaining-micros";
const RESETS_AT: &str = "x-tollgate-spend-resets-at";

on_both!(admitted_answers_carry_the_headroom, no_limit_no_headers, refusals_say_when_to_retry);

/// No daemon: nothing runs, so spend changes only where a test puts it.
async fn quiet(app: TestApp) -> TestApp {
    let app = app.restart_with(|s| s.chat.run_daemon = false).await;
    app.offline_model().await;
    app
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, HeaderMap, Value) {
    let req = app
        .http
        .request(method, format!("{}{path}", app.base))
        .header("Coder-Session-Token", token)
        .json(&body);
    app.raw_with_headers(req).await
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().expect("ASCII header"))
}

/// The four admission points against chat `id` (create makes a new chat).
async fn admission_points(app: &TestApp, token: &str, id: &str) -> Vec<(StatusCode, HeaderMap)> {
    let first = app.history(token, id).await[0]["id"].as_i64().expect("message id");
    let calls = [
        (Method::POST, CHATS.to_owned(), json!({"content": text("again")})),
        (Method::POST, format!("{CHATS}/{id}/messages"), json!({"content": text("more")})),
        (Method::PATCH, format!("{CHATS}/{id}/messages/{first}"), json!({"content": text("ed")})),
        (Method::POST, format!("{CHATS}/{id}/title/regenerate"), json!({})),
    ];
    let mut answers = Vec::new();
    for (method, path, body) in calls {
        let (status, headers, resp) = send(app, token, method, &path, body).await;
        assert!(status.is_success() || status == StatusCode::CONFLICT, "{path}: {status} {resp}");
        answers.push((status, headers));
    }
    answers
}

async fn admitted_answers_carry_the_headroom(app: TestApp) {
    let app = quiet(app).await;
    let (owner, owner_id, org) = app.first_owner().await;
    app.put(LIMITS, &owner, json!({"spend_limit_micros": 100 * DOLLAR, "period": "day"})).await;
    let id = app.new_chat(&owner, "hello").await["id"].as_str().expect("id").to_owned();
    app.spend(owner_id, org, 30 * DOLLAR).await;
    let resets_at = tollgate_core::Period::Day.bounds(&app.now()).end;
    let want_reset = resets_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (i, (status, headers)) in admission_points(&app, &owner, &id).await.into_iter().enumerate()
    {
        assert!(status.is_success(), "admission point {i}: {status}");
        // The title is last: every answer tells the headroom as admitted, 100 − 30.
        assert_eq!(header(&headers, REMAINING), Some(&*(70 * DOLLAR).to_string()), "point {i}");
        assert_eq!(header(&headers, RESETS_AT), Some(&*want_reset), "point {i}");
    }
}

async fn no_limit_no_headers(app: TestApp) {
    let app = quiet(app).await;
    let (owner, _, _) = app.first_owner().await;
    let id = app.new_chat(&owner, "hello").await["id"].as_str().expect("id").to_owned();
    for (status, headers) in admission_points(&app, &owner, &id).await {
        assert!(status.is_success());
        assert_eq!((header(&headers, REMAINING), header(&headers, RESETS_AT)), (None, None));
    }
}

async fn refusals_say_when_to_retry(app: TestApp) {
    let app = quiet(app).await;
    let (owner, owner_id, org) = app.first_owner().await;
    app.put(LIMITS, &owner, json!({"spend_limit_micros": 10 * DOLLAR, "period": "day"})).await;
    let id = app.new_chat(&owner, "hello").await["id"].as_str().expect("id").to_owned();
    app.spend(owner_id, org, 10 * DOLLAR).await;
    let wait = tollgate_core::Period::Day.bounds(&app.now()).end - app.now();
    let micros = wait.num_microseconds().expect("a day fits");
    let want = ((micros + 999_999) / 1_000_000).max(1).to_string();
    for (i, (status, headers)) in admission_points(&app, &owner, &id).await.into_iter().enumerate()
    {
        assert_eq!(status, StatusCode::CONFLICT, "admission point {i}");
        assert_eq!(header(&headers, "retry-after"), Some(&*want), "point {i}");
        assert_eq!(header(&headers, REMAINING), None);
    }
}
