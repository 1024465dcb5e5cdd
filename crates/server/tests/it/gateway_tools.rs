//! Tool calling through the gateway (gateway.md §1), against the local fake upstream: tools, the
//! tool choice, stop sequences and a conversation's calls and results reach a provider of either
//! protocol in its own shape; the model's calls come back in the client's shape, whole and
//! streamed; what has no translation is a 400 that bills nothing.

use crate::fake_llm::{Received, Scenario};
use crate::gateway::{gate, messages};
use crate::gateway_upstream::{spent_today, upstream};
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate_core::Micros;

on_both!(
    an_openai_client_calls_tools_through_either_provider,
    an_anthropic_client_uses_tools_through_either_provider,
    tools_without_a_translation_are_refused,
    tokens_are_counted_where_the_provider_counts_them,
);

fn prices() -> Value {
    json!({"input_price_per_million_tokens": "1", "output_price_per_million_tokens": "1"})
}

fn last(received: &Received) -> Value {
    received.lock().unwrap().last().cloned().expect("the upstream was called")
}

/// An OpenAI conversation that already called `weather` once and sends its result back.
fn openai_body(stream: bool) -> Value {
    json!({"model": "m-1", "stream": stream, "stop": "END", "tool_choice": "required",
        "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather now",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
        "messages": [
            {"role": "user", "content": "Weather in Bergen, then Oslo?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_b", "type": "function",
                "function": {"name": "weather", "arguments": "{\"city\":\"Bergen\"}"}}]},
            {"role": "tool", "tool_call_id": "call_b", "content": "rain"}]})
}

