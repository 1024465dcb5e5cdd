//! The chat daemon: one per server replica. It claims pending chats (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so replicas never run one chat twice; in strict mode reserving for
//! each run in the same transaction), runs them concurrently, and settles the runs of replicas
//! that stopped heartbeating (accounting.md §4–§5).
//!
//! It acts as [`Subject::Chatd`]: it holds the store only through [`Acting`], so every store
//! call it makes is checked by the one authorizer (spend-limits §9).

pub mod journal;
mod run;
mod save;

use crate::authz::{Acting, Action, Object, Subject};
use crate::events::{self, EventHub};
use crate::metrics::Metrics;
use crate::services::providers::Providers;
use crate::state::{AppState, ChatSettings};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tollgate_core::{Clock, Enforcement, Micros};
use tollgate_store::{ClaimPolicy, Claimed, Sweep};

/// How many chats one replica runs at once.
const MAX_CONCURRENT_RUNS: usize = 16;

/// What `last_error` says of a run the limit refused (spend-limits §7's message).
pub const LIMIT_EXCEEDED: &str = "Chat usage limit exceeded.";

/// Where the daemon is in its life: runs in flight act on it (a result the database cannot
/// take goes to the journal once the drain deadline has passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Running,
    Draining,
    Deadline,
}

/// What the daemon works with: the store as `chatd` may use it, and no more.
#[derive(Clone)]
pub struct Daemon {
    pub(crate) acting: Acting,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: ChatSettings,
    pub(crate) enforcement: Enforcement,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) events: Arc<EventHub>,
    pub(crate) wake: Arc<Notify>,
    pub(crate) providers: Arc<Providers>,
    pub(crate) phase: watch::Receiver<Phase>,
    phase_tx: Arc<watch::Sender<Phase>>,
}

impl Daemon {
    pub fn new(state: &AppState) -> Self {
        let (phase_tx, phase) = watch::channel(Phase::Running);
        Daemon {
            acting: Acting::new(state.store.clone(), Subject::Chatd),
            clock: state.clock.clone(),
            settings: state.settings.chat.clone(),
            enforcement: state.settings.limit_enforcement,
            metrics: state.metrics.clone(),
            events: state.events.clone(),
            wake: state.wake.clone(),
            providers: state.providers.clone(),
            phase,
            phase_tx: Arc::new(phase_tx),
        }
    }

    /// The store as `chatd` may use it.
    pub fn acting(&self) -> &Acting {
        &self.acting
    }

    fn policy(&self) -> ClaimPolicy {
        ClaimPolicy {
            enforcement: self.enforcement,
            default_max_output_tokens: self.settings.default_max_output_tokens,
            lease: self.settings.lease(),
            lookahead_tokens: self.settings.lookahead_tokens(),
            refusal_message: LIMIT_EXCEEDED.to_owned(),
        }
    }

    pub(crate) fn count_billed(&self, recorded: Micros) {
        self.metrics.billed_micros.inc_by(u64::try_from(recorded.get()).unwrap_or(0));
    }
}

/// Runs until `shutdown` resolves; then stops claiming and waits for the runs in flight, up to
/// the settings' drain timeout. Results the database cannot take by then go to the journal.
pub async fn run_daemon(daemon: Daemon, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_RUNS));
    let mut runs = JoinSet::new();
    let mut recovered = false;
    loop {
        // Until the last life's leftovers are settled (the database may be away at start),
        // nothing new is claimed: a takeover after a claim would take the new run over too.
        recovered = recovered || recover(&daemon).await;
        sweep(&daemon).await;
        if recovered {
            claim_all(&daemon, &slots, &mut runs).await;
        }
        while runs.try_join_next().is_some() {}
        tokio::select! {
            () = &mut shutdown => break,
            () = daemon.wake.notified() => {},
            () = tokio::time::sleep(daemon.settings.poll_interval) => {},
        }
    }
    drain(&daemon, runs).await;
}

