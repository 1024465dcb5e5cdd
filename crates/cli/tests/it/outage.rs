//! A PostgreSQL outage seen from the API (a real `serve` process, PostgreSQL behind a proxy that
//! is cut, or blackholed: connections open but silent): every route answers fast with 503 and a
//! JSON message — never a hang or a 500 — each such answer is counted in the metrics, and the
//! server serves again on its own once the database is back.

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

/// Calls every route at once during an outage: each answers 503 with a message. Returns the
/// slowest answer's time.
fn every_route_is_a_503(rt: &Runtime, url: &str, token: &str) -> Duration {
    let calls = ROUTES.map(|route| {
        let (url, token) = (url.to_owned(), token.to_owned());
        std::thread::spawn(move || {
            let rt = Runtime::new().expect("runtime");
            let start = Instant::now();
            let (status, body) = call(&rt, &url, &token, route);
            (route, status, body, start.elapsed())
        })
    });
    let mut slowest = Duration::ZERO;
    for handle in calls {
        let (route, status, body, took) = handle.join().expect("call");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{route:?}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{route:?}: {body}");
        // A bound on a hang, not a timing claim (the design answers within 3 s; see
        // docs/operations.md for what was measured).
        assert!(took < Duration::from_secs(10), "{route:?} took {took:?}");
        slowest = slowest.max(took);
    }
    let metrics = rt.block_on(async {
        reqwest::get(format!("{url}/metrics")).await.expect("metrics").text().await.expect("text")
    });
    let counted = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tollgate_database_unavailable_answers_total "))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(0);
    assert!(counted >= ROUTES.len() as u64, "503s not counted: {counted}");
    slowest
}

/// After the outage ends: how long until the server serves again on its own.
fn serves_again(rt: &Runtime, url: &str, token: &str) -> Duration {
    let start = Instant::now();
    loop {
        let (status, body) = call(rt, url, token, ROUTES[0]);
        if status == StatusCode::OK {
            return start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "not serving again: {status} {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
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
    let slowest = every_route_is_a_503(&rt, &server.url, &token);
    proxy.restore();
    let back = serves_again(&rt, &server.url, &token);
    eprintln!("cut: slowest 503 after {slowest:?}, serving again after {back:?}");
    drop(server);
    rt.block_on(async move { drop(db) });
}

#[test]
fn a_blackholed_postgres_is_a_fast_503_everywhere_and_recovers_alone() {
    let rt = Runtime::new().expect("runtime");
    let Some(db) = rt.block_on(tollgate_store::testing::postgres()) else { return };
    let (proxy, url) = Proxy::in_front_of(&rt, &db.url);
    let server = serve_in(&url, tempfile::tempdir().expect("data"), &[]);
    let home = Home::new();
    home.first_user(&server);
    let token = home.token("default");
    // Several requests at once, so the pool holds connections that will go silent.
    let warm = every_route_is_ok_or_refused(&rt, &server.url, &token);
    assert!(warm > 0);

    let caught = requests_in_flight_when_it_goes_silent(&proxy, &server.url, &token);
    let slowest = every_route_is_a_503(&rt, &server.url, &token).max(caught);
    proxy.restore();
    let back = serves_again(&rt, &server.url, &token);
    eprintln!("blackhole: slowest 503 after {slowest:?}, serving again after {back:?}");
    drop(server);
    rt.block_on(async move { drop(db) });
}

/// Every route once, before the outage; how many answered below 500.
fn every_route_is_ok_or_refused(rt: &Runtime, url: &str, token: &str) -> usize {
    ROUTES.iter().filter(|route| call(rt, url, token, **route).0.as_u16() < 500).count()
}

/// Requests on every route, back to back from several clients, while the network goes silent:
/// some hold a connection mid-query then. Each still gets an answer (never a 500). Returns the
/// slowest; leaves the proxy blackholed.
fn requests_in_flight_when_it_goes_silent(proxy: &Proxy, url: &str, token: &str) -> Duration {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients = ROUTES.map(|route| {
        let (url, token, stop) = (url.to_owned(), token.to_owned(), stop.clone());
        std::thread::spawn(move || {
            let rt = Runtime::new().expect("runtime");
            let mut slowest = Duration::ZERO;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let start = Instant::now();
                let (status, body) = call(&rt, &url, &token, route);
                assert!(status.as_u16() < 500 || status == 503, "{route:?}: {status} {body}");
                slowest = slowest.max(start.elapsed());
            }
            slowest
        })
    });
    std::thread::sleep(Duration::from_millis(500));
    proxy.blackhole();
    std::thread::sleep(Duration::from_secs(4));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let slowest = clients.into_iter().map(|c| c.join().expect("client")).max();
    let slowest = slowest.unwrap_or_default();
    assert!(slowest < Duration::from_secs(10), "a request was held {slowest:?}");
    slowest
}
