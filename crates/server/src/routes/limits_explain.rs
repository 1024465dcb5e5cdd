//! `GET /usage-limits/explain` (limits-plus §2): every limit considered for a user, per period,
//! the winner first, and where each window stands.

use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::ApiResult;
use crate::extract::{Json, Query, parse_uuid};
use crate::routes::find_user;
use crate::state::AppState;
use crate::wire::limits_explain::explanation;
use axum::extract::State;
use serde::Deserialize;
use tollgate_api_types as api;
use tollgate_core::binding;
use tollgate_store::StoreError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExplainParams {
    /// `me` (the default), a user id or a username.
    pub user: Option<String>,
    /// Resolve group limits within this organization only.
    pub organization_id: Option<String>,
}

/// Members may explain only themselves; owners and auditors anyone.
#[utoipa::path(get, path = "/api/experimental/chats/usage-limits/explain",
    tag = "Chat usage limits", params(ExplainParams),
    responses((status = 200, body = api::ChatUsageLimitExplainResponse),
        (status = 400, body = api::Response), (status = 403, body = api::Response),
        (status = 404, body = api::Response)))]
pub async fn explain(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ExplainParams>,
) -> ApiResult<Json<api::ChatUsageLimitExplainResponse>> {
    let organization = match params.organization_id.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => Some(parse_uuid(raw)?),
        None => None,
    };
    let raw = params.user.as_deref().filter(|s| !s.is_empty()).unwrap_or("me");
    let user = match find_user(&state, &caller, raw).await {
        Ok(user) => user,
        Err(not_found) => {
            // A member asking after someone else gets 403 whether or not they exist: the nil
            // id is nobody, so only those who may explain anyone pass.
            authorize(
                &caller.subject,
                Action::Read,
                Object::LimitExplanation { user: Uuid::nil() },
            )?;
            return Err(not_found);
        }
    };
    authorize(&caller.subject, Action::Read, Object::LimitExplanation { user: user.id })?;
    let now = state.clock.now();
    let facts = state.store.explain_limits(user.id, organization, now).await?;
    let limited: Vec<_> = facts.windows.iter().filter(|(l, _)| l.limit.is_some()).collect();
    let plain: Vec<_> = limited.iter().map(|(_, w)| *w).collect();
    let binding = binding(&plain).map_err(StoreError::from)?.map(|i| limited[i].0.period);
    let mode = state.settings.limit_enforcement;
    let answer =
        explanation(&user, organization, &facts, mode, binding, now).map_err(StoreError::from)?;
    Ok(Json(answer))
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(explain))
}
