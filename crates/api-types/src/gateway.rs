//! The metered gateway's wire types (gateway.md): the OpenAI Chat Completions and Anthropic
//! Messages shapes, as much of them as tollgate translates. Fields tollgate cannot honour are
//! still read, so the server can refuse them with a 400 instead of silently dropping them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

// --- OpenAI -----------------------------------------------------------------------------------

/// `POST /v1/chat/completions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChatCompletionRequest {
    pub model: String,
    pub messages: Vec<OpenAiMessage>,
    #[serde(default)]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub max_completion_tokens: Option<u32>,
    #[serde(default)]
    pub temperature: Option<f32>,
    #[serde(default)]
    pub stream: Option<bool>,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    #[serde(default)]
    pub n: Option<u32>,
    /// Function tools the model may call (other tool types are refused: 400).
    #[serde(default)]
    pub tools: Option<Vec<OpenAiTool>>,
    /// `"auto"`, `"none"`, `"required"` or `{"type": "function", "function": {"name"}}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub tool_choice: Option<Value>,
    #[serde(default)]
    pub parallel_tool_calls: Option<bool>,
    /// The deprecated `functions`: refused (400), use `tools`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub functions: Option<Value>,
    /// A string or an array of strings.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub stop: Option<Value>,
}

/// `{"type": "function", "function": {name, description?, parameters?}}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpenAiTool {
    #[serde(rename = "type")]
    pub kind: String,
    pub function: OpenAiFunction,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpenAiFunction {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The JSON Schema of the arguments.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub parameters: Option<Value>,
}

/// A call the model made (in an answer, or in the history a client sends back).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenAiToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function_kind")]
    pub kind: String,
    pub function: OpenAiFunctionCall,
}

fn function_kind() -> String {
    "function".to_owned()
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenAiFunctionCall {
    pub name: String,
    /// The arguments as JSON text.
    #[serde(default)]
    pub arguments: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StreamOptions {
    #[serde(default)]
    pub include_usage: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpenAiMessage {
    pub role: String,
    /// A string, or an array of content parts (`{"type": "text", "text": …}`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub content: Value,
    /// An assistant message's calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<OpenAiToolCall>>,
    /// A `tool` message's call.
    #[serde(default)]
    pub tool_call_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatCompletion {
    pub id: String,
    pub object: &'static str,
    pub created: i64,
    pub model: String,
    pub choices: Vec<ChatChoice>,
    pub usage: OpenAiUsage,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatChoice {
    pub index: u32,
    pub message: AssistantMessage,
    pub finish_reason: String,
    #[schema(value_type = Option<Object>)]
    pub logprobs: Option<Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssistantMessage {
    pub role: &'static str,
    /// `null` when the model only called tools.
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<OpenAiToolCall>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct OpenAiUsage {
    /// Every prompt token, cached ones included (OpenAI's convention).
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub prompt_tokens_details: PromptTokensDetails,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PromptTokensDetails {
    pub cached_tokens: u64,
}

/// `GET /v1/models`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelList {
    pub object: &'static str,
    pub data: Vec<ModelObject>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelObject {
    /// What a request's `model` may say: the model config's name, or `provider/model`.
    pub id: String,
    pub object: &'static str,
    pub created: i64,
    pub owned_by: String,
    /// Anthropic's model list shape, so both SDKs can read the list.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub display_name: String,
    pub created_at: String,
}

/// An OpenAI-shaped error: `{"error": {message, type, code, param, …}}`; over the limit it also
/// carries `spent_micros`, `limit_micros` and `resets_at`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenAiErrorResponse {
    pub error: OpenAiError,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenAiError {
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub code: Option<String>,
    pub param: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spent_micros: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_micros: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<chrono::DateTime<chrono::Utc>>,
}

// --- Anthropic --------------------------------------------------------------------------------

/// `POST /v1/messages`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MessagesRequest {
    pub model: String,
    pub max_tokens: u32,
    pub messages: Vec<AnthropicMessage>,
    /// A string, or an array of text blocks.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub system: Option<Value>,
    #[serde(default)]
    pub temperature: Option<f32>,
    #[serde(default)]
    pub stream: Option<bool>,
    /// Client tools the model may call (server tools, which name a `type`, are refused: 400).
    #[serde(default)]
    pub tools: Option<Vec<AnthropicTool>>,
    #[serde(default)]
    pub tool_choice: Option<AnthropicToolChoice>,
    #[serde(default)]
    pub stop_sequences: Option<Vec<String>>,
}

/// `POST /v1/messages/count_tokens`: a Messages request without `max_tokens`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CountTokensRequest {
    pub model: String,
    pub messages: Vec<AnthropicMessage>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub system: Option<Value>,
    #[serde(default)]
    pub tools: Option<Vec<AnthropicTool>>,
    #[serde(default)]
    pub tool_choice: Option<AnthropicToolChoice>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct CountTokensResponse {
    pub input_tokens: u64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AnthropicTool {
    /// Absent (or `custom`) for a client tool; Anthropic's server tools name theirs.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub input_schema: Option<Value>,
}

/// `{"type": "auto" | "any" | "tool" | "none", "name"?, "disable_parallel_tool_use"?}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AnthropicToolChoice {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub disable_parallel_tool_use: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AnthropicMessage {
    pub role: String,
    /// A string, or an array of content blocks (`{"type": "text", "text": …}`).
    #[schema(value_type = Object)]
    pub content: Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessagesResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub role: &'static str,
    pub model: String,
    pub content: Vec<ContentBlock>,
    pub stop_reason: String,
    pub stop_sequence: Option<String>,
    pub usage: AnthropicUsage,
}

/// A block of an answer: text, or a call of one of the request's tools.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[schema(value_type = Object)]
        input: Value,
    },
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct AnthropicUsage {
    /// Uncached input tokens (Anthropic's convention).
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
}

/// An Anthropic-shaped error: `{"type": "error", "error": {type, message}}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnthropicErrorResponse {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub error: AnthropicError,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnthropicError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    /// `usage_limit_exceeded` over the limit, as in the OpenAI shape (tollgate's addition).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

// --- OpenAI embeddings ------------------------------------------------------------------------

/// `POST /v1/embeddings`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EmbeddingsRequest {
    pub model: String,
    /// A string or an array of strings (token arrays are not translated: 400).
    #[schema(value_type = Object)]
    pub input: Value,
    /// `float` (the default); `base64` is refused (400).
    #[serde(default)]
    pub encoding_format: Option<String>,
    #[serde(default)]
    pub dimensions: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmbeddingsResponse {
    pub object: &'static str,
    pub data: Vec<EmbeddingObject>,
    pub model: String,
    pub usage: EmbeddingsUsage,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmbeddingObject {
    pub object: &'static str,
    pub index: usize,
    pub embedding: Vec<f32>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct EmbeddingsUsage {
    pub prompt_tokens: u64,
    pub total_tokens: u64,
}
