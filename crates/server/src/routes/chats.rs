//! Chats (chats.md §1): create, list, get, archive/rename, and the message history.

use crate::auth::Caller;
use crate::authz::{Action, Object, allowed, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query, parse_uuid};
use crate::paging::{self, PageParams, PageRule};
use crate::services::providers::model_for;
use crate::services::spend::check_admission;
use crate::spend_headers::SpendHeaders;
use crate::state::AppState;
use crate::wire::chats::{self as chat_wire, input_text, text_content};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tollgate_api_types as api;
use tollgate_core::title_from_text;
use tollgate_store::{Chat, ChatStatus, NewChat, UserMessage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The chat, if the caller may read it; 404 otherwise, so other users' chat ids reveal nothing.
pub async fn readable_chat(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<Chat> {
    let id = parse_uuid(raw)?;
    let not_found = || ApiError::not_found("Chat not found.");
    let chat = state.store.get_chat(id).await?.ok_or_else(not_found)?;
    if !allowed(&caller.subject, Action::Read, Object::Chat { owner: chat.owner_id }) {
        return Err(not_found());
    }
    Ok(chat)
}

/// Like [`readable_chat`], and the caller may also change it.
pub async fn writable_chat(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<Chat> {
    let chat = readable_chat(state, caller, raw).await?;
    authorize(&caller.subject, Action::Update, Object::Chat { owner: chat.owner_id })?;
    Ok(chat)
}

/// Who owns a new chat and in which organization it is admitted: the caller in the requested
/// (or default) organization, or — for a sub-agent chat — the parent's owner and organization.
async fn placement(
    state: &AppState,
    caller: &Caller,
    req: &api::CreateChatRequest,
) -> ApiResult<(Uuid, Uuid, Option<Uuid>)> {
    if let Some(parent) = req.parent_chat_id {
        let parent = readable_chat(state, caller, &parent.to_string()).await.map_err(|e| {
            match e.status {
                // Unknown and unreadable parents look alike; a database failure stays a 500.
                StatusCode::NOT_FOUND => ApiError::bad_request("Invalid parent chat ID."),
                _ => e,
            }
        })?;
        let new_chat =
            Object::NewChat { owner: parent.owner_id, organization: parent.organization_id };
        authorize(&caller.subject, Action::Create, new_chat)?;
        return Ok((parent.owner_id, parent.organization_id, Some(parent.id)));
    }
    let org = super::requested_organization(state, req.organization_id).await?;
    authorize(
        &caller.subject,
        Action::Create,
        Object::NewChat { owner: caller.id(), organization: org },
    )?;
    let org = super::organization_for(state, caller.id(), Some(org)).await?;
    Ok((caller.id(), org, None))
}

#[utoipa::path(post, path = "/api/experimental/chats", tag = "Chats", request_body = api::CreateChatRequest,
    responses((status = 201, body = api::Chat, headers(("X-Tollgate-Spend-Remaining-Micros" = i64, description = "Micros left of the limit, when one applies"), ("X-Tollgate-Spend-Resets-At" = String, description = "When the limit resets (RFC 3339), when one applies"))), (status = 400, body = api::Response),
        (status = 409, body = api::ChatUsageLimitExceededResponse, headers(("Retry-After" = u32, description = "Whole seconds until the limit resets")))))]
pub async fn create_chat(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<api::CreateChatRequest>,
) -> ApiResult<(StatusCode, SpendHeaders, Json<api::Chat>)> {
    let text = input_text(&req.content)?;
    let model = model_for(&state.store, req.model_config_id).await?;
    let labels = chat_labels(req.labels.clone())?;
    let (owner, org, parent) = placement(&state, &caller, &req).await?;
    super::workspaces::check_workspace_reference(&state, &caller, req.workspace_id).await?;
    let headroom = check_admission(&state, owner, org).await?;
    let now = state.clock.now();
    let chat = NewChat {
        id: Uuid::new_v4(),
        owner_id: owner,
        organization_id: org,
        workspace_id: req.workspace_id,
        parent_chat_id: parent,
        model_config_id: Some(model.id),
        labels,
        title: title_from_text(&text),
        status: ChatStatus::Pending,
        created_at: now,
    };
    let first = UserMessage {
        content: text_content(&text),
        created_by: caller.id(),
        model_config_id: Some(model.id),
        created_at: now,
    };
    let (chat, _) = state.store.create_chat_with_message(chat, first).await?;
    state.wake.notify_one();
    Ok((StatusCode::CREATED, SpendHeaders(headroom), Json(chat_wire::chat(&chat))))
}

/// Labels are a flat object of strings (Coder's `map[string]string`).
fn chat_labels(labels: Option<serde_json::Value>) -> ApiResult<serde_json::Value> {
    match labels {
        None | Some(serde_json::Value::Null) => Ok(serde_json::json!({})),
        Some(v)
            if v.as_object()
                .is_some_and(|o| o.len() <= 64 && o.values().all(serde_json::Value::is_string)) =>
        {
            Ok(v)
        }
        Some(_) => Err(ApiError::validation(
            "labels",
            "Labels must be an object of at most 64 string values.",
        )),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListChatsParams {
    /// `archived:true` lists archived chats.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/experimental/chats", tag = "Chats", params(ListChatsParams, PageParams),
    responses((status = 200, body = Vec<api::Chat>)))]
pub async fn list_chats(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListChatsParams>,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<Vec<api::Chat>>> {
    let archived = match params.q.as_deref().map(str::trim) {
        None | Some("") | Some("archived:false") => false,
        Some("archived:true") => true,
        Some(other) => {
            return Err(ApiError::validation(
                "q",
                format!("Unsupported query {other:?}: use archived:true or archived:false."),
            ));
        }
    };
    let page = paging.page(PageRule::CHATS)?;
    let chats = state.store.list_chats(caller.id(), archived, page).await?;
    Ok(Json(chats.iter().map(chat_wire::chat).collect()))
}

#[utoipa::path(get, path = "/api/experimental/chats/{chat}", tag = "Chats", params(("chat" = Uuid, Path)),
    responses((status = 200, body = api::Chat), (status = 404, body = api::Response)))]
pub async fn get_chat(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::Chat>> {
    Ok(Json(chat_wire::chat(&readable_chat(&state, &caller, &raw).await?)))
}

#[utoipa::path(patch, path = "/api/experimental/chats/{chat}", tag = "Chats", params(("chat" = Uuid, Path)),
    request_body = api::UpdateChatRequest, responses((status = 204), (status = 400, body = api::Response)))]
