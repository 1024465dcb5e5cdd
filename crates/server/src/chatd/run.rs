//! One run: the chat's history to the model, the answer streamed to subscribers, the assistant
//! message saved with its usage and cost, then the next queued message promoted.

use super::Daemon;
use crate::authz::{Action, Forbidden, Object};
use crate::events;
use crate::services::billing;
use crate::wire::chats as chat_wire;
use futures::StreamExt;
use tollgate_api_types as api;
use tollgate_llm::{Completion, CompletionRequest, Message, ProviderError, StreamEvent};
use tollgate_store::{Chat, MessageRole, ModelConfig, NewChatMessage, RunOutcome, Store};

/// Why a run stopped before the model finished.
enum Stop {
    /// Interrupted, edited, or taken over: another party owns the chat now.
    LostChat,
    Failed(ProviderError),
}

impl Daemon {
    /// The store for `action` on `chat`, as `chatd`.
    fn on_chat(&self, action: Action, chat: &Chat) -> Result<&Store, Forbidden> {
        self.acting.may(action, Object::Chat { owner: chat.owner_id })
    }

    /// The store for reading models and providers (deployment config), as `chatd`.
    fn on_config(&self) -> Result<&Store, Forbidden> {
        self.acting.may(Action::Read, Object::DeploymentConfig)
    }
}

pub async fn run_chat(daemon: &Daemon, chat: Chat) {
    daemon.events.publish(events::status(chat.id, chat.status));
    let model = model_of(daemon, &chat).await;
    let context = model.as_ref().map(|m| m.context_limit).unwrap_or(0);
    let (message, outcome, label) = match model {
        Err(reason) => failed_before_call(&chat, reason),
        Ok(model) => call_model(daemon, &chat, &model).await,
    };
    billing::count_billed(&daemon.metrics, message.as_ref().and_then(|m| m.total_cost));
    daemon.metrics.run(label);
    finish(daemon, &chat, message, outcome, context).await;
}

/// A run that could not call its provider: nothing was billed.
fn failed_before_call(
    chat: &Chat,
    reason: String,
) -> (Option<NewChatMessage>, RunOutcome, &'static str) {
    tracing::warn!(chat_id = %chat.id, error = %reason, "chat run failed before the provider call");
    (None, RunOutcome::Failed { error: reason }, "failed")
}

async fn model_of(daemon: &Daemon, chat: &Chat) -> Result<ModelConfig, String> {
    let store = daemon.on_config().map_err(|e| e.to_string())?;
    let found = match chat.last_model_config_id {
        Some(id) => store.get_model_config(id).await,
        None => store.default_model_config().await,
    };
    match found {
        Ok(Some(model)) => Ok(model),
        Ok(None) => Err("The chat's model config no longer exists.".to_owned()),
        Err(e) => Err(format!("Could not read the model config: {e}")),
    }
}

/// Calls the model and returns what to save, how the run ended and the metric label.
async fn call_model(
    daemon: &Daemon,
    chat: &Chat,
    model: &ModelConfig,
) -> (Option<NewChatMessage>, RunOutcome, &'static str) {
    let provider = match daemon.on_config() {
        Ok(store) => daemon.providers.provider_for(store, model).await,
        Err(e) => Err(e.to_string()),
    };
    let prepared = match provider {
        Ok(p) => history(daemon, chat, model).await.map(|request| (p, request)),
        Err(reason) => Err(reason),
    };
    let (provider, request) = match prepared {
        Ok(ready) => ready,
        Err(reason) => return failed_before_call(chat, reason),
    };
    let mut completion = Completion::default();
    let stop = match provider.stream(request).await {
        Ok(stream) => consume(daemon, chat, stream, &mut completion).await,
        Err(e) => Some(Stop::Failed(e)),
    };
    let message = assistant_message(daemon, chat, model, &completion);
    match stop {
        None => (message, RunOutcome::Succeeded, "succeeded"),
        Some(Stop::LostChat) => (message, RunOutcome::Succeeded, "interrupted"),
        Some(Stop::Failed(e)) => {
            tracing::warn!(chat_id = %chat.id, provider = %model.provider, model = %model.model,
                kind = e.kind(), retryable = e.retryable(), error = %e, "provider call failed");
            publish_error(daemon, chat, model, &e);
            (message, RunOutcome::Failed { error: format!("{} error: {e}", e.kind()) }, "failed")
        }
    }
}

