//! limits-plus §6 over HTTP: thresholds and exhaustion write one event each, and a local
//! receiver that fails, times out and recovers gets every event, signed, at least once — also
//! across a restart of the server.

use crate::support::{DOLLAR, TestApp};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

const BASE: &str = "/api/experimental/chats/usage-limits";
const SECRET: &str = "a-receiver's-shared-secret";

on_both!(
    crossing_a_threshold_then_the_limit_writes_one_event_each,
    a_failing_then_slow_receiver_gets_every_event_signed,
    undelivered_events_survive_a_restart,
    webhooks_are_owner_only_and_never_show_their_secret,
    bad_thresholds_and_webhooks_are_refused_by_name,
);

/// What the receiver answers next: these in turn, then 200 for good.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Fail,
    Hang,
}

#[derive(Default)]
struct Inbox {
    script: Vec<Answer>,
    /// Every request: its headers and body, and whether it was answered 200.
    received: Vec<(HeaderMap, Bytes, bool)>,
    down: bool,
}

/// A webhook receiver on a real port.
struct Receiver {
    url: String,
    inbox: Arc<Mutex<Inbox>>,
}

impl Receiver {
    async fn start(script: Vec<Answer>) -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox { script, ..Inbox::default() }));
        let shared = inbox.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let inbox = shared.clone();
                async move { answer(&inbox, headers, body).await }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inbox }
    }

    fn delivered(&self) -> Vec<Value> {
        let inbox = self.inbox.lock().unwrap();
        let ok = inbox.received.iter().filter(|(_, _, ok)| *ok);
        ok.map(|(_, body, _)| serde_json::from_slice(body).unwrap()).collect()
    }

    fn attempts(&self) -> usize {
        self.inbox.lock().unwrap().received.len()
    }

    fn set_down(&self, down: bool) {
        self.inbox.lock().unwrap().down = down;
    }
}

async fn answer(inbox: &Mutex<Inbox>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    let next = {
        let mut inbox = inbox.lock().unwrap();
        let next = if inbox.down {
            Some(Answer::Fail)
        } else if inbox.script.is_empty() {
            None
        } else {
            Some(inbox.script.remove(0))
        };
        inbox.received.push((headers, body, next.is_none()));
        next
    };
    match next {
        None => AxumStatus::OK,
        Some(Answer::Fail) => AxumStatus::INTERNAL_SERVER_ERROR,
        Some(Answer::Hang) => {
            // Longer than the test server's delivery timeout: the sender gives up first.
            tokio::time::sleep(Duration::from_secs(3)).await;
            AxumStatus::OK
        }
    }
}

/// Waits until `done`, moving the server's clock on so that retries fall due.
async fn wait_for(app: &TestApp, what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        app.clock.set(app.now() + chrono::Duration::milliseconds(100));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A day limit of $2 alerting at 80 %, and a member `alice` in the owner's organization.
async fn limited(app: &TestApp) -> (String, String, Uuid, Uuid) {
    let (owner, _, org) = app.first_owner().await;
    let config =
        json!({"spend_limit_micros": 2 * DOLLAR, "period": "day", "notify_at_percent": [80]});
    let (status, body) = app.put(BASE, &owner, config).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["notify_at_percent"], json!([80]));
    let (alice_token, alice) = app.user(&owner, "alice", &[], &[org]).await;
    (owner, alice_token, alice, org)
}

