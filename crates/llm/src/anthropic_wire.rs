//! The request side of Anthropic's Messages API: the conversation as content blocks (an
//! assistant's calls as `tool_use`, tools' results as `tool_result` blocks of a user message),
//! tools and the tool choice.

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::ProviderError;
use crate::tools::{Tool, ToolCall, ToolChoice, Tools};
use crate::types::{Message, Role};

#[derive(Serialize)]
pub struct WireMessage {
    role: &'static str,
    content: Content,
}

/// A plain string where a message is one text, else blocks.
#[derive(Serialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Blocks(Vec<Value>),
}

impl WireMessage {
    fn blocks(&mut self) -> &mut Vec<Value> {
        if let Content::Text(text) = &mut self.content {
            let text = std::mem::take(text);
            self.content = Content::Blocks(vec![json!({"type": "text", "text": text})]);
        }
        match &mut self.content {
            Content::Blocks(blocks) => blocks,
            Content::Text(_) => unreachable!("made blocks above"),
        }
    }

    fn has_tool_results(&self) -> bool {
        matches!(&self.content, Content::Blocks(b) if b.iter().any(|b| b["type"] == "tool_result"))
    }
}

/// The conversation without its system messages (Anthropic takes those apart). Empty texts are
/// left out (Anthropic rejects empty text blocks); tool results join the user turn they belong to,
/// and a user's text after them joins that turn too, as Anthropic requires.
pub fn wire_messages(messages: &[Message]) -> Result<Vec<WireMessage>, ProviderError> {
    let mut wire: Vec<WireMessage> = Vec::with_capacity(messages.len());
    for m in messages {
        match m.role {
            Role::System => {}
            Role::User if m.text.trim().is_empty() => {}
            Role::User => match wire.last_mut().filter(|w| w.has_tool_results()) {
                Some(turn) => turn.blocks().push(json!({"type": "text", "text": m.text})),
                None => {
                    wire.push(WireMessage { role: "user", content: Content::Text(m.text.clone()) })
                }
            },
            Role::Assistant => wire.extend(assistant(m)?),
            Role::Tool => {
                let result = tool_result(m)?;
                match wire.last_mut().filter(|w| w.role == "user") {
                    Some(turn) => turn.blocks().push(result),
                    None => wire
                        .push(WireMessage { role: "user", content: Content::Blocks(vec![result]) }),
                }
            }
        }
    }
    Ok(wire)
}

fn assistant(m: &Message) -> Result<Option<WireMessage>, ProviderError> {
    let text = (!m.text.trim().is_empty()).then(|| m.text.clone());
    if m.tool_calls.is_empty() {
        return Ok(text.map(|t| WireMessage { role: "assistant", content: Content::Text(t) }));
    }
    let mut blocks: Vec<Value> =
        text.map(|t| json!({"type": "text", "text": t})).into_iter().collect();
    for call in &m.tool_calls {
        blocks.push(json!({"type": "tool_use", "id": call.id, "name": call.name,
            "input": arguments(call)?}));
    }
    Ok(Some(WireMessage { role: "assistant", content: Content::Blocks(blocks) }))
}

/// A call's arguments as the JSON object Anthropic's `input` must be.
fn arguments(call: &ToolCall) -> Result<Value, ProviderError> {
    if call.arguments.trim().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_str::<Value>(&call.arguments) {
        Ok(input @ Value::Object(_)) => Ok(input),
        _ => Err(bad_request(format!(
            "the arguments of tool call {:?} are not a JSON object, which Anthropic requires",
            call.id
        ))),
    }
}

fn tool_result(m: &Message) -> Result<Value, ProviderError> {
    let id = m
        .tool_call_id
        .as_deref()
        .ok_or_else(|| bad_request("a tool result names no tool call".to_owned()))?;
    let mut block = json!({"type": "tool_result", "tool_use_id": id, "content": m.text});
    if m.is_error {
        block["is_error"] = json!(true);
    }
    Ok(block)
}

pub fn wire_tool(tool: &Tool) -> Value {
    let mut wire = json!({"name": tool.name, "input_schema": tool.parameters});
    if let Some(description) = &tool.description {
        wire["description"] = json!(description);
    }
    wire
}

/// Anthropic's `tool_choice`; `parallel: Some(false)` becomes `disable_parallel_tool_use`.
pub fn wire_tool_choice(tools: &Tools) -> Option<Value> {
    let mut choice = match &tools.choice {
        None if tools.parallel.is_none() => return None,
        None | Some(ToolChoice::Auto) => json!({"type": "auto"}),
        Some(ToolChoice::None) => return Some(json!({"type": "none"})),
        Some(ToolChoice::Required) => json!({"type": "any"}),
        Some(ToolChoice::Named(name)) => json!({"type": "tool", "name": name}),
    };
    if tools.parallel == Some(false) {
        choice["disable_parallel_tool_use"] = json!(true);
    }
    Some(choice)
}

fn bad_request(message: String) -> ProviderError {
    ProviderError::BadRequest { status: 400, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_results_join_the_user_turn() {
        let mut asked = Message::assistant("Let me look.");
        asked.tool_calls = vec![ToolCall {
            id: "call_1".into(),
            name: "weather".into(),
            arguments: r#"{"city":"Oslo"}"#.into(),
        }];
        let history = vec![
            Message::system("terse"),
            Message::user("Weather in Oslo?"),
            asked,
            Message::tool_result("call_1", "-3 °C", false),
            Message::user("And tomorrow?"),
        ];
        let wire = serde_json::to_value(wire_messages(&history).unwrap()).unwrap();
        assert_eq!(
            wire,
            json!([
                {"role": "user", "content": "Weather in Oslo?"},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Let me look."},
                    {"type": "tool_use", "id": "call_1", "name": "weather", "input": {"city": "Oslo"}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "call_1", "content": "-3 °C"},
                    {"type": "text", "text": "And tomorrow?"}]},
            ])
        );
    }

    #[test]
    fn arguments_must_be_an_object() {
        let mut asked = Message::assistant("");
        let call = ToolCall { id: "c".into(), name: "t".into(), arguments: "[1]".into() };
        asked.tool_calls = vec![call];
        let err = wire_messages(&[asked]).err().expect("refused");
        assert_eq!(err.kind(), "bad_request");
    }

    #[test]
    fn tool_choice_carries_parallelism() {
        let tools =
            Tools { tools: vec![], choice: Some(ToolChoice::Required), parallel: Some(false) };
        assert_eq!(
            wire_tool_choice(&tools),
            Some(json!({"type": "any", "disable_parallel_tool_use": true}))
        );
        assert_eq!(wire_tool_choice(&Tools::default()), None);
    }
}