/// At start, and again until it succeeds: the results journaled by this replica's last life
/// are saved, then what it left running is taken over (accounting.md §4–§5). Whether both are
/// done.
async fn recover(daemon: &Daemon) -> bool {
    let mut journal_saved = true;
    if let Some(dir) = &daemon.settings.journal_dir {
        match journal::replay(daemon, dir).await {
            Ok(replayed) => {
                daemon.count_billed(replayed.recorded);
                if replayed.saved > 0 {
                    tracing::info!(
                        runs = replayed.saved,
                        "saved the runs journaled before the last shutdown"
                    );
                }
                journal_saved = replayed.waiting == 0;
            }
            Err(e) => {
                tracing::error!(error = %e, dir = %dir.display(), "could not read the run journal")
            }
        }
    }
    if !journal_saved {
        return false;
    }
    let now = daemon.clock.now();
    let taken = match daemon.acting.may(Action::Update, Object::Chats) {
        Ok(store) => store.take_over(&daemon.settings.worker_id, now).await,
        Err(e) => {
            tracing::error!(error = %e, "the daemon may not take over its runs");
            return true;
        }
    };
    match taken {
        Ok(t) => {
            report(daemon, t, "took over the runs this replica left behind");
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not take over this replica's runs");
            false
        }
    }
}

async fn drain(daemon: &Daemon, mut runs: JoinSet<()>) {
    let _ = daemon.phase_tx.send(Phase::Draining);
    if !runs.is_empty() {
        tracing::info!(runs = runs.len(), "waiting for chat runs in flight before shutting down");
    }
    let all = async { while runs.join_next().await.is_some() {} };
    if tokio::time::timeout(daemon.settings.drain_timeout, all).await.is_ok() {
        return;
    }
    // Runs still saving now write their results to the journal and return.
    let _ = daemon.phase_tx.send(Phase::Deadline);
    let journaled = async { while runs.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), journaled).await.is_err() {
        tracing::warn!(
            runs = runs.len(),
            "chat runs still in flight at shutdown; their reservations will be settled at their progress"
        );
        runs.shutdown().await;
    }
}

/// Settles the runs of replicas that stopped heartbeating (never this replica's own: those are
/// alive here, or taken over at its next start).
async fn sweep(daemon: &Daemon) {
    let now = daemon.clock.now();
    let swept = match daemon.acting.may(Action::Update, Object::Chats) {
        Ok(store) => {
            store.sweep(now, now - daemon.settings.lease(), Some(&daemon.settings.worker_id)).await
        }
        Err(e) => return tracing::error!(error = %e, "the daemon may not requeue chats"),
    };
    match swept {
        Ok(s) => report(daemon, s, "resumed chats of a worker that stopped heartbeating"),
        Err(e) => tracing::warn!(error = %e, "could not sweep stale runs"),
    }
}

fn report(daemon: &Daemon, sweep: Sweep, what: &str) {
    daemon.count_billed(sweep.recorded);
    if sweep != Sweep::default() {
        tracing::warn!(
            settled = sweep.settled,
            requeued = sweep.requeued,
            recorded_micros = sweep.recorded.get(),
            "{what}"
        );
    }
}

/// Claims pending chats while there is a free slot, each run in its own task.
async fn claim_all(daemon: &Daemon, slots: &Arc<Semaphore>, runs: &mut JoinSet<()>) {
    let store = match daemon.acting.may(Action::Update, Object::Chats) {
        Ok(store) => store,
        Err(e) => return tracing::error!(error = %e, "the daemon may not claim chats"),
    };
    let policy = daemon.policy();
    loop {
        let Ok(permit) = slots.clone().try_acquire_owned() else { return };
        match store.claim_chat(&daemon.settings.worker_id, daemon.clock.now(), &policy).await {
            Ok(Some(Claimed::Run(claim))) => {
                let daemon = daemon.clone();
                runs.spawn(async move {
                    run::run_chat(&daemon, *claim).await;
                    drop(permit);
                });
            }
            Ok(Some(Claimed::Refused(chat))) => {
                daemon.metrics.run("refused");
                daemon.events.publish(events::status(chat.id, chat.status));
            }
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim a pending chat");
                return;
            }
        }
    }
}
