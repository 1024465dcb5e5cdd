//! Anthropic's Messages (`POST /v1/messages`, stream and not), read into the neutral request and
//! answered in Anthropic's shapes and event sequence.

use super::answer::{Ctx, Shape, model_and_provider, serve};
use super::{Ask, GatewayError, Protocol, caller, parse, text_content, tools};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tollgate_api_types as api;
use tollgate_llm::{Completion, CompletionRequest, Message, Role, StopReason, StreamEvent, Usage};

#[utoipa::path(post, path = "/v1/messages", tag = "Gateway",
    request_body = api::MessagesRequest,
    responses((status = 200, body = api::MessagesResponse,
            description = "The answer; with `stream: true`, Anthropic's server-sent events."),
        (status = 400, body = api::AnthropicErrorResponse),
        (status = 401, body = api::AnthropicErrorResponse),
        (status = 402, body = api::AnthropicErrorResponse, description = "The spend limit cannot pay for the call."),
        (status = 403, body = api::AnthropicErrorResponse),
        (status = 404, body = api::AnthropicErrorResponse),
        (status = 429, body = api::AnthropicErrorResponse),
        (status = 502, body = api::AnthropicErrorResponse),
        (status = 504, body = api::AnthropicErrorResponse)))]
pub async fn messages(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let caller = match caller(&state, &headers).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(Protocol::Anthropic),
    };
    let ask = match read(&body) {
        Ok(ask) => ask,
        Err(e) => return e.into_response(Protocol::Anthropic),
    };
    serve(state, caller, &headers, ask, Anthropic::default()).await
}

fn read(body: &[u8]) -> Result<Ask, GatewayError> {
    let req: api::MessagesRequest = parse(body)?;
    Ok(Ask {
        tools: tools::anthropic_tools(req.tools, req.tool_choice)?,
        messages: conversation(req.system.as_ref(), &req.messages)?,
        model: req.model,
        max_tokens: Some(req.max_tokens),
        temperature: req.temperature,
        stream: req.stream.unwrap_or(false),
        stop: req.stop_sequences.unwrap_or_default(),
    })
}

/// The system prompt and the turns, as neutral messages.
fn conversation(
    system: Option<&serde_json::Value>,
    turns: &[api::AnthropicMessage],
) -> Result<Vec<Message>, GatewayError> {
    let mut messages = Vec::with_capacity(turns.len() + 1);
    if let Some(system) = system {
        messages.push(Message::system(text_content(system)?));
    }
    for m in turns {
        let role = match m.role.as_str() {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            other => {
                return Err(GatewayError::invalid(format!(
                    "Messages of role {other:?} are not supported: use user or assistant."
                )));
            }
        };
        messages.extend(tools::anthropic_turn(role, &m.content)?);
    }
    Ok(messages)
}

#[utoipa::path(post, path = "/v1/messages/count_tokens", tag = "Gateway",
    request_body = api::CountTokensRequest,
    responses((status = 200, body = api::CountTokensResponse,
            description = "The input tokens the request would be billed, as the model's provider counts them; nothing is billed."),
        (status = 400, body = api::AnthropicErrorResponse,
            description = "Invalid, or the model's provider counts no tokens (OpenAI-compatible ones)."),
        (status = 401, body = api::AnthropicErrorResponse),
        (status = 404, body = api::AnthropicErrorResponse),
        (status = 429, body = api::AnthropicErrorResponse),
        (status = 502, body = api::AnthropicErrorResponse),
        (status = 504, body = api::AnthropicErrorResponse)))]
pub async fn count_tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match counted(&state, &headers, &body).await {
        Ok(input_tokens) => Json(api::CountTokensResponse { input_tokens }).into_response(),
        Err(e) => e.into_response(Protocol::Anthropic),
    }
}

async fn counted(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<u64, GatewayError> {
    caller(state, headers).await?;
    let req: api::CountTokensRequest = parse(body)?;
    let tools = tools::anthropic_tools(req.tools, req.tool_choice)?;
    let messages = conversation(req.system.as_ref(), &req.messages)?;
    let (model, provider) = model_and_provider(state, &req.model).await?;
    let request =
        CompletionRequest { model: model.model.clone(), messages, tools, ..Default::default() };
    provider.count_tokens(request).await.map_err(|e| GatewayError::from(&e))
}

fn usage(u: Option<Usage>) -> api::AnthropicUsage {
    let u = u.unwrap_or_default();
    api::AnthropicUsage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_creation_input_tokens: u.cache_creation_tokens,
        cache_read_input_tokens: u.cache_read_tokens,
    }
}

/// A whole answer's blocks: its text (always, when it called no tool), then its calls.
fn blocks(completion: &Completion) -> Vec<api::ContentBlock> {
    let text = (!completion.text.is_empty() || completion.tool_calls.is_empty())
        .then(|| api::ContentBlock::Text { text: completion.text.clone() });
    let calls = completion.tool_calls.iter().map(|call| api::ContentBlock::ToolUse {
        id: call.id.clone(),
        name: call.name.clone(),
        input: tools::input_of(call),
    });
    text.into_iter().chain(calls).collect()
}

