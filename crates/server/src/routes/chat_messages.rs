//! Sending, editing and queueing messages; interrupting a run; regenerating a title.

use super::chats::{context_limit, writable_chat};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::events;
use crate::extract::{Json, Path};
use crate::services::providers::model_for;
use crate::services::{spend::check_admission, titles};
use crate::spend_headers::SpendHeaders;
use crate::state::AppState;
use crate::wire::chats::{self as chat_wire, input_text, text_content};
use axum::extract::State;
use axum::http::StatusCode;
use tollgate_api_types as api;
use tollgate_store::{SendOutcome, UserMessage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[utoipa::path(post, path = "/api/experimental/chats/{chat}/messages", tag = "Chats", params(("chat" = Uuid, Path)),
    request_body = api::CreateChatMessageRequest,
    responses((status = 200, body = api::CreateChatMessageResponse, headers(("X-Tollgate-Spend-Remaining-Micros" = i64, description = "Micros left of the limit, when one applies"), ("X-Tollgate-Spend-Resets-At" = String, description = "When the limit resets (RFC 3339), when one applies"))),
        (status = 409, body = api::ChatUsageLimitExceededResponse, headers(("Retry-After" = u32, description = "Whole seconds until the limit resets"))),
        (status = 429, body = api::Response)))]
pub async fn send_message(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::CreateChatMessageRequest>,
) -> ApiResult<(SpendHeaders, Json<api::CreateChatMessageResponse>)> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let text = input_text(&req.content)?;
    if let Some(id) = req.model_config_id {
        model_for(&state.store, Some(id)).await?;
    }
    let headroom = check_admission(&state, chat.owner_id, chat.organization_id).await?;
    let message = UserMessage {
        content: text_content(&text),
        created_by: caller.id(),
        model_config_id: req.model_config_id,
        created_at: state.clock.now(),
    };
    let outcome = state.store.send_message(chat.id, message).await?;
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
            events::publish_queue(&state.events, &state.store, chat.id).await;
            api::CreateChatMessageResponse {
                queued: true,
                message: None,
                queued_message: Some(chat_wire::queued(&q)),
            }
        }
    };
    Ok((SpendHeaders(headroom), Json(resp)))
}

#[utoipa::path(patch, path = "/api/experimental/chats/{chat}/messages/{message}", tag = "Chats",
    params(("chat" = Uuid, Path), ("message" = i64, Path)), request_body = api::EditChatMessageRequest,
    responses((status = 200, body = api::ChatMessage, headers(("X-Tollgate-Spend-Remaining-Micros" = i64, description = "Micros left of the limit, when one applies"), ("X-Tollgate-Spend-Resets-At" = String, description = "When the limit resets (RFC 3339), when one applies"))),
        (status = 400, body = api::Response), (status = 404, body = api::Response),
        (status = 409, body = api::ChatUsageLimitExceededResponse, headers(("Retry-After" = u32, description = "Whole seconds until the limit resets")))))]
pub async fn edit_message(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, message_id)): Path<(String, i64)>,
    Json(req): Json<api::EditChatMessageRequest>,
) -> ApiResult<(SpendHeaders, Json<api::ChatMessage>)> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let text = input_text(&req.content)?;
    let headroom = check_admission(&state, chat.owner_id, chat.organization_id).await?;
    let message = UserMessage {
        content: text_content(&text),
        created_by: caller.id(),
        model_config_id: None,
        created_at: state.clock.now(),
    };
    let edited = state.store.edit_message(chat.id, message_id, message).await?;
    state.wake.notify_one();
    events::publish_queue(&state.events, &state.store, chat.id).await;
    let message = chat_wire::message(&edited, context_limit(&state, &chat).await);
    Ok((SpendHeaders(headroom), Json(message)))
}

#[utoipa::path(delete, path = "/api/experimental/chats/{chat}/queue/{queued}", tag = "Chats",
    params(("chat" = Uuid, Path), ("queued" = i64, Path)), responses((status = 204), (status = 404, body = api::Response)))]
pub async fn delete_queued(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, queued_id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    state.store.delete_queued(chat.id, queued_id).await?;
    events::publish_queue(&state.events, &state.store, chat.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Promotion is not an admission point: the message was admitted when it was queued.
#[utoipa::path(post, path = "/api/experimental/chats/{chat}/queue/{queued}/promote", tag = "Chats",
    params(("chat" = Uuid, Path), ("queued" = i64, Path)), responses((status = 200, body = api::ChatMessage), (status = 404, body = api::Response)))]
pub async fn promote_queued(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, queued_id)): Path<(String, i64)>,
) -> ApiResult<Json<api::ChatMessage>> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let message = state.store.promote_queued(chat.id, queued_id, state.clock.now()).await?;
    state.wake.notify_one();
    events::publish_queue(&state.events, &state.store, chat.id).await;
    Ok(Json(chat_wire::message(&message, context_limit(&state, &chat).await)))
}

#[utoipa::path(post, path = "/api/experimental/chats/{chat}/interrupt", tag = "Chats", params(("chat" = Uuid, Path)),
    responses((status = 200, body = api::Chat)))]
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

/// An LLM call: admitted like a message, and its cost counts toward spend. The spend headers
/// tell the headroom as admitted, before the title's own cost.
#[utoipa::path(post, path = "/api/experimental/chats/{chat}/title/regenerate", tag = "Chats", params(("chat" = Uuid, Path)),
    responses((status = 200, body = api::Chat, headers(("X-Tollgate-Spend-Remaining-Micros" = i64, description = "Micros left of the limit, when one applies"), ("X-Tollgate-Spend-Resets-At" = String, description = "When the limit resets (RFC 3339), when one applies"))),
        (status = 409, body = api::ChatUsageLimitExceededResponse, headers(("Retry-After" = u32, description = "Whole seconds until the limit resets"))),
        (status = 502, body = api::Response, description = "The model failed to generate a title")))]
pub async fn regenerate_title(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<(SpendHeaders, Json<api::Chat>)> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let headroom = check_admission(&state, chat.owner_id, chat.organization_id).await?;
    let chat = titles::regenerate(&state, &chat).await?;
    Ok((SpendHeaders(headroom), Json(chat_wire::chat(&chat))))
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(super::chats::list_messages, send_message))
        .routes(routes!(edit_message))
        .routes(routes!(delete_queued))
        .routes(routes!(promote_queued))
        .routes(routes!(interrupt))
        .routes(routes!(regenerate_title))
}
