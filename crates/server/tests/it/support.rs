//! `spawn_app`: a migrated database, the real server bound to port 0, and a client for it.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::oneshot;
use tollgate_core::{FixedClock, Micros};
use tollgate_server::secrets::SecretBox;
use tollgate_server::{AppState, Settings};
use tollgate_store::testing::TestDb;
use tollgate_store::{ChatStatus, MessageRole, NewChat, NewChatMessage, Store};
use uuid::Uuid;

/// Runs an async test body once per backend: `on_both!(name)` expects `async fn name(app: TestApp)`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = crate::support::TestApp::sqlite().await;
                let audit = app.audit();
                super::$name(app).await;
                audit.ledger_is_consistent().await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = crate::support::TestApp::postgres().await {
                    let audit = app.audit();
                    super::$name(app).await;
                    audit.ledger_is_consistent().await;
                }
            }
        }
    )*};
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub db: TestDb,
    pub clock: Arc<FixedClock>,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub const PASSWORD: &str = "correct-horse-battery";

/// A test's database, checked once the test is over: the ledger's counters and reservations
/// agree with what was recorded (`tollgate admin verify-ledger` would exit 0).
pub struct Audit {
    db: TestDb,
    clock: Arc<FixedClock>,
}

impl Audit {
    pub async fn ledger_is_consistent(self) {
        let now = tollgate_core::Clock::now(&*self.clock);
        let report = self.db.store.verify_ledger(false, now).await.expect("verify");
        assert!(report.is_consistent(), "the ledger is inconsistent after the test: {report:?}");
    }
}

impl TestApp {
    /// What checks this app's database after the test.
    pub fn audit(&self) -> Audit {
        Audit { db: self.db.clone(), clock: self.clock.clone() }
    }

    pub async fn sqlite() -> Self {
        Self::start(tollgate_store::testing::sqlite().await).await
    }

    pub async fn postgres() -> Option<Self> {
        Some(Self::start(tollgate_store::testing::postgres().await?).await)
    }

    pub async fn start(db: TestDb) -> Self {
        Self::start_with(db, |_| {}).await
    }

