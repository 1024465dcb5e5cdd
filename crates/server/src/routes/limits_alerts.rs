//! Limit events and webhooks (limits-plus §6). Events are written by the store with the cost or
//! refusal that caused them; no route writes or deletes one. Webhook secrets go in once and
//! are never answered back.

use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query, parse_uuid};
use crate::paging::{self, PageParams, PageRule};
use crate::state::AppState;
use crate::validate;
use crate::webhooks::address;
use crate::wire;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tollgate_api_types as api;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The longest webhook secret accepted, in bytes.
const MAX_SECRET_BYTES: usize = 1024;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Events per page; absent or 0 for 50, at most 1000.
    #[param(value_type = Option<i32>, minimum = 0)]
    pub limit: Option<String>,
    /// Only events newer than this id: the last id already seen.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after_id: Option<String>,
}

#[utoipa::path(get, path = "/api/experimental/chats/usage-limits/events", tag = "Chat usage limits",
    params(EventParams),
    responses((status = 200, body = api::ChatUsageLimitEventsResponse), (status = 403, body = api::Response)))]
pub async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<EventParams>,
) -> ApiResult<Json<api::ChatUsageLimitEventsResponse>> {
    authorize(&caller.subject, Action::Read, Object::LimitEvents)?;
    let limit = paging::limit(params.limit.as_deref(), PageRule::AUDIT)?;
    let after_id = paging::after_id(params.after_id.as_deref())?;
    let events = state.store.list_limit_events(after_id, limit).await?;
    Ok(Json(api::ChatUsageLimitEventsResponse {
        events: events.iter().map(wire::limit_event).collect(),
    }))
}

#[utoipa::path(post, path = "/api/experimental/chats/usage-limits/webhooks", tag = "Chat usage limits",
    request_body = api::CreateChatUsageLimitWebhookRequest,
    responses((status = 201, body = api::ChatUsageLimitWebhook), (status = 400, body = api::Response),
        (status = 403, body = api::Response)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<api::CreateChatUsageLimitWebhookRequest>, ApiError>,
) -> ApiResult<(StatusCode, Json<api::ChatUsageLimitWebhook>)> {
    authorize(&caller.subject, Action::Create, Object::Webhooks)?;
    let Json(req) = body?;
    let url = validate::http_url("url", req.url.trim())?;
    if req.secret.is_empty() || req.secret.len() > MAX_SECRET_BYTES {
        let detail = format!("Must be 1 to {MAX_SECRET_BYTES} bytes.");
        return Err(ApiError::validation("secret", detail));
    }
    if state.settings.webhooks.deny_private {
        let host = url.host_str().unwrap_or_default();
        address::public_addresses(host).await.map_err(|why| {
            ApiError::validation("url", format!("Internal addresses are refused here: {why}."))
        })?;
    }
    let sealed = state.settings.secret_box.seal(&req.secret);
    let created =
        state.store.create_webhook(url.as_str(), sealed, caller.id(), state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(wire::webhook(&created))))
}

#[utoipa::path(get, path = "/api/experimental/chats/usage-limits/webhooks", tag = "Chat usage limits",
    params(PageParams),
    responses((status = 200, body = api::ChatUsageLimitWebhooksResponse), (status = 403, body = api::Response)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<api::ChatUsageLimitWebhooksResponse>> {
    authorize(&caller.subject, Action::Read, Object::Webhooks)?;
    let page = paging.page(PageRule::WHOLE)?;
    let webhooks = state.store.list_webhooks(page).await?;
    Ok(Json(api::ChatUsageLimitWebhooksResponse {
        webhooks: webhooks.iter().map(wire::webhook).collect(),
    }))
}

/// Its undelivered events are not sent.
#[utoipa::path(delete, path = "/api/experimental/chats/usage-limits/webhooks/{webhook}",
    tag = "Chat usage limits", params(("webhook" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    authorize(&caller.subject, Action::Delete, Object::Webhooks)?;
    state.store.delete_webhook(parse_uuid(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(delete_webhook))
}
