//! The chat daemon: one per server replica. It claims pending chats (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so replicas never run one chat twice), runs them concurrently, and
//! gives the chats of a dead worker (stale heartbeat) back to `pending`.
//!
//! It acts as [`Subject::Chatd`]: it holds the store only through [`Acting`], so every store
//! call it makes is checked by the one authorizer (spend-limits §9).

mod run;

use crate::authz::{Acting, Action, Object, Subject};
use crate::events::EventHub;
use crate::metrics::Metrics;
use crate::services::providers::Providers;
use crate::state::{AppState, ChatSettings};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tollgate_core::Clock;

/// How many chats one replica runs at once.
const MAX_CONCURRENT_RUNS: usize = 16;

/// What the daemon works with: the store as `chatd` may use it, and no more.
#[derive(Clone)]
pub struct Daemon {
    pub(crate) acting: Acting,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: ChatSettings,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) events: Arc<EventHub>,
    pub(crate) wake: Arc<Notify>,
    pub(crate) providers: Arc<Providers>,
}

impl Daemon {
    pub fn new(state: &AppState) -> Self {
        Daemon {
            acting: Acting::new(state.store.clone(), Subject::Chatd),
            clock: state.clock.clone(),
            settings: state.settings.chat.clone(),
            metrics: state.metrics.clone(),
            events: state.events.clone(),
            wake: state.wake.clone(),
            providers: state.providers.clone(),
        }
    }

    /// The store as `chatd` may use it.
    pub fn acting(&self) -> &Acting {
        &self.acting
    }
}

/// Runs until `shutdown` resolves; then stops claiming and waits for the runs in flight, up to
/// the settings' drain timeout (a run cut off then is picked up again after the stale timeout).
pub async fn run_daemon(daemon: Daemon, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_RUNS));
    let mut runs = JoinSet::new();
    loop {
        requeue_stale(&daemon).await;
        claim_all(&daemon, &slots, &mut runs).await;
        while runs.try_join_next().is_some() {}
        tokio::select! {
            () = &mut shutdown => break,
            () = daemon.wake.notified() => {},
            () = tokio::time::sleep(daemon.settings.poll_interval) => {},
        }
    }
    drain(runs, daemon.settings.drain_timeout).await;
}

async fn drain(mut runs: JoinSet<()>, deadline: Duration) {
    let in_flight = runs.len();
    if in_flight == 0 {
        return;
    }
    tracing::info!(runs = in_flight, "waiting for chat runs in flight before shutting down");
    let all = async { while runs.join_next().await.is_some() {} };
    if tokio::time::timeout(deadline, all).await.is_err() {
        tracing::warn!(
            runs = runs.len(),
            "chat runs still in flight at the drain deadline; aborting them"
        );
        runs.shutdown().await;
    }
}

async fn requeue_stale(daemon: &Daemon) {
    let now = daemon.clock.now();
    let stale_after = chrono::Duration::from_std(daemon.settings.stale_after)
        .unwrap_or(chrono::Duration::seconds(30));
    let requeued = match daemon.acting.may(Action::Update, Object::Chats) {
        Ok(store) => store.requeue_stale_chats(now - stale_after, now).await,
        Err(e) => return tracing::error!(error = %e, "the daemon may not requeue chats"),
    };
    match requeued {
        Ok(0) => {}
        Ok(n) => tracing::warn!(chats = n, "resumed chats of a worker that stopped heartbeating"),
        Err(e) => tracing::warn!(error = %e, "could not requeue stale chats"),
    }
}

/// Claims pending chats while there is a free slot, each run in its own task.
async fn claim_all(daemon: &Daemon, slots: &Arc<Semaphore>, runs: &mut JoinSet<()>) {
    let store = match daemon.acting.may(Action::Update, Object::Chats) {
        Ok(store) => store,
        Err(e) => return tracing::error!(error = %e, "the daemon may not claim chats"),
    };
    loop {
        let Ok(permit) = slots.clone().try_acquire_owned() else { return };
        match store.claim_chat(&daemon.settings.worker_id, daemon.clock.now()).await {
            Ok(Some(chat)) => {
                let daemon = daemon.clone();
                runs.spawn(async move {
                    run::run_chat(&daemon, chat).await;
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
