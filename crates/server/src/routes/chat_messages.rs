//! Sending, editing and queueing messages; interrupting a run; regenerating a title.

use super::chats::{context_limit, model_for, writable_chat};
use crate::auth::Caller;
use crate::chat_wire::{self, input_text, text_content};
use crate::chatd::{admission::check_admission, title};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use tollgate_api_types as api;
use tollgate_store::{MAX_QUEUED_MESSAGES, SendOutcome, StoreError, UserMessage};

#[utoipa::path(post, path = "/api/experimental/chats/{chat}/messages", tag = "Chats", params(("chat" = Uuid, Path)),
    request_body = api::CreateChatMessageRequest,
    responses((status = 200, body = api::CreateChatMessageResponse), (status = 409, body = api::ChatUsageLimitExceededResponse),
        (status = 429, body = api::Response)), security(("session" = [])))]
pub async fn send_message(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::CreateChatMessageRequest>,
) -> ApiResult<Json<api::CreateChatMessageResponse>> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let text = input_text(&req.content)?;
    if let Some(id) = req.model_config_id {
        model_for(&state, Some(id)).await?;
    }
    check_admission(&state, chat.owner_id, chat.organization_id).await?;
    let message = UserMessage {
        content: text_content(&text),
        created_by: caller.id(),
        model_config_id: req.model_config_id,
        created_at: state.clock.now(),
    };
    let outcome = state.store.send_message(chat.id, message).await.map_err(|e| match e {
        StoreError::Invalid(msg) if msg.contains("queue full") => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Message queue is full.")
                .with_detail(format!("Maximum {MAX_QUEUED_MESSAGES} messages can be queued."))
        }
        other => other.into(),
    })?;
    let context = context_limit(&state, &chat).await;
    let resp = match outcome {
        SendOutcome::Sent(m) => {
            state.wake.notify_one();
            let wire = chat_wire::message(&m, context);
            state.events.publish(events::message(chat.id, wire.clone()));
            api::CreateChatMessageResponse {
                queued: false,
                message: Some(wire),
                queued_message: None,
            }
        }
        SendOutcome::Queued(q) => {
            events::publish_queue(&state, chat.id).await;
            api::CreateChatMessageResponse {
                queued: true,
                message: None,
                queued_message: Some(chat_wire::queued(&q)),
            }
        }
    };
    Ok(Json(resp))
}

#[utoipa::path(patch, path = "/api/experimental/chats/{chat}/messages/{message}", tag = "Chats",
    params(("chat" = Uuid, Path), ("message" = i64, Path)), request_body = api::EditChatMessageRequest,
    responses((status = 200, body = api::ChatMessage), (status = 400, body = api::Response), (status = 404, body = api::Response),
        (status = 409, body = api::ChatUsageLimitExceededResponse)), security(("session" = [])))]
pub async fn edit_message(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, message_id)): Path<(String, i64)>,
    Json(req): Json<api::EditChatMessageRequest>,
) -> ApiResult<Json<api::ChatMessage>> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let text = input_text(&req.content)?;
    check_admission(&state, chat.owner_id, chat.organization_id).await?;
    let message = UserMessage {
        content: text_content(&text),
        created_by: caller.id(),
        model_config_id: None,
        created_at: state.clock.now(),
    };
    let edited =
        state.store.edit_message(chat.id, message_id, message).await.map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::not_found("Chat message not found."),
            StoreError::Invalid(msg) => ApiError::bad_request(msg),
            other => other.into(),
        })?;
    state.wake.notify_one();
    events::publish_queue(&state, chat.id).await;
    Ok(Json(chat_wire::message(&edited, context_limit(&state, &chat).await)))
}

#[utoipa::path(delete, path = "/api/experimental/chats/{chat}/queue/{queued}", tag = "Chats",
    params(("chat" = Uuid, Path), ("queued" = i64, Path)), responses((status = 204), (status = 404, body = api::Response)),
    security(("session" = [])))]
pub async fn delete_queued(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, queued_id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    state.store.delete_queued(chat.id, queued_id).await.map_err(queued_not_found)?;
    events::publish_queue(&state, chat.id).await;
    Ok(StatusCode::NO_CONTENT)
}

fn queued_not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(_) => ApiError::not_found("Queued message not found."),
        other => other.into(),
    }
}

/// Promotion is not an admission point: the message was admitted when it was queued.
#[utoipa::path(post, path = "/api/experimental/chats/{chat}/queue/{queued}/promote", tag = "Chats",
    params(("chat" = Uuid, Path), ("queued" = i64, Path)), responses((status = 200, body = api::ChatMessage), (status = 404, body = api::Response)),
    security(("session" = [])))]
pub async fn promote_queued(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, queued_id)): Path<(String, i64)>,
) -> ApiResult<Json<api::ChatMessage>> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let message = state
        .store
        .promote_queued(chat.id, queued_id, state.clock.now())
        .await
        .map_err(queued_not_found)?;
    state.wake.notify_one();
    events::publish_queue(&state, chat.id).await;
    Ok(Json(chat_wire::message(&message, context_limit(&state, &chat).await)))
}

#[utoipa::path(post, path = "/api/experimental/chats/{chat}/interrupt", tag = "Chats", params(("chat" = Uuid, Path)),
    responses((status = 200, body = api::Chat)), security(("session" = [])))]
pub async fn interrupt(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::Chat>> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let chat = state.store.interrupt_chat(chat.id, state.clock.now()).await?;
    state.events.publish(events::status(chat.id, chat.status));
    Ok(Json(chat_wire::chat(&chat)))
}

/// An LLM call: admitted like a message, and its cost counts toward spend.
#[utoipa::path(post, path = "/api/experimental/chats/{chat}/title/regenerate", tag = "Chats", params(("chat" = Uuid, Path)),
    responses((status = 200, body = api::Chat), (status = 409, body = api::ChatUsageLimitExceededResponse)), security(("session" = [])))]
pub async fn regenerate_title(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::Chat>> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    check_admission(&state, chat.owner_id, chat.organization_id).await?;
    let chat = title::regenerate(&state, &chat).await?;
    Ok(Json(chat_wire::chat(&chat)))
}
