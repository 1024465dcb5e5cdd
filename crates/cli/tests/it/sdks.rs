//! The official `openai` and `anthropic` Python SDKs (gateway.md §5), installed from PyPI into a
//! virtualenv under `target/`, against a real `tollgate serve` with the `simulated` model and a
//! fake OpenAI-compatible upstream (which the Anthropic SDK reaches through the translation):
//! list models, complete, stream with usage, Anthropic messages and streaming; then, over the
//! limit, an `APIStatusError` with status 402 and `code == "usage_limit_exceeded"`. The calls'
//! cost is in the user's cost summary and usage status. The README's Python example runs too.

use crate::support::{Home, Server, python_venv, serve, sqlite};
use crate::upstream;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// The SDKs, pinned: what the test proves works.
const SDKS: [&str; 2] = ["openai==3.57.0", "anthropic==2.14.0"];
const CHATS: &str = "/api/experimental/chats";

/// The virtualenv's python, made once (and kept across runs while the pins hold). Outside CI a
/// machine without Python or PyPI skips the test; in CI that fails it.
fn python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON.get_or_init(|| python_venv("python-sdks", &SDKS)).clone()
}

/// Calls the API as `token`.
fn call(
    rt: &tokio::runtime::Runtime,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Value,
) -> Value {
    rt.block_on(async {
        let resp = reqwest::Client::new()
            .request(method, url)
            .header("Coder-Session-Token", token)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    })
}

/// Runs the SDK script in `mode`; returns what it saw.
fn sdks(python: &PathBuf, server: &Server, key: &str, mode: &str) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/python/sdk_clients.py");
    let out = Command::new(python)
        .arg(script)
        .args([&server.url, key, mode, "simulated-1", "fake-1"])
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log_text()
    );
    serde_json::from_str(stdout.trim()).expect("the script's JSON")
}

/// The README's Python example, run as printed but for the deployment URL (and the key it reads
/// from the environment).
fn readme_example(python: &PathBuf, server: &Server, key: &str) {
    let readme = include_str!("../../../../README.md");
    let section = &readme[readme.find("### The metered gateway").expect("the gateway section")..];
    let start = section.find("```python\n").expect("a python block") + "```python\n".len();
    let code = &section[start..start + section[start..].find("```").expect("its end")];
    let code = code.replace("http://127.0.0.1:3000", &server.url);
    let out = Command::new(python)
        .args(["-c", &code])
        .env("TOLLGATE_API_KEY", key)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("Simulated reply from simulated-1"), "{stdout}");
    assert!(lines[1].ends_with(" tokens metered"), "{stdout}");
}

#[test]
fn official_sdks_sqlite() {
    let (_dir, url) = sqlite();
    official_sdks(&url);
}

#[test]
fn official_sdks_postgres() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = rt.block_on(tollgate_store::testing::postgres()) else { return };
    official_sdks(&db.url);
}

