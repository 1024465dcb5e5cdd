//! A PostgreSQL outage seen from the API (a real `serve` process, PostgreSQL behind a proxy that
//! is cut): every route answers fast with 503 and a JSON message — never a hang or a 500 — and
//! the server serves again on its own once the database is back.

use crate::proxy::Proxy;
use crate::support::{Home, serve_in};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const ROUTES: [(&str, &str); 8] = [
    ("GET", "/api/v2/users/me"),
    ("GET", "/api/v2/users"),
    ("GET", "/api/v2/organizations"),
    ("GET", "/api/experimental/chats"),
    ("POST", "/api/experimental/chats"),
    ("GET", "/api/experimental/chats/usage-limits/status"),
    ("GET", "/api/v2/workspaces"),
    ("POST", "/api/v2/users/login"),
];

fn call(rt: &Runtime, url: &str, token: &str, (method, path): (&str, &str)) -> (StatusCode, Value) {
    let body = match path {
        "/api/v2/users/login" => json!({"email": "admin@example.com", "password": "x"}),
        _ => json!({"content": [{"type": "text", "text": "hi"}]}),
    };
    rt.block_on(async {
        let method: Method = method.parse().expect("method");
        let mut req = reqwest::Client::new()
            .request(method.clone(), format!("{url}{path}"))
            .header("Coder-Session-Token", token)
            .timeout(Duration::from_secs(20));
        if method == Method::POST {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("an answer");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    })
}

#[test]
fn a_postgres_outage_is_a_fast_503_everywhere_and_recovers_alone() {
    let rt = Runtime::new().expect("runtime");
    let Some(db) = rt.block_on(tollgate_store::testing::postgres()) else { return };
    let (proxy, url) = Proxy::in_front_of(&rt, &db.url);
    let server = serve_in(&url, tempfile::tempdir().expect("data"), &[]);
    let home = Home::new();
    home.first_user(&server);
    let token = home.token("default");
    assert_eq!(call(&rt, &server.url, &token, ROUTES[0]).0, StatusCode::OK);

    proxy.cut();
    // The proxy ends its connections within 10 ms of a cut.
    std::thread::sleep(Duration::from_millis(200));
    for route in ROUTES {
        let start = Instant::now();
        let (status, body) = call(&rt, &server.url, &token, route);
        let took = start.elapsed();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{route:?}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{route:?}: {body}");
        // A bound on a hang, not a timing claim: the acquire timeout is 2 s.
        assert!(took < Duration::from_secs(10), "{route:?} took {took:?}");
    }

    proxy.restore();
    let start = Instant::now();
    loop {
        let (status, body) = call(&rt, &server.url, &token, ROUTES[0]);
        if status == StatusCode::OK {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "not serving again: {status} {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(server);
    rt.block_on(async move { drop(db) });
}
