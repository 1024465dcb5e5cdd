//! The `simulated` provider: no key, no network. It answers deterministically from the prompt
//! and reports usage computed from the text, so an offline install can chat, meter cost and hit
//! spend limits.

use std::time::Duration;

use futures::StreamExt;

use crate::config::ProviderKind;
use crate::error::ProviderError;
use crate::types::{
    CompletionRequest, EmbeddingRequest, Embeddings, Message, Role, StopReason, StreamEvent, Usage,
};
use crate::{CompletionStream, Provider};

/// In the last user message, makes the stream fail after its first delta (HTTP 500 class).
pub const TRIGGER_ERROR: &str = "[simulate:error]";
/// In the last user message, makes the call fail before streaming (HTTP 429 class).
pub const TRIGGER_RATE_LIMIT: &str = "[simulate:rate_limit]";

const WORDS_PER_DELTA: usize = 3;
const EXCERPT_CHARS: usize = 120;

/// The simulated token count of a text: one token per 4 characters (Unicode scalar values),
/// rounded up, at least 1.
pub fn simulated_tokens(text: &str) -> u64 {
    let chars = text.chars().count() as u64;
    chars.div_ceil(4).max(1)
}

/// The offline provider. `delta_delay` is slept before each text delta.
#[derive(Debug, Clone, Default)]
pub struct Simulated {
    delta_delay: Duration,
}

impl Simulated {
    pub fn new(delta_delay: Duration) -> Self {
        Self { delta_delay }
    }
}

#[async_trait::async_trait]
impl Provider for Simulated {
    async fn stream(&self, req: CompletionRequest) -> Result<CompletionStream, ProviderError> {
        let prompt = last_user_text(&req.messages);
        if prompt.contains(TRIGGER_RATE_LIMIT) {
            return Err(ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
                message: "simulated rate limit".into(),
            });
        }
        let delay = self.delta_delay;
        let events = plan(&req, prompt);
        let stream = futures::stream::iter(events).then(move |item| async move {
            if matches!(item, Ok(StreamEvent::TextDelta(_))) && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            item
        });
        Ok(stream.boxed())
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Simulated
    }

    /// The input tokens a call would report.
    async fn count_tokens(&self, req: CompletionRequest) -> Result<u64, ProviderError> {
        Ok(input_tokens(&req))
    }

    /// Deterministic unit vectors (the same text, the same vector), billed like its prompts.
    async fn embed(&self, req: EmbeddingRequest) -> Result<Embeddings, ProviderError> {
        let dimensions = req.dimensions.unwrap_or(SIMULATED_DIMENSIONS).clamp(1, 4096) as usize;
        Ok(Embeddings {
            vectors: req.input.iter().map(|text| simulated_vector(text, dimensions)).collect(),
            input_tokens: req.input.iter().map(|text| simulated_tokens(text)).sum(),
        })
    }
}

const SIMULATED_DIMENSIONS: u32 = 8;

/// A unit vector drawn from the text's bytes (FNV-1a, then a xorshift per dimension).
fn simulated_vector(text: &str, dimensions: usize) -> Vec<f32> {
    let mut state = text
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let mut vector: Vec<f32> = (0..dimensions)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    vector.iter_mut().for_each(|x| *x /= norm);
    vector
}

fn last_user_text(messages: &[Message]) -> &str {
    messages.iter().rev().find(|m| m.role == Role::User).map_or("", |m| m.text.as_str())
}

/// The whole event sequence. Usage is re-reported after every delta, so an interrupted call
/// still meters exactly the text it produced.
fn input_tokens(req: &CompletionRequest) -> u64 {
    req.messages.iter().map(|m| simulated_tokens(&m.text)).sum()
}

fn plan(req: &CompletionRequest, prompt: &str) -> Vec<Result<StreamEvent, ProviderError>> {
    let input_tokens = input_tokens(req);
    let (reply, stop_reason) = limit(reply(&req.model, prompt), req.max_output_tokens);
    let usage = |emitted: &str| Usage {
        input_tokens,
        output_tokens: if emitted.is_empty() { 0 } else { simulated_tokens(emitted) },
        ..Usage::default()
    };
    let mut events = vec![Ok(StreamEvent::Usage(usage("")))];
    let mut emitted = String::new();
    for delta in deltas(&reply) {
        emitted.push_str(&delta);
        events.push(Ok(StreamEvent::TextDelta(delta)));
        events.push(Ok(StreamEvent::Usage(usage(&emitted))));
        if prompt.contains(TRIGGER_ERROR) {
            events.push(Err(ProviderError::Upstream {
                status: 500,
                message: "simulated upstream failure".into(),
            }));
            return events;
        }
    }
    events.push(Ok(StreamEvent::Done { stop_reason }));
    events
}

fn reply(model: &str, prompt: &str) -> String {
    let words = prompt.split_whitespace().count();
    if words == 0 {
        return format!("Simulated reply from {model}: there was no message to answer.");
    }
    let chars = prompt.chars().count();
    let plural = if words == 1 { "" } else { "s" };
    format!(
        "Simulated reply from {model}. You wrote {words} word{plural} ({chars} characters): \
         \"{}\". No real model was called; this answer is generated offline so that chats, \
         metering and spend limits work without a provider.",
        excerpt(prompt)
    )
}

fn excerpt(prompt: &str) -> String {
    let flat = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(EXCERPT_CHARS) {
        Some((idx, _)) => format!("{}…", &flat[..idx]),
        None => flat,
    }
}

/// Cuts the reply to the output limit (4 characters per token, the counting rule).
fn limit(reply: String, max_output_tokens: Option<u32>) -> (String, StopReason) {
    let Some(max) = max_output_tokens else {
        return (reply, StopReason::EndTurn);
    };
    let max_chars = usize::try_from(max).unwrap_or(usize::MAX).saturating_mul(4);
    match reply.char_indices().nth(max_chars) {
        Some((idx, _)) => (reply[..idx].to_owned(), StopReason::MaxTokens),
        None => (reply, StopReason::EndTurn),
    }
}

/// Splits text into deltas of a few words; concatenated they give the text back exactly.
fn deltas(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    words.chunks(WORDS_PER_DELTA).map(|chunk| chunk.concat()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_rule() {
        assert_eq!(simulated_tokens(""), 1);
        assert_eq!(simulated_tokens("abcd"), 1);
        assert_eq!(simulated_tokens("abcde"), 2);
        assert_eq!(simulated_tokens("ééééé"), 2);
    }

    #[test]
    fn deltas_rebuild_the_text() {
        let text = "one two  three four five six seven";
        let parts = deltas(text);
        assert!(parts.len() > 1);
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn limit_cuts_to_max_tokens() {
        let (text, reason) = limit("x".repeat(100), Some(5));
        assert_eq!((text.len(), reason), (20, StopReason::MaxTokens));
        let (text, reason) = limit("x".repeat(20), Some(5));
        assert_eq!((text.len(), reason), (20, StopReason::EndTurn));
    }
}