fn official_sdks(database: &str) {
    let Some(python) = python() else { return };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = upstream::start(&rt, 12, Duration::from_millis(1));
    let server = serve(database);
    let home = Home::new();
    home.first_user(&server);
    let token = home.token("default");
    let post = |path: &str, body: Value| {
        call(&rt, reqwest::Method::POST, format!("{}{path}", server.url), &token, body)
    };
    post(
        &format!("{CHATS}/providers"),
        json!({"provider": "openai-compat", "api_key": "sk-fake", "base_url": fake.base_url}),
    );
    post(
        &format!("{CHATS}/model-configs"),
        json!({"provider": "openai-compat", "model": "fake-1",
        "context_limit": 100000, "model_config": {"cost": {"input_price_per_million_tokens": "1", "output_price_per_million_tokens": "2"}}}),
    );
    // The key comes from the CLI (`tollgate tokens create`), printed alone on standard output.
    let out = home.output(&["tokens", "create", "sdks"]);
    assert!(out.status.success(), "{}", crate::support::both(&out));
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    home.run(&["tokens", "create", "capped", "--spend-limit", "0.25", "--period", "day"]);
    let listed = home.run(&["tokens", "list"]);
    let capped = listed.lines().any(|l| l.starts_with("capped") && l.contains("$0.25 per day"));
    assert!(capped, "{listed}");

    let seen = sdks(&python, &server, &key, "served");
    let models = seen["models"].as_array().expect("models");
    assert!(models.contains(&json!("simulated-1")) && models.contains(&json!("fake-1")), "{seen}");
    let simulated = |v: &Value| {
        v["text"].as_str().is_some_and(|t| t.starts_with("Simulated reply from simulated-1"))
    };
    assert!(simulated(&seen["complete"]), "{seen}");
    assert_eq!(seen["complete"]["finish_reason"], "stop");
    assert!(seen["complete"]["completion_tokens"].as_u64() > Some(0));
    assert!(simulated(&seen["stream"]), "{seen}");
    assert!(seen["stream"]["completion_tokens"].as_u64() > Some(0), "the usage chunk: {seen}");
    // The fake upstream answers twelve one-word tokens.
    for answer in [&seen["messages"], &seen["messages_stream"]] {
        assert_eq!(
            answer["text"].as_str().map(|t| t.split_whitespace().count()),
            Some(12),
            "{seen}"
        );
        assert_eq!(answer["stop_reason"], "end_turn", "{seen}");
        assert_eq!(answer["output_tokens"], 12, "{seen}");
    }
    // Tools: both SDKs see the upstream's call of `count` with {"n": 1}, whole and streamed, and
    // send its result back.
    let tool = json!({"name": "count", "arguments": {"n": 1}, "finish_reason": "tool_calls"});
    assert_eq!(seen["openai_tool"], tool, "{seen}");
    assert_eq!(seen["openai_tool_stream"], json!({"n": 1}), "{seen}");
    assert_eq!(seen["openai_tool_result"], "tool_calls", "{seen}");
    let tool =
        json!({"type": "tool_use", "name": "count", "input": {"n": 1}, "stop_reason": "tool_use"});
    assert_eq!(seen["anthropic_tool"], tool, "{seen}");
    assert_eq!(seen["anthropic_tool_stream"], json!({"n": 1}), "{seen}");
    assert_eq!(seen["anthropic_tool_result"], "tool_use", "{seen}");
    assert_eq!(fake.calls().len(), 8, "the SDKs' calls to fake-1 reached the OpenAI upstream");
    readme_example(&python, &server, &key);

    // The calls are in the cost summary (by source) and in the usage status.
    let summary = crate::support::api(&server.url, &token, &format!("{CHATS}/cost/me/summary"));
    let total = summary["total_cost_micros"].as_i64().expect("total");
    assert!(total > 0, "{summary}");
    assert_eq!(summary["by_source"][0]["source"], "gateway", "{summary}");
    assert_eq!(summary["by_source"][0]["priced_message_count"], 11, "{summary}");
    let limits = format!("{}{CHATS}/usage-limits", server.url);
    call(
        &rt,
        reqwest::Method::PUT,
        limits,
        &token,
        json!({"spend_limit_micros": 1, "period": "month"}),
    );
    let status = crate::support::api(&server.url, &token, &format!("{CHATS}/usage-limits/status"));
    assert_eq!(status["current_spend"], total, "{status}");

    let refused = sdks(&python, &server, &key, "limited");
    assert_eq!(
        refused["openai"],
        json!({"status": 402, "code": "usage_limit_exceeded", "type": "insufficient_quota"}),
        "{refused}"
    );
    assert_eq!(
        refused["anthropic"],
        json!({"status": 402, "code": "usage_limit_exceeded", "type": "billing_error"}),
        "{refused}"
    );
    assert_eq!(fake.calls().len(), 8, "a refused call reached the upstream");
}
