//! The chat usage-limit API (spend-limits.md §8), under `/api/experimental/chats/usage-limits`.

use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query, parse_uuid};
use crate::paging::{PageParams, PageRule};
use crate::services::spend::standing;
use crate::state::AppState;
use crate::wire;
use crate::wire::audit::WireRender;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tollgate_api_types as api;
use tollgate_core::{
    GroupPolicy, LimitConfig, LimitSource, Micros, Period, Thresholds, WindowChanges,
};
use tollgate_store::{LimitChange, LimitStanding, StoreError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type Body<T> = Result<Json<T>, ApiError>;

/// `limit` and `offset` page `overrides` and `group_overrides` alike (each its own list).
#[utoipa::path(get, path = "/api/experimental/chats/usage-limits", tag = "Chat usage limits",
    params(PageParams),
    responses((status = 200, body = api::ChatUsageLimitConfigResponse), (status = 403, body = api::Response)))]
pub async fn get_config(
    State(state): State<AppState>,
    caller: Caller,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<api::ChatUsageLimitConfigResponse>> {
    authorize(&caller.subject, Action::Read, Object::DeploymentConfig)?;
    let page = paging.page(PageRule::WHOLE)?;
    let config = state.store.get_limit_config().await?;
    let unpriced_model_count = state.store.count_unpriced_models().await?;
    let overrides = state.store.list_user_limits(page).await?;
    let group_overrides = state.store.list_group_limits(page).await?;
    Ok(Json(api::ChatUsageLimitConfigResponse {
        config: wire::limit_config(&config),
        unpriced_model_count,
        overrides: overrides.iter().map(wire::user_override).collect(),
        group_overrides: group_overrides.iter().map(wire::group_override).collect(),
    }))
}

#[utoipa::path(put, path = "/api/experimental/chats/usage-limits", tag = "Chat usage limits",
    request_body = api::UpdateChatUsageLimitConfigRequest,
    responses((status = 200, body = api::ChatUsageLimitConfig), (status = 400, body = api::Response)))]
pub async fn update_config(
    State(state): State<AppState>,
    caller: Caller,
    body: Body<api::UpdateChatUsageLimitConfigRequest>,
) -> ApiResult<Json<api::ChatUsageLimitConfig>> {
    authorize(&caller.subject, Action::Update, Object::DeploymentConfig)?;
    let Json(req) = body?;
    let current = state.store.get_limit_config().await?.config;
    let (config, windows) = proposed_update(&req, current)?;
    let notify = req.notify_at_percent.as_deref().map(thresholds).transpose()?;
    let by = change(&state, &caller);
    let record =
        state.store.update_limit_config_windows(config, windows, notify.as_ref(), &by).await?;
    Ok(Json(wire::limit_config(&record)))
}

/// What a config PUT body asks for, given the `current` config: the config and the changes to
/// the default's windows at the other periods (also what a dry run proposes).
pub fn proposed_update(
    req: &api::UpdateChatUsageLimitConfigRequest,
    current: LimitConfig,
) -> ApiResult<(LimitConfig, WindowChanges)> {
    let config = proposed_config(req, current)?;
    let windows = window_changes(req.windows.as_ref(), config.period, req.spend_limit_micros)?;
    Ok((config, windows))
}

/// The config a PUT body asks for, given the `current` one.
fn proposed_config(
    req: &api::UpdateChatUsageLimitConfigRequest,
    current: LimitConfig,
) -> ApiResult<LimitConfig> {
    let period = parse_period(req.period.as_deref(), req.spend_limit_micros.is_some())?;
    Ok(LimitConfig {
        enabled: req.spend_limit_micros.is_some(),
        default_limit: match req.spend_limit_micros {
            Some(micros) => positive_limit(micros)?,
            None => current.default_limit,
        },
        period,
        group_policy: match req.group_policy.as_deref() {
            None | Some("") => current.group_policy,
            Some(raw) => raw.parse::<GroupPolicy>().map_err(|_| {
                ApiError::bad_request("Invalid chat usage limit group policy.")
                    .with_detail("Group policy must be one of: lowest, highest.")
            })?,
        },
    })
}

/// A change by `caller` now, logged in the API's shapes (limits-plus §4).
pub fn change<'a>(state: &AppState, caller: &Caller) -> LimitChange<'a> {
    LimitChange { actor: caller.id(), at: state.clock.now(), render: &WireRender }
}

/// Coder's rule: a limit being enabled names its period; disabling stores an empty one as
/// `month`.
fn parse_period(raw: Option<&str>, enabling: bool) -> ApiResult<Period> {
    match raw {
        None | Some("") if !enabling => Ok(Period::Month),
        raw => raw.unwrap_or_default().parse().map_err(|_| {
            ApiError::bad_request("Invalid chat usage limit period.")
                .with_detail("Period must be one of: day, week, month.")
        }),
    }
}

/// limits-plus §6: the alert thresholds a config PUT names.
fn thresholds(percents: &[i64]) -> ApiResult<Thresholds> {
    Thresholds::new(percents).map_err(|e| ApiError::validation("notify_at_percent", e.to_string()))
}

pub fn positive_limit(micros: i64) -> ApiResult<Micros> {
    if micros <= 0 {
        return Err(ApiError::bad_request("Invalid chat usage limit spend limit.")
            .with_detail("Spend limit must be greater than 0."));
    }
    Ok(Micros::new(micros))
}

