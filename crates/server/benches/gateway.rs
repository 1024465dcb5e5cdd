//! What the metered gateway adds to a call (gateway.md §4), against a local fake OpenAI-compatible
//! upstream: the same requests sent directly to the upstream and through tollgate (a tollgate API
//! key, a limit that applies, so every call is admitted, reserved and settled), interleaved one
//! by one so drift on a busy machine hits both alike. Non-streaming: latency of the whole answer;
//! streaming: time to the first byte of the body.
//!
//! `cargo bench -p tollgate-server --bench gateway` (PostgreSQL from `TOLLGATE_TEST_DATABASE_URL`
//! or a throw-away cluster); `GATEWAY_CALLS` (default 2000) per kind. The last lines, one per
//! backend: `gateway <backend>: added_p50_ms=… added_ttfb_p50_ms=… (direct_p50_ms=…
//! gateway_p50_ms=… direct_p99_ms=… gateway_p99_ms=… …)`; target added_p50_ms ≤ 0.5.

mod common;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use common::{CHATS, Served};
use serde_json::{Value, json};
use std::time::Instant;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let calls = std::env::var("GATEWAY_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let upstream = fake_upstream().await;
    println!("gateway: {calls} calls of each kind, direct and through tollgate, interleaved\n");
    let mut lines = Vec::new();
    for postgres in [false, true] {
        let Some(gate) = gateway(postgres, &upstream).await else {
            println!("(PostgreSQL unavailable: set TOLLGATE_TEST_DATABASE_URL)");
            continue;
        };
        let name = if postgres { "postgres" } else { "sqlite" };
        let http = reqwest::Client::new();
        let direct =
            Target { url: format!("{upstream}/chat/completions"), key: "sk-direct".into() };
        let through = Target {
            url: format!("{}/v1/chat/completions", gate.served.base),
            key: gate.key.clone(),
        };
        // Warm both paths (connections, caches, the database's plans).
        for _ in 0..100 {
            call(&http, &direct, false).await;
            call(&http, &through, false).await;
        }
        let mut times: [Vec<f64>; 4] = Default::default();
        for i in 0..calls {
            // Who goes first alternates, so neither gains from the other's warm caches.
            let order = if i % 2 == 0 {
                [(0, &direct), (1, &through)]
            } else {
                [(1, &through), (0, &direct)]
            };
            for (slot, target) in order {
                times[slot].push(call(&http, target, false).await);
                times[slot + 2].push(call(&http, target, true).await);
            }
        }
        let [d, g, dt, gt] = times.map(|mut t| {
            t.sort_by(f64::total_cmp);
            (pct(&t, 0.5), pct(&t, 0.99))
        });
        println!(
            "{name:<9} whole answer: direct p50 {:.3} ms p99 {:.3} ms | gateway p50 {:.3} ms p99 {:.3} ms",
            d.0, d.1, g.0, g.1
        );
        println!(
            "{name:<9} first byte:   direct p50 {:.3} ms p99 {:.3} ms | gateway p50 {:.3} ms p99 {:.3} ms",
            dt.0, dt.1, gt.0, gt.1
        );
        lines.push(format!(
            "gateway {name}: added_p50_ms={:.3} added_ttfb_p50_ms={:.3} (direct_p50_ms={:.3} gateway_p50_ms={:.3} direct_p99_ms={:.3} gateway_p99_ms={:.3} ttfb_direct_p50_ms={:.3} ttfb_gateway_p50_ms={:.3} ttfb_direct_p99_ms={:.3} ttfb_gateway_p99_ms={:.3})",
            g.0 - d.0, gt.0 - dt.0, d.0, g.0, d.1, g.1, dt.0, gt.0, dt.1, gt.1
        ));
        gate.served.stop();
    }
    println!();
    for line in lines {
        println!("{line}");
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct Target {
    url: String,
    key: String,
}

/// One call; milliseconds to the whole answer, or (streaming) to the body's first bytes.
async fn call(http: &reqwest::Client, target: &Target, stream: bool) -> f64 {
    let body = json!({"model": "fake-1", "max_tokens": 64, "stream": stream,
        "messages": [{"role": "user", "content": "How long does the gateway take?"}]});
    let start = Instant::now();
    let mut resp =
        http.post(&target.url).bearer_auth(&target.key).json(&body).send().await.expect("send");
    assert!(resp.status().is_success(), "{}", resp.status());
    let first = resp.chunk().await.expect("body");
    assert!(first.is_some_and(|b| !b.is_empty()));
    let elapsed = start.elapsed();
    while resp.chunk().await.expect("body").is_some() {}
    let total = if stream { elapsed } else { start.elapsed() };
    total.as_secs_f64() * 1000.0
}

/// A fake OpenAI-compatible upstream that answers at once: a short answer with usage, whole or
/// as server-sent events. Returns its base URL.
async fn fake_upstream() -> String {
    async fn complete(axum::Json(req): axum::Json<Value>) -> Response {
        let usage = json!({"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18});
        if req["stream"].as_bool() != Some(true) {
            return axum::Json(json!({"id": "c", "object": "chat.completion", "created": 0, "model": "fake-1",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "It takes very little."},
                "finish_reason": "stop"}], "usage": usage}))
            .into_response();
        }
        let chunk = |delta: Value, finish: Value| {
            format!(
                "data: {}\n\n",
                json!({"id": "c", "object": "chat.completion.chunk", "created": 0,
                "model": "fake-1", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
            )
        };
        let mut body = chunk(json!({"role": "assistant", "content": "It takes"}), Value::Null);
        body += &chunk(json!({"content": " very little."}), Value::Null);
        body += &chunk(json!({}), json!("stop"));
        body += &format!(
            "data: {}\n\n",
            json!({"id": "c", "object": "chat.completion.chunk", "created": 0,
            "model": "fake-1", "choices": [], "usage": usage})
        );
        body += "data: [DONE]\n\n";
        ([(axum::http::header::CONTENT_TYPE, "text/event-stream")], body).into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}/v1", listener.local_addr().expect("addr"));
    let app = Router::new().route("/v1/chat/completions", post(complete));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

struct Gate {
    served: Served,
    key: String,
}

/// A tollgate server on its own database (see `common`), its provider the fake upstream, a
/// limit that applies (high enough never to refuse), and an API key.
async fn gateway(postgres: bool, upstream: &str) -> Option<Gate> {
    let served = Served::start(postgres, |_| {}).await?;
    served
        .post(
            &format!("{CHATS}/providers"),
            json!({"provider": "openai-compat", "api_key": "sk-bench", "base_url": upstream}),
        )
        .await;
    served.post(&format!("{CHATS}/model-configs"), json!({"provider": "openai-compat", "model": "fake-1", "context_limit": 100000,
        "model_config": {"cost": {"input_price_per_million_tokens": "1", "output_price_per_million_tokens": "2"}}})).await;
    served.limit_that_never_refuses().await;
    let key = served.post("/api/v2/users/me/keys/tokens", json!({"token_name": "bench"})).await;
    Some(Gate { key: key["key"].as_str().expect("key").to_owned(), served })
}
