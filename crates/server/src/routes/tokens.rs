//! API keys. A key's secret is in the response that creates it and nowhere else, ever.

use super::find_user;
use crate::auth::{Caller, mint_session, mint_token};
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::paging::{PageParams, PageRule};
use crate::state::AppState;
use crate::{validate, wire};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Duration;
use tollgate_api_types as api;
use tollgate_core::Period;
use tollgate_store::KeyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DEFAULT_TOKEN_LIFETIME: Duration = Duration::days(30);
const MAX_TOKEN_LIFETIME: Duration = Duration::days(365);

#[utoipa::path(post, path = "/api/v2/users/{user}/keys", tag = "API keys",
    params(("user" = String, Path)), responses((status = 201, body = api::GenerateApiKeyResponse)))]
pub async fn create_session_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<(StatusCode, Json<api::GenerateApiKeyResponse>)> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Create, Object::ApiKey { owner: user.id })?;
    let token = mint_session(user.id, &state);
    state.store.create_api_token(token.record).await?;
    Ok((StatusCode::CREATED, Json(api::GenerateApiKeyResponse { key: token.key })))
}

#[utoipa::path(post, path = "/api/v2/users/{user}/keys/tokens", tag = "API keys",
    params(("user" = String, Path)), request_body = api::CreateTokenRequest,
    responses((status = 201, body = api::GenerateApiKeyResponse), (status = 409, body = api::Response)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<api::GenerateApiKeyResponse>)> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Create, Object::ApiKey { owner: user.id })?;
    let name = req.token_name.trim();
    if name.is_empty() {
        return Err(ApiError::validation("token_name", "A token name is required."));
    }
    validate::text("token_name", name, 64)?;
    let lifetime = token_lifetime(req.lifetime)?;
    let mut token = mint_token(user.id, name, lifetime, &state);
    token.record.spend_limit = key_limit(req.spend_limit_micros, req.period.as_deref())?;
    state.store.create_api_token(token.record).await.map_err(|e| ApiError::named(e, name))?;
    Ok((StatusCode::CREATED, Json(api::GenerateApiKeyResponse { key: token.key })))
}

/// A key's own limit (gateway.md §2): a positive amount, per `day`, `week` or `month` (default).
fn key_limit(micros: Option<i64>, period: Option<&str>) -> ApiResult<Option<KeyLimit>> {
    let Some(micros) = micros else {
        return match period {
            None => Ok(None),
            Some(_) => Err(ApiError::validation("period", "A period needs a spend_limit_micros.")),
        };
    };
    let limit = super::limits::positive_limit(micros)?;
    let period = match period {
        None => Period::Month,
        Some(raw) => raw.parse().map_err(|_| {
            ApiError::validation("period", "Period must be one of: day, week, month.")
        })?,
    };
    Ok(Some(KeyLimit { limit, period }))
}

/// Lifetimes travel as Go durations (nanoseconds).
fn token_lifetime(nanos: Option<i64>) -> ApiResult<Duration> {
    let Some(nanos) = nanos.filter(|n| *n != 0) else { return Ok(DEFAULT_TOKEN_LIFETIME) };
    let lifetime = Duration::nanoseconds(nanos);
    if lifetime <= Duration::zero() {
        return Err(ApiError::validation("lifetime", "Lifetime must be positive."));
    }
    if lifetime > MAX_TOKEN_LIFETIME {
        return Err(ApiError::validation("lifetime", "Lifetime must be at most 365 days."));
    }
    Ok(lifetime)
}

#[utoipa::path(get, path = "/api/v2/users/{user}/keys/tokens", tag = "API keys",
    params(("user" = String, Path), PageParams),
    responses((status = 200, body = Vec<api::ApiKey>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<Vec<api::ApiKey>>> {
    let page = paging.page(PageRule::WHOLE)?;
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Read, Object::ApiKey { owner: user.id })?;
    let tokens = state.store.list_api_tokens(user.id, page).await?;
    Ok(Json(tokens.iter().map(wire::api_key).collect()))
}

#[utoipa::path(delete, path = "/api/v2/users/{user}/keys/{id}", tag = "API keys",
    params(("user" = String, Path), ("id" = String, Path)), responses((status = 204)))]
pub async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Delete, Object::ApiKey { owner: user.id })?;
    let not_found = || ApiError::not_found("API key not found.");
    let token = state.store.get_api_token(&id).await?.ok_or_else(not_found)?;
    if token.user_id != user.id {
        return Err(not_found());
    }
    state.store.delete_api_token(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_session_key))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(delete_token))
}
