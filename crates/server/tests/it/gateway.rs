//! The metered gateway (gateway.md) over a real server on a real port, on both backends: both
//! protocols, stream and not, the errors in each protocol's shape, the limit (402, lowered
//! `max_tokens`), a client that goes away mid-stream, embeddings. The 64-call attack is in
//! `gateway_attack.rs`.

use crate::support::TestApp;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tollgate_core::{Micros, Period, SpendScope};
use uuid::Uuid;

const LIMITS: &str = "/api/experimental/chats/usage-limits";

on_both!(
    models_and_completions,
    openai_streams_with_and_without_usage,
    anthropic_messages_and_streaming,
    errors_in_each_protocols_shape,
    the_limit_refuses_with_402_and_lowers_max_tokens,
    a_client_gone_mid_stream_is_settled,
    embeddings_are_metered,
    check_mode_checks_then_meters,
);

/// An owner with the offline model and an API key (its id, the key).
pub struct Gate {
    pub owner: String,
    pub owner_id: Uuid,
    pub org: Uuid,
    pub key: String,
}

pub async fn gate(app: &TestApp) -> Gate {
    let (owner, owner_id, org) = app.first_owner().await;
    app.offline_model().await;
    let key = api_key(app, &owner, "gateway").await;
    Gate { owner, owner_id, org, key }
}

pub async fn api_key(app: &TestApp, token: &str, name: &str) -> String {
    let (status, key) =
        app.post("/api/v2/users/me/keys/tokens", token, json!({"token_name": name})).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    key["key"].as_str().expect("key").to_owned()
}

/// POSTs `body` to the gateway with `key` as a bearer token.
async fn openai(
    app: &TestApp,
    key: &str,
    path: &str,
    body: Value,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let req = app.http.post(format!("{}{path}", app.base)).bearer_auth(key).json(&body);
    app.raw_with_headers(req).await
}

/// `POST /v1/messages` with `body`, `key` sent as Anthropic's SDKs send it.
pub fn messages(app: &TestApp, key: &str, body: &Value) -> reqwest::RequestBuilder {
    app.http
        .post(format!("{}/v1/messages", app.base))
        .header("x-api-key", key)
        .header("anthropic-version", "2023-06-01")
        .json(body)
}

async fn anthropic(
    app: &TestApp,
    key: &str,
    body: Value,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    app.raw_with_headers(messages(app, key, &body)).await
}

pub fn chat(content: &str) -> Value {
    json!({"model": "simulated-1", "messages": [{"role": "user", "content": content}]})
}

/// What `user` has spent today across organizations.
pub async fn spent(app: &TestApp, user: Uuid) -> Micros {
    let day = Period::Day.bounds(&app.now());
    app.store().window_spend(user, SpendScope::AllOrganizations, day).await.expect("spend")
}

async fn models_and_completions(app: TestApp) {
    let g = gate(&app).await;
    let req = app.http.get(format!("{}/v1/models", app.base)).bearer_auth(&g.key);
    let (status, models) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK, "{models}");
    assert_eq!(models["object"], "list");
    assert_eq!(models["data"][0]["id"], "simulated-1", "{models}");
    let req =
        app.http.get(format!("{}/v1/models/simulated%2Fsimulated-1", app.base)).bearer_auth(&g.key);
    let (status, model) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK, "{model}");

    let (status, headers, answer) =
        openai(&app, &g.key, "/v1/chat/completions", chat("hello gateway")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["object"], "chat.completion");
    let text = answer["choices"][0]["message"]["content"].as_str().expect("content");
    assert!(text.starts_with("Simulated reply from simulated-1"), "{text}");
    assert_eq!(answer["choices"][0]["finish_reason"], "stop");
    let usage = &answer["usage"];
    assert!(
        usage["prompt_tokens"].as_u64() > Some(0) && usage["completion_tokens"].as_u64() > Some(0),
        "{usage}"
    );
    assert!(headers.get("x-tollgate-spend-remaining-micros").is_none(), "no limit applies");
    // $3 in / $15 out per 1M tokens.
    let cost = usage["prompt_tokens"].as_i64().unwrap() * 3
        + usage["completion_tokens"].as_i64().unwrap() * 15;
    assert_eq!(spent(&app, g.owner_id).await, Micros::new(cost));
    // The call is in the cost summary: its total, by model and by source, in no chat.
    app.clock.set(app.now() + chrono::Duration::seconds(1));
    let (status, summary) = app.get("/api/experimental/chats/cost/me/summary", &g.owner).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["total_cost_micros"], cost, "{summary}");
    assert_eq!(summary["by_model"][0]["total_cost_micros"], cost);
    assert_eq!(
        summary["by_source"],
        json!([{"source": "gateway", "total_cost_micros": cost,
        "priced_message_count": 1, "unpriced_message_count": 0,
        "total_input_tokens": usage["prompt_tokens"], "total_output_tokens": usage["completion_tokens"],
        "total_cache_read_tokens": 0, "total_cache_creation_tokens": 0}])
    );
    assert_eq!(summary["by_chat"], json!([]));
    let (_, users) = app.get("/api/experimental/chats/cost/users", &g.owner).await;
    assert_eq!(users["users"][0]["total_cost_micros"], cost, "{users}");
    // `provider/model` names the same model; a session token works too.
    let mut body = chat("again");
    body["model"] = json!("simulated/simulated-1");
    let (status, _, answer) = openai(&app, &g.owner, "/v1/chat/completions", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// Reads an SSE body to its end: the `data:` payloads (and `event:` names) in order.
async fn sse(resp: reqwest::Response) -> Vec<(String, String)> {
    let text = resp.text().await.expect("body");
    let mut events = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(n) = line.strip_prefix("event: ") {
                name = n.to_owned();
            } else if let Some(d) = line.strip_prefix("data: ") {
                data = d.to_owned();
            }
        }
        events.push((name, data));
    }
    events
}