    /// Starts with test settings (fast daemon loops), adjusted by `tweak`.
    pub async fn start_with(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> Self {
        if std::env::var_os("TOLLGATE_TEST_LOG").is_some() {
            logs();
        }
        let clock = Arc::new(FixedClock::new(Utc::now()));
        let mut settings = test_settings();
        tweak(&mut settings);
        let state = AppState::new(db.store.clone(), clock.clone(), settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(tollgate_server::run(listener, state, async {
            let _ = rx.await;
        }));
        TestApp { base, http: reqwest::Client::new(), db, clock, shutdown: tx, server }
    }

    /// Stops this server (its daemon first) and starts another on the same database.
    pub async fn restart_with(self, tweak: impl FnOnce(&mut Settings)) -> Self {
        let TestApp { db, shutdown, server, http, .. } = self;
        drop(http);
        let _ = shutdown.send(());
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
        Self::start_with(db, tweak).await
    }

    /// Stops the server as a signal would and waits for `run` to return (the daemon drains its
    /// runs first); the database stays.
    pub async fn stop(self) -> TestDb {
        let TestApp { db, shutdown, server, .. } = self;
        let _ = shutdown.send(());
        server.await.expect("server task").expect("server ran");
        db
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.db.store
    }

    /// Sends a request; returns the status and the body as JSON (`Null` when empty, a string
    /// when not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.header("Coder-Session-Token", token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.raw(req).await
    }

    /// Sends `req`, and checks that the OpenAPI document lists the status it got.
    pub async fn raw(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let (status, _, body) = self.raw_with_headers(req).await;
        (status, body)
    }

    /// [`TestApp::raw`], with the answer's headers.
    pub async fn raw_with_headers(
        &self,
        req: reqwest::RequestBuilder,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let req = req.build().expect("a well-formed request");
        let (method, path) = (req.method().clone(), req.url().path().to_owned());
        let resp = self.http.execute(req).await.expect("request reaches the server");
        crate::documented::assert_documented(&method, &path, resp.status());
        let headers = resp.headers().clone();
        let (status, body) = read(resp).await;
        (status, headers, body)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Creates the first user (an owner) and signs in. Returns (token, user id, default org id).
    pub async fn first_owner(&self) -> (String, Uuid, Uuid) {
        let body = json!({"email": "owner@example.com", "username": "owner", "password": PASSWORD});
        let (status, created) =
            self.call(Method::POST, "/api/v2/users/first", None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let token = self.login("owner@example.com").await;
        (token, uuid(&created["user_id"]), uuid(&created["organization_id"]))
    }

    pub async fn login(&self, email: &str) -> String {
        let body = json!({"email": email, "password": PASSWORD});
        let (status, resp) = self.call(Method::POST, "/api/v2/users/login", None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{resp}");
        resp["session_token"].as_str().expect("session_token").to_owned()
    }

    /// Creates a user (in the default organization unless `orgs` says otherwise) with `roles`,
    /// signs them in, and returns (token, id).
    pub async fn user(
        &self,
        owner: &str,
        name: &str,
        roles: &[&str],
        orgs: &[Uuid],
    ) -> (String, Uuid) {
        let mut body =
            json!({"email": format!("{name}@example.com"), "username": name, "password": PASSWORD});
        if !orgs.is_empty() {
            body["organization_ids"] = json!(orgs);
        }
        let (status, user) = self.post("/api/v2/users", owner, body).await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        let id = uuid(&user["id"]);
        if !roles.is_empty() {
            let (status, resp) = self
                .put(&format!("/api/v2/users/{id}/roles"), owner, json!({"roles": roles}))
                .await;
            assert_eq!(status, StatusCode::OK, "{resp}");
        }
        (self.login(&format!("{name}@example.com")).await, id)
    }

    pub async fn org(&self, owner: &str, name: &str) -> Uuid {
        let (status, org) = self.post("/api/v2/organizations", owner, json!({"name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "{org}");
        uuid(&org["id"])
    }

    pub async fn group(&self, owner: &str, org: Uuid, name: &str, members: &[Uuid]) -> Uuid {
        let path = format!("/api/v2/organizations/{org}/groups");
        let (status, group) = self.post(&path, owner, json!({"name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        let id = uuid(&group["id"]);
        if !members.is_empty() {
            let (status, resp) = self
                .call(
                    Method::PATCH,
                    &format!("/api/v2/groups/{id}"),
                    Some(owner),
                    Some(json!({"add_users": members})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{resp}");
        }
        id
    }

    /// Records `micros` of spend for `owner` in a new chat of `org`, at the clock's now.
    pub async fn spend(&self, owner: Uuid, org: Uuid, micros: i64) {
        self.spend_at(owner, org, micros, self.now()).await;
    }

    pub async fn spend_at(&self, owner: Uuid, org: Uuid, micros: i64, at: DateTime<Utc>) {
        let chat = Uuid::new_v4();
        let new_chat = NewChat {
            id: chat,
            owner_id: owner,
            organization_id: org,
            workspace_id: None,
            parent_chat_id: None,
            model_config_id: None,
            labels: json!({}),
            title: "spend".into(),
            status: ChatStatus::Waiting,
            created_at: at,
        };
        self.store().create_chat(new_chat).await.expect("create chat");
        let message = NewChatMessage {
            chat_id: chat,
            created_by: None,
            model_config_id: None,
            role: MessageRole::Assistant,
            content: json!([{"type": "text", "text": "answer"}]),
            usage: None,
            total_cost: Some(Micros::new(micros)),
            created_at: at,
        };
        self.store().append_chat_message(message).await.expect("append message");
    }

    pub fn now(&self) -> DateTime<Utc> {
        use tollgate_core::Clock;
        self.clock.now()
    }

    /// A second replica: its own pool on the same database, its own daemon (`worker_id`), its
    /// own port and metrics, the same clock.
    pub async fn replica(&self, worker_id: &str) -> Replica {
        let store = Arc::new(Store::connect(&self.db.url).await.expect("second replica"));
        let mut settings = test_settings();
        settings.chat.worker_id = worker_id.to_owned();
        let state = AppState::new(store, self.clock.clone(), settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(tollgate_server::run(listener, state, async {
            let _ = rx.await;
        }));
        Replica { base, shutdown: tx, server }
    }
}

/// Another server on a `TestApp`'s database.
pub struct Replica {
    pub base: String,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Replica {
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.server.await;
    }
}

/// Every log line of this test binary, at the most verbose level; with
/// `TOLLGATE_TEST_LOG=<filter>` the lines it passes are also printed (all tests' interleaved).
pub fn logs() -> &'static Captured {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer, filter::LevelFilter, fmt};
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let capture =
            fmt::layer().with_writer(move || writer.clone()).with_filter(LevelFilter::TRACE);
        let print = std::env::var("TOLLGATE_TEST_LOG")
            .ok()
            .map(|f| fmt::layer().with_test_writer().with_filter(EnvFilter::new(f)));
        tracing_subscriber::registry().with(capture).with(print).init();
        captured
    })
}

#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The fixed secret key of every test server.
fn test_secret_box() -> SecretBox {
    SecretBox::new(&[7u8; 32]).expect("32-byte key")
}

/// A build's Terraform state as stored (sealed with the test servers' key), opened.
pub fn open_state(sealed: &[u8]) -> Vec<u8> {
    test_secret_box().open(sealed).expect("a state sealed with the test key").into_bytes()
}

/// Small bodies, a fixed secret key, and a daemon that reacts in milliseconds.
pub fn test_settings() -> Settings {
    let secret_box = test_secret_box();
    let mut settings = Settings::with_secret_box(secret_box);
    settings.max_body_bytes = 64 * 1024;
    settings.chat.heartbeat_interval = std::time::Duration::from_millis(20);
    settings.chat.poll_interval = std::time::Duration::from_millis(20);
    settings.chat.simulated_delta_delay = std::time::Duration::from_millis(1);
    settings.chat.provider_idle_timeout = std::time::Duration::from_millis(500);
    settings.webhooks.poll_interval = std::time::Duration::from_millis(20);
    settings.webhooks.timeout = std::time::Duration::from_millis(500);
    settings.webhooks.first_backoff = std::time::Duration::from_millis(50);
    settings.webhooks.max_backoff = std::time::Duration::from_millis(200);
    // Only the provisioner's own tests run Terraform workers.
    settings.provisioner.workers = 0;
    settings
}

async fn read(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("read body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

pub fn uuid(v: &Value) -> Uuid {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not a uuid: {v}"))
}

pub const DOLLAR: i64 = 1_000_000;
