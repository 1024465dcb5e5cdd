//! Anthropic Messages API, streamed.

use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::anthropic_wire::{WireMessage, wire_messages, wire_tool, wire_tool_choice};
use crate::config::{ProviderKind, ProviderOptions};
use crate::error::{BuildError, ProviderError};
use crate::http::{self, Decoder, Flow, ended_early, join_url, parse_json};
use crate::sse::SseEvent;
use crate::types::{CompletionRequest, Role, Secret, StopReason, StreamEvent, Usage};
use crate::{CompletionStream, Provider};

const API_VERSION: &str = "2023-06-01";

/// A client for `POST {base_url}/v1/messages` with `stream: true`.
#[derive(Debug, Clone)]
pub struct Anthropic {
    http: reqwest::Client,
    endpoint: String,
    count_endpoint: String,
    api_key: HeaderValue,
    key: Secret,
    idle_timeout: Duration,
    default_max_tokens: u32,
}

impl Anthropic {
    /// `base_url` is the host, e.g. `https://api.anthropic.com` (a trailing `/v1` is accepted).
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        api_key: Secret,
        options: &ProviderOptions,
    ) -> Result<Self, BuildError> {
        let mut header =
            HeaderValue::from_str(api_key.expose()).map_err(|_| BuildError::InvalidApiKey)?;
        header.set_sensitive(true);
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        Ok(Self {
            http,
            endpoint: join_url(base, "v1/messages"),
            count_endpoint: join_url(base, "v1/messages/count_tokens"),
            api_key: header,
            key: api_key,
            idle_timeout: options.idle_timeout,
            default_max_tokens: options.default_max_output_tokens,
        })
    }

    fn body<'a>(&self, req: &'a CompletionRequest) -> Result<MessagesRequest<'a>, ProviderError> {
        // Anthropic takes the system prompt apart and rejects empty text blocks.
        let system: Vec<&str> = req
            .messages
            .iter()
            .filter(|m| m.role == Role::System && !m.text.trim().is_empty())
            .map(|m| m.text.as_str())
            .collect();
        let tools = &req.tools;
        Ok(MessagesRequest {
            model: &req.model,
            max_tokens: req.max_output_tokens.unwrap_or(self.default_max_tokens),
            system: (!system.is_empty()).then(|| system.join("\n\n")),
            messages: wire_messages(&req.messages)?,
            temperature: req.temperature,
            stream: true,
            tools: (!tools.tools.is_empty()).then(|| tools.tools.iter().map(wire_tool).collect()),
            tool_choice: wire_tool_choice(tools),
            stop_sequences: (!req.stop.is_empty()).then_some(req.stop.as_slice()),
        })
    }
}

#[async_trait::async_trait]
impl Provider for Anthropic {
    async fn stream(&self, req: CompletionRequest) -> Result<CompletionStream, ProviderError> {
        tracing::debug!(endpoint = %self.endpoint, model = %req.model, "messages request");
        let request = self
            .http
            .post(&self.endpoint)
            .header("x-api-key", self.api_key.clone())
            .header("anthropic-version", API_VERSION)
            .json(&self.body(&req)?);
        let resp = http::send(request, self.idle_timeout)
            .await
            .map_err(|e| e.redacted(Some(&self.key)))?;
        let decoder = AnthropicDecoder::default();
        Ok(http::drive(resp, decoder, self.idle_timeout, Some(self.key.clone())))
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    /// `POST {base_url}/v1/messages/count_tokens`: the request without `max_tokens` and
    /// `stream`, answered `{"input_tokens": N}`.
    async fn count_tokens(&self, req: CompletionRequest) -> Result<u64, ProviderError> {
        let mut body = serde_json::to_value(self.body(&req)?)
            .map_err(|e| ProviderError::protocol(format!("count_tokens request: {e}")))?;
        if let Some(fields) = body.as_object_mut() {
            for unsent in ["max_tokens", "stream", "temperature", "stop_sequences"] {
                fields.remove(unsent);
            }
        }
        let request = self
            .http
            .post(&self.count_endpoint)
            .header("x-api-key", self.api_key.clone())
            .header("anthropic-version", API_VERSION)
            .json(&body);
        let redact = |e: ProviderError| e.redacted(Some(&self.key));
        let resp = http::send(request, self.idle_timeout).await.map_err(redact)?;
        let bytes = tokio::time::timeout(self.idle_timeout, resp.bytes())
            .await
            .map_err(|_| ProviderError::timeout("the count_tokens answer stalled"))?
            .map_err(|e| redact(ProviderError::from_reqwest(e)))?;
        let counted: Counted = serde_json::from_slice(&bytes)
            .map_err(|e| ProviderError::protocol(format!("count_tokens answer: {e}")))?;
        Ok(counted.input_tokens)
    }
}

#[derive(Deserialize)]
struct Counted {
    input_tokens: u64,
}

#[derive(Serialize)]
struct MessagesRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    messages: Vec<WireMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_sequences: Option<&'a [String]>,
}

