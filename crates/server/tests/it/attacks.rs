//! The attacks that overran Coder's check-then-write limits (accounting.md), against real
//! servers on real ports: on SQLite, on PostgreSQL, and on PostgreSQL with two replicas. In
//! strict mode each ends with settled spend within the limit while at least half of the budget
//! was used; the ledger, its counters and `tollgate_billed_micros_total` agree.

use crate::chats::{CHATS, text};
use crate::support::{Replica, TestApp};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tollgate_core::{Micros, Period, SpendScope};
use uuid::Uuid;

const LIMITS: &str = "/api/experimental/chats/usage-limits";
/// About five runs of the simulated model on these prompts.
const LIMIT: i64 = 5_000;

/// Generates `sqlite`, `postgres` and `postgres_two_replicas` tests of an attack.
macro_rules! attack {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let app = crate::support::TestApp::sqlite().await;
                super::run(app, 1, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(app) = crate::support::TestApp::postgres().await else { return };
                super::run(app, 1, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres_two_replicas() {
                let Some(app) = crate::support::TestApp::postgres().await else { return };
                super::run(app, 2, super::$name).await;
            }
        }
    )*};
}

attack!(concurrent_creates, concurrent_sends, a_full_queue, mixed);

on_both!(in_check_mode_the_same_attacks_overspend);

/// The attacks are real: in check mode (Coder's check-then-write) the same concurrent creates,
/// and the same full queue from another user, run past the limit.
async fn in_check_mode_the_same_attacks_overspend(app: TestApp) {
    let app = app.restart_with(|s| s.limit_enforcement = tollgate_core::Enforcement::Check).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    app.put(LIMITS, &owner, json!({"spend_limit_micros": LIMIT, "period": "day"})).await;
    let mut arena = Arena {
        app,
        replicas: Vec::new(),
        bases: Vec::new(),
        token: String::new(),
        user: Uuid::nil(),
        http: reqwest::Client::new(),
    };
    arena.bases.push(arena.app.base.clone());
    let attacks: [(&str, Attack); 2] = [("mallory", concurrent_creates), ("trudy", a_full_queue)];
    for (name, attack) in attacks {
        (arena.token, arena.user) = arena.app.user(&owner, name, &[], &[]).await;
        attack(&arena).await;
        settle(&arena).await;
        let day = Period::Day.bounds(&arena.app.now());
        let spent = arena
            .app
            .store()
            .window_spend(arena.user, SpendScope::AllOrganizations, day)
            .await
            .expect("spend");
        assert!(
            spent > Micros::new(2 * LIMIT),
            "{name}: check mode stayed near the limit: {spent:?}"
        );
    }
    assert!(
        arena
            .app
            .store()
            .verify_ledger(false, arena.app.now())
            .await
            .expect("verify")
            .is_consistent()
    );
}

/// The attacker and the servers they talk to.
pub struct Arena {
    pub app: TestApp,
    pub replicas: Vec<Replica>,
    pub bases: Vec<String>,
    pub token: String,
    pub user: Uuid,
    http: reqwest::Client,
}

impl Arena {
    /// The `n`th request's server: alternating between the replicas.
    fn base(&self, n: usize) -> &str {
        &self.bases[n % self.bases.len()]
    }

    async fn call(
        &self,
        n: usize,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base(n)))
            .header("Coder-Session-Token", &self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self, n: usize) -> (StatusCode, Value) {
        let body = json!({"content": text(&format!("attack number {n}, tell me everything"))});
        self.call(n, Method::POST, CHATS, Some(body)).await
    }

    async fn send(&self, n: usize, chat: &str) -> (StatusCode, Value) {
        let body = json!({"content": text(&format!("and more, number {n}"))});
        self.call(n, Method::POST, &format!("{CHATS}/{chat}/messages"), Some(body)).await
    }
}

type Attack = fn(&Arena) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>;

async fn run(app: TestApp, replicas: usize, attack: Attack) {
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let (status, resp) =
        app.put(LIMITS, &owner, json!({"spend_limit_micros": LIMIT, "period": "day"})).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    let (token, user) = app.user(&owner, "mallory", &[], &[]).await;
    let mut bases = vec![app.base.clone()];
    let mut servers = Vec::new();
    for r in 1..replicas {
        let replica = app.replica(&format!("replica-{r}")).await;
        bases.push(replica.base.clone());
        servers.push(replica);
    }
    let arena = Arena { app, replicas: servers, bases, token, user, http: reqwest::Client::new() };
    attack(&arena).await;
    settle(&arena).await;
    assert_limit_held(&arena).await;
    for replica in arena.replicas {
        replica.stop().await;
    }
}