async fn stream_openai(app: &TestApp, key: &str, body: Value) -> Vec<(String, String)> {
    let resp = app
        .http
        .post(format!("{}/v1/chat/completions", app.base))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    sse(resp).await
}

async fn openai_streams_with_and_without_usage(app: TestApp) {
    let g = gate(&app).await;
    let mut body = chat("stream this please");
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let events = stream_openai(&app, &g.key, body.clone()).await;
    assert_eq!(events.last().map(|e| e.1.as_str()), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(&e.1).expect("json"))
        .collect();
    let text: String =
        chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
    assert!(text.starts_with("Simulated reply"), "{text}");
    let usage = &chunks.last().expect("usage chunk")["usage"];
    assert!(usage["completion_tokens"].as_u64() > Some(0), "{chunks:?}");
    assert_eq!(chunks[chunks.len() - 2]["choices"][0]["finish_reason"], "stop");
    let after_first = spent(&app, g.owner_id).await;
    assert!(after_first.is_positive());
    // Without include_usage the client gets no usage chunk; the call is metered all the same.
    body["stream_options"] = json!(null);
    let events = stream_openai(&app, &g.key, body).await;
    assert!(events.iter().all(|e| !e.1.contains("\"usage\"")), "{events:?}");
    assert!(spent(&app, g.owner_id).await > after_first);
}

