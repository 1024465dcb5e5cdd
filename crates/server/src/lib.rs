//! tollgate's HTTP server: a Coder-compatible API over the [`tollgate_store::Store`].
//!
//! Architecture invariants: only this crate speaks HTTP; every permission check goes through
//! [`authz::authorize`]; the server takes a bound listener and a shutdown future, so tests bind
//! port 0 and run the real thing.

pub mod auth;
pub mod authz;
mod bootstrap;
pub mod chatd;
mod edge;
mod error;
mod events;
mod extract;
mod gateway;
mod metrics;
mod openapi;
mod outage;
mod paging;
pub mod provisioner;
mod ratelimit;
mod routes;
pub mod secrets;
pub mod services;
mod spend_headers;
mod state;
mod terraform_input;
mod validate;
mod web;
mod webhooks;
mod wire;
mod workspace_build;

pub use bootstrap::ensure_offline_model;
pub use error::{ApiError, ApiResult};
pub use openapi::openapi_json;
pub use state::{AppState, ChatSettings, LimitFailureMode, Settings, WebhookSettings};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use std::future::Future;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    let (router, api) = openapi::split(state.settings.max_terraform_bytes);
    let document = std::sync::Arc::new(api);
    let router = router
        .route("/metrics", axum::routing::get(metrics::serve_metrics))
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = document.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(web::router())
        .fallback(|| async { ApiError::not_found("No such route.") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed on this route.")
        })
        .layer(DefaultBodyLimit::max(max_body));
    let router = router
        .layer(axum::middleware::from_fn_with_state(state.clone(), outage::answer_within_outages));
    edge::around(router).layer(TraceLayer::new_for_http()).with_state(state)
}

/// Serves `app(state)` on `listener`, and runs the chat daemon beside it, until `shutdown`
/// resolves. Then the daemon stops claiming and waits for its runs in flight (up to the drain
/// timeout), and in-flight requests finish; only then does this return.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stopped| *stopped).await;
    };
    // tollgate_billed_micros_total starts at what the ledger holds, then grows with every row
    // this process writes: on one replica it equals the ledger's sum.
    match state.store.ledger_total().await {
        Ok(total) => {
            state.metrics.billed_micros.inc_by(u64::try_from(total.get()).unwrap_or(0));
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read the ledger's total for the billed metric")
        }
    }
    tokio::spawn(outage::watch(state.clone(), stopped(stop_rx.clone())));
    tokio::spawn(webhooks::run_deliveries(state.clone(), stopped(stop_rx.clone())));
    let provisioners =
        tokio::spawn(provisioner::run_provisioners(state.clone(), stopped(stop_rx.clone())));
    let daemon = state.settings.chat.run_daemon.then(|| {
        tokio::spawn(chatd::run_daemon(chatd::Daemon::new(&state), stopped(stop_rx.clone())))
    });
    // Connect info gives handlers the peer's address (login throttling keys on it).
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(stopped(stop_rx)).await;
    if let Some(daemon) = daemon {
        let _ = daemon.await;
    }
    let _ = provisioners.await;
    served
}
