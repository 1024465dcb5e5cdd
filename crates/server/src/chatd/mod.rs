//! The chat daemon: one per server replica. It claims pending chats (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so replicas never run one chat twice), runs them concurrently,
//! and gives the chats of a dead worker (stale heartbeat) back to `pending`.

pub mod admission;
pub mod providers;
pub mod run;
pub mod title;

use crate::state::AppState;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// How many chats one replica runs at once.
const MAX_CONCURRENT_RUNS: usize = 16;

/// Runs until `shutdown` resolves.
pub async fn run_daemon(state: AppState, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_RUNS));
    loop {
        requeue_stale(&state).await;
        claim_all(&state, &slots).await;
        tokio::select! {
            () = &mut shutdown => return,
            () = state.wake.notified() => {},
            () = tokio::time::sleep(state.settings.chat.poll_interval) => {},
        }
    }
}

async fn requeue_stale(state: &AppState) {
    let now = state.clock.now();
    let stale_after = chrono::Duration::from_std(state.settings.chat.stale_after)
        .unwrap_or(chrono::Duration::seconds(30));
    match state.store.requeue_stale_chats(now - stale_after, now).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(chats = n, "resumed chats of a worker that stopped heartbeating"),
        Err(e) => tracing::warn!(error = %e, "could not requeue stale chats"),
    }
}

/// Claims pending chats while there is a free slot, each run in its own task.
async fn claim_all(state: &AppState, slots: &Arc<Semaphore>) {
    loop {
        let Ok(permit) = slots.clone().try_acquire_owned() else { return };
        let claimed =
            state.store.claim_chat(&state.settings.chat.worker_id, state.clock.now()).await;
        match claimed {
            Ok(Some(chat)) => {
                let state = state.clone();
                tokio::spawn(async move {
                    run::run_chat(state, chat).await;
                    drop(permit);
                });
            }
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim a pending chat");
                return;
            }
        }
    }
}