/// The stream's events; unknown ones are ignored, as Anthropic asks of clients.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    MessageStart {
        message: StartMessage,
    },
    ContentBlockStart {
        #[serde(default)]
        index: usize,
        content_block: Block,
    },
    ContentBlockDelta {
        #[serde(default)]
        index: usize,
        delta: BlockDelta,
    },
    MessageDelta {
        delta: MessageDeltaBody,
        usage: Option<WireUsage>,
    },
    MessageStop,
    Error {
        error: ErrorBody,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct StartMessage {
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Text {
        #[serde(default)]
        text: String,
    },
    Thinking {
        #[serde(default)]
        thinking: String,
    },
    ToolUse {
        id: String,
        name: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockDelta {
    TextDelta {
        text: String,
    },
    ThinkingDelta {
        thinking: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct MessageDeltaBody {
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
}

/// Counts as sent; `message_delta` counts are cumulative and may omit or null some fields.
#[derive(Deserialize, Default, Clone, Copy)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
}

impl WireUsage {
    /// A later report replaces the fields it carries.
    fn update(&mut self, later: WireUsage) {
        let pick = |new: Option<u64>, old: Option<u64>| new.or(old);
        self.input_tokens = pick(later.input_tokens, self.input_tokens);
        self.output_tokens = pick(later.output_tokens, self.output_tokens);
        self.cache_creation_input_tokens =
            pick(later.cache_creation_input_tokens, self.cache_creation_input_tokens);
        self.cache_read_input_tokens =
            pick(later.cache_read_input_tokens, self.cache_read_input_tokens);
    }

    /// Anthropic's categories are already disjoint; thinking is inside `output_tokens` and not
    /// reported apart.
    fn billable(&self) -> Usage {
        Usage {
            input_tokens: self.input_tokens.unwrap_or(0),
            output_tokens: self.output_tokens.unwrap_or(0),
            reasoning_tokens: 0,
            cache_read_tokens: self.cache_read_input_tokens.unwrap_or(0),
            cache_creation_tokens: self.cache_creation_input_tokens.unwrap_or(0),
        }
    }
}

#[derive(Default)]
struct AnthropicDecoder {
    usage: WireUsage,
    stop_reason: Option<String>,
    /// The block index of each `tool_use` block seen, in order: a call's position here is the
    /// index it is passed on with.
    tool_blocks: Vec<usize>,
}

impl AnthropicDecoder {
    fn usage(&mut self, later: Option<WireUsage>, out: &mut Vec<StreamEvent>) {
        if let Some(later) = later {
            self.usage.update(later);
            out.push(StreamEvent::Usage(self.usage.billable()));
        }
    }
}

impl Decoder for AnthropicDecoder {
    fn on_event(
        &mut self,
        ev: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Flow, ProviderError> {
        match parse_json::<Event>(&ev.data)? {
            Event::MessageStart { message } => self.usage(message.usage, out),
            Event::ContentBlockStart { index, content_block } => {
                self.push_block(index, content_block, out);
            }
            Event::ContentBlockDelta { index, delta } => self.push_delta(index, delta, out),
            Event::MessageDelta { delta, usage } => {
                if delta.stop_reason.is_some() {
                    self.stop_reason = delta.stop_reason;
                }
                self.usage(usage, out);
            }
            Event::MessageStop => {
                let stop_reason = stop_reason(self.stop_reason.as_deref());
                out.push(StreamEvent::Done { stop_reason });
                return Ok(Flow::Finished);
            }
            Event::Error { error } => return Err(stream_error(error)),
            Event::Other => {} // ping, content_block_stop, future events
        }
        Ok(Flow::Continue)
    }

    fn on_eof(&mut self, _out: &mut Vec<StreamEvent>) -> Result<(), ProviderError> {
        Err(ended_early())
    }
}

impl AnthropicDecoder {
    fn push_block(&mut self, index: usize, block: Block, out: &mut Vec<StreamEvent>) {
        match block {
            Block::Text { text } if !text.is_empty() => out.push(StreamEvent::TextDelta(text)),
            Block::Thinking { thinking } if !thinking.is_empty() => {
                out.push(StreamEvent::ReasoningDelta(thinking));
            }
            Block::ToolUse { id, name } => {
                self.tool_blocks.push(index);
                let index = self.tool_blocks.len() - 1;
                out.push(StreamEvent::ToolCallStart { index, id, name });
            }
            _ => {}
        }
    }

    fn push_delta(&mut self, index: usize, delta: BlockDelta, out: &mut Vec<StreamEvent>) {
        match delta {
            BlockDelta::TextDelta { text } if !text.is_empty() => {
                out.push(StreamEvent::TextDelta(text));
            }
            BlockDelta::ThinkingDelta { thinking } if !thinking.is_empty() => {
                out.push(StreamEvent::ReasoningDelta(thinking));
            }
            BlockDelta::InputJsonDelta { partial_json } if !partial_json.is_empty() => {
                if let Some(call) = self.tool_blocks.iter().position(|&b| b == index) {
                    out.push(StreamEvent::ToolCallDelta { index: call, arguments: partial_json });
                }
            }
            _ => {} // signature_delta, citations_delta
        }
    }
}

fn stop_reason(reason: Option<&str>) -> StopReason {
    match reason {
        None => StopReason::Unknown,
        Some("end_turn") => StopReason::EndTurn,
        Some("max_tokens") => StopReason::MaxTokens,
        Some("stop_sequence") => StopReason::StopSequence,
        Some("tool_use") => StopReason::ToolUse,
        Some("refusal") => StopReason::ContentFilter,
        Some(other) => StopReason::Other(other.to_owned()),
    }
}

/// Maps an `error` event's type to the HTTP status Anthropic documents for it.
fn stream_error(error: ErrorBody) -> ProviderError {
    let kind = error.kind.unwrap_or_default();
    let message = error.message.unwrap_or_else(|| kind.clone());
    let status = match kind.as_str() {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    };
    ProviderError::from_status(status, None, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_updates_are_cumulative() {
        let mut usage = WireUsage::default();
        usage.update(WireUsage {
            input_tokens: Some(10),
            output_tokens: Some(1),
            cache_creation_input_tokens: Some(5),
            cache_read_input_tokens: Some(7),
        });
        usage.update(WireUsage { output_tokens: Some(42), ..WireUsage::default() });
        let u = usage.billable();
        assert_eq!(u.input_tokens, 10);
        assert_eq!(u.output_tokens, 42);
        assert_eq!((u.cache_creation_tokens, u.cache_read_tokens), (5, 7));
        assert_eq!(u.total_tokens(), 64);
    }

    #[test]
    fn unknown_events_are_ignored() {
        let mut dec = AnthropicDecoder::default();
        let mut out = Vec::new();
        for data in [r#"{"type":"ping"}"#, r#"{"type":"content_block_stop","index":0}"#] {
            let ev = SseEvent { event: String::new(), data: data.into() };
            assert_eq!(dec.on_event(ev, &mut out).unwrap(), Flow::Continue);
        }
        assert!(out.is_empty());
    }
}
