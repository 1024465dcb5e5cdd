//! tollgate's HTTP server: a Coder-compatible API over the [`tollgate_store::Store`].
//!
//! Architecture invariants: only this crate speaks HTTP; every permission check goes through
//! [`authz::authorize`]; the server takes a bound listener and a shutdown future, so tests bind
//! port 0 and run the real thing.

pub mod auth;
pub mod authz;
mod error;
mod extract;
mod openapi;
mod ratelimit;
mod routes;
mod state;
mod validate;
mod wire;

pub use error::{ApiError, ApiResult};
pub use openapi::openapi_json;
pub use state::{AppState, Settings};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use std::future::Future;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    let (router, api) = openapi::router().split_for_parts();
    let document = std::sync::Arc::new(api);
    router
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = document.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::not_found("No such route.") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed on this route.")
        })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}
