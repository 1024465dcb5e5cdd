//! The chat daemon's side (chats.md §3, accounting.md §3–§5): claim a pending chat (reserving
//! for its run, in strict mode, in the same transaction), heartbeat while running, settle the
//! runs of a worker that stopped, and finish a run.

use super::rows::{KIND_MESSAGE, message_from_row, refusal_json, same_chat};
use super::state::{MESSAGE_COLUMNS, apply, insert_message, lock_chat, lock_facts};
use crate::db::{Arg, Tx, sql};
use crate::spend::{Held, Hold, NewHold, expired, held_by, hold, settle_abandoned, settle_call};
use crate::{
    Chat, ChatMessage, Claim, ClaimPolicy, Claimed, CostSource, FinishedRun, LedgerEntry,
    ModelConfig, NewChatMessage, Refusal, RunOutcome, Store, StoreResult, Sweep, Time,
};
use tollgate_core::lifecycle::{self, ChatFacts};
use tollgate_core::{Enforcement, Micros, RunBound, RunRef, input_tokens_bound};
use uuid::Uuid;

/// How many pending chats one claim looks at before it gives up (those before it wait for the
/// runs in flight of their owners to settle).
const CANDIDATES: usize = 16;

/// The oldest pending chat not among `waiting`, locked (on PostgreSQL skipping those another
/// replica holds).
async fn next_pending(tx: &mut Tx, waiting: &[Uuid]) -> StoreResult<Option<Uuid>> {
    let row = sql("SELECT id FROM chats WHERE status = 'pending' AND NOT (id {ANY $1})
         ORDER BY updated_at, id LIMIT 1 {SKIP_LOCKED}")
    .bind(waiting)
    .fetch_optional(tx)
    .await?;
    row.map(|r| r.uuid("id")).transpose()
}

/// Claims chat `id` (locked), or refuses its run; `None` when the run waits for others.
async fn attempt(
    tx: &mut Tx,
    id: Uuid,
    worker: &str,
    at: Time,
    policy: &ClaimPolicy,
) -> StoreResult<Option<Claimed>> {
    let chat = lock_chat(tx, id).await?;
    let run = RunRef { worker: worker.to_owned(), generation: chat.generation + 1 };
    let history = history(tx, id).await?;
    let model = model_of(tx, &chat).await?;
    let grant = match &model {
        None => None,
        Some(model) => {
            let new = NewHold {
                user_id: chat.owner_id,
                organization_id: chat.organization_id,
                source: CostSource::ChatMessage,
                chat_id: Some(id),
                generation: Some(run.generation),
                model_config_id: Some(model.id),
                api_key_id: None,
                key_limit: None,
                holder: worker,
                lookahead_tokens: policy.lookahead_tokens,
                lease_until: at + policy.lease,
                at,
            };
            let enforce = policy.enforcement == Enforcement::Strict;
            match hold(tx, &new, bound_of(&history, model, policy)?, enforce).await? {
                Hold::Granted(grant) => Some(grant),
                Hold::Wait(_) => return Ok(None),
                Hold::Refused(refusal) => {
                    return refuse(tx, id, &refusal, at, policy).await.map(Some);
                }
            }
        }
    };
    sql(
        "UPDATE chats SET status = 'running', worker_id = $2, heartbeat_at = $3, last_error = NULL,
             last_error_detail = NULL, rerun_requested = FALSE, generation = $4, updated_at = $3
         WHERE id = $1",
    )
    .bind(id)
    .bind(worker)
    .bind(at)
    .bind(run.generation)
    .execute(&mut *tx)
    .await?;
    let chat = lock_chat(tx, id).await?;
    Ok(Some(Claimed::Run(Box::new(Claim { chat, run, history, model, grant }))))
}

/// A run the limit cannot pay for: the chat rests in `error` with the refusal's figures.
async fn refuse(
    tx: &mut Tx,
    id: Uuid,
    refusal: &Refusal,
    at: Time,
    policy: &ClaimPolicy,
) -> StoreResult<Claimed> {
    apply(tx, id, &lifecycle::refuse(&policy.refusal_message), at).await?;
    sql("UPDATE chats SET last_error_detail = $2 WHERE id = $1")
        .bind(id)
        .bind(Arg::json(&refusal_json(refusal)))
        .execute(&mut *tx)
        .await?;
    Ok(Claimed::Refused(Box::new(lock_chat(tx, id).await?)))
}

async fn history(tx: &mut Tx, chat: Uuid) -> StoreResult<Vec<ChatMessage>> {
    let rows = sql(format!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_messages
         WHERE chat_id = $1 AND kind = 'message' AND NOT deleted ORDER BY id"
    ))
    .bind(chat)
    .fetch_all(tx)
    .await?;
    rows.iter().map(message_from_row).collect()
}

