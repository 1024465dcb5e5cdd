//! Liveness and the API description.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// 200 once the server runs on a migrated database that answers; 503 when it does not answer.
#[utoipa::path(get, path = "/healthz", tag = "Health",
    responses((status = 200, body = String), (status = 503, body = tollgate_api_types::Response)), security(()))]
pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check: database unreachable");
        ApiError::database_unavailable()
    })?;
    Ok("ok")
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz))
}
