//! Liveness and the API description.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// 200 once the server runs on a migrated database that answers; 503 when it does not answer.
#[utoipa::path(get, path = "/healthz", tag = "Health",
    responses((status = 200, body = String), (status = 503, body = tollgate_api_types::Response)))]
pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check: database unreachable");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Database unreachable.")
    })?;
    Ok("ok")
}
