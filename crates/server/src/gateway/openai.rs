//! OpenAI's Chat Completions (`POST /v1/chat/completions`, stream and not) and embeddings,
//! read into the neutral request and answered in OpenAI's shapes.

use super::answer::{Ctx, Shape, serve};
use super::{Ask, GatewayError, Protocol, caller, parse, text_content, tools, unsupported};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;
use tollgate_api_types as api;
use tollgate_llm::{Completion, Message, Role, StopReason, StreamEvent, ToolCall, Usage};

#[utoipa::path(post, path = "/v1/chat/completions", tag = "Gateway",
    request_body = api::ChatCompletionRequest,
    responses((status = 200, body = api::ChatCompletion,
            description = "The answer; with `stream: true`, server-sent `chat.completion.chunk` events."),
        (status = 400, body = api::OpenAiErrorResponse),
        (status = 401, body = api::OpenAiErrorResponse),
        (status = 402, body = api::OpenAiErrorResponse, description = "The spend limit cannot pay for the call."),
        (status = 403, body = api::OpenAiErrorResponse),
        (status = 404, body = api::OpenAiErrorResponse),
        (status = 429, body = api::OpenAiErrorResponse),
        (status = 502, body = api::OpenAiErrorResponse),
        (status = 504, body = api::OpenAiErrorResponse)))]
pub async fn chat_completions(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match caller(&state, &headers).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(Protocol::OpenAi),
    };
    let (ask, include_usage) = match read(&body) {
        Ok(read) => read,
        Err(e) => return e.into_response(Protocol::OpenAi),
    };
    serve(state, caller, &headers, ask, OpenAi { include_usage, started: false }).await
}

fn read(body: &[u8]) -> Result<(Ask, bool), GatewayError> {
    let req: api::ChatCompletionRequest = parse(body)?;
    if req.functions.is_some() {
        return Err(GatewayError::invalid(
            "`functions` is deprecated and not supported by the gateway: send `tools`.",
        ));
    }
    unsupported(req.n.is_some_and(|n| n != 1), "More than one choice (`n`)")?;
    let tools = tools::openai_tools(req.tools, req.tool_choice.as_ref(), req.parallel_tool_calls)?;
    let mut messages = Vec::with_capacity(req.messages.len());
    for m in req.messages {
        messages.push(message(m)?);
    }
    let stream = req.stream.unwrap_or(false);
    let include_usage = req.stream_options.is_some_and(|o| o.include_usage);
    let ask = Ask {
        model: req.model,
        messages,
        max_tokens: req.max_completion_tokens.or(req.max_tokens),
        temperature: req.temperature,
        stream,
        tools,
        stop: stop_sequences(req.stop)?,
    };
    Ok((ask, include_usage))
}

fn message(m: api::OpenAiMessage) -> Result<Message, GatewayError> {
    let text = text_content(&m.content)?;
    let role = match m.role.as_str() {
        "system" | "developer" => Role::System,
        "user" => Role::User,
        "assistant" => {
            let mut message = Message::assistant(text);
            message.tool_calls = tools::openai_calls(m.tool_calls)?;
            return Ok(message);
        }
        "tool" => {
            let id = m.tool_call_id.ok_or_else(|| {
                GatewayError::invalid("A tool message needs the tool_call_id it answers.")
            })?;
            return Ok(Message::tool_result(id, text, false));
        }
        other => {
            return Err(GatewayError::invalid(format!(
                "Messages of role {other:?} are not supported by the gateway."
            )));
        }
    };
    if m.tool_calls.is_some() {
        return Err(GatewayError::invalid("Only assistant messages carry tool_calls."));
    }
    Ok(Message::new(role, text))
}

/// OpenAI's `stop`: a string or an array of strings.
fn stop_sequences(stop: Option<serde_json::Value>) -> Result<Vec<String>, GatewayError> {
    use serde_json::Value;
    match stop {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(GatewayError::invalid("`stop` must be a string or an array of strings.")),
            })
            .collect(),
        Some(_) => Err(GatewayError::invalid("`stop` must be a string or an array of strings.")),
    }
}

/// A call in OpenAI's shape.
fn wire_call(call: &ToolCall) -> api::OpenAiToolCall {
    api::OpenAiToolCall {
        id: call.id.clone(),
        kind: "function".to_owned(),
        function: api::OpenAiFunctionCall {
            name: call.name.clone(),
            arguments: call.arguments.clone(),
        },
    }
}

