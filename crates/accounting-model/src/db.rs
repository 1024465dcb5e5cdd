//! The store's transactions, each one step of the model (the code runs each in one database
//! transaction under the user's spend lock, so no other step can interleave inside one). The
//! decisions are tollgate-core's own: `reserve`, `progress` (through [`Config`]),
//! `RunRef::is_current` and `lifecycle::finish`.

use crate::setup::{Config, Variant, micros, small};
use crate::state::{ChatRow, ChatStatus, Db, Reservation, Settlement};
use tollgate_core::lifecycle::{self, ChatFacts};
use tollgate_core::{PeriodBounds, Reservation as Decision, RunOutcome, RunRef, Window, reserve};

/// What a claim got (`Claimed` in the store, plus the run that waits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    Run {
        generation: u8,
        max_output_tokens: u8,
    },
    /// Runs in flight hold what this one needs: the chat stays pending.
    Wait,
    Refused,
}

/// `store/src/chat/daemon.rs` `attempt` with `spend/reservations.rs` `hold`: under the owner's
/// lock, the window from the counters and the live reservations decides (`reserve`); a granted
/// run gets the next generation, its reservation and its first progress.
pub fn claim(config: &Config, db: &mut Db, worker: u8, chat: u8) -> Claimed {
    let decision = decide(config, db, chat);
    let (amount, max_output) = match decision {
        Decision::Reserve { amount, max_output_tokens } => (amount, max_output_tokens),
        Decision::Wait { .. } => return Claimed::Wait,
        Decision::Refuse { .. } => {
            db.chat_mut(chat).status = ChatStatus::Refused;
            return Claimed::Refused;
        }
    };
    let max_output_tokens = u8::try_from(max_output).expect("a small cap");
    let generation = db.chat(chat).generation + 1;
    db.reservations.push(Reservation {
        chat,
        generation,
        holder: worker,
        amount: small(amount),
        progress: config.progress(0, max_output_tokens),
        lease_may_expire: false,
    });
    // Kept in one order, so that claims made in either order reach the same state.
    db.reservations.sort_by_key(|r| (r.chat, r.generation));
    *db.chat_mut(chat) = ChatRow { status: ChatStatus::Running { worker }, generation };
    Claimed::Run { generation, max_output_tokens }
}

/// What `reserve` decides for `chat`'s run now: the window from the owner's counters and
/// live reservations.
pub fn decide(config: &Config, db: &Db, chat: u8) -> Decision {
    let user = config.owner(chat);
    let window = Window {
        limit: micros(config.limit),
        spent: micros(db.spent[usize::from(user)]),
        reserved: micros(db.held_by_user(config, user, |r| r.amount)),
        // One window that never resets: the model's executions are shorter than a period.
        bounds: PeriodBounds { start: Default::default(), end: Default::default() },
    };
    reserve(&[window], &config.bound()).expect("small amounts")
}

/// `Store::heartbeat`: renews the claim only while the chat runs this run, and records the
/// progress (never lowering it) in the reservation of this run, if it is still live. `false`:
/// the run lost its chat and must stop.
pub fn heartbeat(db: &mut Db, worker: u8, chat: u8, generation: u8, progress: u8) -> bool {
    let row = db.chat(chat);
    let beaten = row.generation == generation && row.status == ChatStatus::Running { worker };
    let live = db.reservations.iter_mut().find(|r| r.chat == chat && r.generation == generation);
    if let Some(r) = live {
        r.progress = r.progress.max(progress);
        r.lease_may_expire = false;
    }
    beaten
}

/// `Store::finish_run`: in one transaction, the answer is saved if the run is still the
/// chat's latest claim, its cost is recorded whatever (`settle_call`), the chat moves on as
/// `lifecycle::finish` says, and the claim is voided.
pub fn finish_run(config: &Config, db: &mut Db, worker: u8, chat: u8, generation: u8, cost: u8) {
    let facts = facts(db.chat(chat));
    let run = RunRef { worker: worker_id(worker), generation: generation.into() };
    let current = run.is_current(&facts);
    if current || config.variant == Variant::SettleWithoutFencing {
        db.answers[usize::from(chat)] += 1;
    } else {
        db.stale_answer_dropped = true;
    }
    settle_call(config, db, chat, generation, cost);
    let transition = lifecycle::finish(&facts, &run, &RunOutcome::Succeeded);
    if let Some(change) = transition.status {
        db.chat_mut(chat).status = match change.status {
            lifecycle::ChatStatus::Waiting => ChatStatus::Answered,
            other => unreachable!("a run with no queue and no rerun ends waiting, not {other:?}"),
        };
    }
    if current {
        db.chat_mut(chat).generation += 1;
    }
}

