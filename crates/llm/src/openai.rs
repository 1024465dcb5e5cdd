//! OpenAI Chat Completions, streamed (`openai`, `openai-compat`, `openrouter`).

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{ProviderKind, ProviderOptions};
use crate::error::{BuildError, ProviderError};
use crate::http::{self, Decoder, Flow, ended_early, join_url, parse_json};
use crate::sse::SseEvent;
use crate::tools::{Tool, ToolChoice};
use crate::types::{
    CompletionRequest, EmbeddingRequest, Embeddings, Message, Role, Secret, StopReason,
    StreamEvent, Usage,
};
use crate::{CompletionStream, Provider};

/// Dialect differences between OpenAI itself and servers that copy its API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAiFlavor {
    /// api.openai.com: the output limit is `max_completion_tokens` (`max_tokens` is deprecated
    /// and rejected by reasoning models).
    OpenAi,
    /// OpenRouter: `max_tokens`.
    OpenRouter,
    /// Other compatible servers (vLLM, Ollama, LiteLLM…): `max_tokens`, the widely known name.
    Compatible,
}

impl OpenAiFlavor {
    pub fn for_kind(kind: ProviderKind) -> Self {
        match kind {
            ProviderKind::OpenAi => Self::OpenAi,
            ProviderKind::OpenRouter => Self::OpenRouter,
            _ => Self::Compatible,
        }
    }

    fn kind(self) -> ProviderKind {
        match self {
            Self::OpenAi => ProviderKind::OpenAi,
            Self::OpenRouter => ProviderKind::OpenRouter,
            Self::Compatible => ProviderKind::OpenAiCompat,
        }
    }
}

/// A client for `POST {base_url}/chat/completions` with `stream: true`.
#[derive(Debug, Clone)]
pub struct OpenAiCompatible {
    http: reqwest::Client,
    endpoint: String,
    embeddings_endpoint: String,
    auth: Option<HeaderValue>,
    key: Option<Secret>,
    flavor: OpenAiFlavor,
    idle_timeout: Duration,
}

impl OpenAiCompatible {
    /// `base_url` includes the version path, e.g. `https://api.openai.com/v1`.
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        api_key: Option<Secret>,
        flavor: OpenAiFlavor,
        options: &ProviderOptions,
    ) -> Result<Self, BuildError> {
        let auth = api_key.as_ref().map(bearer).transpose()?;
        Ok(Self {
            http,
            endpoint: join_url(base_url, "chat/completions"),
            embeddings_endpoint: join_url(base_url, "embeddings"),
            auth,
            key: api_key,
            flavor,
            idle_timeout: options.idle_timeout,
        })
    }

    fn body<'a>(&self, req: &'a CompletionRequest) -> ChatRequest<'a> {
        let limit = req.max_output_tokens;
        let openai = self.flavor == OpenAiFlavor::OpenAi;
        let tools = &req.tools;
        ChatRequest {
            model: &req.model,
            messages: req.messages.iter().map(wire_message).collect(),
            stream: true,
            stream_options: StreamOptions { include_usage: true },
            max_completion_tokens: limit.filter(|_| openai),
            max_tokens: limit.filter(|_| !openai),
            temperature: req.temperature,
            tools: (!tools.tools.is_empty()).then(|| tools.tools.iter().map(wire_tool).collect()),
            tool_choice: tools.choice.as_ref().map(wire_tool_choice),
            parallel_tool_calls: tools.parallel,
            stop: (!req.stop.is_empty()).then_some(req.stop.as_slice()),
        }
    }
}

fn bearer(key: &Secret) -> Result<HeaderValue, BuildError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
        .map_err(|_| BuildError::InvalidApiKey)?;
    value.set_sensitive(true);
    Ok(value)
}