async fn model_of(tx: &mut Tx, chat: &Chat) -> StoreResult<Option<ModelConfig>> {
    let filter = match chat.last_model_config_id {
        Some(_) => "id = $1",
        None => "is_default AND enabled AND $1 IS NULL",
    };
    let row = sql(format!("{} WHERE {filter}", super::models::MODEL_SELECT))
        .bind(chat.last_model_config_id)
        .fetch_optional(tx)
        .await?;
    row.as_ref().map(super::rows::model_from_row).transpose()
}

/// The run's bound: its history's size and the model's prices and output cap.
fn bound_of(
    history: &[ChatMessage],
    model: &ModelConfig,
    policy: &ClaimPolicy,
) -> StoreResult<RunBound> {
    let input = input_tokens_bound(history.iter().map(|m| m.content.to_string().len()));
    let max_output = model
        .max_output_tokens
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(policy.default_max_output_tokens);
    RunBound::new(model.prices.as_ref(), input, max_output).map_err(|_| crate::StoreError::Overflow)
}

/// Settles a reservation whose holder stopped, and gives its chat back to `pending` when the
/// reservation was for the chat's latest claim and the chat still runs it.
async fn abandon(tx: &mut Tx, held: &Held, at: Time) -> StoreResult<(bool, Micros)> {
    let facts = match held.chat_id {
        Some(chat) => Some(lock_facts(tx, chat).await?.1),
        None => None,
    };
    let recorded = settle_abandoned(tx, held, at).await?;
    let still_running = facts.is_some_and(|f: ChatFacts| {
        Some(f.generation) == held.generation && f.status == tollgate_core::ChatStatus::Running
    });
    if let (true, Some(chat)) = (still_running, held.chat_id) {
        requeue(tx, chat, at).await?;
    }
    Ok((still_running, recorded))
}

