//! A database that stops answering (its host gone dark, a network that drops packets) must not
//! hold requests: the pool's acquire timeout bounds a wait for a connection, but not a query on
//! a connection already held. So a watchdog probes the database apart from the pool, and while
//! it is down a request still unanswered after a short grace is answered 503. Every answer of
//! an unavailable database is counted in `tollgate_database_unavailable_answers_total`.

use crate::error::{ApiError, DatabaseUnavailable};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

const PROBE_INTERVAL: Duration = Duration::from_millis(500);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a request may still finish on its own once the database is seen down (one that
/// needs no database, or one whose query was already answered).
const GRACE: Duration = Duration::from_secs(1);

/// Probes the database until `stop`, publishing whether it answers in `state.database_up`.
pub async fn watch(state: AppState, stop: impl Future<Output = ()>) {
    let Some(mut dog) = state.store.watchdog() else { return };
    let probing = async {
        loop {
            let up = dog.answers(PROBE_TIMEOUT).await;
            if state.database_up.send_replace(up) != up {
                if up {
                    tracing::info!("the database answers again");
                } else {
                    tracing::warn!("the database does not answer: requests waiting on it get 503");
                }
            }
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
    };
    tokio::select! {
        () = probing => {}
        () = stop => {}
    }
}

/// Answers 503 for a request the database holds during an outage, and counts every 503 of an
/// unavailable database, whoever answered it.
pub async fn answer_within_outages(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let up = state.database_up.subscribe();
    let response = tokio::select! {
        response = next.run(req) => response,
        () = outage_lasting(up, GRACE) => ApiError::database_unavailable().into_response(),
    };
    if response.extensions().get::<DatabaseUnavailable>().is_some() {
        state.metrics.database_unavailable.inc();
    }
    response
}

/// Resolves once the database has been down for `grace` on end; never without a watchdog.
async fn outage_lasting(mut up: watch::Receiver<bool>, grace: Duration) {
    loop {
        if up.wait_for(|up| !*up).await.is_err() {
            return std::future::pending().await;
        }
        tokio::time::sleep(grace).await;
        if !*up.borrow() {
            return;
        }
    }
}
