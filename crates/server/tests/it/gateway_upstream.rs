//! The gateway against a local fake upstream (`fake_llm`): a client of one protocol reaches a
//! provider of the other, with the answer, stop reason and usage translated and the call
//! metered from the upstream's usage; upstream failures keep their status in the client's shape.

use crate::fake_llm::{self, Scenario};
use crate::gateway::{api_key, gate, messages};
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate_core::{Micros, Period, SpendScope};

const CHATS: &str = "/api/experimental/chats";

on_both!(
    an_openai_client_reaches_an_anthropic_model,
    an_anthropic_client_reaches_an_openai_model,
    upstream_failures_keep_their_status,
    a_model_changed_here_is_seen_by_the_next_call,
);

/// Configures `kind` against the fake playing `scenario`, with a model `m-1` at `prices`; the
/// fake's received request bodies.
pub async fn upstream(
    app: &TestApp,
    owner: &str,
    kind: &str,
    scenario: Scenario,
    prices: Value,
) -> fake_llm::Received {
    let (base, received) = fake_llm::start_recording(scenario).await;
    let body = json!({"provider": kind, "api_key": "sk-upstream-secret", "base_url": base});
    let (status, p) = app.post(&format!("{CHATS}/providers"), owner, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let body = json!({"provider": kind, "model": "m-1", "context_limit": 100000,
        "model_config": {"cost": prices}});
    let (status, m) = app.post(&format!("{CHATS}/model-configs"), owner, body).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    received
}

pub async fn spent_today(app: &TestApp, user: uuid::Uuid) -> Micros {
    let day = Period::Day.bounds(&app.now());
    app.store().window_spend(user, SpendScope::AllOrganizations, day).await.expect("spend")
}

async fn an_openai_client_reaches_an_anthropic_model(app: TestApp) {
    let g = gate(&app).await;
    let prices = json!({"input_price_per_million_tokens": "3", "output_price_per_million_tokens": "15",
        "cache_read_price_per_million_tokens": "0.3", "cache_write_price_per_million_tokens": "3.75"});
    upstream(&app, &g.owner, "anthropic", Scenario::AnthropicCached, prices).await;
    let body = json!({"model": "m-1", "messages": [{"role": "system", "content": "terse"},
        {"role": "user", "content": "hello"}]});
    let req =
        app.http.post(format!("{}/v1/chat/completions", app.base)).bearer_auth(&g.key).json(&body);
    let (status, answer) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["choices"][0]["message"]["content"], "Hi there");
    assert_eq!(answer["choices"][0]["finish_reason"], "stop");
    // OpenAI's prompt_tokens count cached tokens: 100 + 1000 read + 200 written.
    assert_eq!(answer["usage"]["prompt_tokens"], 1300, "{answer}");
    assert_eq!(answer["usage"]["prompt_tokens_details"]["cached_tokens"], 1000);
    assert_eq!(answer["usage"]["completion_tokens"], 50);
    // 100 × 3 + 50 × 15 + 1000 × 0.3 + 200 × 3.75, as a chat would be charged.
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::new(2100));
    // Anthropic has no embeddings: a clear 400, billing nothing.
    let body = json!({"model": "m-1", "input": "embed me"});
    let req = app.http.post(format!("{}/v1/embeddings", app.base)).bearer_auth(&g.key).json(&body);
    let (status, err) = app.raw(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("no embeddings")), "{err}");
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::new(2100));
}

async fn an_anthropic_client_reaches_an_openai_model(app: TestApp) {
    let g = gate(&app).await;
    let prices = json!({"input_price_per_million_tokens": 2.5, "output_price_per_million_tokens": "10",
        "cache_read_price_per_million_tokens": "1.25"});
    upstream(&app, &g.owner, "openai-compat", Scenario::OpenAiCached, prices).await;
    let body = json!({"model": "m-1", "max_tokens": 600, "messages": [{"role": "user", "content": "hello"}]});
    let (status, answer) = app.raw(messages(&app, &g.key, &body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["content"][0]["text"], "Hello world");
    assert_eq!(answer["stop_reason"], "end_turn");
    // Anthropic's input_tokens exclude cached ones: 1000 − 400.
    assert_eq!(answer["usage"]["input_tokens"], 600, "{answer}");
    assert_eq!(answer["usage"]["cache_read_input_tokens"], 400);
    assert_eq!(answer["usage"]["output_tokens"], 500);
    // (1000 − 400) × 2.5 + 500 × 10 + 400 × 1.25.
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::new(7000));
    // Streamed, the same answer arrives as Anthropic events.
    let mut body = body;
    body["stream"] = json!(true);
    let resp = messages(&app, &g.key, &body).send().await.expect("send");
    let text = resp.text().await.expect("body");
    assert!(text.contains("\"text\":\"Hello\"") && text.contains("event: message_stop"), "{text}");
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::new(14000));
}

async fn upstream_failures_keep_their_status(app: TestApp) {
    let g = gate(&app).await;
    let prices =
        json!({"input_price_per_million_tokens": "1", "output_price_per_million_tokens": "1"});
    upstream(&app, &g.owner, "openai-compat", Scenario::ServerError, prices).await;
    let other = api_key(&app, &g.owner, "second").await;
    let body = json!({"model": "m-1", "messages": [{"role": "user", "content": "hello"}]});
    let req =
        app.http.post(format!("{}/v1/chat/completions", app.base)).bearer_auth(&other).json(&body);
    let (status, err) = app.raw(req).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{err}");
    assert_eq!(err["error"]["type"], "api_error", "{err}");
    assert!(!err.to_string().contains("sk-upstream-secret"));
    let body = json!({"model": "m-1", "max_tokens": 5, "messages": [{"role": "user", "content": "hello"}]});
    let (status, err) = app.raw(messages(&app, &other, &body)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{err}");
    assert_eq!(err["type"], "error");
    assert_eq!(err["error"]["type"], "api_error");
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::ZERO, "a refused call bills nothing");
}

/// The gateway keeps the model configs and provider clients for a second
/// (`services::config_cache`); a change made through this server is seen at once all the same.
async fn a_model_changed_here_is_seen_by_the_next_call(app: TestApp) {
    let g = gate(&app).await;
    let prices =
        json!({"input_price_per_million_tokens": "1", "output_price_per_million_tokens": "1"});
    upstream(&app, &g.owner, "openai-compat", Scenario::OpenAiCached, prices).await;
    let body = json!({"model": "m-1", "messages": [{"role": "user", "content": "hello"}]});
    let complete = || {
        app.http.post(format!("{}/v1/chat/completions", app.base)).bearer_auth(&g.key).json(&body)
    };
    let (status, answer) = app.raw(complete()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // (1000 − 400) × 1 + 500 × 1: the cached tokens have no price.
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::new(1100));
    let (_, configs) = app.get(&format!("{CHATS}/model-configs"), &g.owner).await;
    let m1 = configs.as_array().and_then(|all| all.iter().find(|c| c["model"] == "m-1")).cloned();
    let id = m1.expect("m-1 is listed")["id"].as_str().expect("id").to_owned();
    let path = format!("{CHATS}/model-configs/{id}");
    let doubled = json!({"model_config": {"cost": {"input_price_per_million_tokens": "2",
        "output_price_per_million_tokens": "2"}}});
    let req = app.http.patch(format!("{}{path}", app.base)).bearer_auth(&g.owner).json(&doubled);
    let (status, changed) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let (status, answer) = app.raw(complete()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::new(1100 + 2200), "the new price");
    let (status, _) = app.delete(&path, &g.owner).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, err) = app.raw(complete()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the deleted model is gone at once: {err}");
}