/// limits-plus §1: what a body's `windows` changes. Its key for `period` repeats
/// `spend_limit_micros` (which stores it) and must agree with it.
fn window_changes(
    req: Option<&api::ChatUsageLimitWindowsUpdate>,
    period: Period,
    main: Option<i64>,
) -> ApiResult<WindowChanges> {
    let mut changes = WindowChanges::default();
    let Some(req) = req else { return Ok(changes) };
    for (p, asked) in [(Period::Day, req.day), (Period::Week, req.week), (Period::Month, req.month)]
    {
        let Some(value) = asked else { continue };
        let limit = value.map(positive_limit).transpose()?;
        if p != period {
            changes.set(p, Some(limit));
        } else if value != main {
            return Err(ApiError::bad_request("Invalid chat usage limit windows.").with_detail(
                format!("windows.{p} must equal spend_limit_micros for the {p} period."),
            ));
        }
    }
    Ok(changes)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusParams {
    /// tollgate: resolve group limits within this organization only.
    pub organization_id: Option<String>,
}

#[utoipa::path(get, path = "/api/experimental/chats/usage-limits/status", tag = "Chat usage limits",
    params(StatusParams), responses((status = 200, body = api::ChatUsageLimitStatus)))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<StatusParams>,
) -> ApiResult<Json<api::ChatUsageLimitStatus>> {
    let organization = match params.organization_id.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => Some(parse_uuid(raw)?),
        None => None,
    };
    Ok(Json(status_for(&state, caller.id(), organization).await?))
}

/// A user's standing: the limit that applies, where it comes from, and what was spent.
pub async fn status_for(
    state: &AppState,
    user: Uuid,
    organization: Option<Uuid>,
) -> ApiResult<api::ChatUsageLimitStatus> {
    let Some(LimitStanding { limit, window, windows }) =
        standing(state, user, organization).await?
    else {
        return Ok(api::ChatUsageLimitStatus {
            is_limited: false,
            period: None,
            spend_limit_micros: None,
            current_spend: 0,
            period_start: None,
            period_end: None,
            limit_source: Some(api::ChatUsageLimitSource::Disabled),
            limit_group_id: None,
            windows: Vec::new(),
        });
    };
    let mut shown = Vec::new();
    for (limit, w) in &windows {
        shown.push(wire::status_window(limit, w, w.remaining().map_err(StoreError::from)?));
    }
    Ok(api::ChatUsageLimitStatus {
        is_limited: true,
        period: Some(wire::period(limit.period)),
        spend_limit_micros: limit.limit.map(|l| l.get()),
        current_spend: window.spent.get(),
        period_start: Some(window.bounds.start),
        period_end: Some(window.bounds.end),
        limit_source: Some(wire::limit_source(limit.source)),
        limit_group_id: limit.group_id.filter(|_| limit.source == LimitSource::Group),
        windows: shown,
    })
}

#[utoipa::path(put, path = "/api/experimental/chats/usage-limits/overrides/{user}",
    tag = "Chat usage limits", params(("user" = Uuid, Path)),
    request_body = api::UpsertChatUsageLimitOverrideRequest,
    responses((status = 200, body = api::ChatUsageLimitOverride), (status = 404, body = api::Response)))]
pub async fn upsert_user_override(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: Body<api::UpsertChatUsageLimitOverrideRequest>,
) -> ApiResult<Json<api::ChatUsageLimitOverride>> {
    authorize(&caller.subject, Action::Update, Object::DeploymentConfig)?;
    let user = parse_uuid(&raw)?;
    let Json(req) = body?;
    let limit = positive_limit(req.spend_limit_micros)?;
    let by = change(&state, &caller);
    let period = state.store.get_limit_config().await?.config.period;
    let windows = window_changes(req.windows.as_ref(), period, Some(limit.get()))?;
    let row = state.store.upsert_user_limit_windows(user, limit, windows, &by).await?;
    Ok(Json(wire::user_override(&row)))
}

#[utoipa::path(delete, path = "/api/experimental/chats/usage-limits/overrides/{user}",
    tag = "Chat usage limits", params(("user" = Uuid, Path)),
    responses((status = 204), (status = 404, body = api::Response)))]
pub async fn delete_user_override(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    authorize(&caller.subject, Action::Update, Object::DeploymentConfig)?;
    let user = parse_uuid(&raw)?;
    state.store.delete_user_limit(user, &change(&state, &caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/experimental/chats/usage-limits/group-overrides/{group}",
    tag = "Chat usage limits", params(("group" = Uuid, Path)),
    request_body = api::UpsertChatUsageLimitGroupOverrideRequest,
    responses((status = 200, body = api::ChatUsageLimitGroupOverride), (status = 404, body = api::Response)))]
pub async fn upsert_group_override(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: Body<api::UpsertChatUsageLimitGroupOverrideRequest>,
) -> ApiResult<Json<api::ChatUsageLimitGroupOverride>> {
    authorize(&caller.subject, Action::Update, Object::DeploymentConfig)?;
    let group = parse_uuid(&raw)?;
    let Json(req) = body?;
    let limit = positive_limit(req.spend_limit_micros)?;
    let by = change(&state, &caller);
    let period = state.store.get_limit_config().await?.config.period;
    let windows = window_changes(req.windows.as_ref(), period, Some(limit.get()))?;
    let row = state.store.upsert_group_limit_windows(group, limit, windows, &by).await?;
    Ok(Json(wire::group_override(&row)))
}

#[utoipa::path(delete, path = "/api/experimental/chats/usage-limits/group-overrides/{group}",
    tag = "Chat usage limits", params(("group" = Uuid, Path)),
    responses((status = 204), (status = 404, body = api::Response)))]
pub async fn delete_group_override(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    authorize(&caller.subject, Action::Update, Object::DeploymentConfig)?;
    let group = parse_uuid(&raw)?;
    state.store.delete_group_limit(group, &change(&state, &caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_config, update_config))
        .routes(routes!(status))
        .routes(routes!(upsert_user_override, delete_user_override))
        .routes(routes!(upsert_group_override, delete_group_override))
}
