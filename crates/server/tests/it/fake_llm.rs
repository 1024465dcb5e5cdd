//! A local fake LLM upstream that speaks the providers' streaming wire formats, for driving the
//! chat daemon end to end: OpenAI Chat Completions and Anthropic Messages, plus failure modes.

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use futures::StreamExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub enum Scenario {
    /// OpenAI: two deltas, then usage with cached and reasoning tokens.
    OpenAiCached,
    /// Anthropic: message_start with cache read/write usage, deltas, message_delta.
    AnthropicCached,
    /// HTTP 500 with an OpenAI-style error body.
    ServerError,
    /// 200, then bytes that are not SSE.
    Garbage,
    /// A delta and a usage chunk, then the connection drops.
    DropAfterUsage,
    /// Headers, then silence.
    Hang,
    /// OpenAI: a short text, then a `weather` tool call whose arguments come in two pieces.
    OpenAiToolCall,
    /// Anthropic: a text block, then a `weather` tool_use block streamed as input_json_delta.
    AnthropicToolUse,
}

fn sse(chunks: Vec<String>) -> Response {
    let body = chunks.concat();
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

fn openai_chunk(json: serde_json::Value) -> String {
    format!("data: {json}\n\n")
}

fn openai_delta(text: &str) -> String {
    openai_chunk(serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]}))
}

fn openai_usage() -> String {
    openai_chunk(
        serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "model": "m", "choices": [],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 400},
            "completion_tokens_details": {"reasoning_tokens": 100}}}),
    )
}

fn anthropic_event(name: &str, json: serde_json::Value) -> String {
    format!("event: {name}\ndata: {json}\n\n")
}

async fn respond(scenario: Scenario) -> Response {
    match scenario {
        Scenario::OpenAiCached => sse(vec![
            openai_delta("Hello"),
            openai_delta(" world"),
            openai_chunk(serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "model": "m",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})),
            openai_usage(),
            "data: [DONE]\n\n".to_owned(),
        ]),
        Scenario::AnthropicCached => sse(vec![
            anthropic_event("message_start", serde_json::json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
                "role": "assistant", "model": "claude", "content": [], "stop_reason": null,
                "usage": {"input_tokens": 100, "output_tokens": 1, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200}}})),
            anthropic_event("content_block_start", serde_json::json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
            anthropic_event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi there"}})),
            anthropic_event("content_block_stop", serde_json::json!({"type": "content_block_stop", "index": 0})),
            anthropic_event("message_delta", serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 50}})),
            anthropic_event("message_stop", serde_json::json!({"type": "message_stop"})),
        ]),
        Scenario::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}"#,
        )
            .into_response(),
        Scenario::Garbage => ([(header::CONTENT_TYPE, "text/event-stream")], "<html>not an event stream</html>\n\n").into_response(),
        Scenario::DropAfterUsage => {
            let head = vec![openai_delta("Partial answer"), openai_usage()];
            let chunks = futures::stream::iter(head.into_iter().map(|c| Ok::<_, std::io::Error>(Bytes::from(c))))
                .chain(futures::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped"))
                }));
            ([(header::CONTENT_TYPE, "text/event-stream")], Body::from_stream(chunks)).into_response()
        }
        Scenario::OpenAiToolCall => {
            let call = |delta: serde_json::Value| {
                openai_chunk(serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "model": "m",
                    "choices": [{"index": 0, "delta": {"tool_calls": [delta]}, "finish_reason": null}]}))
            };
            sse(vec![
                openai_delta("Checking."),
                call(serde_json::json!({"index": 0, "id": "call_w", "type": "function",
                    "function": {"name": "weather", "arguments": ""}})),
                call(serde_json::json!({"index": 0, "function": {"arguments": "{\"city\":"}})),
                call(serde_json::json!({"index": 0, "function": {"arguments": "\"Oslo\"}"}})),
                openai_chunk(serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "model": "m",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})),
                openai_usage(),
                "data: [DONE]\n\n".to_owned(),
            ])
        }
        Scenario::AnthropicToolUse => sse(vec![
            anthropic_event("message_start", serde_json::json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
                "role": "assistant", "model": "claude", "content": [], "stop_reason": null,
                "usage": {"input_tokens": 100, "output_tokens": 1}}})),
            anthropic_event("content_block_start", serde_json::json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
            anthropic_event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Checking."}})),
            anthropic_event("content_block_stop", serde_json::json!({"type": "content_block_stop", "index": 0})),
            anthropic_event("content_block_start", serde_json::json!({"type": "content_block_start", "index": 1,
                "content_block": {"type": "tool_use", "id": "toolu_w", "name": "weather", "input": {}}})),
            anthropic_event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"city\": "}})),
            anthropic_event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "\"Oslo\"}"}})),
            anthropic_event("content_block_stop", serde_json::json!({"type": "content_block_stop", "index": 1})),
            anthropic_event("message_delta", serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 30}})),
            anthropic_event("message_stop", serde_json::json!({"type": "message_stop"})),
        ]),
        Scenario::Hang => {
            let never = futures::stream::pending::<Result<Bytes, std::io::Error>>();
            ([(header::CONTENT_TYPE, "text/event-stream")], Body::from_stream(never)).into_response()
        }
    }
}

/// Starts the fake on a free port; returns its base URL (for `base_url`).
pub async fn start(scenario: Scenario) -> String {
    start_recording(scenario).await.0
}

/// The request bodies a fake received, in order.
pub type Received = Arc<Mutex<Vec<serde_json::Value>>>;

/// [`start`], keeping every request body it receives.
pub async fn start_recording(scenario: Scenario) -> (String, Received) {
    let received = Received::default();
    let log = received.clone();
    let answer = move |body: Bytes| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or_default());
            respond(scenario).await
        }
    };
    let counted = received.clone();
    let count = move |body: Bytes| {
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        counted.lock().unwrap().push(body);
        async move { axum::Json(serde_json::json!({"input_tokens": 42})) }
    };
    let app = Router::new()
        .route("/chat/completions", post(answer.clone()))
        .route("/v1/messages", post(answer))
        .route("/v1/messages/count_tokens", post(count));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake upstream");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), received)
}
