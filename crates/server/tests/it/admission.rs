//! When the limit lookup itself fails: fail-open (allowed, warned, counted) or fail-closed (503).

use crate::chats::{CHATS, text};
use crate::support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tollgate_server::LimitFailureMode;
use tollgate_store::Backend;

/// Breaks the limit lookup the way a database fault would.
async fn break_limit_lookup(app: &TestApp) {
    let sql = match app.store().backend() {
        Backend::Sqlite => "DROP TABLE chat_usage_limit_group_overrides",
        Backend::Postgres => "DROP TABLE chat_usage_limit_group_overrides CASCADE",
    };
    app.db.execute(sql).await;
}

async fn metrics(app: &TestApp) -> String {
    let (status, body) = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
    body.as_str().unwrap_or_default().to_owned()
}

on_both!(a_failed_lookup_fails_open_and_is_counted, fail_closed_refuses_with_503);

async fn a_failed_lookup_fails_open_and_is_counted(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    app.put(
        "/api/experimental/chats/usage-limits",
        &owner,
        json!({"spend_limit_micros": 1_000_000}),
    )
    .await;
    assert!(metrics(&app).await.contains("tollgate_usage_limit_check_failures_total 0"));
    break_limit_lookup(&app).await;
    let (status, chat) = app.post(CHATS, &owner, json!({"content": text("still works")})).await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");
    let text = metrics(&app).await;
    assert!(text.contains("tollgate_usage_limit_check_failures_total 1"), "{text}");
    assert!(text.contains(r#"tollgate_chat_admissions_total{outcome="failed_open"} 1"#), "{text}");
    // Status does not fail open: a broken lookup is a server error there.
    let (status, _) = app.get("/api/experimental/chats/usage-limits/status", &owner).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

async fn fail_closed_refuses_with_503(app: TestApp) {
    let app = app.restart_with(|s| s.limit_failure_mode = LimitFailureMode::Closed).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    break_limit_lookup(&app).await;
    let (status, err) = app.post(CHATS, &owner, json!({"content": text("refused")})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{err}");
    assert_eq!(err["message"], "Usage limit check failed.");
    assert_eq!(app.get(CHATS, &owner).await.1, json!([]), "a refused request created a chat");
    assert!(
        metrics(&app)
            .await
            .contains(r#"tollgate_chat_admissions_total{outcome="failed_closed"} 1"#)
    );
}
