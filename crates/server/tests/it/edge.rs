//! Answers made at the server's edge, before or around a route: every one is `{message,
//! detail?}` JSON, and a body the route never read does not cost the client its connection.

use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_both!(
    long_urls_are_414s_in_json,
    framework_refusals_are_json,
    a_401_before_the_body_keeps_the_connection_usable
);

fn assert_json_error(status: StatusCode, body: &Value, want: StatusCode, context: &str) {
    assert_eq!(status, want, "{context}: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{context}: {body}");
}

async fn long_urls_are_414s_in_json(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let long = "a".repeat(10_000);
    for path in [format!("/api/v2/users/{long}"), format!("/api/v2/users?q={long}")] {
        let (status, body) = app.get(&path, &owner).await;
        assert_json_error(status, &body, StatusCode::URI_TOO_LONG, "a 10 KB URL");
    }
    // Just under the limit is an ordinary request.
    let (status, body) = app.get(&format!("/api/v2/users?q={}", "a".repeat(8000)), &owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn framework_refusals_are_json(app: TestApp) {
    app.offline_model().await;
    let (owner, _, _) = app.first_owner().await;
    let (status, chat) =
        app.post(crate::chats::CHATS, &owner, json!({"content": crate::chats::text("hi")})).await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");
    let stream = format!("/api/experimental/chats/{}/stream", chat["id"].as_str().unwrap_or(""));
    let (status, body) = app.get(&stream, &owner).await;
    assert_json_error(status, &body, StatusCode::BAD_REQUEST, "a plain GET of a WebSocket");
    let (status, body) =
        app.call(reqwest::Method::PATCH, "/api/v2/users/me", Some(&owner), None).await;
    assert_json_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "PATCH users/me");
    let (status, body) = app.get("/no/such/route", &owner).await;
    assert_json_error(status, &body, StatusCode::NOT_FOUND, "an unknown route");
}

/// One raw HTTP/1.1 request on `conn`; the answer's head and JSON body.
async fn exchange(conn: &mut TcpStream, head: &str, body: &[u8]) -> (String, Value) {
    conn.write_all(head.as_bytes()).await.expect("write head");
    conn.write_all(body).await.expect("write body");
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf).await.expect("read");
        assert!(n > 0, "the connection closed before an answer: {read:?}");
        read.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&read).to_string();
        if let Some((head, rest)) = text.split_once("\r\n\r\n")
            && let Ok(value) = serde_json::from_str::<Value>(rest)
        {
            return (head.to_ascii_lowercase(), value);
        }
    }
}

async fn a_401_before_the_body_keeps_the_connection_usable(app: TestApp) {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut conn = TcpStream::connect(&addr).await.expect("connect");
    let body = format!(r#"{{"name": "{}"}}"#, "x".repeat(100_000));
    let head = format!(
        "POST /api/v2/organizations HTTP/1.1\r\nHost: {addr}\r\nCoder-Session-Token: wrong\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (answer, json) = exchange(&mut conn, &head, body.as_bytes()).await;
    assert!(answer.starts_with("http/1.1 401"), "{answer}");
    assert!(!answer.contains("connection: close"), "a small unread body was read: {answer}");
    assert!(json["message"].is_string(), "{json}");
    // The same connection serves the next request.
    let next = format!("GET /api/v2/users/me HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let (answer, json) = exchange(&mut conn, &next, b"").await;
    assert!(answer.starts_with("http/1.1 401"), "{answer}: {json}");

    // A body too large to read through is refused with a warning that the connection ends.
    let mut conn = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST /api/v2/organizations HTTP/1.1\r\nHost: {addr}\r\nCoder-Session-Token: wrong\r\n\
         Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
    );
    let (answer, _) = exchange(&mut conn, &head, &[b' '; 300_000]).await;
    assert!(answer.starts_with("http/1.1 401"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
}