fn stop_reason(stop: Option<&StopReason>) -> &'static str {
    match stop {
        Some(StopReason::MaxTokens) => "max_tokens",
        Some(StopReason::StopSequence) => "stop_sequence",
        Some(StopReason::ToolUse) => "tool_use",
        Some(StopReason::ContentFilter) => "refusal",
        _ => "end_turn",
    }
}

/// Anthropic's event sequence: `message_start` (sent with the first upstream event, so it can
/// carry the input tokens when the upstream reported them first), the content blocks one after
/// another (text, then a `tool_use` block per call, its arguments as `input_json_delta`s), then
/// `message_delta` with the stop reason and usage, and `message_stop`.
#[derive(Default)]
pub struct Anthropic {
    started: bool,
    /// Blocks opened so far; the last one is open unless `closed`.
    blocks: usize,
    closed: bool,
    /// Whether the open block is a text block.
    open_is_text: bool,
    /// The block index of each tool call, by the call's index.
    tool_blocks: Vec<usize>,
}

fn event(out: &mut String, name: &str, data: serde_json::Value) {
    out.push_str(&format!("event: {name}\ndata: {data}\n\n"));
}

impl Anthropic {
    fn start(&mut self, ctx: &Ctx, usage_so_far: Option<Usage>, out: &mut String) {
        if self.started {
            return;
        }
        self.started = true;
        let mut u = usage(usage_so_far);
        u.output_tokens = 0;
        let message = json!({
            "id": format!("msg_{}", ctx.id), "type": "message", "role": "assistant",
            "model": ctx.model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": u,
        });
        event(out, "message_start", json!({"type": "message_start", "message": message}));
    }

    /// Closes the open block, if any.
    fn close(&mut self, out: &mut String) {
        if self.blocks > 0 && !self.closed {
            self.closed = true;
            let index = self.blocks - 1;
            event(out, "content_block_stop", json!({"type": "content_block_stop", "index": index}));
        }
    }

    /// Opens the next block; returns its index.
    fn open(&mut self, block: serde_json::Value, out: &mut String) -> usize {
        self.close(out);
        let index = self.blocks;
        self.blocks += 1;
        self.closed = false;
        self.open_is_text = block["type"] == "text";
        event(
            out,
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": block}),
        );
        index
    }

    /// The open text block's index, opening one if the open block is not text.
    fn text_block(&mut self, out: &mut String) -> usize {
        if self.blocks > 0 && !self.closed && self.open_is_text {
            return self.blocks - 1;
        }
        self.open(json!({"type": "text", "text": ""}), out)
    }
}

impl Shape for Anthropic {
    const PROTOCOL: Protocol = Protocol::Anthropic;

    fn whole(&self, ctx: &Ctx, completion: &Completion) -> serde_json::Value {
        let answer = api::MessagesResponse {
            id: format!("msg_{}", ctx.id),
            kind: "message",
            role: "assistant",
            model: ctx.model.clone(),
            content: blocks(completion),
            stop_reason: stop_reason(completion.stop_reason.as_ref()).to_owned(),
            stop_sequence: None,
            usage: usage(completion.usage),
        };
        serde_json::to_value(answer).unwrap_or_default()
    }

    fn event(&mut self, ctx: &Ctx, e: &StreamEvent, out: &mut String) {
        match e {
            StreamEvent::Usage(u) => self.start(ctx, Some(*u), out),
            StreamEvent::TextDelta(text) => {
                self.start(ctx, None, out);
                let index = self.text_block(out);
                let delta = json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "text_delta", "text": text}});
                event(out, "content_block_delta", delta);
            }
            StreamEvent::ToolCallStart { id, name, .. } => {
                self.start(ctx, None, out);
                let block = json!({"type": "tool_use", "id": id, "name": name, "input": {}});
                let index = self.open(block, out);
                self.tool_blocks.push(index);
            }
            StreamEvent::ToolCallDelta { index, arguments } => {
                let Some(&block) = self.tool_blocks.get(*index) else { return };
                let delta = json!({"type": "content_block_delta", "index": block,
                    "delta": {"type": "input_json_delta", "partial_json": arguments}});
                event(out, "content_block_delta", delta);
            }
            _ => {}
        }
    }

    fn end(&mut self, ctx: &Ctx, completion: &Completion, out: &mut String) {
        self.start(ctx, completion.usage, out);
        if self.blocks == 0 {
            self.text_block(out);
        }
        self.close(out);
        let delta = json!({"type": "message_delta",
            "delta": {"stop_reason": stop_reason(completion.stop_reason.as_ref()), "stop_sequence": null},
            "usage": usage(completion.usage)});
        event(out, "message_delta", delta);
        event(out, "message_stop", json!({"type": "message_stop"}));
    }

    fn error(&mut self, err: &GatewayError, out: &mut String) {
        event(out, "error", err.body(Protocol::Anthropic));
    }
}
