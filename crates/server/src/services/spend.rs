//! Spend standing and admission (spend-limits.md §7), called at every admission point: create
//! chat, send message, edit message, create a sub-agent chat, regenerate a title. Promoting an
//! already-queued message is not an admission point: it was admitted when it was queued.
//!
//! Concurrency trade-off (documented as Coder documents it): the check reads the limit and the
//! spend, then the caller writes. Two concurrent requests by one user can both pass before
//! either run is billed, and a run that started is never interrupted by the limit, so a user
//! can overspend by at most (cost of one run) × (number of concurrent admissions). Closing that
//! window needs a reservation taken in the same transaction as the write (strict mode).

use crate::state::{AppState, LimitFailureMode};
use tollgate_core::{Admission, Micros, Standing};
use tollgate_store::{StoreError, Time};
use uuid::Uuid;

/// Why new work may not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdmissionRefused {
    /// The user's spend reached their limit (the 409 of §7).
    OverLimit { spent: Micros, limit: Micros, resets_at: Time },
    /// The limit could not be looked up and the operator chose to fail closed.
    CheckFailed,
}

/// `Ok` when `owner` may start new work in `organization`.
pub async fn check_admission(
    state: &AppState,
    owner: Uuid,
    organization: Uuid,
) -> Result<(), AdmissionRefused> {
    let decision = standing(state, owner, Some(organization))
        .await
        .map(|s| s.map_or(Admission::Unlimited, |s| s.admission()));
    match decision {
        Ok(Admission::Blocked { spent, limit, resets_at }) => {
            state.metrics.admission("blocked");
            Err(AdmissionRefused::OverLimit { spent, limit, resets_at })
        }
        Ok(_) => {
            state.metrics.admission("allowed");
            Ok(())
        }
        Err(err) => lookup_failed(state, owner, &err),
    }
}

/// What a user may spend and has spent in the current period, within the spend scope of the
/// limit that applies; `None` when no limit applies. The one reading of the ledger behind both
/// the admission check and the status endpoint.
pub async fn standing(
    state: &AppState,
    user: Uuid,
    organization: Option<Uuid>,
) -> Result<Option<Standing>, StoreError> {
    let limit = state.store.resolve_limit(user, organization).await?;
    if limit.limit.is_none() {
        return Ok(None);
    }
    let bounds = limit.period.bounds(&state.clock.now());
    let spent = state.store.spend(user, limit.spend_scope(organization), bounds).await?;
    Ok(Some(Standing { limit, bounds, spent }))
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
