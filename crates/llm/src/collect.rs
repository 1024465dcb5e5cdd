//! Folding a stream into the message the daemon persists.

use futures::StreamExt;

use crate::CompletionStream;
use crate::error::ProviderError;
use crate::tools::ToolCall;
use crate::types::{StopReason, StreamEvent, Usage};

/// What a call produced so far: complete after `Done`, partial after an error or interrupt.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Completion {
    pub text: String,
    pub reasoning: String,
    /// The tool calls the model made, in order.
    pub tool_calls: Vec<ToolCall>,
    /// `None` when the provider reported no usage at all (e.g. OpenAI cut before its final
    /// chunk), as opposed to a reported zero.
    pub usage: Option<Usage>,
    /// Set when `Done` arrived.
    pub stop_reason: Option<StopReason>,
}

impl Completion {
    /// Applies one event.
    pub fn apply(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::TextDelta(t) => self.text.push_str(&t),
            StreamEvent::ReasoningDelta(t) => self.reasoning.push_str(&t),
            StreamEvent::Usage(u) => self.usage.get_or_insert_with(Usage::default).merge(&u),
            StreamEvent::Done { stop_reason } => self.stop_reason = Some(stop_reason),
            StreamEvent::ToolCallStart { index, id, name } => {
                let call = self.tool_call(index);
                call.id = id;
                call.name = name;
            }
            StreamEvent::ToolCallDelta { index, arguments } => {
                self.tool_call(index).arguments.push_str(&arguments);
            }
        }
    }

    /// The `index`-th tool call, made empty if the stream had not named it yet.
    fn tool_call(&mut self, index: usize) -> &mut ToolCall {
        // Indexes come from the provider; a call is never more than one past the last.
        let index = index.min(self.tool_calls.len());
        if index == self.tool_calls.len() {
            self.tool_calls.push(ToolCall {
                id: String::new(),
                name: String::new(),
                arguments: String::new(),
            });
        }
        &mut self.tool_calls[index]
    }

    /// Whether the provider finished the answer.
    pub fn is_done(&self) -> bool {
        self.stop_reason.is_some()
    }
}

/// Drains a stream. Returns what was received and the error that ended it, if any; the partial
/// text and usage before an error are kept.
pub async fn collect(mut stream: CompletionStream) -> (Completion, Option<ProviderError>) {
    let mut completion = Completion::default();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => completion.apply(event),
            Err(e) => return (completion, Some(e)),
        }
    }
    (completion, None)
}
