//! The README walkthrough, run through the real binary against a real server process, on
//! SQLite and on PostgreSQL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct Server {
    child: Child,
    pub url: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn tollgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
}

/// Starts `tollgate serve` on a free port and reads the address it prints. Every server gets
/// the same secret key, as replicas sharing a database must.
pub fn serve(database: &str) -> Server {
    let data = tempfile::tempdir().expect("data dir");
    let mut child = tollgate()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .env("TOLLGATE_DATA_DIR", data.path())
        .env("TOLLGATE_SECRET_KEY", "11".repeat(32))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tollgate serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).expect("read the listen line");
    // Keep draining: a closed pipe would make the server's later prints fail.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = first.split_whitespace().last().expect("an address").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line: {first}");
    Server { child, url, _data: data }
}

/// Runs a client command as the user whose session lives in `home`; returns stdout.
pub fn run(home: &Path, args: &[&str]) -> String {
    let out =
        tollgate().args(args).env("TOLLGATE_CONFIG_DIR", home).output().expect("run tollgate");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tollgate {args:?} failed: {stderr}{stdout}");
    stdout
}

pub fn fails(home: &Path, args: &[&str]) -> String {
    let out =
        tollgate().args(args).env("TOLLGATE_CONFIG_DIR", home).output().expect("run tollgate");
    assert!(!out.status.success(), "tollgate {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn walkthrough(database: &str) {
    let server = serve(database);
    let owner = tempfile::tempdir().expect("tempdir");
    let alice = tempfile::tempdir().expect("tempdir");
    let url = server.url.as_str();
    let pw = "correct-horse-battery";

    let out = run(
        owner.path(),
        &["login", url, "--username", "admin", "--email", "admin@example.com", "--password", pw],
    );
    assert!(out.contains("Created the first user admin"), "{out}");
    run(
        owner.path(),
        &["users", "create", "alice", "--email", "alice@example.com", "--password", pw],
    );
    run(owner.path(), &["users", "create", "bob", "--email", "bob@example.com", "--password", pw]);
    run(owner.path(), &["orgs", "create", "research"]);
    run(owner.path(), &["orgs", "add-member", "research", "alice"]);
    run(owner.path(), &["groups", "create", "interns"]);
    run(owner.path(), &["groups", "add", "interns", "alice", "bob"]);
    run(owner.path(), &["groups", "remove", "interns", "bob"]);
    run(alice.path(), &["login", url, "--email", "alice@example.com", "--password", pw]);

    assert!(run(alice.path(), &["usage"]).contains("No spend limit applies to you."));
    run(owner.path(), &["limits", "set", "$50", "--period", "week"]);
    let usage = run(alice.path(), &["usage"]);
    assert!(
        usage.contains("Spent $0.00 of $50.00 this week (limit from the deployment default)"),
        "{usage}"
    );
    run(owner.path(), &["limits", "group", "set", "interns", "20"]);
    let usage = run(alice.path(), &["usage"]);
    assert!(usage.contains("of $20.00 this week (limit from group interns)"), "{usage}");
    run(owner.path(), &["limits", "override", "set", "alice", "$30.50"]);
    assert!(
        run(alice.path(), &["usage"])
            .contains("of $30.50 this week (limit from your own override)")
    );

    let shown = run(owner.path(), &["limits", "show"]);
    assert!(shown.contains("Default limit: $50.00 per user per week"), "{shown}");
    assert!(
        shown.contains("interns") && shown.contains("$20.00") && shown.contains("$30.50"),
        "{shown}"
    );

    // Members cannot change limits; bad amounts are refused before any request.
    assert!(fails(alice.path(), &["limits", "set", "$1000"]).contains("Forbidden"));
    assert!(fails(owner.path(), &["limits", "set", "--", "-5"]).contains("greater than $0"));
    assert!(
        fails(owner.path(), &["limits", "override", "rm", "bob"]).contains("override not found")
    );

    chat_until_the_limit(owner.path(), alice.path(), url);

    run(owner.path(), &["limits", "override", "rm", "alice"]);
    run(owner.path(), &["limits", "disable"]);
    assert!(run(alice.path(), &["usage"]).contains("No spend limit applies to you."));
    run(alice.path(), &["logout"]);
    assert!(fails(alice.path(), &["usage"]).contains("not signed in"));
}

#[test]
fn readme_walkthrough_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    walkthrough(&format!("sqlite://{}", dir.path().join("walkthrough.db").display()));
}

#[test]
fn readme_walkthrough_on_postgres() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(tollgate_store::testing::postgres()) else { return };
    walkthrough(&db.url);
    runtime.block_on(async move { drop(db) });
}

/// Chats on the offline model until the 409 arrives; spend equals the answers' costs; raising
/// the override re-admits at once.
fn chat_until_the_limit(owner: &Path, alice: &Path, url: &str) {
    assert!(run(owner, &["models", "list"]).contains("simulated-1"));
    run(owner, &["limits", "override", "set", "alice", "$0.002"]);
    let first = tollgate()
        .args(["chat", "Explain spend limits"])
        .env("TOLLGATE_CONFIG_DIR", alice)
        .output()
        .expect("chat");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("Explain spend limits"),
        "the simulated answer quotes the prompt: {stdout}"
    );
    let chat_line = String::from_utf8_lossy(&first.stderr).into_owned();
    let chat_id = chat_line.split_whitespace().nth(1).expect("chat id").to_owned();
    let mut refused = None;
    for n in 0..30 {
        let out = tollgate()
            .args(["chat", "send", &chat_id, &format!("tell me more, part {n}")])
            .env("TOLLGATE_CONFIG_DIR", alice)
            .output()
            .expect("send");
        if !out.status.success() {
            refused = Some(String::from_utf8_lossy(&out.stderr).into_owned());
            break;
        }
    }
    let refused = refused.expect("the limit never refused a message");
    assert!(refused.contains("Chat usage limit exceeded. You've used $0.00"), "{refused}");
    assert!(refused.contains("of your $0.002 limit. Resets"), "{refused}");
    assert!(run(alice, &["usage"]).contains("Limit exceeded"));

    // current_spend is exactly the sum of the assistant messages' costs.
    let session: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(alice.join("session.json")).expect("session"),
    )
    .expect("json");
    let token = session["token"].as_str().expect("token");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let get = |path: &str| -> serde_json::Value {
        runtime.block_on(async {
            let req = reqwest::Client::new()
                .get(format!("{url}{path}"))
                .header("Coder-Session-Token", token);
            req.send().await.expect("request").json().await.expect("json")
        })
    };
    let status = get("/api/experimental/chats/usage-limits/status");
    let page = get(&format!("/api/experimental/chats/{chat_id}/messages?limit=200"));
    let costs: i64 = page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["total_cost_micros"].as_i64())
        .sum();
    assert_eq!(status["current_spend"].as_i64(), Some(costs));
    assert!(costs >= 2000);

    run(owner, &["limits", "override", "set", "alice", "$5"]);
    run(alice, &["chat", "send", &chat_id, "one more"]);
}
