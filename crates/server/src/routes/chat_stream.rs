//! `GET /{chat}/stream`: a one-way WebSocket of chat events (chats.md §4). On connect: the
//! status, every message after `after_id`, the queue; then live events. Persisted messages and
//! status are also polled, so a worker on another replica is seen too.

use super::chats::{context_limit, readable_chat};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::extract::{Path, Query};
use crate::state::AppState;
use crate::wire::chats as chat_wire;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tollgate_api_types::ChatStreamEvent;
use tollgate_store::{Chat, ChatStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const POLL: Duration = Duration::from_millis(500);
const PING: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Replay messages with a larger id (default 0: all).
    pub after_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/experimental/chats/{chat}/stream", tag = "Chats",
    params(("chat" = Uuid, Path), StreamParams), responses((status = 101, description = "WebSocket of chat events")))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Query<StreamParams>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let chat = readable_chat(&state, &caller, &raw).await?;
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::bad_request("This endpoint is a WebSocket: connect with a WebSocket client.")
            .with_detail(rejection.body_text())
    })?;
    let after_id = params.after_id.unwrap_or(0).max(0);
    Ok(upgrade.on_upgrade(move |socket| serve(state, chat, after_id, socket)))
}

/// What the client has been sent, so polling and live events never repeat a message.
struct Cursor {
    last_message_id: i64,
    status: ChatStatus,
}

async fn serve(state: AppState, chat: Chat, after_id: i64, mut socket: WebSocket) {
    // Subscribe before reading, so nothing published in between is lost.
    let mut live = state.events.subscribe(chat.id);
    let mut cursor = Cursor { last_message_id: after_id, status: chat.status };
    let mut first = vec![events::status(chat.id, chat.status)];
    first.extend(new_messages(&state, &chat, &mut cursor).await);
    if let Ok(queued) = state.store.list_queued(chat.id).await
        && !queued.is_empty()
    {
        first.push(events::queue(chat.id, queued.iter().map(chat_wire::queued).collect()));
    }
    if send(&mut socket, &first).await.is_err() {
        return;
    }
    let mut poll = tokio::time::interval(POLL);
    let mut ping = tokio::time::interval(PING);
    loop {
        let batch = tokio::select! {
            event = live.recv() => match event {
                Ok(event) => accept(event, &mut cursor).into_iter().collect(),
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => { live = state.events.subscribe(chat.id); continue }
            },
            _ = poll.tick() => polled(&state, &chat, &mut cursor).await,
            _ = ping.tick() => {
                if socket.send(Message::Text(r#"{"type":"ping"}"#.into())).await.is_err() { return }
                continue;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            },
        };
        if !batch.is_empty() && send(&mut socket, &batch).await.is_err() {
            return;
        }
    }
}

/// A live event, unless the client already has it.
fn accept(event: ChatStreamEvent, cursor: &mut Cursor) -> Option<ChatStreamEvent> {
    if let Some(m) = &event.message {
        if m.id <= cursor.last_message_id {
            return None;
        }
        cursor.last_message_id = m.id;
    }
    if let Some(s) = &event.status {
        cursor.status = match s.status {
            tollgate_api_types::ChatStatus::Waiting => ChatStatus::Waiting,
            tollgate_api_types::ChatStatus::Pending => ChatStatus::Pending,
            tollgate_api_types::ChatStatus::Running => ChatStatus::Running,
            tollgate_api_types::ChatStatus::Error => ChatStatus::Error,
        };
    }
    Some(event)
}

async fn polled(state: &AppState, chat: &Chat, cursor: &mut Cursor) -> Vec<ChatStreamEvent> {
    let mut out = new_messages(state, chat, cursor).await;
    if let Ok(Some(now)) = state.store.get_chat(chat.id).await
        && now.status != cursor.status
    {
        cursor.status = now.status;
        out.push(events::status(chat.id, now.status));
    }
    out
}

async fn new_messages(state: &AppState, chat: &Chat, cursor: &mut Cursor) -> Vec<ChatStreamEvent> {
    let Ok(messages) = state.store.messages_after(chat.id, cursor.last_message_id).await else {
        return Vec::new();
    };
    let context = context_limit(state, chat).await;
    messages
        .iter()
        .map(|m| {
            cursor.last_message_id = cursor.last_message_id.max(m.id);
            events::message(chat.id, chat_wire::message(m, context))
        })
        .collect()
}

async fn send(socket: &mut WebSocket, events: &[ChatStreamEvent]) -> Result<(), axum::Error> {
    let frame = serde_json::json!({"type": "data", "data": events});
    socket.send(Message::Text(frame.to_string().into())).await
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}
