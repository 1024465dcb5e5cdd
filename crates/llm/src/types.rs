//! Provider-neutral request, stream event and usage types.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::tools::{ToolCall, Tools};

/// Who wrote a message of the conversation sent to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// A tool's result, answering the call `Message::tool_call_id` names.
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One message of the conversation history: its text, and for tool calling the calls an
/// assistant message made or the call a tool message answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For a [`Role::Tool`] message: the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// For a [`Role::Tool`] message: the tool failed (Anthropic's `is_error`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
}

impl Message {
    pub fn new(role: Role, text: impl Into<String>) -> Self {
        Self {
            role,
            text: text.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
            is_error: false,
        }
    }

    /// A tool's result for the call `call_id`.
    pub fn tool_result(
        call_id: impl Into<String>,
        text: impl Into<String>,
        is_error: bool,
    ) -> Self {
        Self { tool_call_id: Some(call_id.into()), is_error, ..Self::new(Role::Tool, text) }
    }

    /// The bytes this message adds to the prompt (text, calls and their arguments), for the
    /// input bound.
    pub fn prompt_bytes(&self) -> usize {
        let calls: usize =
            self.tool_calls.iter().map(|c| c.id.len() + c.name.len() + c.arguments.len()).sum();
        self.text.len() + calls + self.tool_call_id.as_ref().map_or(0, String::len)
    }

    pub fn system(text: impl Into<String>) -> Self {
        Self::new(Role::System, text)
    }

    pub fn user(text: impl Into<String>) -> Self {
        Self::new(Role::User, text)
    }

    pub fn assistant(text: impl Into<String>) -> Self {
        Self::new(Role::Assistant, text)
    }
}

/// One streamed model call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompletionRequest {
    /// The provider's own model id (e.g. `gpt-4o-mini`, `claude-sonnet-4-5`), without the
    /// `provider:` prefix used by the chat API.
    pub model: String,
    pub messages: Vec<Message>,
    pub max_output_tokens: Option<u32>,
    pub temperature: Option<f32>,
    /// Tools the model may call (none for chats).
    pub tools: Tools,
    /// Sequences that end the answer (OpenAI `stop`, Anthropic `stop_sequences`).
    pub stop: Vec<String>,
}

/// Token counts in tollgate's *billable categories* (spend-limits §6).
///
/// The categories are disjoint except `reasoning_tokens`, which is a part of `output_tokens`
/// (informational, never priced separately). `input_tokens` excludes cached prompt tokens:
/// OpenAI's `prompt_tokens` includes them, so the OpenAI client subtracts them (chats §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Uncached prompt tokens, charged at the input price.
    pub input_tokens: u64,
    /// Generated tokens including reasoning, charged at the output price.
    pub output_tokens: u64,
    /// Reasoning tokens, already counted in `output_tokens`.
    pub reasoning_tokens: u64,
    /// Prompt tokens read from the provider's cache, charged at the cache-read price.
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the provider's cache, charged at the cache-write price.
    pub cache_creation_tokens: u64,
}

impl Usage {
    /// Every token the call processed: input + output + cache read + cache write (reasoning is
    /// inside output). For OpenAI this equals the provider's own `total_tokens`.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_read_tokens)
            .saturating_add(self.cache_creation_tokens)
    }

    /// Merges a later usage report into this one.
    ///
    /// Every [`StreamEvent::Usage`] is a cumulative snapshot of the counts known so far, and a
    /// category a report does not know is 0, so merging keeps the larger count per category.
    /// The result never depends on the order of the reports.
    pub fn merge(&mut self, later: &Usage) {
        self.input_tokens = self.input_tokens.max(later.input_tokens);
        self.output_tokens = self.output_tokens.max(later.output_tokens);
        self.reasoning_tokens = self.reasoning_tokens.max(later.reasoning_tokens);
        self.cache_read_tokens = self.cache_read_tokens.max(later.cache_read_tokens);
        self.cache_creation_tokens = self.cache_creation_tokens.max(later.cache_creation_tokens);
    }

    pub fn is_zero(&self) -> bool {
        *self == Usage::default()
    }
}

/// Why the model stopped, normalised across providers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// Natural end of the answer (OpenAI `stop`, Anthropic `end_turn`).
    EndTurn,
    /// The output token limit was hit (OpenAI `length`, Anthropic `max_tokens`).
    MaxTokens,
    /// A stop sequence matched (Anthropic `stop_sequence`).
    StopSequence,
    /// The model wants to call a tool (OpenAI `tool_calls`, Anthropic `tool_use`).
    ToolUse,
    /// Content was withheld (OpenAI `content_filter`, Anthropic `refusal`).
    ContentFilter,
    /// The provider did not say.
    Unknown,
    /// A reason this crate does not know, verbatim.
    Other(String),
}

impl StopReason {
    pub fn as_str(&self) -> &str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::ToolUse => "tool_use",
            StopReason::ContentFilter => "content_filter",
            StopReason::Unknown => "unknown",
            StopReason::Other(s) => s,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of a completion stream.
///
/// A stream yields `Ok` events, then ends after `Done`, or yields one `Err` and ends. Every event
/// received before an error was yielded first, so a consumer that folds events (see
/// [`crate::Completion`]) keeps the partial text and usage of a failed or interrupted call.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// A piece of the answer text.
    TextDelta(String),
    /// A piece of the model's visible reasoning ("thinking"), if the provider streams it.
    ReasoningDelta(String),
    /// A cumulative usage snapshot; may come several times, combine with [`Usage::merge`].
    Usage(Usage),
    /// The model starts its `index`-th tool call (counted from 0 in the answer).
    ToolCallStart { index: usize, id: String, name: String },
    /// A piece of the `index`-th tool call's arguments (JSON text).
    ToolCallDelta { index: usize, arguments: String },
    /// The provider finished the answer. Nothing follows.
    Done { stop_reason: StopReason },
}

/// An API key. Its `Debug` and `Display` print `***`, so it can sit in structs that are logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The key itself, for the one place that puts it in a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One embeddings call: every input is embedded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbeddingRequest {
    pub model: String,
    pub input: Vec<String>,
    /// Fewer dimensions, where the model can give them.
    pub dimensions: Option<u32>,
}

/// The vectors of an embeddings call, in input order, and the input tokens it was billed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub input_tokens: u64,
}