async fn an_openai_client_calls_tools_through_either_provider(app: TestApp) {
    let g = gate(&app).await;
    let url = format!("{}/v1/chat/completions", app.base);
    let received =
        upstream(&app, &g.owner, "openai-compat", Scenario::OpenAiToolCall, prices()).await;
    let (status, answer) =
        app.raw(app.http.post(&url).bearer_auth(&g.key).json(&openai_body(false))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let choice = &answer["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls", "{answer}");
    assert_eq!(choice["message"]["content"], "Checking.");
    assert_eq!(
        choice["message"]["tool_calls"],
        json!([{"id": "call_w", "type": "function",
            "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}}])
    );
    let sent = last(&received);
    assert_eq!(sent["tools"][0]["function"]["name"], "weather", "{sent}");
    assert_eq!((&sent["tool_choice"], &sent["stop"]), (&json!("required"), &json!(["END"])));
    assert_eq!(sent["messages"][1]["tool_calls"][0]["id"], "call_b");
    assert_eq!(
        sent["messages"][2],
        json!({"role": "tool", "tool_call_id": "call_b", "content": "rain"})
    );
    // 600 uncached in and 500 out at $1 per 1M each (the 400 cached tokens have no price here):
    // the call is billed like any other.
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::new(1100));

    // Streamed: the call arrives as tool_calls deltas, the arguments in pieces.
    let resp = app
        .http
        .post(&url)
        .bearer_auth(&g.key)
        .json(&openai_body(true))
        .send()
        .await
        .expect("send");
    let text = resp.text().await.expect("body");
    let deltas: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|c| c["choices"][0]["delta"].get("tool_calls").cloned())
        .collect();
    assert_eq!(deltas[0][0]["id"], "call_w", "{text}");
    assert_eq!(deltas[0][0]["function"]["name"], "weather");
    let args: String =
        deltas.iter().filter_map(|d| d[0]["function"]["arguments"].as_str()).collect();
    assert_eq!(args, "{\"city\":\"Oslo\"}");
    assert!(text.contains("\"finish_reason\":\"tool_calls\""), "{text}");

    // The same client, a model on Anthropic: the history goes out as tool_use/tool_result blocks.
    let received =
        upstream(&app, &g.owner, "anthropic", Scenario::AnthropicToolUse, prices()).await;
    let mut body = openai_body(false);
    body["model"] = json!("anthropic/m-1");
    let (status, answer) = app.raw(app.http.post(&url).bearer_auth(&g.key).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let call = &answer["choices"][0]["message"]["tool_calls"][0];
    assert_eq!((&call["id"], &call["function"]["name"]), (&json!("toolu_w"), &json!("weather")));
    assert_eq!(call["function"]["arguments"], "{\"city\": \"Oslo\"}");
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");
    let sent = last(&received);
    assert_eq!(sent["tools"][0]["input_schema"]["properties"]["city"]["type"], "string", "{sent}");
    assert_eq!(
        (&sent["tool_choice"], &sent["stop_sequences"]),
        (&json!({"type": "any"}), &json!(["END"]))
    );
    assert_eq!(
        sent["messages"][1]["content"][0],
        json!({"type": "tool_use", "id": "call_b", "name": "weather", "input": {"city": "Bergen"}})
    );
    assert_eq!(
        sent["messages"][2]["content"][0],
        json!({"type": "tool_result", "tool_use_id": "call_b", "content": "rain"})
    );
}

/// An Anthropic conversation that used `weather` once and sends its (failed) result back.
fn anthropic_body(stream: bool) -> Value {
    json!({"model": "m-1", "max_tokens": 300, "stream": stream,
        "tool_choice": {"type": "tool", "name": "weather", "disable_parallel_tool_use": true},
        "tools": [{"name": "weather", "input_schema": {"type": "object"}}],
        "messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Looking."},
                {"type": "tool_use", "id": "toolu_a", "name": "weather", "input": {"city": "Bergen"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_a", "content": [{"type": "text", "text": "offline"}], "is_error": true},
                {"type": "text", "text": "Try Oslo."}]}]})
}

async fn an_anthropic_client_uses_tools_through_either_provider(app: TestApp) {
    let g = gate(&app).await;
    let received =
        upstream(&app, &g.owner, "openai-compat", Scenario::OpenAiToolCall, prices()).await;
    let (status, answer) = app.raw(messages(&app, &g.key, &anthropic_body(false))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["stop_reason"], "tool_use", "{answer}");
    assert_eq!(
        answer["content"],
        json!([{"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "call_w", "name": "weather", "input": {"city": "Oslo"}}])
    );
    let sent = last(&received);
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "function", "function": {"name": "weather"}}),
        "{sent}"
    );
    assert_eq!(sent["parallel_tool_calls"], false);
    let history = &sent["messages"];
    assert_eq!(history[1]["content"], "Looking.");
    assert_eq!(history[1]["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Bergen\"}");
    assert_eq!(
        history[2],
        json!({"role": "tool", "tool_call_id": "toolu_a", "content": "offline"})
    );
    assert_eq!(history[3], json!({"role": "user", "content": "Try Oslo."}));

    // Streamed: a text block, then a tool_use block whose input arrives as input_json_delta.
    let resp = messages(&app, &g.key, &anthropic_body(true)).send().await.expect("send");
    let text = resp.text().await.expect("body");
    let events: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    let starts: Vec<&Value> =
        events.iter().filter(|e| e["type"] == "content_block_start").collect();
    assert_eq!(starts.len(), 2, "{text}");
    assert_eq!(starts[1]["index"], 1);
    assert_eq!(starts[1]["content_block"]["type"], "tool_use");
    assert_eq!(starts[1]["content_block"]["id"], "call_w");
    let input: String = events
        .iter()
        .filter(|e| e["delta"]["type"] == "input_json_delta")
        .map(|e| e["delta"]["partial_json"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(input, "{\"city\":\"Oslo\"}");
    let stops = events.iter().filter(|e| e["type"] == "content_block_stop").count();
    assert_eq!(stops, 2, "every block is closed: {text}");
    assert!(text.contains("\"stop_reason\":\"tool_use\""), "{text}");
}

async fn tools_without_a_translation_are_refused(app: TestApp) {
    let g = gate(&app).await;
    upstream(&app, &g.owner, "openai-compat", Scenario::OpenAiToolCall, prices()).await;
    let url = format!("{}/v1/chat/completions", app.base);
    let user = json!([{"role": "user", "content": "hi"}]);
    let refused = [
        json!({"model": "m-1", "messages": user, "tools": [{"type": "custom", "function": {"name": "x"}}]}),
        json!({"model": "m-1", "messages": user, "functions": [{"name": "x"}]}),
        json!({"model": "m-1", "messages": user, "tool_choice": "sometimes"}),
        json!({"model": "m-1", "messages": [{"role": "tool", "content": "orphan"}]}),
        json!({"model": "m-1", "messages": user, "stop": [1, 2]}),
    ];
    for body in refused {
        let (status, err) = app.raw(app.http.post(&url).bearer_auth(&g.key).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {err}");
        assert_eq!(err["error"]["type"], "invalid_request_error", "{err}");
    }
    let anthropic = [
        json!({"model": "m-1", "max_tokens": 10, "messages": user,
            "tools": [{"type": "web_search_20250305", "name": "web_search"}]}),
        json!({"model": "m-1", "max_tokens": 10, "messages": user, "tool_choice": {"type": "maybe"}}),
        json!({"model": "m-1", "max_tokens": 10, "messages": [{"role": "user",
            "content": [{"type": "tool_use", "id": "t", "name": "x", "input": {}}]}]}),
        json!({"model": "m-1", "max_tokens": 10, "messages": [{"role": "user",
            "content": [{"type": "tool_result", "content": "no id"}]}]}),
    ];
    for body in anthropic {
        let (status, err) = app.raw(messages(&app, &g.key, &body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {err}");
        assert_eq!(err["error"]["type"], "invalid_request_error", "{err}");
    }
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::ZERO, "nothing was billed");
}

async fn tokens_are_counted_where_the_provider_counts_them(app: TestApp) {
    let g = gate(&app).await;
    let received =
        upstream(&app, &g.owner, "anthropic", Scenario::AnthropicToolUse, prices()).await;
    let count = |body: Value| {
        app.http
            .post(format!("{}/v1/messages/count_tokens", app.base))
            .header("x-api-key", &g.key)
            .header("anthropic-version", "2023-06-01")
            .json(&body)
    };
    let body = json!({"model": "m-1", "system": "terse",
        "tools": [{"name": "weather", "input_schema": {"type": "object"}}],
        "messages": [{"role": "user", "content": "Weather?"}]});
    let (status, counted) = app.raw(count(body)).await;
    assert_eq!(status, StatusCode::OK, "{counted}");
    assert_eq!(counted, json!({"input_tokens": 42}));
    let sent = last(&received);
    assert_eq!((&sent["model"], &sent["system"]), (&json!("m-1"), &json!("terse")), "{sent}");
    assert_eq!(sent["tools"][0]["name"], "weather");
    assert!(sent.get("max_tokens").is_none() && sent.get("stream").is_none(), "{sent}");
    // The offline model counts its own; an OpenAI-compatible provider has no count: 400.
    let body =
        json!({"model": "simulated-1", "messages": [{"role": "user", "content": "12345678"}]});
    let (status, counted) = app.raw(count(body)).await;
    assert_eq!(status, StatusCode::OK, "{counted}");
    assert_eq!(counted["input_tokens"], 2);
    upstream(&app, &g.owner, "openai-compat", Scenario::OpenAiToolCall, prices()).await;
    let body =
        json!({"model": "openai-compat/m-1", "messages": [{"role": "user", "content": "hi"}]});
    let (status, err) = app.raw(count(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(
        err["error"]["message"].as_str().is_some_and(|m| m.contains("token counting")),
        "{err}"
    );
    let (status, _) = app
        .raw(
            app.http
                .post(format!("{}/v1/messages/count_tokens", app.base))
                .json(&json!({"model": "m-1", "messages": []})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(spent_today(&app, g.owner_id).await, Micros::ZERO, "counting bills nothing");
}
