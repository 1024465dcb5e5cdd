//! accounting.md §4–§5 against real `tollgate serve` processes and a metered upstream that bills
//! every token it sends: a kill -9 mid-run, a replica paused past the stale timeout, and the
//! database going away mid-run (PostgreSQL behind a proxy that is cut; SQLite locked by another
//! process), with and without a shutdown during the outage. Each ends with nothing the upstream
//! billed missing from the ledger, the ledger's counters consistent (`admin verify-ledger`
//! exits 0), `tollgate_billed_micros_total` equal to the ledger, and one answer per question.

use crate::proxy::Proxy;
use crate::support::{Home, Server, serve_in, tollgate};
use crate::upstream::{self, Upstream};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tollgate_store::testing::TestDb;

const CHATS: &str = "/api/experimental/chats";
/// The model's prices: $1 and $2 per million tokens, one and two micros a token.
const INPUT: u64 = 1;
const OUTPUT: u64 = 2;
/// Each answer: 300 tokens, one every 10 ms (3 s).
const WORDS: u64 = 300;
const PACE: Duration = Duration::from_millis(10);

struct World {
    rt: Runtime,
    db: Option<TestDb>,
    upstream: Upstream,
    http: reqwest::Client,
}

impl World {
    fn new(postgres: bool) -> Option<World> {
        let rt = Runtime::new().expect("runtime");
        let db = match postgres {
            true => rt.block_on(tollgate_store::testing::postgres())?,
            false => rt.block_on(tollgate_store::testing::sqlite()),
        };
        let upstream = upstream::start(&rt, WORDS, PACE);
        Some(World { rt, db: Some(db), upstream, http: reqwest::Client::new() })
    }

    fn db(&self) -> &TestDb {
        self.db.as_ref().expect("database")
    }

    /// The first user, the metered upstream as the default model; the user's token.
    fn setup(&self, server: &Server) -> (Home, String) {
        let home = Home::new();
        home.first_user(server);
        home.run(&["providers", "add", "openai-compat", "--base-url", &self.upstream.base_url]);
        let (input, output) = (INPUT.to_string(), OUTPUT.to_string());
        let price = ["--input-price", &input, "--output-price", &output, "--default"];
        home.run(&[&["models", "add", "openai-compat", "metered"][..], &price].concat());
        let token = home.token("default");
        (home, token)
    }

    fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        self.rt.block_on(async {
            let mut req = self.http.request(method, url).header("Coder-Session-Token", token);
            if let Some(body) = body {
                req = req.json(&body);
            }
            let resp = req.send().await.expect("request");
            resp.json().await.unwrap_or(Value::Null)
        })
    }

    fn ask(&self, server: &Server, token: &str) -> String {
        let body = json!({"content": [{"type": "text", "text": "tell me a long story, please"}]});
        let chat =
            self.call(reqwest::Method::POST, format!("{}{CHATS}", server.url), token, Some(body));
        chat["id"].as_str().unwrap_or_else(|| panic!("a chat: {chat}")).to_owned()
    }

    /// Waits (bounded) for the chat to rest in `waiting`; returns its assistant answers.
    fn answered(&self, server: &Server, token: &str, chat: &str) -> usize {
        assert_eq!(self.rested(server, token, chat)["status"], "waiting");
        self.answers(server, token, chat)
    }

    /// Waits (bounded) for the chat to rest (`waiting` or `error`); returns it.
    fn rested(&self, server: &Server, token: &str, chat: &str) -> Value {
        let url = format!("{}{CHATS}/{chat}", server.url);
        let mut last = Value::Null;
        wait("the chat to rest", 60, || {
            last = self.call(reqwest::Method::GET, url.clone(), token, None);
            last["status"] == "waiting" || last["status"] == "error"
        });
        last
    }

    /// A run its replica stopped because the database could not record its progress: it rests
    /// in `error` with what it streamed saved (and billed) once.
    fn stopped_unrecorded(&self, server: &Server, token: &str, chat: &str) -> usize {
        let rested = self.rested(server, token, chat);
        assert_eq!(rested["status"], "error", "{rested}");
        let error = rested["last_error"].as_str().unwrap_or_default();
        assert!(error.contains("progress could not be recorded"), "{rested}");
        self.answers(server, token, chat)
    }

    fn answers(&self, server: &Server, token: &str, chat: &str) -> usize {
        let url = format!("{}{CHATS}/{chat}", server.url);
        let page = self.call(reqwest::Method::GET, format!("{url}/messages"), token, None);
        let messages = page["messages"].as_array().expect("messages");
        messages.iter().filter(|m| m["role"] == "assistant").count()
    }

    fn billed_metric(&self, server: &Server) -> u64 {
        let text = self.rt.block_on(async {
            let resp = self.http.get(format!("{}/metrics", server.url)).send().await;
            resp.expect("metrics").text().await.expect("text")
        });
        text.lines()
            .find_map(|l| l.strip_prefix("tollgate_billed_micros_total")?.trim().parse().ok())
            .expect("tollgate_billed_micros_total")
    }

    /// The ledger's total; asserts it holds everything the upstream billed, and that
    /// `tollgate admin verify-ledger` finds its counters and reservations consistent.
    fn ledger_holds_what_was_billed(&self) -> u64 {
        let total = self.rt.block_on(self.db().store.ledger_total()).expect("ledger").get();
        let total = u64::try_from(total).expect("non-negative");
        let billed = self.upstream.billed_micros(INPUT, OUTPUT);
        assert!(total >= billed, "the ledger has {total} micros, the upstream billed {billed}");
        let out =
            tollgate().args(["admin", "verify-ledger", "--database", &self.db().url]).output();
        let out = out.expect("run verify-ledger");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "verify-ledger: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        total
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let db = self.db.take();
        self.rt.block_on(async move { drop(db) });
    }
}

/// Polls `done` every 20 ms for at most `secs` seconds.
fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(secs), "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn data() -> tempfile::TempDir {
    tempfile::tempdir().expect("data dir")
}

/// kill -9 in the middle of a streamed answer, then a restart of the same replica: it takes
/// its run over at once (settled at its recorded progress) and answers again.
fn killed_mid_run(postgres: bool) {
    let Some(world) = World::new(postgres) else { return };
    let url = world.db().url.clone();
    let server = serve_in(&url, data(), &[]);
    let (_home, token) = world.setup(&server);
    let chat = world.ask(&server, &token);
    // Past the first heartbeat (2 s), so the progress it recorded is what the sweep uses.
    wait("the answer to be half streamed", 30, || world.upstream.streamed() >= WORDS * 3 / 4);
    let data = server.kill();
    let server = serve_in(&url, data, &[]);
    assert_eq!(world.answered(&server, &token, &chat), 1);
    assert_eq!(world.upstream.calls().len(), 2, "cut off once, answered once");
    let ledger = world.ledger_holds_what_was_billed();
    assert_eq!(world.billed_metric(&server), ledger, "the metric starts from the ledger");
}

#[test]
fn sqlite_killed_mid_run() {
    killed_mid_run(false);
}

#[test]
fn postgres_killed_mid_run() {
    killed_mid_run(true);
}

/// A replica paused (SIGSTOP) mid-run past the stale timeout: the other replica settles its
/// run and answers; when the paused one resumes, its stale answer is not saved, and what its
/// call really cost is recorded.
#[test]
fn a_paused_replica_cannot_save_a_stale_answer() {
    let Some(world) = World::new(true) else { return };
    let url = world.db().url.clone();
    let stale = ["--stale-run-timeout", "2"];
    let a = serve_in(&url, data(), &stale);
    let (_home, token) = world.setup(&a);
    let chat = world.ask(&a, &token);
    wait("the run to start on the first replica", 30, || world.upstream.streamed() >= 20);
    a.signal("STOP");
    let b = serve_in(&url, data(), &stale);
    assert_eq!(world.answered(&b, &token, &chat), 1, "the second replica answered");
    a.signal("CONT");
    wait("the paused replica to give up its answer", 30, || {
        a.log_text().contains("its answer is not saved")
    });
    assert_eq!(world.answered(&b, &token, &chat), 1, "still one answer");
    let ledger = world.ledger_holds_what_was_billed();
    assert_eq!(world.billed_metric(&a) + world.billed_metric(&b), ledger);
}

