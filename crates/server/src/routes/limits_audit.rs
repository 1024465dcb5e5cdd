//! The audit log of limit changes (limits-plus §4). Read-only: entries are written by the store
//! with each change, and no route changes or deletes them.

use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::paging::{self, PageRule};
use crate::state::AppState;
use crate::wire::audit::audit_entry;
use axum::extract::State;
use serde::Deserialize;
use tollgate_api_types as api;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries per page; absent or 0 for 50, at most 1000.
    #[param(value_type = Option<i32>, minimum = 0)]
    pub limit: Option<String>,
    /// Only entries older than this id: the last id of the previous page.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after_id: Option<String>,
}

#[utoipa::path(get, path = "/api/experimental/chats/usage-limits/audit", tag = "Chat usage limits",
    params(AuditParams),
    responses((status = 200, body = api::ChatUsageLimitAuditResponse), (status = 403, body = api::Response)))]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<AuditParams>,
) -> ApiResult<Json<api::ChatUsageLimitAuditResponse>> {
    authorize(&caller.subject, Action::Read, Object::LimitAudit)?;
    let limit = paging::limit(params.limit.as_deref(), PageRule::AUDIT)?;
    let after_id = paging::after_id(params.after_id.as_deref())?;
    let entries = state.store.list_limit_audit(limit, after_id).await?;
    Ok(Json(api::ChatUsageLimitAuditResponse {
        entries: entries.iter().map(audit_entry).collect(),
    }))
}

/// This module's routes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(list_audit))
}