/// Gives a chat whose run was taken over back to `pending`. Its generation grows, so the old
/// claim is void at once, before anyone claims the chat again.
async fn requeue(tx: &mut Tx, chat: Uuid, at: Time) -> StoreResult<()> {
    sql("UPDATE chats SET status = 'pending', worker_id = NULL, heartbeat_at = NULL,
             generation = generation + 1, updated_at = $2
         WHERE id = $1")
    .bind(chat)
    .bind(at)
    .execute(tx)
    .await
    .map(drop)
}

impl Store {
    /// Claims the oldest `pending` chat for `worker` that can run: its generation grows by one
    /// (the new run's fencing token; a takeover grows it too, voiding the old claim) and it
    /// becomes `running`. The run's reservation (strict mode; in check mode a hold that only
    /// tracks the run) is taken in the same transaction, under the owner's spend lock. A run the
    /// limit cannot pay for does not start (`Refused`: the chat rests in `error`, its queue
    /// untouched); one that only runs in flight keep from starting stays `pending` and the next
    /// chat is tried. On PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two replicas never claim
    /// one chat. `None` when nothing can run now.
    pub async fn claim_chat(
        &self,
        worker: &str,
        at: Time,
        policy: &ClaimPolicy,
    ) -> StoreResult<Option<Claimed>> {
        let mut tx = self.db.begin().await?;
        let mut waiting = Vec::new();
        while waiting.len() < CANDIDATES {
            let Some(id) = next_pending(&mut tx, &waiting).await? else { break };
            match attempt(&mut tx, id, worker, at, policy).await? {
                Some(claimed) => {
                    tx.commit().await?;
                    return Ok(Some(claimed));
                }
                None => waiting.push(id),
            }
        }
        tx.commit().await?;
        Ok(None)
    }

    /// Refreshes the run's heartbeat and extends its reservation's lease to `lease_until`,
    /// recording `progress` (what the run has cost at most so far) when given. `false` when the
    /// chat is no longer `running` for this run (interrupted, edited, or taken over after its
    /// lease ended): the worker must stop.
    pub async fn heartbeat(
        &self,
        chat: Uuid,
        run: &RunRef,
        at: Time,
        lease_until: Time,
        progress: Option<Micros>,
    ) -> StoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let beaten = sql("UPDATE chats SET heartbeat_at = $4
                          WHERE id = $1 AND status = 'running' AND worker_id = $2 AND generation = $3")
        .bind(chat)
        .bind(run.worker.as_str())
        .bind(run.generation)
        .bind(at)
        .execute(&mut tx)
        .await?;
        sql("UPDATE spend_reservations
             SET lease_expires_at = $3,
                 progress_micros = CASE WHEN $4 IS NULL OR progress_micros > $4 THEN progress_micros ELSE $4 END
             WHERE chat_id = $1 AND generation = $2")
        .bind(chat)
        .bind(run.generation)
        .bind(lease_until)
        .bind(progress.map(Micros::get))
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(beaten == 1)
    }

    /// Settles every reservation whose lease ended before `now` (except those `except` holds:
    /// its own runs in flight), at its recorded progress, and gives their chats back to
    /// `pending`; then gives back chats `running` without a reservation (runs claimed before
    /// reservations existed) whose heartbeat is older than `stale_before`.
    pub async fn sweep(
        &self,
        now: Time,
        stale_before: Time,
        except: Option<&str>,
    ) -> StoreResult<Sweep> {
        let mut sweep = Sweep::default();
        for held in expired(self, now, except).await? {
            let mut tx = self.db.begin().await?;
            let (requeued, recorded) = abandon(&mut tx, &held, now).await?;
            tx.commit().await?;
            sweep.count(requeued, recorded)?;
        }
        sweep.requeued += self.requeue_unreserved(stale_before, now, except).await?;
        Ok(sweep)
    }

    /// A restarted replica's leftovers: every reservation `holder` holds is settled at its
    /// recorded progress and every chat it was running goes back to `pending`, without waiting
    /// for the stale timeout.
    pub async fn take_over(&self, holder: &str, at: Time) -> StoreResult<Sweep> {
        let mut sweep = Sweep::default();
        for held in held_by(self, holder).await? {
            let mut tx = self.db.begin().await?;
            let (requeued, recorded) = abandon(&mut tx, &held, at).await?;
            tx.commit().await?;
            sweep.count(requeued, recorded)?;
        }
        sweep.requeued +=
            sql("UPDATE chats SET status = 'pending', worker_id = NULL, heartbeat_at = NULL,
                                   generation = generation + 1, updated_at = $2
                               WHERE status = 'running' AND worker_id = $1")
            .bind(holder)
            .bind(at)
            .execute(&self.db)
            .await?;
        Ok(sweep)
    }

    async fn requeue_unreserved(
        &self,
        stale_before: Time,
        at: Time,
        except: Option<&str>,
    ) -> StoreResult<u64> {
        sql("UPDATE chats SET status = 'pending', worker_id = NULL, heartbeat_at = NULL,
                 generation = generation + 1, updated_at = $2
             WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)
               AND ($3 IS NULL OR worker_id IS NULL OR worker_id <> $3)
               AND NOT EXISTS (SELECT 1 FROM spend_reservations r
                               WHERE r.chat_id = chats.id AND r.generation = chats.generation)")
        .bind(stale_before)
        .bind(at)
        .bind(except)
        .execute(&self.db)
        .await
    }

    /// In one transaction: records what the run cost (always — it was billed; settling its
    /// reservation, if it had one), saves `message` if the run is still the chat's latest claim,
    /// then applies what [`lifecycle::finish`] decides and voids the claim. A stale run's answer
    /// is not saved and it changes nothing else, so finishing twice records and saves once.
    /// `Rejected(MessageOfAnotherChat)` when `message.chat_id != chat`.
    pub async fn finish_run(
        &self,
        chat: Uuid,
        run: &RunRef,
        reservation: Option<Uuid>,
        message: Option<NewChatMessage>,
        outcome: RunOutcome,
        at: Time,
    ) -> StoreResult<FinishedRun> {
        if let Some(m) = &message {
            same_chat(chat, m)?;
        }
        let mut tx = self.db.begin().await?;
        let (current, facts) = lock_facts(&mut tx, chat).await?;
        let mut message = message;
        let estimated = match &mut message {
            Some(m) => with_unreported_cost(&mut tx, m, reservation).await?,
            None => false,
        };
        let saved = match &message {
            Some(m) if run.is_current(&facts) => {
                Some(insert_message(&mut tx, m, KIND_MESSAGE).await?)
            }
            _ => None,
        };
        let recorded = match &message {
            Some(m) => {
                let entry = run_entry(&current, m, saved.as_ref(), reservation, estimated);
                settle_call(&mut tx, entry).await?
            }
            None => release_unbilled(&mut tx, reservation).await.map(|()| Micros::ZERO)?,
        };
        let promoted = apply(&mut tx, chat, &lifecycle::finish(&facts, run, &outcome), at).await?;
        // A claim is used once: finishing voids it, so a repeated finish changes nothing.
        sql("UPDATE chats SET generation = generation + 1 WHERE id = $1 AND generation = $2")
            .bind(chat)
            .bind(run.generation)
            .execute(&mut tx)
            .await?;
        let after = lock_chat(&mut tx, chat).await?;
        tx.commit().await?;
        Ok(FinishedRun { message: saved, promoted, chat: after, recorded })
    }
}

/// The ledger row of a finished run's answer (saved or, for a stale run, not).
fn run_entry(
    chat: &Chat,
    m: &NewChatMessage,
    saved: Option<&ChatMessage>,
    reservation: Option<Uuid>,
    estimated: bool,
) -> LedgerEntry {
    LedgerEntry {
        user_id: chat.owner_id,
        organization_id: chat.organization_id,
        source: CostSource::ChatMessage,
        chat_id: Some(chat.id),
        message_id: saved.map(|s| s.id),
        api_key_id: None,
        model_config_id: m.model_config_id,
        usage: m.usage,
        cost: m.total_cost,
        estimated,
        overrun: false,
        reservation_id: reservation,
        created_at: m.created_at,
    }
}

/// A run stopped before its provider reported usage (interrupted, edited, or halted when its
/// progress could not be recorded) was still billed for what streamed. With no figure from the
/// provider its answer costs its reservation's recorded progress — an upper bound, since the
/// stream never outruns it — flagged estimated. Whether it did.
async fn with_unreported_cost(
    tx: &mut Tx,
    m: &mut NewChatMessage,
    reservation: Option<Uuid>,
) -> StoreResult<bool> {
    if m.usage.is_some() || m.total_cost.is_some() {
        return Ok(false);
    }
    let Some(id) = reservation else { return Ok(false) };
    match crate::spend::find(tx, id).await? {
        Some(held) if held.progress.is_positive() => {
            m.total_cost = Some(held.progress);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// A run that produced nothing billable (the provider failed before answering): its reservation
/// is settled at nothing, which is what it cost.
async fn release_unbilled(tx: &mut Tx, reservation: Option<Uuid>) -> StoreResult<()> {
    let Some(id) = reservation else { return Ok(()) };
    sql("DELETE FROM spend_reservations WHERE id = $1").bind(id).execute(tx).await.map(drop)
}

impl Sweep {
    fn count(&mut self, requeued: bool, recorded: Micros) -> StoreResult<()> {
        self.settled += 1;
        self.requeued += u64::from(requeued);
        self.recorded = self.recorded.checked_add(recorded)?;
        Ok(())
    }
}