/// OpenAI's usage: `prompt_tokens` counts cached prompt tokens too.
fn usage(u: Option<Usage>) -> api::OpenAiUsage {
    let u = u.unwrap_or_default();
    let cached = u.cache_read_tokens;
    let prompt = u.input_tokens.saturating_add(cached).saturating_add(u.cache_creation_tokens);
    api::OpenAiUsage {
        prompt_tokens: prompt,
        completion_tokens: u.output_tokens,
        total_tokens: prompt.saturating_add(u.output_tokens),
        prompt_tokens_details: api::PromptTokensDetails { cached_tokens: cached },
    }
}

fn finish_reason(stop: Option<&StopReason>) -> &'static str {
    match stop {
        Some(StopReason::MaxTokens) => "length",
        Some(StopReason::ToolUse) => "tool_calls",
        Some(StopReason::ContentFilter) => "content_filter",
        _ => "stop",
    }
}

/// The OpenAI shape; `include_usage` is whether the client asked for the usage chunk (the
/// upstream always reports usage: the call is settled from it).
pub struct OpenAi {
    include_usage: bool,
    started: bool,
}

impl OpenAi {
    fn chunk(&self, ctx: &Ctx, choices: serde_json::Value, out: &mut String) {
        let chunk = json!({
            "id": format!("chatcmpl-{}", ctx.id),
            "object": "chat.completion.chunk",
            "created": ctx.created,
            "model": ctx.model,
            "choices": choices,
        });
        out.push_str(&format!("data: {chunk}\n\n"));
    }

    /// The first chunk names the role.
    fn start(&mut self, ctx: &Ctx, out: &mut String) {
        if !self.started {
            self.started = true;
            let delta = json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]);
            self.chunk(ctx, delta, out);
        }
    }
}

impl Shape for OpenAi {
    const PROTOCOL: Protocol = Protocol::OpenAi;

    fn whole(&self, ctx: &Ctx, completion: &Completion) -> serde_json::Value {
        let answer = api::ChatCompletion {
            id: format!("chatcmpl-{}", ctx.id),
            object: "chat.completion",
            created: ctx.created,
            model: ctx.model.clone(),
            choices: vec![api::ChatChoice {
                index: 0,
                message: api::AssistantMessage {
                    role: "assistant",
                    // OpenAI's `null` when the model only called tools.
                    content: (!completion.text.is_empty() || completion.tool_calls.is_empty())
                        .then(|| completion.text.clone()),
                    tool_calls: completion.tool_calls.iter().map(wire_call).collect(),
                },
                finish_reason: finish_reason(completion.stop_reason.as_ref()).to_owned(),
                logprobs: None,
            }],
            usage: usage(completion.usage),
        };
        serde_json::to_value(answer).unwrap_or_default()
    }

    fn event(&mut self, ctx: &Ctx, event: &StreamEvent, out: &mut String) {
        let delta = match event {
            StreamEvent::TextDelta(text) => json!({"content": text}),
            StreamEvent::ToolCallStart { index, id, name } => json!({"tool_calls": [{
                "index": index, "id": id, "type": "function",
                "function": {"name": name, "arguments": ""}}]}),
            StreamEvent::ToolCallDelta { index, arguments } => {
                json!({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})
            }
            _ => return,
        };
        self.start(ctx, out);
        self.chunk(ctx, json!([{"index": 0, "delta": delta, "finish_reason": null}]), out);
    }

    fn end(&mut self, ctx: &Ctx, completion: &Completion, out: &mut String) {
        self.start(ctx, out);
        let reason = finish_reason(completion.stop_reason.as_ref());
        self.chunk(ctx, json!([{"index": 0, "delta": {}, "finish_reason": reason}]), out);
        if self.include_usage {
            let chunk = json!({
                "id": format!("chatcmpl-{}", ctx.id),
                "object": "chat.completion.chunk",
                "created": ctx.created,
                "model": ctx.model,
                "choices": [],
                "usage": usage(completion.usage),
            });
            out.push_str(&format!("data: {chunk}\n\n"));
        }
        out.push_str("data: [DONE]\n\n");
    }

    fn error(&mut self, err: &GatewayError, out: &mut String) {
        out.push_str(&format!("data: {}\n\n", err.body(Protocol::OpenAi)));
    }
}
