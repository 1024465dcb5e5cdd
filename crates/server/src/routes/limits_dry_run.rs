//! `POST /usage-limits/dry-run` (limits-plus §5): what a proposed configuration would do to
//! this period's spend. Changes nothing; the rule is `tollgate_core::dry_run`.

use super::limits::{positive_limit, proposed_config};
use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::wire;
use axum::extract::State;
use std::collections::{HashMap, HashSet};
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

/// The current limits with the request's changes applied.
fn proposed_set(facts: &LimitFacts, req: &api::ChatUsageLimitDryRunRequest) -> ApiResult<LimitSet> {
    let mut set = facts.current.clone();
    set.config = proposed_config(&req.config, facts.current.config)?;
    let users: HashSet<Uuid> = facts.usernames.keys().copied().collect();
    for o in &req.overrides {
        apply(&mut set.overrides, &users, o.user_id, o.spend_limit_micros, "User")?;
    }
    for g in &req.group_overrides {
        apply(&mut set.group_limits, &facts.groups, g.group_id, g.spend_limit_micros, "Group")?;
    }
    Ok(set)
}

/// Sets (or with `None` removes) `id`'s limit; `id` must be one of `known`.
fn apply(
    limits: &mut HashMap<Uuid, Micros>,
    known: &HashSet<Uuid>,
    id: Uuid,
    micros: Option<i64>,
    what: &str,
) -> ApiResult<()> {
    if !known.contains(&id) {
        return Err(ApiError::bad_request("Invalid chat usage limit dry run.")
            .with_detail(format!("{what} {id} not found.")));
    }
    match micros {
        Some(micros) => limits.insert(id, positive_limit(micros)?),
        None => limits.remove(&id),
    };
    Ok(())
}

/// This module's routes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(dry_run))
}
