//! Real provider protocols through the daemon: cost from real usage payloads, and every kind of
//! upstream failure ending in `error` with a clear `last_error`, billed cost kept, keys unlogged.

use crate::chats::{CHATS, cost_of};
use crate::fake_llm::{self, Scenario};
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

const KEY: &str = "sk-test-0123456789SECRET";

/// Configures `kind` at the fake upstream with prices, makes it the default model, and runs
/// one chat; returns (final chat, history).
async fn run_against(
    app: &TestApp,
    owner: &str,
    kind: &str,
    scenario: Scenario,
    prices: serde_json::Value,
) -> (serde_json::Value, Vec<serde_json::Value>) {
    let base = fake_llm::start(scenario).await;
    let (status, p) = app
        .post(
            &format!("{CHATS}/providers"),
            owner,
            json!({"provider": kind, "api_key": KEY, "base_url": base}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["has_api_key"], true);
    assert!(!p.to_string().contains(KEY), "a provider response leaks its key");
    let body = json!({"provider": kind, "model": "m-1", "context_limit": 100000, "is_default": true, "model_config": {"cost": prices}});
    let (status, m) = app.post(&format!("{CHATS}/model-configs"), owner, body).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let id = app.new_chat(owner, "hello").await["id"].as_str().expect("id").to_owned();
    let mut chat = json!(null);
    for _ in 0..500 {
        chat = app.get(&format!("{CHATS}/{id}"), owner).await.1;
        if chat["status"] == "waiting" || chat["status"] == "error" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (chat.clone(), app.history(owner, &id).await)
}

on_both!(
    openai_cached_tokens_are_charged_once,
    anthropic_cache_read_and_write_are_priced,
    upstream_failures_end_in_error_and_keep_cost
);

async fn openai_cached_tokens_are_charged_once(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let prices = json!({"input_price_per_million_tokens": 2.5, "output_price_per_million_tokens": "10", "cache_read_price_per_million_tokens": "1.25"});
    let (chat, history) =
        run_against(&app, &owner, "openai-compat", Scenario::OpenAiCached, prices).await;
    assert_eq!(chat["status"], "waiting", "{chat}");
    let answer = &history[1];
    assert_eq!(answer["content"][0]["text"], "Hello world");
    // (1000 − 400) × 2.5 + 500 × 10 + 400 × 1.25 = 1500 + 5000 + 500.
    assert_eq!(answer["total_cost_micros"], 7000, "{answer}");
    assert_eq!(answer["usage"]["input_tokens"], 600);
    assert_eq!(answer["usage"]["cache_read_tokens"], 400);
    assert_eq!(answer["usage"]["reasoning_tokens"], 100);
}

async fn anthropic_cache_read_and_write_are_priced(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let prices = json!({"input_price_per_million_tokens": "3", "output_price_per_million_tokens": "15",
        "cache_read_price_per_million_tokens": "0.3", "cache_write_price_per_million_tokens": "3.75"});
    let (chat, history) =
        run_against(&app, &owner, "anthropic", Scenario::AnthropicCached, prices).await;
    assert_eq!(chat["status"], "waiting", "{chat}");
    // 100 × 3 + 50 × 15 + 1000 × 0.3 + 200 × 3.75 = 300 + 750 + 300 + 750.
    assert_eq!(history[1]["total_cost_micros"], 2100, "{}", history[1]);
    assert_eq!(history[1]["usage"]["cache_creation_tokens"], 200);
}

async fn upstream_failures_end_in_error_and_keep_cost(app: TestApp) {
    let logs = crate::support::logs();
    let prices = json!({"input_price_per_million_tokens": "2.5", "output_price_per_million_tokens": "10", "cache_read_price_per_million_tokens": "1.25"});
    let (owner, _, _) = app.first_owner().await;
    let cases = [
        (Scenario::ServerError, "upstream"),
        (Scenario::Garbage, "protocol"),
        (Scenario::Hang, "timeout"),
        (Scenario::DropAfterUsage, "connection"),
    ];
    for (scenario, kind) in cases {
        // A provider kind may be configured once; clear the previous case's.
        let (_, providers) = app.get(&format!("{CHATS}/providers"), &owner).await;
        for p in providers.as_array().cloned().unwrap_or_default() {
            app.delete(
                &format!("{CHATS}/providers/{}", p["id"].as_str().unwrap_or_default()),
                &owner,
            )
            .await;
        }
        let (chat, history) =
            run_against(&app, &owner, "openai-compat", scenario, prices.clone()).await;
        assert_eq!(chat["status"], "error", "{scenario:?}: {chat}");
        let last_error = chat["last_error"].as_str().unwrap_or_default();
        assert!(last_error.starts_with(kind), "{scenario:?}: last_error {last_error:?}");
        assert!(!last_error.contains(KEY));
        if matches!(scenario, Scenario::DropAfterUsage) {
            assert_eq!(
                cost_of(&history),
                7000,
                "the billed partial answer lost its cost: {history:?}"
            );
        }
    }
    let log_text =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(!log_text.contains(KEY), "a provider key reached the logs");
    let (_, listed) = app.get(&format!("{CHATS}/providers"), &owner).await;
    assert!(!listed.to_string().contains(KEY));
}
