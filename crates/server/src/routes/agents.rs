//! What workspace agents call. An agent authenticates with the token Terraform generated for it
//! (Coder's agent sends it as `Coder-Session-Token`; `Authorization: Bearer` works too). The
//! token is hashed and looked up; it is never stored, logged or returned. Agents without a
//! stored token — a plan's agents, devcontainer sub-agents — cannot authenticate.

use crate::auth::presented_key;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::wire::workspaces as workspace_wire;
use crate::workspace_build;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use tollgate_api_types as api;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The agent a request comes from. The token is a capability for that one agent's own data, so
/// no further permission check applies to what it reads about itself.
#[derive(Debug, Clone, Copy)]
pub struct AgentCaller {
    pub agent_id: Uuid,
}

impl FromRequestParts<AppState> for AgentCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = presented_key(parts).ok_or_else(|| {
            ApiError::unauthorized("Agent token required.")
                .with_detail("Send the agent's token in the Coder-Session-Token header.")
        })?;
        // Malformed and unknown tokens get the same answer.
        let invalid = || ApiError::unauthorized("Invalid agent token.");
        let hash = workspace_build::agent_token_hash(&key).ok_or_else(invalid)?;
        let agent = state.store.get_agent_by_token_hash(&hash).await?.ok_or_else(invalid)?;
        Ok(AgentCaller { agent_id: agent.agent_id })
    }
}

#[utoipa::path(get, path = "/api/v2/workspaceagents/me/manifest", tag = "Agents",
    responses((status = 200, body = api::AgentManifest), (status = 401, body = api::Response)))]
pub async fn agent_manifest(
    State(state): State<AppState>,
    agent: AgentCaller,
) -> ApiResult<Json<api::AgentManifest>> {
    let manifest = state
        .store
        .agent_manifest(agent.agent_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Agent not found."))?;
    Ok(Json(workspace_wire::manifest(&manifest)))
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(agent_manifest))
}
