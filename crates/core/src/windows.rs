//! Several windows at once (limits-plus §1): each tier may hold a limit for every period, and
//! the window that binds a user is the one with the least left.

use crate::{GroupPolicy, LimitConfig, LimitSource, Micros, MicrosError, Period, Window};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A tier's limit at each period; `None` = no limit at that period for this tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodLimits([Option<Micros>; 3]);

impl PeriodLimits {
    pub fn get(&self, period: Period) -> Option<Micros> {
        self.0[period.index()]
    }

    pub fn set(&mut self, period: Period, limit: Option<Micros>) {
        self.0[period.index()] = limit;
    }

    /// This with `limit` at `period`.
    pub fn with(mut self, period: Period, limit: Option<Micros>) -> Self {
        self.set(period, limit);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// Coder's rule when the deployment period changes `from` → `to`: the tier's limit at `from`
    /// (its `spend_limit_micros`) becomes its limit at `to`, replacing a window it had there; its
    /// other windows stay.
    pub fn moved(self, from: Period, to: Period) -> Self {
        match from == to {
            true => self,
            false => self.with(to, self.get(from)).with(from, None),
        }
    }
}

/// What a request asks to change: `None` leaves a period as it is, `Some(None)` removes its
/// limit, `Some(Some(n))` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowChanges([Option<Option<Micros>>; 3]);

impl WindowChanges {
    pub fn get(&self, period: Period) -> Option<Option<Micros>> {
        self.0[period.index()]
    }

    pub fn set(&mut self, period: Period, change: Option<Option<Micros>>) {
        self.0[period.index()] = change;
    }

    /// `current` with these changes made.
    pub fn apply(&self, mut current: PeriodLimits) -> PeriodLimits {
        for period in Period::ALL {
            if let Some(change) = self.get(period) {
                current.set(period, change);
            }
        }
        current
    }
}

/// The index of the binding window among `windows` (given shortest period first): the one with
/// the least remaining; ties go to the shortest period.
pub fn binding(windows: &[Window]) -> Result<Option<usize>, MicrosError> {
    let mut best: Option<(usize, Micros)> = None;
    for (i, w) in windows.iter().enumerate() {
        let left = w.remaining()?;
        if best.is_none_or(|(_, b)| left < b) {
            best = Some((i, left));
        }
    }
    Ok(best.map(|(i, _)| i))
}

/// Which of `windows` a refusal naming `limit`, `committed` and `resets_at` came from (the
/// shortest period when several match exactly, which then all refuse alike).
pub fn refusing(
    windows: &[Window],
    limit: Micros,
    committed: Micros,
    resets_at: DateTime<Utc>,
) -> Option<usize> {
    windows.iter().position(|w| {
        w.limit == limit && w.bounds.end == resets_at && w.committed().ok() == Some(committed)
    })
}

/// One limit considered for a period (limits-plus §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub source: LimitSource,
    pub group_id: Option<Uuid>,
    pub limit: Micros,
}

/// Every limit considered for `period`, the winner first: the user's override, then their groups'
/// limits in the policy's order (ties: smallest group id), then the default. None when limits are
/// off.
pub fn candidates(
    config: &LimitConfig,
    default: &PeriodLimits,
    user: Option<&PeriodLimits>,
    groups: &[(Uuid, PeriodLimits)],
    period: Period,
) -> Vec<Candidate> {
    if !config.enabled {
        return Vec::new();
    }
    let mut out: Vec<Candidate> = user
        .and_then(|u| u.get(period))
        .map(|limit| Candidate { source: LimitSource::User, group_id: None, limit })
        .into_iter()
        .collect();
    let mut by_group: Vec<(Uuid, Micros)> =
        groups.iter().filter_map(|(id, w)| w.get(period).map(|l| (*id, l))).collect();
    by_group.sort_by_key(|&(id, limit)| match config.group_policy {
        GroupPolicy::Lowest => (limit.get(), id),
        GroupPolicy::Highest => (limit.get().saturating_neg(), id),
    });
    out.extend(by_group.into_iter().map(|(id, limit)| Candidate {
        source: LimitSource::Group,
        group_id: Some(id),
        limit,
    }));
    if let Some(limit) = default.get(period) {
        out.push(Candidate { source: LimitSource::Default, group_id: None, limit });
    }
    out
}

/// limits-plus §6: when `window`'s limit is reached if settled spend goes on at its average rate
/// since the window's start; `None` with no spend, or when that is not before the reset.
pub fn forecast_exhaustion(window: &Window, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let spent = i128::from(window.spent.get());
    let elapsed = i128::from((now - window.bounds.start).num_microseconds()?);
    if spent <= 0 || elapsed <= 0 {
        return None;
    }
    // start + elapsed × limit / spent, rounded up to the microsecond.
    let needed = (elapsed * i128::from(window.limit.get()) + spent - 1) / spent;
    let at = window.bounds.start + chrono::Duration::microseconds(i64::try_from(needed).ok()?);
    (at < window.bounds.end).then_some(at)
}
