//! One run: the claimed history to the model, the answer streamed to subscribers while a
//! heartbeat beside the stream keeps the claim and records the run's progress, then the result
//! saved (`save.rs`).

use super::{Daemon, save};
use crate::authz::{Action, Forbidden, Object};
use crate::events;
use crate::services::billing;
use crate::wire::chats as chat_wire;
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;
use tollgate_api_types as api;
use tollgate_core::RunRef;
use tollgate_llm::{Completion, CompletionRequest, Message, ProviderError, StreamEvent};
use tollgate_store::{
    Chat, ChatMessage, Claim, Grant, MessageRole, ModelConfig, NewChatMessage, RunOutcome, Store,
};

/// Why a run stopped before the model finished.
enum Stop {
    /// Interrupted, edited, or taken over: another party owns the chat now.
    LostChat,
    /// Its progress could not be recorded in time (accounting.md §4): streaming on would spend
    /// what no reservation's progress covers, so a crash then would lose billed cost.
    Unrecorded,
    Failed(ProviderError),
}

/// What the heartbeat tells the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Halt {
    Taken,
    Unrecorded,
}

const UNRECORDED: &str =
    "the run was stopped: its progress could not be recorded (the database is unavailable)";

/// What a run produced: the message to save, how it ended, the metric label.
type Produced = (Option<NewChatMessage>, RunOutcome, &'static str);

impl Daemon {
    /// The store for `action` on `chat`, as `chatd`.
    pub(crate) fn on_chat(&self, action: Action, chat: &Chat) -> Result<&Store, Forbidden> {
        self.acting.may(action, Object::Chat { owner: chat.owner_id })
    }

    /// The store for reading models and providers (deployment config), as `chatd`.
    fn on_config(&self) -> Result<&Store, Forbidden> {
        self.acting.may(Action::Read, Object::DeploymentConfig)
    }
}

pub async fn run_chat(daemon: &Daemon, claim: Claim) {
    let Claim { chat, run, history, model, grant } = claim;
    daemon.events.publish(events::status(chat.id, chat.status));
    let context = model.as_ref().map_or(0, |m| m.context_limit);
    let (message, outcome, label) = match &model {
        None => failed_before_call(&chat, "The chat's model config no longer exists.".to_owned()),
        Some(model) => call_model(daemon, &chat, &run, &history, model, grant).await,
    };
    daemon.metrics.run(label);
    let reservation = grant.map(|g| g.reservation_id);
    save::finish(daemon, &chat, &run, reservation, message, outcome, context).await;
}

/// A run that could not call its provider: nothing was billed.
fn failed_before_call(chat: &Chat, reason: String) -> Produced {
    tracing::warn!(chat_id = %chat.id, error = %reason, "chat run failed before the provider call");
    (None, RunOutcome::Failed { error: reason }, "failed")
}

async fn call_model(
    daemon: &Daemon,
    chat: &Chat,
    run: &RunRef,
    history: &[ChatMessage],
    model: &ModelConfig,
    grant: Option<Grant>,
) -> Produced {
    let provider = match daemon.on_config() {
        Ok(store) => daemon.providers.provider_for(store, model).await,
        Err(e) => Err(e.to_string()),
    };
    let provider = match provider {
        Ok(p) => p,
        Err(reason) => return failed_before_call(chat, reason),
    };
    let streamed = Arc::new(AtomicU64::new(0));
    let (lost_tx, lost) = watch::channel(None);
    let (done, done_rx) = watch::channel(false);
    let beat = tokio::spawn(heartbeat(
        daemon.clone(),
        chat.clone(),
        run.clone(),
        grant,
        streamed.clone(),
        (lost_tx, done_rx),
    ));
    let mut completion = Completion::default();
    let stop = match provider.stream(request(history, model, grant)).await {
        Ok(stream) => consume(daemon, chat, stream, &mut completion, &streamed, lost).await,
        Err(e) => Some(Stop::Failed(e)),
    };
    // Stopped between beats, never cancelled inside one of its database writes.
    let _ = done.send(true);
    let _ = beat.await;
    let message = assistant_message(daemon, chat, model, &completion);
    match stop {
        None => (message, RunOutcome::Succeeded, "succeeded"),
        Some(Stop::LostChat) => (message, RunOutcome::Succeeded, "interrupted"),
        Some(Stop::Unrecorded) => {
            tracing::warn!(chat_id = %chat.id, "{UNRECORDED}");
            (message, RunOutcome::Failed { error: UNRECORDED.to_owned() }, "failed")
        }
        Some(Stop::Failed(e)) => {
            tracing::warn!(chat_id = %chat.id, provider = %model.provider, model = %model.model,
                kind = e.kind(), retryable = e.retryable(), error = %e, "provider call failed");
            publish_error(daemon, chat, model, &e);
            (message, RunOutcome::Failed { error: format!("{} error: {e}", e.kind()) }, "failed")
        }
    }
}

/// The model's request: the claimed history, and at most the output the reservation pays for.
fn request(
    history: &[ChatMessage],
    model: &ModelConfig,
    grant: Option<Grant>,
) -> CompletionRequest {
    let messages = history
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
    let model_cap = model.max_output_tokens.and_then(|n| u32::try_from(n).ok());
    let max_output_tokens = match (model_cap, grant) {
        (Some(cap), Some(g)) => Some(cap.min(g.max_output_tokens)),
        (None, Some(g)) => Some(g.max_output_tokens),
        (cap, None) => cap,
    };
    CompletionRequest {
        model: model.model.clone(),
        messages,
        max_output_tokens,
        temperature: model.temperature.map(|t| t as f32),
        ..CompletionRequest::default()
    }
}

/// Streams the answer to subscribers, counting its bytes for the heartbeat; returns why it
/// stopped early, if it did.
async fn consume(
    daemon: &Daemon,
    chat: &Chat,
    mut stream: tollgate_llm::CompletionStream,
    completion: &mut Completion,
    streamed: &AtomicU64,
    mut lost: watch::Receiver<Option<Halt>>,
) -> Option<Stop> {
    loop {
        tokio::select! {
            next = stream.next() => match next {
                None => return None,
                Some(Err(e)) => return Some(Stop::Failed(e)),
                Some(Ok(event)) => {
                    if let StreamEvent::TextDelta(t) | StreamEvent::ReasoningDelta(t) = &event {
                        streamed.fetch_add(t.len() as u64, Ordering::Relaxed);
                    }
                    forward(daemon, chat, &event);
                    completion.apply(event);
                }
            },
            changed = lost.changed() => {
                match (changed, *lost.borrow()) {
                    (_, Some(Halt::Unrecorded)) => return Some(Stop::Unrecorded),
                    (Err(_), _) | (_, Some(Halt::Taken)) => return Some(Stop::LostChat),
                    _ => {}
                }
            }
        }
    }
}

/// Beside the stream (never blocking it): refreshes the claim and records the run's progress
/// in its reservation; signals `lost` when the chat was taken from the run, and returns when
/// `done`. Each beat records what may stream until the next one is written (the lookahead
/// covers the next tick plus the write deadline), so a beat that fails, or is not written by
/// its deadline, stops the stream: nothing streams that no recorded progress covers (found by
/// the model check, `crates/accounting-model`).
async fn heartbeat(
    daemon: Daemon,
    chat: Chat,
    run: RunRef,
    grant: Option<Grant>,
    streamed: Arc<AtomicU64>,
    (lost, mut done): (watch::Sender<Option<Halt>>, watch::Receiver<bool>),
) {
    let lookahead = daemon.settings.lookahead_tokens();
    let mut beat = tokio::time::interval(daemon.settings.heartbeat_interval);
    beat.tick().await;
    loop {
        tokio::select! {
            _ = beat.tick() => {}
            _ = done.changed() => return,
        }
        let store = match daemon.on_chat(Action::Update, &chat) {
            Ok(store) => store,
            Err(e) => {
                tracing::error!(chat_id = %chat.id, error = %e, "the daemon may not heartbeat");
                let _ = lost.send(Some(Halt::Taken));
                return;
            }
        };
        let now = daemon.clock.now();
        let progress = grant.map(|g| {
            let streamed = streamed.load(Ordering::Relaxed);
            tollgate_core::progress(&g.bound, streamed, lookahead, g.max_output_tokens)
                .unwrap_or(g.amount)
        });
        let write = store.heartbeat(chat.id, &run, now, now + daemon.settings.lease(), progress);
        tokio::pin!(write);
        let written = tokio::select! {
            written = &mut write => written,
            () = tokio::time::sleep(daemon.settings.heartbeat_write_deadline()) => {
                let _ = lost.send(Some(Halt::Unrecorded));
                // Finished, never cancelled inside its transaction.
                let _ = write.await;
                return;
            }
        };
        match written {
            Ok(true) => {}
            Ok(false) => {
                let _ = lost.send(Some(Halt::Taken));
                return;
            }
            Err(e) => {
                tracing::warn!(chat_id = %chat.id, error = %e, "heartbeat failed");
                let _ = lost.send(Some(Halt::Unrecorded));
                return;
            }
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