async fn anthropic_messages_and_streaming(app: TestApp) {
    let g = gate(&app).await;
    let body = json!({"model": "simulated-1", "max_tokens": 200, "system": "be brief",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello claude"}]}]});
    let (status, _, answer) = anthropic(&app, &g.key, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["type"], "message");
    assert_eq!(answer["stop_reason"], "end_turn");
    assert!(
        answer["content"][0]["text"].as_str().is_some_and(|t| t.starts_with("Simulated reply"))
    );
    assert!(answer["usage"]["output_tokens"].as_u64() > Some(0));
    let mut body = body;
    body["stream"] = json!(true);
    let resp = messages(&app, &g.key, &body).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let events = sse(resp).await;
    let names: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names.first(), Some(&"message_start"));
    assert_eq!(names[names.len() - 3..], ["content_block_stop", "message_delta", "message_stop"]);
    let start: Value = serde_json::from_str(&events[0].1).expect("json");
    assert!(start["message"]["usage"]["input_tokens"].as_u64() > Some(0), "{start}");
    let delta: Value = serde_json::from_str(&events[events.len() - 2].1).expect("json");
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert!(delta["usage"]["output_tokens"].as_u64() > Some(0));
}

async fn errors_in_each_protocols_shape(app: TestApp) {
    let g = gate(&app).await;
    let (status, _, err) = openai(&app, "nope", "/v1/chat/completions", chat("x")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["error"]["code"], "invalid_api_key", "{err}");
    let (status, _, err) = anthropic(&app, "nope", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        err,
        json!({"type": "error", "error": {"type": "authentication_error", "message": err["error"]["message"]}})
    );
    // Auth is checked before the body, the body before the model.
    let (status, _, err) =
        openai(&app, &g.key, "/v1/chat/completions", json!({"messages": 3})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["type"], "invalid_request_error", "{err}");
    let (status, _, err) = anthropic(&app, &g.key, json!({"model": "simulated-1"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["type"], "invalid_request_error", "{err}");
    let mut body = chat("x");
    body["model"] = json!("gpt-nothing");
    let (status, _, err) = openai(&app, &g.key, "/v1/chat/completions", body).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "model_not_found", "{err}");
    let (status, _, err) = anthropic(
        &app,
        &g.key,
        json!({"model": "claude-nothing", "max_tokens": 5, "messages": []}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["type"], "not_found_error", "{err}");
    // A feature without a translation is a clear 400, not a silent drop.
    let mut body = chat("x");
    body["messages"][0]["content"] =
        json!([{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]);
    let (status, _, err) = openai(&app, &g.key, "/v1/chat/completions", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("image_url")), "{err}");
    // An organization the owner is not a member of.
    let req = app
        .http
        .post(format!("{}/v1/chat/completions", app.base))
        .bearer_auth(&g.key)
        .header("x-tollgate-organization", Uuid::new_v4().to_string())
        .json(&chat("x"));
    let (status, _, err) = app.raw_with_headers(req).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    // The upstream's failure keeps its status, in the client's shape.
    let (status, _, err) =
        openai(&app, &g.key, "/v1/chat/completions", chat("[simulate:rate_limit]")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{err}");
    assert_eq!(err["error"]["type"], "rate_limit_error");
    assert_eq!(spent(&app, g.owner_id).await, Micros::ZERO, "a refused call bills nothing");
}

async fn the_limit_refuses_with_402_and_lowers_max_tokens(app: TestApp) {
    let g = gate(&app).await;
    // $3/M in, $15/M out: a short prompt's input bound is ~60 tokens (180 µ$), 100 output
    // tokens cost 1 500 µ$.
    app.put(LIMITS, &g.owner, json!({"spend_limit_micros": 1_000, "period": "day"})).await;
    let mut body = chat("hi");
    body["max_tokens"] = json!(1000);
    let (status, headers, answer) = openai(&app, &g.key, "/v1/chat/completions", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let lowered: u32 = headers["x-tollgate-max-tokens-lowered"].to_str().unwrap().parse().unwrap();
    assert!(lowered < 1000 && lowered > 0, "{lowered}");
    let remaining: i64 =
        headers["x-tollgate-spend-remaining-micros"].to_str().unwrap().parse().unwrap();
    assert!((0..1_000).contains(&remaining), "{remaining}");
    assert!(headers.get("x-tollgate-spend-resets-at").is_some());
    // Spend what is left, then every call is refused before any upstream call.
    app.spend(g.owner_id, g.org, 1_000).await;
    let (status, headers, err) = openai(&app, &g.key, "/v1/chat/completions", chat("more")).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["code"], "usage_limit_exceeded");
    assert_eq!(err["error"]["type"], "insufficient_quota");
    assert_eq!(err["error"]["limit_micros"], 1_000);
    assert!(err["error"]["spent_micros"].as_i64() >= Some(1_000));
    assert!(headers.get("retry-after").is_some());
    let (status, headers, err) = anthropic(
        &app,
        &g.key,
        json!({"model": "simulated-1", "max_tokens": 10,
        "messages": [{"role": "user", "content": "more"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["type"], "billing_error");
    assert!(headers.get("retry-after").is_some());
    assert!(spent(&app, g.owner_id).await <= Micros::new(2_000));
}

async fn a_client_gone_mid_stream_is_settled(app: TestApp) {
    let app = app.restart_with(|s| s.chat.simulated_delta_delay = Duration::from_millis(50)).await;
    let g = gate(&app).await;
    let mut body = chat("a long answer please, with many words in it to stream slowly");
    body["stream"] = json!(true);
    let resp = app
        .http
        .post(format!("{}/v1/chat/completions", app.base))
        .bearer_auth(&g.key)
        .json(&body)
        .send()
        .await
        .expect("send");
    let mut chunks = resp.bytes_stream();
    let first = chunks.next().await.expect("a first chunk").expect("bytes");
    assert!(!first.is_empty());
    drop(chunks);
    // The call is settled (its reservation gone, its estimate in the ledger) without the client.
    for _ in 0..250 {
        if spent(&app, g.owner_id).await.is_positive() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the abandoned stream was never settled");
}

async fn embeddings_are_metered(app: TestApp) {
    let g = gate(&app).await;
    let body = json!({"model": "simulated-1", "input": ["one text", "another"]});
    let (status, _, answer) = openai(&app, &g.key, "/v1/embeddings", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["object"], "list");
    let data = answer["data"].as_array().expect("data");
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["index"], 1);
    assert_eq!(data[0]["embedding"].as_array().map(Vec::len), Some(8));
    // One simulated token per four characters, at $3 per 1M input tokens.
    assert_eq!(answer["usage"]["prompt_tokens"], 4, "{answer}");
    assert_eq!(spent(&app, g.owner_id).await, Micros::new(12));
    let body = json!({"model": "simulated-1", "input": [[1, 2, 3]]});
    let (status, _, err) = openai(&app, &g.key, "/v1/embeddings", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["type"], "invalid_request_error");
}

/// In check mode (Coder's check-then-write) a call is refused once settled spend reached the
/// limit, and otherwise served and metered without a reservation's lowering.
async fn check_mode_checks_then_meters(app: TestApp) {
    let app = app.restart_with(|s| s.limit_enforcement = tollgate_core::Enforcement::Check).await;
    let g = gate(&app).await;
    app.put(LIMITS, &g.owner, json!({"spend_limit_micros": 1_000, "period": "day"})).await;
    let mut body = chat("hi");
    body["max_tokens"] = json!(1000);
    let (status, headers, answer) = openai(&app, &g.key, "/v1/chat/completions", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(headers.get("x-tollgate-max-tokens-lowered").is_none(), "check mode lowers nothing");
    assert!(headers.get("x-tollgate-spend-remaining-micros").is_some());
    assert!(spent(&app, g.owner_id).await.is_positive());
    app.spend(g.owner_id, g.org, 1_000).await;
    let (status, _, err) = openai(&app, &g.key, "/v1/chat/completions", chat("more")).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["code"], "usage_limit_exceeded");
}