async fn history(
    daemon: &Daemon,
    chat: &Chat,
    model: &ModelConfig,
) -> Result<CompletionRequest, String> {
    let store = daemon.on_chat(Action::Read, chat).map_err(|e| e.to_string())?;
    let messages = store
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
    daemon: &Daemon,
    chat: &Chat,
    mut stream: tollgate_llm::CompletionStream,
    completion: &mut Completion,
) -> Option<Stop> {
    let mut beat = tokio::time::interval(daemon.settings.heartbeat_interval);
    beat.tick().await;
    loop {
        tokio::select! {
            next = stream.next() => match next {
                None => return None,
                Some(Err(e)) => return Some(Stop::Failed(e)),
                Some(Ok(event)) => {
                    forward(daemon, chat, &event);
                    completion.apply(event);
                }
            },
            _ = beat.tick() => {
                if !heartbeat(daemon, chat).await {
                    return Some(Stop::LostChat);
                }
            }
        }
    }
}

/// `false` when the run lost its chat. A missed beat is not fatal; a long outage ends in the
/// stale-chat requeue.
async fn heartbeat(daemon: &Daemon, chat: &Chat) -> bool {
    let store = match daemon.on_chat(Action::Update, chat) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(chat_id = %chat.id, error = %e, "the daemon may not heartbeat");
            return false;
        }
    };
    match store.heartbeat(chat.id, &daemon.settings.worker_id, daemon.clock.now()).await {
        Ok(owned) => owned,
        Err(e) => {
            tracing::warn!(chat_id = %chat.id, error = %e, "heartbeat failed");
            true
        }
    }
}

fn forward(daemon: &Daemon, chat: &Chat, event: &StreamEvent) {
    match event {
        StreamEvent::TextDelta(t) => {
            daemon.events.publish(events::part(chat.id, "text", t.clone()))
        }
        StreamEvent::ReasoningDelta(t) => {
            daemon.events.publish(events::part(chat.id, "reasoning", t.clone()))
        }
        _ => {}
    }
}

fn publish_error(daemon: &Daemon, chat: &Chat, model: &ModelConfig, e: &ProviderError) {
    let error = api::ChatStreamError {
        message: e.to_string(),
        kind: Some(e.kind().to_owned()),
        provider: Some(model.provider.clone()),
        retryable: e.retryable(),
    };
    daemon.events.publish(events::error(chat.id, error));
}

/// The assistant message to save, or `None` when the model produced nothing billable.
fn assistant_message(
    daemon: &Daemon,
    chat: &Chat,
    model: &ModelConfig,
    completion: &Completion,
) -> Option<NewChatMessage> {
    if completion.text.is_empty() && completion.reasoning.is_empty() && completion.usage.is_none() {
        return None;
    }
    let usage = completion.usage.map(billing::token_usage);
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
        total_cost: billing::cost(&daemon.metrics, model, usage.as_ref(), chat.id),
        created_at: daemon.clock.now(),
    })
}

async fn finish(
    daemon: &Daemon,
    chat: &Chat,
    message: Option<NewChatMessage>,
    outcome: RunOutcome,
    context: i64,
) {
    let finished = match daemon.on_chat(Action::Update, chat) {
        Ok(store) => {
            store
                .finish_run(
                    chat.id,
                    &daemon.settings.worker_id,
                    message,
                    outcome,
                    daemon.clock.now(),
                )
                .await
        }
        Err(e) => {
            return tracing::error!(chat_id = %chat.id, error = %e, "the daemon may not finish runs");
        }
    };
    let finished = match finished {
        Ok(f) => f,
        Err(e) => {
            // The chat stays `running` and the stale-chat requeue retries it.
            tracing::error!(chat_id = %chat.id, error = %e, "could not save a finished run");
            return;
        }
    };
    for m in finished.message.iter().chain(finished.promoted.iter()) {
        daemon.events.publish(events::message(chat.id, chat_wire::message(m, context)));
    }
    daemon.events.publish(events::status(chat.id, finished.chat.status));
    if finished.promoted.is_some() {
        if let Ok(store) = daemon.on_chat(Action::Read, chat) {
            events::publish_queue(&daemon.events, store, chat.id).await;
        }
        daemon.wake.notify_one();
    }
}
