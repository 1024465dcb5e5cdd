//! One run: the chat's history to the model, the answer streamed to subscribers, the assistant
//! message saved with its usage and cost, then the next queued message promoted.

use super::providers::provider_for;
use crate::chat_wire;
use crate::events;
use crate::state::AppState;
use futures::StreamExt;
use tollgate_api_types as api;
use tollgate_core::{TokenUsage, message_cost};
use tollgate_llm::{Completion, CompletionRequest, Message, ProviderError, StreamEvent, Usage};
use tollgate_store::{Chat, MessageRole, ModelConfig, NewChatMessage, RunOutcome};

/// Why a run stopped before the model finished.
enum Stop {
    /// Interrupted, edited, or taken over: another party owns the chat now.
    LostChat,
    Failed(ProviderError),
}

pub async fn run_chat(state: AppState, chat: Chat) {
    let worker = state.settings.chat.worker_id.clone();
    state.events.publish(events::status(chat.id, chat.status));
    let model = model_of(&state, &chat).await;
    let context = model.as_ref().map(|m| m.context_limit).unwrap_or(0);
    let (message, outcome, label) = match model {
        Err(reason) => (None, RunOutcome::Failed { error: reason }, "failed"),
        Ok(model) => call_model(&state, &chat, &model, &worker).await,
    };
    if let Some(cost) = message.as_ref().and_then(|m| m.total_cost) {
        state.metrics.billed_micros.inc_by(u64::try_from(cost.get()).unwrap_or(0));
    }
    state.metrics.run(label);
    finish(&state, &chat, &worker, message, outcome, context).await;
}

async fn model_of(state: &AppState, chat: &Chat) -> Result<ModelConfig, String> {
    let found = match chat.last_model_config_id {
        Some(id) => state.store.get_model_config(id).await,
        None => state.store.default_model_config().await,
    };
    match found {
        Ok(Some(model)) => Ok(model),
        Ok(None) => Err("The chat's model config no longer exists.".to_owned()),
        Err(e) => Err(format!("Could not read the model config: {e}")),
    }
}

/// Calls the model and returns what to save, how the run ended and the metric label.
async fn call_model(
    state: &AppState,
    chat: &Chat,
    model: &ModelConfig,
    worker: &str,
) -> (Option<NewChatMessage>, RunOutcome, &'static str) {
    let provider = match provider_for(state, model).await {
        Ok(p) => p,
        Err(reason) => return (None, RunOutcome::Failed { error: reason }, "failed"),
    };
    let request = match history(state, chat, model).await {
        Ok(r) => r,
        Err(reason) => return (None, RunOutcome::Failed { error: reason }, "failed"),
    };
    let mut completion = Completion::default();
    let stop = match provider.stream(request).await {
        Ok(stream) => consume(state, chat, worker, stream, &mut completion).await,
        Err(e) => Some(Stop::Failed(e)),
    };
    let message = assistant_message(state, chat, model, &completion);
    match stop {
        None => (message, RunOutcome::Succeeded, "succeeded"),
        Some(Stop::LostChat) => (message, RunOutcome::Succeeded, "interrupted"),
        Some(Stop::Failed(e)) => {
            publish_error(state, chat, model, &e);
            (message, RunOutcome::Failed { error: format!("{} error: {e}", e.kind()) }, "failed")
        }
    }
}

async fn history(
    state: &AppState,
    chat: &Chat,
    model: &ModelConfig,
) -> Result<CompletionRequest, String> {
    let messages = state
        .store
        .messages_after(chat.id, 0)
        .await
        .map_err(|e| format!("Could not read the chat history: {e}"))?;
    let messages = messages
        .iter()
        .filter_map(|m| {
            let text = chat_wire::text_of(&m.content);
            match m.role {
                MessageRole::User => Some(Message::user(text)),
                MessageRole::Assistant => Some(Message::assistant(text)),
                MessageRole::System => Some(Message::system(text)),
                MessageRole::Tool => None,
            }
        })
        .collect();
    Ok(CompletionRequest {
        model: model.model.clone(),
        messages,
        max_output_tokens: model.max_output_tokens.and_then(|n| u32::try_from(n).ok()),
        temperature: model.temperature.map(|t| t as f32),
    })
}

