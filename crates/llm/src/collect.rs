//! Folding a stream into the message the daemon persists.

use futures::StreamExt;

use crate::CompletionStream;
use crate::error::ProviderError;
use crate::types::{StopReason, StreamEvent, Usage};

/// What a call produced so far: complete after `Done`, partial after an error or interrupt.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Completion {
    pub text: String,
    pub reasoning: String,
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
        }
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
