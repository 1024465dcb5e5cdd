//! A gateway client that goes away mid-stream (gateway.md §2, accounting.md §5), against a real
//! `tollgate serve` and the metered fake upstream, which bills every token it hands to the
//! connection: the upstream call is cancelled (it stops streaming long before its answer ends),
//! and what tollgate settles covers what the upstream billed.

use crate::support::{Home, serve, sqlite};
use crate::upstream;
use serde_json::{Value, json};
use std::time::Duration;

const CHATS: &str = "/api/experimental/chats";
/// Upstream words (tokens) of a whole answer, one every `PACE`.
const WORDS: u64 = 400;
const PACE: Duration = Duration::from_millis(20);

#[test]
fn a_client_gone_mid_stream_cancels_the_upstream_and_is_settled() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = upstream::start(&rt, WORDS, PACE);
    let (_dir, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    let token = home.token("default");
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let req = http.post(format!("{}{path}", server.url)).header("Coder-Session-Token", &token);
        let resp = rt.block_on(req.json(&body).send()).expect("setup call");
        assert!(resp.status().is_success(), "{}", resp.status());
        rt.block_on(resp.json::<Value>()).unwrap_or(Value::Null)
    };
    post(
        &format!("{CHATS}/providers"),
        json!({"provider": "openai-compat", "api_key": "sk-fake", "base_url": fake.base_url}),
    );
    // One micro-dollar a token in and out: what was billed is the token count.
    post(
        &format!("{CHATS}/model-configs"),
        json!({"provider": "openai-compat", "model": "fake-1", "context_limit": 100000,
        "model_config": {"cost": {"input_price_per_million_tokens": "1", "output_price_per_million_tokens": "1"}}}),
    );
    let key = post("/api/v2/users/me/keys/tokens", json!({"token_name": "cut"}))["key"]
        .as_str()
        .expect("key")
        .to_owned();

    let body = json!({"model": "fake-1", "stream": true,
        "messages": [{"role": "user", "content": "a long answer, then I hang up"}]});
    rt.block_on(async {
        let req = http.post(format!("{}/v1/chat/completions", server.url)).bearer_auth(&key);
        let mut resp = req.json(&body).send().await.expect("send");
        assert!(resp.status().is_success());
        // Read a few chunks, then go away.
        for _ in 0..5 {
            resp.chunk().await.expect("a chunk").expect("not the end");
        }
        drop(resp);
        tokio::time::sleep(Duration::from_millis(500)).await;
    });
    let streamed = fake.streamed();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fake.streamed(), streamed, "the upstream went on streaming after the client left");
    assert!(streamed < WORDS / 2, "the upstream was not cancelled: it sent {streamed} tokens");

    // Settled: the ledger covers what the upstream billed, and no reservation is left.
    let summary = crate::support::api(&server.url, &token, &format!("{CHATS}/cost/me/summary"));
    assert_eq!(summary["by_source"][0]["source"], "gateway", "{summary}");
    let spent = summary["total_cost_micros"].as_i64().expect("total");
    let billed = i64::try_from(fake.billed_micros(1, 1)).expect("billed");
    assert!(
        billed > 0 && spent >= billed,
        "settled {spent} µ$ for an upstream that billed {billed} µ$"
    );
    home.run(&["admin", "verify-ledger", "--database", &url]);
}
