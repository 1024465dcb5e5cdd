//! Reservations (accounting.md §3–§5): money set aside before a call, under the user's spend
//! lock; settled into the ledger at the call's real cost, or — when its holder stopped
//! heartbeating — at the progress its last heartbeat recorded. A reservation is never simply
//! released.

use super::alerts;
use super::key_limits::key_window;
use super::ledger::{lock_spend, record};
use super::standing::standing_in;
use crate::db::{Row, Tx, sql};
use crate::{
    CallSpec, CostSource, Grant, KeyLimit, LedgerEntry, Refusal, Store, StoreError, StoreResult,
    Time,
};
use tollgate_core::{
    Enforcement, Micros, Period, Reservation, RunBound, Window, refusing, reserve, settle,
};
use uuid::Uuid;

/// A reservation as stored.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub chat_id: Option<Uuid>,
    pub generation: Option<i64>,
    pub model_config_id: Option<Uuid>,
    pub api_key_id: Option<String>,
    pub amount: Micros,
    pub progress: Micros,
}

const HELD_COLUMNS: &str = "id, user_id, organization_id, chat_id, generation,
    model_config_id, api_key_id, amount_micros, progress_micros";

pub(crate) fn held_from_row(row: &Row) -> StoreResult<Held> {
    Ok(Held {
        id: row.uuid("id")?,
        user_id: row.uuid("user_id")?,
        organization_id: row.uuid("organization_id")?,
        chat_id: row.opt_uuid("chat_id")?,
        generation: row.opt_bigint("generation")?,
        model_config_id: row.opt_uuid("model_config_id")?,
        api_key_id: row.opt_text("api_key_id")?,
        amount: Micros::new(row.bigint("amount_micros")?),
        progress: Micros::new(row.bigint("progress_micros")?),
    })
}

/// A refusal by one of `windows`, named by its period.
fn refusal(windows: &[(Period, Window)], spent: Micros, limit: Micros, resets_at: Time) -> Refusal {
    let plain: Vec<Window> = windows.iter().map(|(_, w)| *w).collect();
    let period = refusing(&plain, limit, spent, resets_at).map(|i| windows[i].0);
    Refusal { period, spent, limit, resets_at }
}

/// What asking for a reservation got.
pub(crate) enum Hold {
    Granted(Grant),
    /// Runs in flight hold what this call needs; it may start once they settle.
    Wait(Refusal),
    Refused(Refusal),
}

/// What a new reservation needs besides its decision.
pub(crate) struct NewHold<'a> {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub source: CostSource,
    pub chat_id: Option<Uuid>,
    pub generation: Option<i64>,
    pub model_config_id: Option<Uuid>,
    pub api_key_id: Option<&'a str>,
    /// The key's own limit, if it has one: one more window the reservation must fit.
    pub key_limit: Option<KeyLimit>,
    pub holder: &'a str,
    /// What may stream before the call's first heartbeat (see [`tollgate_core::progress`]).
    pub lookahead_tokens: u32,
    pub lease_until: Time,
    pub at: Time,
}

