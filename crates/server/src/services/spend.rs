//! Spend standing and admission (spend-limits.md §7), called at every admission point: create
//! chat, send message, edit message, create a sub-agent chat, regenerate a title. Promoting an
//! already-queued message is not an admission point: it was admitted when it was queued.
//!
//! The check reads the day counters and the live reservations (accounting.md §3.1): it is the
//! user's fast answer and takes no reservation. In Coder's `check` mode that is all there is,
//! with Coder's trade-off: concurrent requests can all pass before any run is billed, so a user
//! can overspend by (cost of one run) × (concurrent admissions). In `strict` mode (the default)
//! every run also reserves when it starts, in the daemon's claim, so no window is overspent.

use crate::state::{AppState, LimitFailureMode};
use tollgate_core::{Admission, Micros, MicrosError, Period};
use tollgate_store::{LimitStanding, Refusal, StoreError, Time};
use uuid::Uuid;

/// Why new work may not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdmissionRefused {
    /// The user's spend reached their limit (the 409 of §7), found so `at`; `period` names the
    /// refusing window (limits-plus §1).
    OverLimit { spent: Micros, limit: Micros, resets_at: Time, at: Time, period: Option<Period> },
    /// The limit could not be looked up and the operator chose to fail closed.
    CheckFailed,
}

/// What an admitted user has left of their limit, and when it resets (limits-plus §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headroom {
    pub remaining: Micros,
    pub resets_at: Time,
}

/// `Ok` when `owner` may start new work in `organization`, with their headroom when a limit
/// applies (`None` when none does, or the lookup failed open).
pub async fn check_admission(
    state: &AppState,
    owner: Uuid,
    organization: Uuid,
) -> Result<Option<Headroom>, AdmissionRefused> {
    let decision = standing(state, owner, Some(organization)).await.and_then(|s| match s {
        None => Ok((Admission::Unlimited, None, None)),
        Some(s) => first_blocked(&s)
            .map(|(admission, period)| (admission, period, Some(s.window.bounds.end)))
            .map_err(StoreError::from),
    });
    match decision {
        Ok((Admission::Blocked { spent, limit, resets_at }, period, _)) => {
            state.metrics.admission("blocked");
            let at = state.clock.now();
            note_refusal(state, owner, Refusal { period, spent, limit, resets_at }, at).await;
            Err(AdmissionRefused::OverLimit { spent, limit, resets_at, at, period })
        }
        Ok((admission, _, resets_at)) => {
            state.metrics.admission("allowed");
            Ok(headroom(admission, resets_at))
        }
        Err(err) => lookup_failed(state, owner, &err).map(|()| None),
    }
}

/// A reservation refused by `refusal` at `at` (a title, a gateway call): counted as a blocked
/// admission and answered as the admission check's refusal is.
pub fn refused_reservation(state: &AppState, refusal: Refusal, at: Time) -> AdmissionRefused {
    state.metrics.admission("blocked");
    let Refusal { period, spent, limit, resets_at } = refusal;
    AdmissionRefused::OverLimit { spent, limit, resets_at, at, period }
}

/// The window is exhausted: its `exceeded` event, the first time (limits-plus §6). The refusal
/// stands whether or not the event could be written.
async fn note_refusal(state: &AppState, owner: Uuid, refusal: Refusal, at: Time) {
    if let Err(e) = state.store.note_limit_refusal(owner, &refusal, at).await {
        tracing::warn!(owner_id = %owner, error = %e, "could not record the limit's exceeded event");
    }
}

/// Allowed means committed spend is under the limit, so what is left is positive.
fn headroom(admission: Admission, resets_at: Option<Time>) -> Option<Headroom> {
    match (admission, resets_at) {
        (Admission::Allowed { spent, limit }, Some(resets_at)) => {
            let remaining = limit.checked_sub(spent).unwrap_or(Micros::ZERO);
            Some(Headroom { remaining, resets_at })
        }
        _ => None,
    }
}

/// The answer of the first window (shortest period first) that refuses, else the binding
/// window's: admission is refused when any window is exhausted (limits-plus §1).
fn first_blocked(s: &LimitStanding) -> Result<(Admission, Option<Period>), MicrosError> {
    for (limit, window) in &s.windows {
        let answer = window.admission()?;
        if answer.is_blocked() {
            return Ok((answer, Some(limit.period)));
        }
    }
    Ok((s.window.admission()?, Some(s.limit.period)))
}

/// The limit that applies to a user and where its window stands (settled spend from the day
/// counters, live reservations); `None` when no limit applies. The one reading behind both the
/// admission check and the status endpoint; its cost does not grow with the ledger.
pub async fn standing(
    state: &AppState,
    user: Uuid,
    organization: Option<Uuid>,
) -> Result<Option<LimitStanding>, StoreError> {
    state.store.limit_standing(user, organization, state.clock.now()).await
}

fn lookup_failed(state: &AppState, owner: Uuid, err: &StoreError) -> Result<(), AdmissionRefused> {
    state.metrics.limit_check_failures.inc();
    match state.settings.limit_failure_mode {
        LimitFailureMode::Open => {
            state.metrics.admission("failed_open");
            tracing::warn!(owner_id = %owner, error = %err, "usage limit check failed, allowing message");
            Ok(())
        }
        LimitFailureMode::Closed => {
            state.metrics.admission("failed_closed");
            tracing::error!(owner_id = %owner, error = %err, "usage limit check failed, refusing");
            Err(AdmissionRefused::CheckFailed)
        }
    }
}