pub async fn update_chat(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::UpdateChatRequest>,
) -> ApiResult<StatusCode> {
    let chat = writable_chat(&state, &caller, &raw).await?;
    let title = match req.title.map(|t| t.trim().to_owned()) {
        Some(t) if t.is_empty() => {
            return Err(ApiError::validation("title", "A title must not be empty."));
        }
        Some(t) => {
            crate::validate::text("title", &t, 200)?;
            Some(t)
        }
        None => None,
    };
    state.store.update_chat(chat.id, title, req.archived, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesParams {
    pub before_id: Option<i64>,
    /// Messages per page, 1 to 200; absent or 0 for 50.
    #[param(value_type = Option<i32>, minimum = 0, maximum = 200)]
    pub limit: Option<String>,
}

#[utoipa::path(get, path = "/api/experimental/chats/{chat}/messages", tag = "Chats",
    params(("chat" = Uuid, Path), MessagesParams), responses((status = 200, body = api::ChatMessagesResponse)))]
pub async fn list_messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Query<MessagesParams>,
) -> ApiResult<Json<api::ChatMessagesResponse>> {
    let chat = readable_chat(&state, &caller, &raw).await?;
    let limit = paging::limit(params.limit.as_deref(), PageRule::CHATS)?;
    let (messages, has_more) = state.store.list_messages(chat.id, params.before_id, limit).await?;
    let queued = state.store.list_queued(chat.id).await?;
    let context_limit = context_limit(&state, &chat).await;
    Ok(Json(api::ChatMessagesResponse {
        messages: messages.iter().map(|m| chat_wire::message(m, context_limit)).collect(),
        queued_messages: queued.iter().map(chat_wire::queued).collect(),
        has_more,
    }))
}

/// The context limit of the chat's model, shown with each message's usage (0 when unknown).
pub async fn context_limit(state: &AppState, chat: &Chat) -> i64 {
    match chat.last_model_config_id {
        Some(id) => state
            .store
            .get_model_config(id)
            .await
            .ok()
            .flatten()
            .map(|m| m.context_limit)
            .unwrap_or(0),
        None => 0,
    }
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_chat, list_chats))
        .routes(routes!(get_chat, update_chat))
}
