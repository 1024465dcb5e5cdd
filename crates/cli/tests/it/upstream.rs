//! A metered fake of an OpenAI-compatible upstream: it streams one word (one token) at a time,
//! honours `max_tokens`, and bills — like a real provider — every token it has handed to the
//! connection, whether or not the client lived to read it. Tests compare what tollgate recorded
//! with what this upstream billed.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One call as the upstream billed it.
#[derive(Debug, Clone, Default)]
pub struct Call {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Clone)]
pub struct Upstream {
    pub base_url: String,
    calls: Arc<Mutex<Vec<Call>>>,
    words: u64,
    pace: Duration,
}

impl Upstream {
    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls").clone()
    }

    /// What every call so far cost at `input`/`output` micros a token.
    pub fn billed_micros(&self, input: u64, output: u64) -> u64 {
        self.calls().iter().map(|c| c.prompt_tokens * input + c.completion_tokens * output).sum()
    }

    /// Tokens sent so far by the newest call.
    pub fn streamed(&self) -> u64 {
        self.calls().last().map_or(0, |c| c.completion_tokens)
    }
}

/// Starts the upstream on a free port, on a runtime of its own (so it outlives none of the
/// test's blocking waits): answers of `words` tokens, one every `pace`.
pub fn start(runtime: &tokio::runtime::Runtime, words: u64, pace: Duration) -> Upstream {
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let upstream =
        Upstream { base_url: format!("http://{addr}/v1"), calls: Arc::default(), words, pace };
    let app =
        Router::new().route("/v1/chat/completions", post(complete)).with_state(upstream.clone());
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    upstream
}

/// Prompt tokens at four bytes a token, as a BPE tokenizer counts English text (tollgate's
/// bound counts one a byte, so it is never below this).
fn prompt_tokens(request: &Value) -> u64 {
    let bytes: usize = request["messages"]
        .as_array()
        .map(|ms| ms.iter().map(|m| m["content"].as_str().map_or(0, str::len)).sum())
        .unwrap_or(0);
    (bytes as u64).div_ceil(4)
}

/// A request that offers tools is answered with one call of its first tool, `{"n": 1}`, its
/// arguments in two pieces, as OpenAI streams them.
fn tool_call(request: &Value) -> Option<Response> {
    let name = request["tools"][0]["function"]["name"].as_str()?;
    let prompt = prompt_tokens(request);
    let chunk = |delta: Value, finish: Value| {
        let c = json!({"id": "c", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {c}\n\n")
    };
    let call = |head: Value| json!({"tool_calls": [head]});
    let body = [
        chunk(
            call(json!({"index": 0, "id": "call_1", "type": "function",
            "function": {"name": name, "arguments": "{\"n\""}})),
            Value::Null,
        ),
        chunk(call(json!({"index": 0, "function": {"arguments": ": 1}"}})), Value::Null),
        chunk(json!({}), json!("tool_calls")),
        format!(
            "data: {}\n\n",
            json!({"id": "c", "object": "chat.completion.chunk", "choices": [],
            "usage": {"prompt_tokens": prompt, "completion_tokens": 5, "total_tokens": prompt + 5}})
        ),
        "data: [DONE]\n\n".to_owned(),
    ];
    Some(([(header::CONTENT_TYPE, "text/event-stream")], body.concat()).into_response())
}

async fn complete(State(up): State<Upstream>, axum::Json(request): axum::Json<Value>) -> Response {
    if let Some(answer) = tool_call(&request) {
        let billed = Call { prompt_tokens: prompt_tokens(&request), completion_tokens: 5 };
        up.calls.lock().expect("calls").push(billed);
        return answer;
    }
    let max = request["max_completion_tokens"]
        .as_u64()
        .or_else(|| request["max_tokens"].as_u64())
        .unwrap_or(u64::MAX);
    let words = up.words.min(max);
    let prompt = prompt_tokens(&request);
    let index = {
        let mut calls = up.calls.lock().expect("calls");
        calls.push(Call { prompt_tokens: prompt, completion_tokens: 0 });
        calls.len() - 1
    };
    let chunks = futures::stream::unfold(0u64, move |sent| {
        let up = up.clone();
        async move {
            if sent > words {
                return None;
            }
            if sent == words {
                let usage = json!({"id": "c", "object": "chat.completion.chunk", "choices": [],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": words,
                        "total_tokens": prompt + words}});
                let tail = format!(
                    "data: {}\n\ndata: {usage}\n\ndata: [DONE]\n\n",
                    json!({"id": "c", "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                );
                return Some((Ok::<_, std::io::Error>(tail), sent + 1));
            }
            tokio::time::sleep(up.pace).await;
            // Billed as it is handed to the connection.
            up.calls.lock().expect("calls")[index].completion_tokens = sent + 1;
            let delta = json!({"id": "c", "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"content": format!("w{sent} ")}, "finish_reason": null}]});
            Some((Ok(format!("data: {delta}\n\n")), sent + 1))
        }
    });
    ([(header::CONTENT_TYPE, "text/event-stream")], Body::from_stream(chunks)).into_response()
}
