//! The offline simulated provider.

use std::time::Duration;

use futures::StreamExt;
use tollgate_llm::{
    Completion, Message, Provider, Simulated, StopReason, StreamEvent, TRIGGER_ERROR,
    TRIGGER_RATE_LIMIT, simulated_tokens,
};

use crate::{request, run};

#[tokio::test]
async fn answers_deterministically_in_several_deltas() {
    let sim = Simulated::default();
    let req = request("sim-1");
    let stream = sim.stream(req.clone()).await.expect("stream");
    let events: Vec<StreamEvent> = stream.map(|e| e.expect("no error")).collect().await;
    let deltas = events.iter().filter(|e| matches!(e, StreamEvent::TextDelta(_))).count();
    assert!(deltas > 3, "streams in several deltas, got {deltas}");
    assert!(matches!(events.last(), Some(StreamEvent::Done { .. })));

    let (first, e1) = run(&sim, req.clone()).await;
    let (second, e2) = run(&sim, req).await;
    assert_eq!((e1, e2), (None, None));
    assert_eq!(first, second);
    assert!(first.text.contains("Again, please."), "{}", first.text);
    assert!(first.text.contains("sim-1"));
    assert_eq!(first.stop_reason, Some(StopReason::EndTurn));
}

#[tokio::test]
async fn usage_follows_the_documented_rule() {
    let sim = Simulated::default();
    let req = request("sim-1");
    let (completion, _) = run(&sim, req.clone()).await;
    let usage = completion.usage.expect("usage");
    let input: u64 = req.messages.iter().map(|m| simulated_tokens(&m.text)).sum();
    // "You are terse." 14 chars → 4; "Say hello." 10 → 3; "Hello." 6 → 2; "Again, please." 14 → 4
    assert_eq!(input, 13);
    assert_eq!(usage.input_tokens, input);
    assert_eq!(usage.output_tokens, simulated_tokens(&completion.text));
    assert_eq!(usage.cache_read_tokens + usage.cache_creation_tokens, 0);
}

#[tokio::test]
async fn respects_max_output_tokens() {
    let sim = Simulated::default();
    let mut req = request("sim-1");
    req.max_output_tokens = Some(5);
    let (completion, _) = run(&sim, req).await;
    assert_eq!(completion.text.chars().count(), 20);
    assert_eq!(completion.usage.map(|u| u.output_tokens), Some(5));
    assert_eq!(completion.stop_reason, Some(StopReason::MaxTokens));
}

#[tokio::test]
async fn interrupt_keeps_partial_text_with_its_usage() {
    let sim = Simulated::new(Duration::from_millis(5));
    let mut stream = sim.stream(request("sim-1")).await.expect("stream");
    let mut completion = Completion::default();
    let mut deltas = 0;
    while let Some(event) = stream.next().await {
        let event = event.expect("no error");
        let is_delta = matches!(event, StreamEvent::TextDelta(_));
        completion.apply(event);
        deltas += usize::from(is_delta);
        if deltas == 2 {
            break; // the daemon drops the stream on interrupt
        }
    }
    drop(stream);
    assert!(!completion.is_done());
    assert!(!completion.text.is_empty());
    // Usage after the second delta is not yet applied; what was applied covers the first.
    let usage = completion.usage.expect("usage");
    assert!(usage.output_tokens >= 1);
}

#[tokio::test]
async fn error_trigger_fails_mid_stream() {
    let sim = Simulated::default();
    let mut req = request("sim-1");
    req.messages.push(Message::user(format!("please {TRIGGER_ERROR}")));
    let (completion, err) = run(&sim, req).await;
    let err = err.expect("error");
    assert_eq!((err.kind(), err.retryable()), ("upstream", true));
    assert!(!completion.text.is_empty());
    assert_eq!(completion.usage.map(|u| u.output_tokens), Some(simulated_tokens(&completion.text)));
}

#[tokio::test]
async fn rate_limit_trigger_fails_before_streaming() {
    let sim = Simulated::default();
    let mut req = request("sim-1");
    req.messages.push(Message::user(TRIGGER_RATE_LIMIT));
    let err = sim.stream(req).await.err().expect("error");
    assert_eq!(err.kind(), "rate_limited");
    assert!(err.retry_after().is_some());
}

#[tokio::test]
async fn no_user_message_still_answers() {
    let sim = Simulated::default();
    let mut req = request("sim-1");
    req.messages.clear();
    let (completion, err) = run(&sim, req).await;
    assert_eq!(err, None);
    assert!(completion.text.contains("no message"));
    assert_eq!(completion.usage.map(|u| u.input_tokens), Some(0));
}
