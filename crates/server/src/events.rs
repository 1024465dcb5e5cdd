//! In-process fan-out of chat stream events: the daemon publishes, WebSocket streams subscribe.
//! Persisted state (messages, status) is also polled from the database by each stream, so a
//! client on one replica sees what a worker on another replica saved; only the live deltas are
//! local to the replica running the chat.

use crate::wire::chats as chat_wire;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::broadcast;
use tollgate_api_types::{self as api, ChatStreamEvent};
use tollgate_store::{ChatStatus, Store};
use uuid::Uuid;

const CHANNEL_CAPACITY: usize = 256;

#[derive(Default)]
pub struct EventHub {
    channels: Mutex<HashMap<Uuid, broadcast::Sender<ChatStreamEvent>>>,
}

impl EventHub {
    pub fn subscribe(&self, chat: Uuid) -> broadcast::Receiver<ChatStreamEvent> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.entry(chat).or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0).subscribe()
    }

    /// Sends to current subscribers; channels nobody listens to are dropped.
    pub fn publish(&self, event: ChatStreamEvent) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(&event.chat_id)
            && sender.send(event.clone()).is_err()
        {
            channels.remove(&event.chat_id);
        }
    }
}

fn event(kind: &str, chat_id: Uuid) -> ChatStreamEvent {
    ChatStreamEvent {
        kind: kind.to_owned(),
        chat_id,
        message_part: None,
        message: None,
        status: None,
        error: None,
        queued_messages: None,
    }
}

pub fn message(chat_id: Uuid, message: api::ChatMessage) -> ChatStreamEvent {
    ChatStreamEvent { message: Some(message), ..event("message", chat_id) }
}

pub fn status(chat_id: Uuid, status: ChatStatus) -> ChatStreamEvent {
    let status = api::ChatStreamStatus { status: chat_wire::status(status) };
    ChatStreamEvent { status: Some(status), ..event("status", chat_id) }
}

/// A delta of the answer being written (`kind` is `text` or `reasoning`).
pub fn part(chat_id: Uuid, kind: &str, text: String) -> ChatStreamEvent {
    let part = api::ChatStreamMessagePart {
        role: "assistant".to_owned(),
        part: api::ChatMessagePart { kind: kind.to_owned(), text },
    };
    ChatStreamEvent { message_part: Some(part), ..event("message_part", chat_id) }
}

pub fn error(chat_id: Uuid, error: api::ChatStreamError) -> ChatStreamEvent {
    ChatStreamEvent { error: Some(error), ..event("error", chat_id) }
}

pub fn queue(chat_id: Uuid, queued: Vec<api::ChatQueuedMessage>) -> ChatStreamEvent {
    ChatStreamEvent { queued_messages: Some(queued), ..event("queue_update", chat_id) }
}

/// Publishes the chat's current queue; a failed read only costs subscribers one update.
pub async fn publish_queue(hub: &EventHub, store: &Store, chat_id: Uuid) {
    match store.list_queued(chat_id).await {
        Ok(queued) => hub.publish(queue(chat_id, queued.iter().map(chat_wire::queued).collect())),
        Err(e) => {
            tracing::warn!(chat_id = %chat_id, error = %e, "could not read the queue for the stream")
        }
    }
}
