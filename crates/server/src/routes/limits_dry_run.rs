//! `POST /usage-limits/dry-run` (limits-plus §5): what a proposed configuration would do to
//! this period's spend. Changes nothing; the rule is `tollgate_core::dry_run`.

use super::limits::{positive_limit, proposed_update};
use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::wire;
use axum::extract::State;
use std::collections::HashSet;
use tollgate_api_types as api;
use tollgate_core::{LimitSet, Micros};
use tollgate_store::LimitFacts;
use uuid::Uuid;

/// Owners only, like the changes it previews.
#[utoipa::path(post, path = "/api/experimental/chats/usage-limits/dry-run", tag = "Chat usage limits",
    request_body = api::ChatUsageLimitDryRunRequest,
    responses((status = 200, body = api::ChatUsageLimitDryRunResponse), (status = 400, body = api::Response),
        (status = 403, body = api::Response)))]
pub async fn dry_run(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<api::ChatUsageLimitDryRunRequest>, ApiError>,
) -> ApiResult<Json<api::ChatUsageLimitDryRunResponse>> {
    authorize(&caller.subject, Action::Update, Object::DeploymentConfig)?;
    let Json(req) = body?;
    let named: Vec<Uuid> = req.group_overrides.iter().map(|g| g.group_id).collect();
    let facts = state.store.limit_facts(&named, state.clock.now()).await?;
    let proposed = proposed_set(&facts, &req)?;
    let run = tollgate_core::dry_run(&facts.users, &facts.current, &proposed);
    Ok(Json(wire::dry_run::dry_run(&run, &facts.usernames)))
}

/// The current limits with the request's changes applied as the PUTs and DELETEs would: the
/// config first (moving every tier to a new period), then the overrides at the proposed period.
fn proposed_set(facts: &LimitFacts, req: &api::ChatUsageLimitDryRunRequest) -> ApiResult<LimitSet> {
    let (config, windows) = proposed_update(&req.config, facts.current.config)?;
    let mut set = facts.current.with_config(config, windows);
    let users: HashSet<Uuid> = facts.usernames.keys().copied().collect();
    for o in &req.overrides {
        set.set_override(o.user_id, limit(&users, o.user_id, o.spend_limit_micros, "User")?);
    }
    for g in &req.group_overrides {
        let limit = limit(&facts.groups, g.group_id, g.spend_limit_micros, "Group")?;
        set.set_group_limit(g.group_id, limit);
    }
    Ok(set)
}

/// The limit `micros` asks for `id` (`None` removes its override); `id` must be one of `known`.
fn limit(
    known: &HashSet<Uuid>,
    id: Uuid,
    micros: Option<i64>,
    what: &str,
) -> ApiResult<Option<Micros>> {
    if !known.contains(&id) {
        return Err(ApiError::bad_request("Invalid chat usage limit dry run.")
            .with_detail(format!("{what} {id} not found.")));
    }
    micros.map(positive_limit).transpose()
}

/// This module's routes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(dry_run))
}