#[async_trait::async_trait]
impl Provider for OpenAiCompatible {
    async fn stream(&self, req: CompletionRequest) -> Result<CompletionStream, ProviderError> {
        tracing::debug!(endpoint = %self.endpoint, model = %req.model, "chat completion request");
        let mut request = self.http.post(&self.endpoint).json(&self.body(&req));
        if let Some(auth) = &self.auth {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let resp = http::send(request, self.idle_timeout)
            .await
            .map_err(|e| e.redacted(self.key.as_ref()))?;
        let decoder = OpenAiDecoder::default();
        Ok(http::drive(resp, decoder, self.idle_timeout, self.key.clone()))
    }

    fn kind(&self) -> ProviderKind {
        self.flavor.kind()
    }

    /// `POST {base_url}/embeddings`, whole (embeddings do not stream).
    async fn embed(&self, req: EmbeddingRequest) -> Result<Embeddings, ProviderError> {
        let body = EmbeddingsBody {
            model: &req.model,
            input: &req.input,
            encoding_format: "float",
            dimensions: req.dimensions,
        };
        let mut request = self.http.post(&self.embeddings_endpoint).json(&body);
        if let Some(auth) = &self.auth {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let redact = |e: ProviderError| e.redacted(self.key.as_ref());
        let resp = http::send(request, self.idle_timeout).await.map_err(redact)?;
        let bytes = tokio::time::timeout(self.idle_timeout, resp.bytes())
            .await
            .map_err(|_| ProviderError::timeout("the embeddings answer stalled"))?
            .map_err(|e| redact(ProviderError::from_reqwest(e)))?;
        let mut answer: EmbeddingsAnswer = serde_json::from_slice(&bytes)
            .map_err(|e| ProviderError::protocol(format!("embeddings answer: {e}")))?;
        answer.data.sort_by_key(|d| d.index);
        Ok(Embeddings {
            vectors: answer.data.into_iter().map(|d| d.embedding).collect(),
            input_tokens: answer.usage.map_or(0, |u| u.prompt_tokens),
        })
    }
}

#[derive(Serialize)]
struct EmbeddingsBody<'a> {
    model: &'a str,
    input: &'a [String],
    encoding_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimensions: Option<u32>,
}

#[derive(Deserialize)]
struct EmbeddingsAnswer {
    data: Vec<EmbeddingDatum>,
    usage: Option<EmbeddingsUsage>,
}

#[derive(Deserialize)]
struct EmbeddingDatum {
    #[serde(default)]
    index: usize,
    embedding: Vec<f32>,
}

#[derive(Deserialize)]
struct EmbeddingsUsage {
    prompt_tokens: u64,
}

/// A message in OpenAI's shape: an assistant's calls in `tool_calls` (its content `null` when it
/// wrote nothing), a tool's result as a `tool` message naming its call.
fn wire_message(m: &Message) -> Value {
    match m.role {
        Role::Tool => json!({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.text}),
        Role::Assistant if !m.tool_calls.is_empty() => {
            let calls: Vec<Value> = m
                .tool_calls
                .iter()
                .map(|c| {
                    json!({"id": c.id, "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments}})
                })
                .collect();
            let content = (!m.text.is_empty()).then_some(m.text.as_str());
            json!({"role": "assistant", "content": content, "tool_calls": calls})
        }
        role => json!({"role": role.as_str(), "content": m.text}),
    }
}

fn wire_tool(tool: &Tool) -> Value {
    let mut function = json!({"name": tool.name, "parameters": tool.parameters});
    if let Some(description) = &tool.description {
        function["description"] = json!(description);
    }
    json!({"type": "function", "function": function})
}

fn wire_tool_choice(choice: &ToolChoice) -> Value {
    match choice {
        ToolChoice::Auto => json!("auto"),
        ToolChoice::None => json!("none"),
        ToolChoice::Required => json!("required"),
        ToolChoice::Named(name) => json!({"type": "function", "function": {"name": name}}),
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<Value>,
    stream: bool,
    stream_options: StreamOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop: Option<&'a [String]>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

/// A `chat.completion.chunk`, or an error object sent mid-stream. Every field is optional:
/// compatible servers differ in what they send, and `null` is common.
#[derive(Deserialize)]
struct Chunk {
    choices: Option<Vec<Choice>>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    index: Option<u32>,
    delta: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
    refusal: Option<String>,
    /// DeepSeek, vLLM.
    reasoning_content: Option<String>,
    /// OpenRouter.
    reasoning: Option<String>,
    tool_calls: Option<Vec<ToolCallDelta>>,
}

/// A piece of a streamed tool call: the first names it (`id`, `function.name`), the rest carry
/// pieces of `function.arguments`.
#[derive(Deserialize)]
struct ToolCallDelta {
    index: Option<u32>,
    id: Option<String>,
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    prompt_tokens_details: Option<PromptDetails>,
    completion_tokens_details: Option<CompletionDetails>,
    /// DeepSeek reports cache hits here instead of `prompt_tokens_details`.
    prompt_cache_hit_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct PromptDetails {
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    reasoning_tokens: Option<u64>,
}

impl WireUsage {
    /// tollgate bills cached prompt tokens once, at the cache-read price: they are taken out of
    /// `prompt_tokens` (chats §5).
    fn billable(&self) -> Usage {
        let prompt = self.prompt_tokens.unwrap_or(0);
        let cached = self
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .or(self.prompt_cache_hit_tokens)
            .unwrap_or(0)
            .min(prompt);
        let reasoning =
            self.completion_tokens_details.as_ref().and_then(|d| d.reasoning_tokens).unwrap_or(0);
        Usage {
            input_tokens: prompt - cached,
            output_tokens: self.completion_tokens.unwrap_or(0),
            reasoning_tokens: reasoning,
            cache_read_tokens: cached,
            cache_creation_tokens: 0,
        }
    }
}

#[derive(Default)]
struct OpenAiDecoder {
    finish_reason: Option<String>,
    /// The upstream's index of each tool call seen, in order: a call's position here is the
    /// index it is passed on with.
    tool_calls: Vec<u32>,
}

impl OpenAiDecoder {
    fn done(&self) -> StreamEvent {
        StreamEvent::Done { stop_reason: stop_reason(self.finish_reason.as_deref()) }
    }

    fn on_choice(&mut self, choice: Choice, out: &mut Vec<StreamEvent>) {
        if choice.index.unwrap_or(0) != 0 {
            return; // we never ask for n > 1
        }
        if let Some(reason) = choice.finish_reason {
            self.finish_reason = Some(reason);
        }
        let Some(delta) = choice.delta else { return };
        let reasoning = delta.reasoning_content.or(delta.reasoning);
        if let Some(text) = reasoning.filter(|t| !t.is_empty()) {
            out.push(StreamEvent::ReasoningDelta(text));
        }
        // A refusal is the model's answer to show the user.
        for text in [delta.content, delta.refusal].into_iter().flatten() {
            if !text.is_empty() {
                out.push(StreamEvent::TextDelta(text));
            }
        }
        for call in delta.tool_calls.into_iter().flatten() {
            self.on_tool_call(call, out);
        }
    }

    fn on_tool_call(&mut self, call: ToolCallDelta, out: &mut Vec<StreamEvent>) {
        let upstream = call.index.unwrap_or(0);
        let (name, arguments) = call.function.map(|f| (f.name, f.arguments)).unwrap_or_default();
        let index = match self.tool_calls.iter().position(|&i| i == upstream) {
            Some(index) => index,
            None => {
                self.tool_calls.push(upstream);
                let index = self.tool_calls.len() - 1;
                let (id, name) = (call.id.unwrap_or_default(), name.unwrap_or_default());
                out.push(StreamEvent::ToolCallStart { index, id, name });
                index
            }
        };
        if let Some(arguments) = arguments.filter(|a| !a.is_empty()) {
            out.push(StreamEvent::ToolCallDelta { index, arguments });
        }
    }
}

impl Decoder for OpenAiDecoder {
    fn on_event(
        &mut self,
        ev: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Flow, ProviderError> {
        if ev.data.trim() == "[DONE]" {
            out.push(self.done());
            return Ok(Flow::Finished);
        }
        let chunk: Chunk = parse_json(&ev.data)?;
        if let Some(error) = chunk.error {
            return Err(stream_error(&error));
        }
        for choice in chunk.choices.into_iter().flatten() {
            self.on_choice(choice, out);
        }
        if let Some(usage) = chunk.usage {
            out.push(StreamEvent::Usage(usage.billable()));
        }
        Ok(Flow::Continue)
    }

    fn on_eof(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), ProviderError> {
        // Some compatible servers omit `[DONE]`; a finish reason shows the answer is whole.
        if self.finish_reason.is_none() {
            return Err(ended_early());
        }
        out.push(self.done());
        Ok(())
    }
}

fn stop_reason(finish_reason: Option<&str>) -> StopReason {
    match finish_reason {
        None => StopReason::Unknown,
        Some("stop") => StopReason::EndTurn,
        Some("length") => StopReason::MaxTokens,
        Some("tool_calls" | "function_call") => StopReason::ToolUse,
        Some("content_filter") => StopReason::ContentFilter,
        Some(other) => StopReason::Other(other.to_owned()),
    }
}

/// Classifies an error object sent inside a 200 stream, by its numeric `code` (OpenRouter) or
/// its `type`/`code` strings (OpenAI).
fn stream_error(error: &Value) -> ProviderError {
    let text = |field: &str| error.get(field).and_then(Value::as_str).unwrap_or("");
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| error.as_str())
        .unwrap_or("error event without a message")
        .to_owned();
    let numeric = error.get("code").and_then(Value::as_u64);
    let status = match numeric.and_then(|c| u16::try_from(c).ok()) {
        Some(code @ 400..=599) => code,
        _ => status_for_code(text("code")).or_else(|| status_for_code(text("type"))).unwrap_or(500),
    };
    ProviderError::from_status(status, None, message)
}

/// The HTTP status an OpenAI-style error `code` or `type` stands for, by its exact value.
fn status_for_code(code: &str) -> Option<u16> {
    Some(match code {
        "rate_limit_exceeded"
        | "rate_limit_error"
        | "insufficient_quota"
        | "tokens"
        | "requests" => 429,
        "invalid_api_key" | "authentication_error" | "permission_error" => 401,
        "invalid_request_error" | "context_length_exceeded" | "model_not_found" => 400,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_tokens_leave_input() {
        let usage: WireUsage = serde_json::from_str(
            r#"{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
                "prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
                "completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0}}"#,
        )
        .unwrap();
        let u = usage.billable();
        assert_eq!((u.input_tokens, u.cache_read_tokens), (86, 1920));
        assert_eq!((u.output_tokens, u.reasoning_tokens), (300, 192));
        assert_eq!(u.total_tokens(), 2306);
    }

    #[test]
    fn stream_errors_are_classified() {
        let kind = |v: Value| stream_error(&v).kind();
        assert_eq!(kind(serde_json::json!({"message":"x","type":"server_error"})), "upstream");
        assert_eq!(kind(serde_json::json!({"message":"x","code":429})), "rate_limited");
        assert_eq!(
            kind(serde_json::json!({"message":"x","type":"invalid_request_error"})),
            "bad_request"
        );
        let rate = serde_json::json!({"message":"x","type":"tokens","code":"rate_limit_exceeded"});
        assert_eq!(kind(rate), "rate_limited");
        let auth = serde_json::json!({"message":"x","type":"invalid_request_error","code":"invalid_api_key"});
        assert_eq!(kind(auth), "auth", "the code is more precise than the type");
        // A type that merely contains a known word is not that kind.
        let other = serde_json::json!({"message":"x","type":"not_a_rate_limit_thing"});
        assert_eq!(kind(other), "upstream");
    }
}