/// Streams the answer to subscribers while heartbeating; returns why it stopped early, if it did.
async fn consume(
    state: &AppState,
    chat: &Chat,
    worker: &str,
    mut stream: tollgate_llm::CompletionStream,
    completion: &mut Completion,
) -> Option<Stop> {
    let mut beat = tokio::time::interval(state.settings.chat.heartbeat_interval);
    beat.tick().await;
    loop {
        tokio::select! {
            next = stream.next() => match next {
                None => return None,
                Some(Err(e)) => return Some(Stop::Failed(e)),
                Some(Ok(event)) => {
                    forward(state, chat, &event);
                    completion.apply(event);
                }
            },
            _ = beat.tick() => {
                match state.store.heartbeat(chat.id, worker, state.clock.now()).await {
                    Ok(true) => {}
                    Ok(false) => return Some(Stop::LostChat),
                    // A missed beat is not fatal; a long outage ends in the stale-chat requeue.
                    Err(e) => tracing::warn!(chat_id = %chat.id, error = %e, "heartbeat failed"),
                }
            }
        }
    }
}

fn forward(state: &AppState, chat: &Chat, event: &StreamEvent) {
    match event {
        StreamEvent::TextDelta(t) => state.events.publish(events::part(chat.id, "text", t.clone())),
        StreamEvent::ReasoningDelta(t) => {
            state.events.publish(events::part(chat.id, "reasoning", t.clone()))
        }
        _ => {}
    }
}

fn publish_error(state: &AppState, chat: &Chat, model: &ModelConfig, e: &ProviderError) {
    let error = api::ChatStreamError {
        message: e.to_string(),
        kind: Some(e.kind().to_owned()),
        provider: Some(model.provider.clone()),
        retryable: e.retryable(),
    };
    state.events.publish(events::error(chat.id, error));
}

/// The assistant message to save, or `None` when the model produced nothing billable.
fn assistant_message(
    state: &AppState,
    chat: &Chat,
    model: &ModelConfig,
    completion: &Completion,
) -> Option<NewChatMessage> {
    if completion.text.is_empty() && completion.reasoning.is_empty() && completion.usage.is_none() {
        return None;
    }
    let usage = completion.usage.map(token_usage);
    let total_cost = match message_cost(model.prices.as_ref(), usage.as_ref()) {
        Ok(cost) => cost,
        Err(e) => {
            // Unreachable with bounded prices and real token counts; never wrap, record unpriced.
            tracing::error!(chat_id = %chat.id, error = %e, "message cost out of range");
            None
        }
    };
    let mut parts = Vec::new();
    if !completion.reasoning.is_empty() {
        parts.push(serde_json::json!({"type": "reasoning", "text": completion.reasoning}));
    }
    parts.push(serde_json::json!({"type": "text", "text": completion.text}));
    Some(NewChatMessage {
        chat_id: chat.id,
        created_by: None,
        model_config_id: Some(model.id),
        role: MessageRole::Assistant,
        content: serde_json::Value::Array(parts),
        usage,
        total_cost,
        created_at: state.clock.now(),
    })
}

pub fn token_usage(u: Usage) -> TokenUsage {
    TokenUsage {
        input: u.input_tokens,
        output: u.output_tokens,
        reasoning: u.reasoning_tokens,
        cache_read: u.cache_read_tokens,
        cache_write: u.cache_creation_tokens,
    }
}

async fn finish(
    state: &AppState,
    chat: &Chat,
    worker: &str,
    message: Option<NewChatMessage>,
    outcome: RunOutcome,
    context: i64,
) {
    let finished =
        state.store.finish_run(chat.id, worker, message, outcome, state.clock.now()).await;
    let finished = match finished {
        Ok(f) => f,
        Err(e) => {
            // The chat stays `running` and the stale-chat requeue retries it.
            tracing::error!(chat_id = %chat.id, error = %e, "could not save a finished run");
            return;
        }
    };
    for m in finished.message.iter().chain(finished.promoted.iter()) {
        state.events.publish(events::message(chat.id, chat_wire::message(m, context)));
    }
    state.events.publish(events::status(chat.id, finished.chat.status));
    if finished.promoted.is_some() {
        events::publish_queue(state, chat.id).await;
        state.wake.notify_one();
    }
}
