//! Cost reports over the spend ledger (chats.md §1–§2).

use super::find_user;
use super::limits::status_for;
use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::paging::{PageParams, PageRule};
use crate::state::AppState;
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use tollgate_api_types as api;
use tollgate_store::CostTotals;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// RFC 3339; default 30 days before `end_date`.
    pub start_date: Option<String>,
    /// RFC 3339, exclusive; default now.
    pub end_date: Option<String>,
}

fn parse_time(field: &str, raw: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        ApiError::validation(
            field,
            format!("{raw:?} is not an RFC 3339 time (e.g. 2025-06-01T00:00:00Z)."),
        )
    })
}

fn range(
    state: &AppState,
    start: Option<&str>,
    end: Option<&str>,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let end = match end {
        Some(raw) => parse_time("end_date", raw)?,
        None => state.clock.now(),
    };
    let start = match start {
        Some(raw) => parse_time("start_date", raw)?,
        None => end - Duration::days(30),
    };
    if start >= end {
        return Err(ApiError::validation("start_date", "start_date must be before end_date."));
    }
    Ok((start, end))
}

fn totals(t: &CostTotals) -> api::ChatCostTotals {
    api::ChatCostTotals {
        total_cost_micros: t.total_cost.get(),
        priced_message_count: t.priced_message_count,
        unpriced_message_count: t.unpriced_message_count,
        total_input_tokens: t.input_tokens,
        total_output_tokens: t.output_tokens,
        total_cache_read_tokens: t.cache_read_tokens,
        total_cache_creation_tokens: t.cache_creation_tokens,
    }
}

#[utoipa::path(get, path = "/api/experimental/chats/cost/{user}/summary", tag = "Chat costs",
    params(("user" = String, Path), RangeParams), responses((status = 200, body = api::ChatCostSummary)))]
pub async fn user_summary(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Query<RangeParams>,
) -> ApiResult<Json<api::ChatCostSummary>> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Read, Object::Chat { owner: user.id })?;
    let (start, end) = range(&state, params.start_date.as_deref(), params.end_date.as_deref())?;
    let summary = state.store.cost_summary(user.id, start, end).await?;
    let usage_limit = status_for(&state, user.id, None).await.ok().filter(|s| s.is_limited);
    Ok(Json(api::ChatCostSummary {
        start_date: start,
        end_date: end,
        totals: totals(&summary.totals),
        by_model: summary
            .by_model
            .iter()
            .map(|(id, name, t)| api::ChatCostModelBreakdown {
                model_config_id: *id,
                display_name: name.clone(),
                totals: totals(t),
            })
            .collect(),
        by_chat: summary
            .by_chat
            .iter()
            .map(|(id, title, t)| api::ChatCostChatBreakdown {
                chat_id: *id,
                title: title.clone(),
                totals: totals(t),
            })
            .collect(),
        by_source: summary
            .by_source
            .iter()
            .map(|(source, t)| api::ChatCostSourceBreakdown {
                source: source.as_str().to_owned(),
                totals: totals(t),
            })
            .collect(),
        usage_limit,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersCostParams {
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// Case-insensitive username substring.
    pub username: Option<String>,
}

#[utoipa::path(get, path = "/api/experimental/chats/cost/users", tag = "Chat costs", params(UsersCostParams, PageParams),
    responses((status = 200, body = api::ChatCostUsersResponse)))]
pub async fn users_costs(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<UsersCostParams>,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<api::ChatCostUsersResponse>> {
    authorize(&caller.subject, Action::Read, Object::DeploymentConfig)?;
    let (start, end) = range(&state, params.start_date.as_deref(), params.end_date.as_deref())?;
    let page = paging.page(PageRule::COSTS)?;
    let username = params.username.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let (users, count) = state.store.cost_by_user(start, end, username, page).await?;
    Ok(Json(api::ChatCostUsersResponse {
        start_date: start,
        end_date: end,
        count,
        users: users
            .iter()
            .map(|u| api::ChatCostUserRollup {
                user_id: u.user_id,
                username: u.username.clone(),
                name: u.name.clone(),
                avatar_url: u.avatar_url.clone(),
                totals: totals(&u.totals),
            })
            .collect(),
    }))
}

/// This module's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DailyParams {
    /// How many UTC days, today last: 1 to 366; default 30.
    pub days: Option<i64>,
}

#[utoipa::path(get, path = "/api/experimental/chats/cost/{user}/daily", tag = "Chat costs",
    params(("user" = String, Path), DailyParams),
    responses((status = 200, body = api::DailySpend), (status = 400, body = api::Response),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn user_daily(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Query<DailyParams>,
) -> ApiResult<Json<api::DailySpend>> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Read, Object::Chat { owner: user.id })?;
    let count = params.days.unwrap_or(30);
    if !(1..=366).contains(&count) {
        return Err(ApiError::bad_request("days must be between 1 and 366."));
    }
    let end = tollgate_core::day_of(state.clock.now()) + 1;
    let spent = state.store.daily_spend(user.id, (end - count, end)).await?;
    let days = (end - count..end)
        .map(|day| api::DaySpend {
            date: date_of(day),
            spent_micros: spent.iter().find(|(d, _)| *d == day).map_or(0, |(_, m)| m.get()),
        })
        .collect();
    Ok(Json(api::DailySpend { days }))
}

/// A day number (days since 1970-01-01, UTC) as `YYYY-MM-DD`.
fn date_of(day: i64) -> String {
    DateTime::<Utc>::from_timestamp(day * 86_400, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(user_summary))
        .routes(routes!(user_daily))
        .routes(routes!(users_costs))
}
