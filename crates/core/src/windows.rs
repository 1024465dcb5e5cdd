//! Several windows at once (limits-plus §1): each tier may hold a limit for every period, and
//! the window that binds a user is the one with the least left.

use crate::{Micros, MicrosError, Period, Window};
use chrono::{DateTime, Utc};

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