/// Waits (bounded) until no chat of the attacker is pending or running.
async fn settle(arena: &Arena) {
    for _ in 0..1500 {
        let chats = arena
            .app
            .store()
            .list_chats(arena.user, false, tollgate_store::Page::ALL)
            .await
            .expect("chats");
        if chats.iter().all(|c| {
            !matches!(
                c.status,
                tollgate_store::ChatStatus::Pending | tollgate_store::ChatStatus::Running
            )
        }) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the attacker's chats never settled");
}

async fn assert_limit_held(arena: &Arena) {
    let store = arena.app.store();
    let day = Period::Day.bounds(&arena.app.now());
    let spent =
        store.window_spend(arena.user, SpendScope::AllOrganizations, day).await.expect("spend");
    let coder = store.spend(arena.user, SpendScope::AllOrganizations, day).await.expect("ledger");
    assert!(spent <= Micros::new(LIMIT), "settled {spent:?} over the limit of {LIMIT}");
    assert!(spent >= Micros::new(LIMIT / 2), "only {spent:?} of {LIMIT} was used");
    assert_eq!(spent, coder, "the counters say what the messages say");
    let report = store.verify_ledger(false, arena.app.now()).await.expect("verify");
    assert!(report.is_consistent(), "{report:?}");
    let mut billed = 0;
    for base in &arena.bases {
        let text = arena
            .http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        billed += metric(&text, "tollgate_billed_micros_total");
    }
    assert_eq!(
        billed,
        store.ledger_total().await.expect("total").get(),
        "the metric is the ledger"
    );
}

fn metric(text: &str, name: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("{name} not in:\n{text}"))
}

/// 64 chats created at once.
fn concurrent_creates(
    arena: &Arena,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let results = join_all((0..64).map(|n| arena.create(n))).await;
        for (status, body) in &results {
            assert!(
                matches!(*status, StatusCode::CREATED | StatusCode::CONFLICT),
                "{status}: {body}"
            );
        }
    })
}

/// 64 messages sent at once into 8 idle chats (each first answered).
fn concurrent_sends(
    arena: &Arena,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let mut chats = Vec::new();
        for n in 0..8 {
            let (status, chat) = arena.create(n).await;
            if status == StatusCode::CREATED {
                chats.push(chat["id"].as_str().expect("id").to_owned());
            }
        }
        assert!(!chats.is_empty());
        let results = join_all((0..64).map(|n| arena.send(n, &chats[n % chats.len()]))).await;
        for (status, body) in &results {
            assert!(
                matches!(
                    *status,
                    StatusCode::OK | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS
                ),
                "{status}: {body}"
            );
        }
    })
}

/// One client filling one chat's queue: 25 messages in a row while it runs.
fn a_full_queue(
    arena: &Arena,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let (status, chat) = arena.create(0).await;
        assert_eq!(status, StatusCode::CREATED, "{chat}");
        let id = chat["id"].as_str().expect("id").to_owned();
        let mut queued = 0;
        for n in 0..25 {
            let (status, resp) = arena.send(n, &id).await;
            if status == StatusCode::OK && resp["queued"] == true {
                queued += 1;
            }
        }
        assert!(queued > 0, "the attack queued work");
    })
}

/// Creates, sends and title regenerations together.
fn mixed(arena: &Arena) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
        let (status, chat) = arena.create(0).await;
        assert_eq!(status, StatusCode::CREATED, "{chat}");
        let id = chat["id"].as_str().expect("id").to_owned();
        let creates = join_all((1..24).map(|n| arena.create(n)));
        let sends = join_all((0..24).map(|n| arena.send(n, &id)));
        let title = format!("{CHATS}/{id}/title/regenerate");
        let titles = join_all((0..8).map(|n| arena.call(n, Method::POST, &title, None)));
        let (_, _, titles) = tokio::join!(creates, sends, titles);
        for (status, body) in &titles {
            assert!(matches!(*status, StatusCode::OK | StatusCode::CONFLICT), "{status}: {body}");
        }
    })
}