/// `spend/reservations.rs` `settle_call`: a live reservation is settled at the real cost; one
/// a sweep already settled at its estimate gets only what the real cost adds (a correction);
/// one already settled for real gets nothing (a repeated finish).
fn settle_call(config: &Config, db: &mut Db, chat: u8, generation: u8, cost: u8) {
    let user = usize::from(config.owner(chat));
    if let Some(i) =
        db.reservations.iter().position(|r| r.chat == chat && r.generation == generation)
    {
        db.reservations.remove(i);
        db.spent[user] += cost;
        settlement_mut(db, chat, generation).real = true;
        return;
    }
    let before = db.settlement(chat, generation).cloned();
    if before.as_ref().is_some_and(|s| s.real) {
        return;
    }
    let estimate = before.and_then(|s| s.estimate).unwrap_or(0);
    if cost > estimate {
        db.spent[user] += cost - estimate;
        settlement_mut(db, chat, generation).real = true;
    }
}

/// `daemon.rs` `abandon` (the sweeper's and the takeover's step for one reservation):
/// `settle_abandoned` records the reservation's progress as an estimate and removes it, then
/// the chat goes back to `pending` with a new generation if it still runs that claim.
pub fn abandon(config: &Config, db: &mut Db, chat: u8, generation: u8) {
    let Some(i) = db.reservations.iter().position(|r| r.chat == chat && r.generation == generation)
    else {
        return;
    };
    let held = db.reservations.remove(i);
    let estimate = match config.variant {
        Variant::SweepAtZero => 0,
        _ => held.progress,
    };
    db.spent[usize::from(config.owner(chat))] += estimate;
    settlement_mut(db, chat, generation).estimate = Some(estimate);
    let row = db.chat(chat);
    if row.generation == generation && matches!(row.status, ChatStatus::Running { .. }) {
        requeue(db, chat);
    }
}

/// `Store::take_over` at a replica's start: every reservation it holds is abandoned, then every
/// chat it still runs goes back to `pending`.
pub fn take_over(config: &Config, db: &mut Db, worker: u8) {
    let held: Vec<(u8, u8)> = db
        .reservations
        .iter()
        .filter(|r| r.holder == worker)
        .map(|r| (r.chat, r.generation))
        .collect();
    for (chat, generation) in held {
        abandon(config, db, chat, generation);
    }
    for chat in 0..config.chats() {
        if db.chat(chat).status == (ChatStatus::Running { worker }) {
            requeue(db, chat);
        }
    }
}

/// `daemon.rs` `requeue`: the new generation voids the old claim before anyone claims again.
fn requeue(db: &mut Db, chat: u8) {
    let row = db.chat_mut(chat);
    row.status = ChatStatus::Pending;
    row.generation += 1;
}

fn settlement_mut(db: &mut Db, chat: u8, generation: u8) -> &mut Settlement {
    let at = db.settlements.iter().position(|s| s.chat == chat && s.generation == generation);
    let i = at.unwrap_or_else(|| {
        let new = Settlement { chat, generation, estimate: None, real: false };
        // Kept in one order, so that settling in either order reaches the same state.
        let i = db.settlements.partition_point(|s| (s.chat, s.generation) < (chat, generation));
        db.settlements.insert(i, new);
        i
    });
    &mut db.settlements[i]
}

/// The chat as `lifecycle` sees it.
fn facts(row: &ChatRow) -> ChatFacts {
    let (status, worker) = match row.status {
        ChatStatus::Pending => (lifecycle::ChatStatus::Pending, None),
        ChatStatus::Running { worker } => (lifecycle::ChatStatus::Running, Some(worker)),
        ChatStatus::Answered => (lifecycle::ChatStatus::Waiting, None),
        ChatStatus::Refused => (lifecycle::ChatStatus::Error, None),
    };
    ChatFacts {
        status,
        worker_id: worker.map(worker_id),
        generation: row.generation.into(),
        rerun_requested: false,
        queued: 0,
    }
}

fn worker_id(replica: u8) -> String {
    format!("replica-{replica}")
}