async fn add_webhook(app: &TestApp, owner: &str, url: &str) -> Value {
    let (status, body) =
        app.post(&format!("{BASE}/webhooks"), owner, json!({"url": url, "secret": SECRET})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn events(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("{BASE}/events"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["events"].as_array().expect("events").clone()
}

async fn crossing_a_threshold_then_the_limit_writes_one_event_each(app: TestApp) {
    let (owner, alice_token, alice, org) = limited(&app).await;
    app.offline_model().await;
    app.spend(alice, org, 1_000_000).await; // 50 %
    assert!(events(&app, &owner).await.is_empty());
    app.spend(alice, org, 700_000).await; // 85 %
    app.spend(alice, org, 100_000).await; // 90 %
    app.spend(alice, org, 200_000).await; // 100 %
    // Refused work in the exhausted window writes no second `exceeded`.
    let chat = json!({"content": [{"type": "text", "text": "hi"}]});
    let (status, body) = app.post("/api/experimental/chats", &alice_token, chat).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let seen = events(&app, &owner).await;
    let kinds: Vec<_> = seen
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["percent"].as_i64().unwrap()))
        .collect();
    assert_eq!(kinds, [("usage_limit.threshold_crossed", 80), ("usage_limit.exceeded", 100)]);
    let first = &seen[0];
    assert_eq!(
        (&first["user_id"], &first["username"], &first["period"]),
        (&json!(alice), &json!("alice"), &json!("day"))
    );
    assert_eq!(
        (&first["spent_micros"], &first["limit_micros"]),
        (&json!(1_700_000), &json!(2 * DOLLAR))
    );
    let tomorrow = (app.now() + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(first["resets_at"], json!(tomorrow));
    // `after_id` gives what is newer; members cannot read events.
    let id = first["id"].as_i64().unwrap();
    let (_, newer) = app.get(&format!("{BASE}/events?after_id={id}"), &owner).await;
    assert_eq!(newer["events"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("{BASE}/events"), &alice_token).await.0, StatusCode::FORBIDDEN);
}

/// Checks a delivered request: signed with the secret over its exact body, named by its id.
fn assert_signed(headers: &HeaderMap, body: &[u8]) {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-tollgate-signature"].to_str().unwrap(), expected);
    let event: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(headers["x-tollgate-event-id"].to_str().unwrap(), event["id"].to_string());
    assert_eq!(headers["content-type"], "application/json");
}

async fn a_failing_then_slow_receiver_gets_every_event_signed(app: TestApp) {
    let (owner, _, alice, org) = limited(&app).await;
    let receiver = Receiver::start(vec![Answer::Fail, Answer::Hang, Answer::Fail]).await;
    add_webhook(&app, &owner, &receiver.url).await;
    app.spend(alice, org, 1_700_000).await;
    app.spend(alice, org, 300_000).await;
    let ids: Vec<_> = events(&app, &owner).await.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(ids.len(), 2);
    wait_for(&app, "both events delivered", || {
        let got: Vec<_> = receiver.delivered().iter().map(|e| e["id"].clone()).collect();
        ids.iter().all(|id| got.contains(id))
    })
    .await;
    assert!(receiver.attempts() >= 5, "three failed attempts and two deliveries");
    for (headers, body, _) in receiver.inbox.lock().unwrap().received.iter() {
        assert_signed(headers, body);
    }
    let delivered = receiver.delivered();
    let exceeded = delivered.iter().find(|e| e["type"] == "usage_limit.exceeded").unwrap();
    assert_eq!(
        (&exceeded["percent"], &exceeded["spent_micros"]),
        (&json!(100), &json!(2 * DOLLAR))
    );
    // The outbox empties (the receiver answers before the sender records it); the metric
    // counts the failures.
    for _ in 0..500 {
        if app.store().pending_deliveries().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(app.store().pending_deliveries().await.unwrap(), 0);
    let metrics = app.http.get(format!("{}/metrics", app.base)).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(text.contains("tollgate_webhook_deliveries_total{outcome=\"failed\"} 3"), "{text}");
}

async fn undelivered_events_survive_a_restart(app: TestApp) {
    let (owner, _, alice, org) = limited(&app).await;
    let receiver = Receiver::start(Vec::new()).await;
    receiver.set_down(true);
    add_webhook(&app, &owner, &receiver.url).await;
    app.spend(alice, org, 2 * DOLLAR).await; // 80 % and exhausted at once
    wait_for(&app, "a failed attempt", || receiver.attempts() >= 2).await;
    assert!(receiver.delivered().is_empty());
    let app = app.restart_with(|_| {}).await;
    receiver.set_down(false);
    wait_for(&app, "delivery after the restart", || receiver.delivered().len() >= 2).await;
    let mut kinds: Vec<_> =
        receiver.delivered().iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["usage_limit.exceeded", "usage_limit.threshold_crossed"]);
}

async fn webhooks_are_owner_only_and_never_show_their_secret(app: TestApp) {
    let (owner, alice_token, _, _) = limited(&app).await;
    let (auditor, _) = app.user(&owner, "audrey", &["auditor"], &[]).await;
    let created = add_webhook(&app, &owner, "https://hooks.example.com/tollgate").await;
    assert!(!created.to_string().contains(SECRET), "{created}");
    let path = format!("{BASE}/webhooks");
    let (status, listed) = app.get(&path, &owner).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["webhooks"], json!([created.clone()]));
    assert!(!listed.to_string().contains(SECRET));
    for token in [&alice_token, &auditor] {
        assert_eq!(app.get(&path, token).await.0, StatusCode::FORBIDDEN);
        let body = json!({"url": "https://x.example.com", "secret": "s"});
        assert_eq!(app.post(&path, token, body).await.0, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.get(&format!("{BASE}/events"), &auditor).await.0, StatusCode::OK);
    let one = format!("{path}/{}", created["id"].as_str().unwrap());
    assert_eq!(app.delete(&one, &alice_token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.delete(&one, &owner).await.0, StatusCode::NO_CONTENT);
    let (status, body) = app.delete(&one, &owner).await;
    assert_eq!((status, &body["message"]), (StatusCode::NOT_FOUND, &json!("Webhook not found.")));
    assert_eq!(app.delete(&format!("{path}/nope"), &owner).await.0, StatusCode::BAD_REQUEST);
    // A password in the URL's user info is a credential: it is never answered back.
    let with_password =
        add_webhook(&app, &owner, "https://hook:pa55w0rd@hooks.example.com/t?a=b@c").await;
    assert_eq!(with_password["url"], "https://hook:***@hooks.example.com/t?a=b@c");
    let (_, listed) = app.get(&path, &owner).await;
    assert!(!listed.to_string().contains("pa55w0rd"), "{listed}");
}

async fn bad_thresholds_and_webhooks_are_refused_by_name(app: TestApp) {
    let (owner, _, _, _) = limited(&app).await;
    let (_, config) = app.get(BASE, &owner).await;
    assert_eq!(config["notify_at_percent"], json!([80]));
    for bad in [
        json!([95, 80]),
        json!([0]),
        json!([101]),
        json!([1, 2, 3, 4, 5, 6]),
        json!([80, 80]),
        json!(["80"]),
    ] {
        let body = json!({"spend_limit_micros": DOLLAR, "period": "day", "notify_at_percent": bad});
        let (status, answer) = app.put(BASE, &owner, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
    }
    let (_, answer) = app
        .put(
            BASE,
            &owner,
            json!({"spend_limit_micros": DOLLAR, "period": "day", "notify_at_percent": [90, 10]}),
        )
        .await;
    assert_eq!(answer["validations"][0]["field"], "notify_at_percent", "{answer}");
    let (_, config) = app.get(BASE, &owner).await;
    assert_eq!(config["notify_at_percent"], json!([80]), "unchanged by refused PUTs");
    // An empty list turns alerts off; a PUT without the key keeps what is there.
    app.put(
        BASE,
        &owner,
        json!({"spend_limit_micros": DOLLAR, "period": "day", "notify_at_percent": []}),
    )
    .await;
    app.put(BASE, &owner, json!({"spend_limit_micros": DOLLAR, "period": "day"})).await;
    assert_eq!(app.get(BASE, &owner).await.1["notify_at_percent"], json!([]));

    let path = format!("{BASE}/webhooks");
    for (body, field) in [
        (json!({"url": "ftp://x.example.com", "secret": "s"}), "url"),
        (json!({"url": "not a url", "secret": "s"}), "url"),
        (json!({"url": "https://x.example.com", "secret": ""}), "secret"),
        (json!({"url": "https://x.example.com", "secret": "s".repeat(1025)}), "secret"),
    ] {
        let (status, answer) = app.post(&path, &owner, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["validations"][0]["field"], field, "{answer}");
    }
    assert_eq!(
        app.post(&path, &owner, json!({"url": "https://x.example.com"})).await.0,
        StatusCode::BAD_REQUEST
    );
    // Loopback is allowed unless the operator refuses internal addresses.
    add_webhook(&app, &owner, "http://127.0.0.1:9/hook").await;
    let app = app.restart_with(|s| s.webhooks.deny_private = true).await;
    let owner = app.login("owner@example.com").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
        "http://10.0.0.8/",
    ] {
        let (status, answer) = app.post(&path, &owner, json!({"url": url, "secret": "s"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {answer}");
        assert!(
            answer["validations"][0]["detail"].as_str().unwrap().contains("nternal"),
            "{answer}"
        );
    }
}
