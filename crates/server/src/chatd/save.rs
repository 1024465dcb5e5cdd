//! Saving a finished run durably (accounting.md §5): retried with backoff while the database is
//! away — the run is not re-run meanwhile, since this replica never sweeps its own runs — and,
//! past the shutdown drain deadline, written to the local journal instead.

use super::{Daemon, Phase, journal};
use crate::authz::Action;
use crate::events;
use crate::wire::chats as chat_wire;
use std::time::Duration;
use tollgate_core::RunRef;
use tollgate_store::{Chat, FinishedRun, NewChatMessage, RunOutcome, StoreError};
use uuid::Uuid;

const FIRST_RETRY: Duration = Duration::from_millis(50);
const LAST_RETRY: Duration = Duration::from_secs(5);

pub async fn finish(
    daemon: &Daemon,
    chat: &Chat,
    run: &RunRef,
    reservation: Option<Uuid>,
    message: Option<NewChatMessage>,
    outcome: RunOutcome,
    context: i64,
) {
    let answered = message.is_some();
    let Some(finished) = save(daemon, chat, run, reservation, message, outcome).await else {
        return;
    };
    daemon.count_billed(finished.recorded);
    if answered && finished.message.is_none() {
        tracing::info!(chat_id = %chat.id, generation = run.generation, recorded_micros = finished.recorded.get(),
            "the run lost its chat to another claim: its answer is not saved, its cost is recorded");
    }
    for m in finished.message.iter().chain(finished.promoted.iter()) {
        daemon.events.publish(events::message(chat.id, chat_wire::message(m, context)));
    }
    daemon.events.publish(events::status(chat.id, finished.chat.status));
    if finished.promoted.is_some()
        && let Ok(store) = daemon.on_chat(Action::Read, chat)
    {
        events::publish_queue(&daemon.events, store, chat.id).await;
    }
    // What the run did not spend is free again: runs waiting for it may start.
    daemon.wake.notify_one();
}

/// Retries until the database takes the result; `None` when it never did (journaled, or a
/// permanent failure, logged).
async fn save(
    daemon: &Daemon,
    chat: &Chat,
    run: &RunRef,
    reservation: Option<Uuid>,
    message: Option<NewChatMessage>,
    outcome: RunOutcome,
) -> Option<FinishedRun> {
    let store = match daemon.on_chat(Action::Update, chat) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(chat_id = %chat.id, error = %e, "the daemon may not finish runs");
            return None;
        }
    };
    let mut phase = daemon.phase.clone();
    let mut delay = FIRST_RETRY;
    loop {
        let at = daemon.clock.now();
        let err = match store
            .finish_run(chat.id, run, reservation, message.clone(), outcome.clone(), at)
            .await
        {
            Ok(finished) => return Some(finished),
            Err(e) => e,
        };
        if !retryable(&err) {
            tracing::error!(chat_id = %chat.id, error = %err, "could not save a finished run");
            return None;
        }
        if *phase.borrow() == Phase::Deadline {
            write_journal(daemon, chat, run, reservation, message.as_ref(), &outcome).await;
            return None;
        }
        tracing::warn!(chat_id = %chat.id, error = %err, retry_in_ms = delay.as_millis() as u64, "saving a finished run failed; retrying");
        tokio::select! {
            () = tokio::time::sleep(delay) => {},
            _ = phase.changed() => {},
        }
        delay = (delay * 2).min(LAST_RETRY);
    }
}

/// A database that is away or busy may come back; anything else will fail again.
fn retryable(err: &StoreError) -> bool {
    matches!(err, StoreError::Unavailable(_) | StoreError::Database(_))
}

async fn write_journal(
    daemon: &Daemon,
    chat: &Chat,
    run: &RunRef,
    reservation: Option<Uuid>,
    message: Option<&NewChatMessage>,
    outcome: &RunOutcome,
) {
    let Some(dir) = daemon.settings.journal_dir.clone() else {
        tracing::error!(chat_id = %chat.id, "a finished run could not be saved and there is no journal; its reservation will be settled at its progress");
        return;
    };
    let entry = journal::Entry::new(
        (chat.id, chat.owner_id),
        run,
        reservation,
        message,
        outcome,
        daemon.clock.now(),
    );
    match journal::append(dir, entry).await {
        Ok(()) => {
            tracing::warn!(chat_id = %chat.id, "a finished run is journaled, to be saved at the next start")
        }
        Err(e) => {
            tracing::error!(chat_id = %chat.id, error = %e, "could not journal a finished run")
        }
    }
}