/// PostgreSQL goes away while an answer streams and comes back: the run stops at its first
/// heartbeat that cannot be recorded (streaming on would spend what no recorded progress
/// covers), what it streamed is saved once when the database returns (the run is not
/// repeated), and its cost recorded.
#[test]
fn postgres_outage_mid_run() {
    let Some(world) = World::new(true) else { return };
    let (proxy, url) = Proxy::in_front_of(&world.rt, &world.db().url);
    let server = serve_in(&url, data(), &[]);
    let (_home, token) = world.setup(&server);
    let chat = world.ask(&server, &token);
    wait("the answer to start", 30, || world.upstream.streamed() >= 20);
    proxy.cut();
    wait("the save to fail", 30, || server.log_text().contains("saving a finished run failed"));
    proxy.restore();
    assert_eq!(world.stopped_unrecorded(&server, &token, &chat), 1);
    assert_eq!(world.upstream.calls().len(), 1, "the run was not repeated");
    let ledger = world.ledger_holds_what_was_billed();
    assert_eq!(world.billed_metric(&server), ledger);
}

/// The same outage, but the server is stopped before the database returns: the result goes
/// to the journal, and the restarted server saves it.
#[test]
fn postgres_outage_then_shutdown_keeps_the_result_in_the_journal() {
    let Some(world) = World::new(true) else { return };
    let (proxy, url) = Proxy::in_front_of(&world.rt, &world.db().url);
    let server = serve_in(&url, data(), &["--drain-timeout", "1"]);
    let (_home, token) = world.setup(&server);
    let chat = world.ask(&server, &token);
    wait("the answer to start", 30, || world.upstream.streamed() >= 20);
    proxy.cut();
    wait("the save to fail", 30, || server.log_text().contains("saving a finished run failed"));
    let data = server.terminate();
    assert!(std::fs::read_dir(data.path()).expect("data").any(|e| {
        e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("unsaved-runs-"))
    }));
    proxy.restore();
    let server = serve_in(&url, data, &[]);
    assert_eq!(world.stopped_unrecorded(&server, &token, &chat), 1);
    assert_eq!(world.upstream.calls().len(), 1, "saved from the journal, not run again");
    let ledger = world.ledger_holds_what_was_billed();
    assert_eq!(world.billed_metric(&server), ledger);
}

/// Another process holds SQLite's write lock while an answer streams, for longer than the busy
/// timeout: saving fails, is retried, and succeeds once the lock is gone.
#[test]
fn sqlite_locked_mid_run() {
    use sqlx::Connection;
    let Some(world) = World::new(false) else { return };
    let url = world.db().url.clone();
    let server = serve_in(&url, data(), &[]);
    let (_home, token) = world.setup(&server);
    let chat = world.ask(&server, &token);
    wait("the answer to start", 30, || world.upstream.streamed() >= 20);
    let mut lock = world.rt.block_on(sqlx::SqliteConnection::connect(&url)).expect("connect");
    world.rt.block_on(sqlx::query("BEGIN EXCLUSIVE").execute(&mut lock)).expect("lock");
    wait("the save to fail", 60, || server.log_text().contains("saving a finished run failed"));
    world.rt.block_on(sqlx::query("ROLLBACK").execute(&mut lock)).expect("unlock");
    assert_eq!(world.answered(&server, &token, &chat), 1);
    assert_eq!(world.upstream.calls().len(), 1, "the run was not repeated");
    let ledger = world.ledger_holds_what_was_billed();
    assert_eq!(world.billed_metric(&server), ledger);
}