/// Decides, under the user's spend lock, whether a call bounded by `bound` may start, and if so
/// holds its reservation (its progress starts at what the call may cost by its first
/// heartbeat: the input is billed as soon as the provider starts, and output follows). In check mode (`enforce` false) nothing is set aside and nothing is
/// refused: the hold only tracks the call (its lease and progress), so that a call cut off is
/// still settled and a finished one is settled once.
pub(crate) async fn hold(
    tx: &mut Tx,
    new: &NewHold<'_>,
    bound: RunBound,
    enforce: bool,
) -> StoreResult<Hold> {
    lock_spend(tx, new.user_id).await?;
    let (decision, windows) = match enforce {
        true => {
            // Every window with a limit, read under the lock (limits-plus §1).
            let (_, standing) =
                standing_in(&mut *tx, new.user_id, Some(new.organization_id), new.at).await?;
            let mut windows: Vec<_> = standing.into_iter().map(|(l, w)| (l.period, w)).collect();
            if let (Some(key), Some(limit)) = (new.api_key_id, new.key_limit) {
                windows.push(key_window(tx, key, limit, new.at).await?);
            }
            let plain: Vec<Window> = windows.iter().map(|(_, w)| *w).collect();
            (reserve(&plain, &bound).map_err(|_| StoreError::Overflow)?, windows)
        }
        false => {
            let all = Reservation::Reserve {
                amount: Micros::ZERO,
                max_output_tokens: bound.max_output_tokens,
            };
            (all, Vec::new())
        }
    };
    let (amount, max_output_tokens) = match decision {
        Reservation::Reserve { amount, max_output_tokens } => (amount, max_output_tokens),
        Reservation::Wait { spent, limit, resets_at } => {
            return Ok(Hold::Wait(refusal(&windows, spent, limit, resets_at)));
        }
        Reservation::Refuse { spent, limit, resets_at } => {
            let refused = refusal(&windows, spent, limit, resets_at);
            alerts::after_refusal(tx, new.user_id, &refused, new.at).await?;
            return Ok(Hold::Refused(refused));
        }
    };
    let id = Uuid::new_v4();
    sql(
        "INSERT INTO spend_reservations (id, user_id, organization_id, source, chat_id, generation,
             model_config_id, api_key_id, holder, amount_micros, progress_micros, lease_expires_at,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(new.user_id)
    .bind(new.organization_id)
    .bind(new.source.as_str())
    .bind(new.chat_id)
    .bind(new.generation)
    .bind(new.model_config_id)
    .bind(new.api_key_id)
    .bind(new.holder)
    .bind(amount.get())
    .bind(first_progress(&bound, new.lookahead_tokens, max_output_tokens)?.get())
    .bind(new.lease_until)
    .bind(new.at)
    .execute(tx)
    .await?;
    let headroom = headroom_after(&windows, amount)?;
    Ok(Hold::Granted(Grant { reservation_id: id, amount, max_output_tokens, bound, headroom }))
}

/// The least any window has left once `amount` is reserved in it, with that window's reset.
fn headroom_after(
    windows: &[(Period, Window)],
    amount: Micros,
) -> StoreResult<Option<(Micros, Time)>> {
    let mut least: Option<(Micros, Time)> = None;
    for (_, w) in windows {
        let left = w.remaining()?.checked_sub(amount)?.max(Micros::ZERO);
        if least.is_none_or(|(l, _)| left < l) {
            least = Some((left, w.bounds.end));
        }
    }
    Ok(least)
}

fn first_progress(bound: &RunBound, lookahead: u32, max_output: u32) -> StoreResult<Micros> {
    tollgate_core::progress(bound, 0, lookahead, max_output).map_err(|_| StoreError::Overflow)
}

/// The reservation, locked until the transaction ends; `None` once settled.
pub(crate) async fn find(tx: &mut Tx, id: Uuid) -> StoreResult<Option<Held>> {
    let row =
        sql(format!("SELECT {HELD_COLUMNS} FROM spend_reservations WHERE id = $1 {{FOR_UPDATE}}"))
            .bind(id)
            .fetch_optional(tx)
            .await?;
    row.as_ref().map(held_from_row).transpose()
}

async fn remove(tx: &mut Tx, id: Uuid) -> StoreResult<()> {
    sql("DELETE FROM spend_reservations WHERE id = $1").bind(id).execute(tx).await.map(drop)
}

/// Whether the call of `reservation` already recorded its real cost (or its correction).
async fn settled_before(tx: &mut Tx, reservation: Uuid) -> StoreResult<bool> {
    sql("SELECT 1 FROM spend_ledger WHERE reservation_id = $1 AND NOT estimated")
        .bind(reservation)
        .exists(tx)
        .await
}

/// What the estimate of a settled-as-abandoned reservation was, if it was.
async fn estimate_of(tx: &mut Tx, reservation: Uuid) -> StoreResult<Option<Micros>> {
    let row = sql("SELECT cost_micros FROM spend_ledger WHERE reservation_id = $1 AND estimated")
        .bind(reservation)
        .fetch_optional(tx)
        .await?;
    Ok(row.and_then(|r| r.opt_bigint("cost_micros").transpose()).transpose()?.map(Micros::new))
}

/// Records a finished call's real cost (`entry`, whose `reservation_id` names its reservation),
/// under the user's spend lock. A reservation still held is settled: the row carries the real
/// cost and an overrun flag. One already settled as abandoned (its holder stopped heartbeating
/// and was taken over) keeps its estimate, and only what the real cost adds to it is recorded,
/// as a correction. Without a reservation (check mode) the row is recorded as it is.
/// Returns what it added to the ledger.
pub(crate) async fn settle_call(tx: &mut Tx, mut entry: LedgerEntry) -> StoreResult<Micros> {
    lock_spend(tx, entry.user_id).await?;
    let recorded = entry.cost.unwrap_or(Micros::ZERO);
    let Some(id) = entry.reservation_id else { return record(tx, &entry).await.map(|()| recorded) };
    if let Some(held) = find(tx, id).await? {
        let (cost, overrun) = settle(held.amount, entry.cost);
        entry.cost = cost;
        entry.overrun = overrun;
        remove(tx, id).await?;
        return record(tx, &entry).await.map(|()| recorded);
    }
    if settled_before(tx, id).await? {
        // The same call finished twice (a retry after a lost answer from the database).
        return Ok(Micros::ZERO);
    }
    let estimate = estimate_of(tx, id).await?.unwrap_or(Micros::ZERO);
    let extra = recorded.checked_sub(estimate)?;
    if !extra.is_positive() {
        return Ok(Micros::ZERO);
    }
    let correction = LedgerEntry {
        source: CostSource::AbandonedRun,
        message_id: None,
        usage: None,
        cost: Some(extra),
        estimated: false,
        ..entry
    };
    record(tx, &correction).await.map(|()| extra)
}

/// Settles a reservation whose holder stopped heartbeating: at its recorded progress, flagged
/// estimated (accounting.md §5). The caller holds the chat's lock, if it is a chat run's.
/// Returns what it added to the ledger.
pub(crate) async fn settle_abandoned(tx: &mut Tx, held: &Held, at: Time) -> StoreResult<Micros> {
    lock_spend(tx, held.user_id).await?;
    if find(tx, held.id).await?.is_none() {
        return Ok(Micros::ZERO);
    }
    remove(tx, held.id).await?;
    let entry = LedgerEntry {
        user_id: held.user_id,
        organization_id: held.organization_id,
        source: CostSource::AbandonedRun,
        chat_id: held.chat_id,
        message_id: None,
        api_key_id: held.api_key_id.clone(),
        model_config_id: held.model_config_id,
        usage: None,
        cost: Some(held.progress),
        estimated: true,
        overrun: false,
        reservation_id: Some(held.id),
        created_at: at,
    };
    record(tx, &entry).await.map(|()| held.progress)
}

/// Reservations whose lease ended before `now` (not held by `except`), oldest first.
pub(crate) async fn expired(
    store: &Store,
    now: Time,
    except: Option<&str>,
) -> StoreResult<Vec<Held>> {
    let rows = sql(format!(
        "SELECT {HELD_COLUMNS} FROM spend_reservations
         WHERE lease_expires_at < $1 AND ($2 IS NULL OR holder <> $2) ORDER BY created_at, id"
    ))
    .bind(now)
    .bind(except)
    .fetch_all(&store.db)
    .await?;
    rows.iter().map(held_from_row).collect()
}

/// Every reservation `holder` holds (a restarted replica's leftovers).
pub(crate) async fn held_by(store: &Store, holder: &str) -> StoreResult<Vec<Held>> {
    let rows = sql(format!(
        "SELECT {HELD_COLUMNS} FROM spend_reservations WHERE holder = $1 ORDER BY created_at, id"
    ))
    .bind(holder)
    .fetch_all(&store.db)
    .await?;
    rows.iter().map(held_from_row).collect()
}

impl Store {
    /// Reserves for a call made outside the chat daemon (a title, a gateway request), if the
    /// limits that apply to `spec.user_id` in `spec.organization_id` can pay for it: `Err` is the
    /// refusal. The grant's `max_output_tokens` is what the provider may be asked for.
    pub async fn reserve_call(&self, spec: &CallSpec) -> StoreResult<Result<Grant, Refusal>> {
        let mut tx = self.db.begin().await?;
        let bound = RunBound::new(spec.prices.as_ref(), spec.input_tokens, spec.max_output_tokens)
            .map_err(|_| StoreError::Overflow)?;
        let new = NewHold {
            user_id: spec.user_id,
            organization_id: spec.organization_id,
            source: spec.source,
            chat_id: spec.chat_id,
            generation: None,
            model_config_id: spec.model_config_id,
            api_key_id: spec.api_key_id.as_deref(),
            key_limit: spec.key_limit,
            holder: &spec.holder,
            lookahead_tokens: spec.lookahead_tokens,
            lease_until: spec.lease_until,
            at: spec.at,
        };
        let enforce = spec.enforcement == Enforcement::Strict;
        let granted = match hold(&mut tx, &new, bound, enforce).await? {
            Hold::Granted(grant) => Ok(grant),
            // A call its user is waiting on cannot wait for others to settle.
            Hold::Wait(refusal) | Hold::Refused(refusal) => Err(refusal),
        };
        tx.commit().await?;
        Ok(granted)
    }

    /// Records a call's cost in the ledger; with a `reservation_id`, settles that reservation
    /// (see the module's rules for one already settled as abandoned). Returns what it added.
    pub async fn settle_call(&self, entry: LedgerEntry) -> StoreResult<Micros> {
        let mut tx = self.db.begin().await?;
        let recorded = settle_call(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// Settles the reservation of a call that billed nothing (its provider refused it before
    /// answering) at nothing.
    pub async fn release_call(&self, id: Uuid) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        remove(&mut tx, id).await?;
        tx.commit().await
    }

    /// Records the progress of a call in flight (a title, a gateway request) and extends its
    /// lease.
    pub async fn renew_reservation(
        &self,
        id: Uuid,
        progress: Micros,
        lease_until: Time,
    ) -> StoreResult<bool> {
        let renewed = sql("UPDATE spend_reservations
                           SET progress_micros = CASE WHEN progress_micros > $2 THEN progress_micros ELSE $2 END,
                               lease_expires_at = $3
                           WHERE id = $1")
        .bind(id)
        .bind(progress.get())
        .bind(lease_until)
        .execute(&self.db)
        .await?;
        Ok(renewed == 1)
    }
}
