//! Tool calling in provider-neutral terms: the tools a request offers, the calls a model makes,
//! and how a conversation carries both back (OpenAI's `tool_calls`/`tool` messages, Anthropic's
//! `tool_use`/`tool_result` blocks).

use serde::{Deserialize, Serialize};

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: Option<String>,
    /// The JSON Schema of the tool's arguments (an object schema).
    pub parameters: serde_json::Value,
}

/// Whether and which tool the model must call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides (both providers' default).
    Auto,
    /// No tool may be called.
    None,
    /// Some tool must be called (OpenAI `required`, Anthropic `any`).
    Required,
    /// This tool must be called.
    Named(String),
}

/// A call the model made: its id (echoed by the tool's result), the tool, and its arguments as
/// JSON text, exactly as the model wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// The tools of one request, and the rules for calling them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tools {
    pub tools: Vec<Tool>,
    pub choice: Option<ToolChoice>,
    /// `Some(false)` asks for at most one call per answer.
    pub parallel: Option<bool>,
}

impl Tools {
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty() && self.choice.is_none() && self.parallel.is_none()
    }

    /// The bytes the tools add to the prompt (names, descriptions, schemas), for the input bound.
    pub fn prompt_bytes(&self) -> usize {
        self.tools
            .iter()
            .map(|t| {
                t.name.len()
                    + t.description.as_ref().map_or(0, String::len)
                    + t.parameters.to_string().len()
            })
            .sum()
    }
}
