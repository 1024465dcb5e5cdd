//! Reading tool calling from either protocol into the neutral terms of the `llm` crate: the tools
//! offered and the tool choice, the calls an assistant made and the results a client sends back
//! (OpenAI's `tool_calls` and `tool` messages, Anthropic's `tool_use` and `tool_result` blocks).
//! Everything either provider can express in the other's terms is translated; what cannot be
//! (server tools, OpenAI's non-function tools, images in results) is a 400, never dropped.

use super::GatewayError;
use serde_json::Value;
use tollgate_api_types as api;
use tollgate_llm::{Message, Role, Tool, ToolCall, ToolChoice, Tools};

/// An object schema that accepts any arguments: a function declared without `parameters`.
fn any_arguments() -> Value {
    serde_json::json!({"type": "object", "properties": {}})
}

/// OpenAI's `tools`, `tool_choice` and `parallel_tool_calls`.
pub fn openai_tools(
    tools: Option<Vec<api::OpenAiTool>>,
    choice: Option<&Value>,
    parallel: Option<bool>,
) -> Result<Tools, GatewayError> {
    let mut neutral = Vec::new();
    for tool in tools.unwrap_or_default() {
        if tool.kind != "function" {
            return Err(GatewayError::invalid(format!(
                "Tools of type {:?} are not supported by the gateway: only function tools are \
                 translated.",
                tool.kind
            )));
        }
        let f = tool.function;
        let parameters = f.parameters.unwrap_or_else(any_arguments);
        neutral.push(Tool { name: f.name, description: f.description, parameters });
    }
    let choice = match choice {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(match s.as_str() {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Required,
            other => return Err(bad_choice(other)),
        }),
        Some(named) => match named.pointer("/function/name").and_then(Value::as_str) {
            Some(name) if named["type"] == "function" => Some(ToolChoice::Named(name.to_owned())),
            _ => return Err(bad_choice(&named.to_string())),
        },
    };
    Ok(Tools { tools: neutral, choice, parallel })
}

fn bad_choice(choice: &str) -> GatewayError {
    GatewayError::invalid(format!(
        "tool_choice {choice} is not understood: use \"auto\", \"none\", \"required\" or \
         {{\"type\": \"function\", \"function\": {{\"name\": …}}}}."
    ))
}

/// The calls of an OpenAI assistant message.
pub fn openai_calls(
    calls: Option<Vec<api::OpenAiToolCall>>,
) -> Result<Vec<ToolCall>, GatewayError> {
    let mut neutral = Vec::new();
    for call in calls.unwrap_or_default() {
        if call.kind != "function" {
            return Err(GatewayError::invalid(format!(
                "Tool calls of type {:?} are not supported: only function calls are translated.",
                call.kind
            )));
        }
        neutral.push(ToolCall {
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
        });
    }
    Ok(neutral)
}

/// Anthropic's `tools` and `tool_choice`.
pub fn anthropic_tools(
    tools: Option<Vec<api::AnthropicTool>>,
    choice: Option<api::AnthropicToolChoice>,
) -> Result<Tools, GatewayError> {
    let mut neutral = Vec::new();
    for tool in tools.unwrap_or_default() {
        match tool.kind.as_deref() {
            None | Some("custom") => {}
            Some(kind) => {
                return Err(GatewayError::invalid(format!(
                    "Server tools (type {kind:?}) are not supported by the gateway: only client \
                     tools with an input_schema are translated."
                )));
            }
        }
        let parameters = tool.input_schema.unwrap_or_else(any_arguments);
        neutral.push(Tool { name: tool.name, description: tool.description, parameters });
    }
    let Some(choice) = choice else {
        return Ok(Tools { tools: neutral, choice: None, parallel: None });
    };
    let named = match (choice.kind.as_str(), choice.name) {
        ("auto", _) => ToolChoice::Auto,
        ("any", _) => ToolChoice::Required,
        ("none", _) => ToolChoice::None,
        ("tool", Some(name)) => ToolChoice::Named(name),
        (other, _) => {
            return Err(GatewayError::invalid(format!(
                "tool_choice of type {other:?} is not understood: use auto, any, none, or tool \
                 with a name."
            )));
        }
    };
    let parallel = choice.disable_parallel_tool_use.map(|disabled| !disabled);
    Ok(Tools { tools: neutral, choice: Some(named), parallel })
}

/// An Anthropic message's content, as neutral messages: a user turn's tool results come first
/// (one tool message each, as OpenAI has them), then its text; an assistant turn's text and
/// calls make one message.
pub fn anthropic_turn(role: Role, content: &Value) -> Result<Vec<Message>, GatewayError> {
    let Value::Array(blocks) = content else {
        return Ok(vec![Message::new(role, super::text_content(content)?)]);
    };
    let (mut text, mut calls, mut results) = (Vec::new(), Vec::new(), Vec::new());
    for block in blocks {
        match (block["type"].as_str(), role) {
            (Some("text"), _) => text.push(block["text"].as_str().unwrap_or_default()),
            (Some("tool_use"), Role::Assistant) => calls.push(tool_use(block)?),
            (Some("tool_result"), Role::User) => results.push(tool_result(block)?),
            (kind, _) => {
                return Err(GatewayError::invalid(format!(
                    "Content of type {:?} is not supported by the gateway in a {} message.",
                    kind.unwrap_or("unknown"),
                    role.as_str()
                )));
            }
        }
    }
    let mut message = Message::new(role, text.join("\n"));
    message.tool_calls = calls;
    let keep = !message.text.is_empty() || !message.tool_calls.is_empty() || results.is_empty();
    results.extend(keep.then_some(message));
    Ok(results)
}

fn tool_use(block: &Value) -> Result<ToolCall, GatewayError> {
    let field = |name: &str| block[name].as_str().map(str::to_owned);
    match (field("id"), field("name")) {
        (Some(id), Some(name)) => {
            let input = block.get("input").cloned().unwrap_or_else(|| serde_json::json!({}));
            Ok(ToolCall { id, name, arguments: input.to_string() })
        }
        _ => Err(GatewayError::invalid("A tool_use block needs its id and name.")),
    }
}

fn tool_result(block: &Value) -> Result<Message, GatewayError> {
    let id = block["tool_use_id"]
        .as_str()
        .ok_or_else(|| GatewayError::invalid("A tool_result block needs its tool_use_id."))?;
    let text = match block.get("content") {
        None => String::new(),
        Some(content) => super::text_content(content)?,
    };
    Ok(Message::tool_result(id, text, block["is_error"].as_bool().unwrap_or(false)))
}

/// A call's arguments as Anthropic's `input` object; text that is not a JSON object (a model's
/// mistake) is passed on as it is, a string, rather than lost.
pub fn input_of(call: &ToolCall) -> Value {
    match serde_json::from_str::<Value>(&call.arguments) {
        Ok(input @ Value::Object(_)) => input,
        _ if call.arguments.trim().is_empty() => serde_json::json!({}),
        _ => Value::String(call.arguments.clone()),
    }
}
