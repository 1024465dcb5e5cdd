//! What the server benches share: a real `tollgate_server::run` on port 0 over its own database
//! (with the offline model), signed in as its first owner.

// Each bench is its own crate and uses only part of this module.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::oneshot;
use tollgate_core::{Clock, SystemClock};
use tollgate_server::secrets::SecretBox;
use tollgate_server::{AppState, Settings};
use tollgate_store::testing::{self, TestDb};

pub const CHATS: &str = "/api/experimental/chats";

/// A running server and its first owner's session.
pub struct Served {
    pub base: String,
    pub token: String,
    pub user: uuid::Uuid,
    pub http: reqwest::Client,
    stop: oneshot::Sender<()>,
    db: TestDb,
}

impl Served {
    /// Starts a server on a fresh database of the backend, its settings adjusted by `tweak`;
    /// `None` when PostgreSQL is unavailable.
    pub async fn start(postgres: bool, tweak: impl FnOnce(&mut Settings)) -> Option<Served> {
        let db = if postgres { testing::postgres().await? } else { testing::sqlite().await };
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        tollgate_server::ensure_offline_model(&db.store, &clock).await.expect("offline model");
        let mut settings = Settings::with_secret_box(SecretBox::new(&[9u8; 32]).expect("key"));
        tweak(&mut settings);
        let state = AppState::new(db.store.clone(), clock, settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(tollgate_server::run(listener, state, async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::new();
        let (token, user) = first_owner(&http, &base).await;
        Some(Served { base, token, user, http, stop, db })
    }

    /// `POST path` as the owner; its JSON answer (the call must succeed).
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let req = self.http.post(format!("{}{path}", self.base));
        let resp = req.header("Coder-Session-Token", &self.token).json(&body).send().await;
        let resp = resp.expect("setup call");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json::<Value>().await.unwrap_or(Value::Null)
    }

    /// A deployment limit that applies to every call but is high enough never to refuse, so a
    /// limited server does all the limit work and the same chats as an unlimited one.
    pub async fn limit_that_never_refuses(&self) {
        let body = json!({"spend_limit_micros": 1_000_000_000_000i64, "period": "month"});
        let req = self.http.put(format!("{}{CHATS}/usage-limits", self.base));
        let resp = req.header("Coder-Session-Token", &self.token).json(&body).send().await;
        assert!(resp.expect("limits").status().is_success(), "limits set");
    }

    pub fn store(&self) -> &tollgate_store::Store {
        &self.db.store
    }

    pub fn stop(self) {
        let _ = self.stop.send(());
        drop(self.db);
    }
}

async fn first_owner(http: &reqwest::Client, base: &str) -> (String, uuid::Uuid) {
    let body = json!({"email": "bench@example.com", "username": "bench", "password": "correct-horse-battery"});
    let resp = http.post(format!("{base}/api/v2/users/first")).json(&body).send().await;
    let created: Value = resp.expect("first user").json().await.expect("json");
    let user = created["user_id"].as_str().and_then(|u| u.parse().ok()).expect("user id");
    let body = json!({"email": "bench@example.com", "password": "correct-horse-battery"});
    let resp = http.post(format!("{base}/api/v2/users/login")).json(&body).send().await;
    let login: Value = resp.expect("login").json().await.expect("json");
    (login["session_token"].as_str().expect("token").to_owned(), user)
}
