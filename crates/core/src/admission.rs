//! The admission decision: may new work start, given the limit and what was spent?

use crate::{EffectiveLimit, Micros, PeriodBounds};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Limits are off for this user.
    Unlimited,
    Allowed {
        spent: Micros,
        limit: Micros,
    },
    /// Reaching the limit exactly blocks: a limit is what may be spent, not a threshold to pass.
    Blocked {
        spent: Micros,
        limit: Micros,
        resets_at: DateTime<Utc>,
    },
}

impl Admission {
    pub fn is_blocked(&self) -> bool {
        matches!(self, Admission::Blocked { .. })
    }
}

pub fn admit(limit: &EffectiveLimit, spent: Micros, bounds: PeriodBounds) -> Admission {
    match limit.limit {
        None => Admission::Unlimited,
        Some(limit) if spent >= limit => Admission::Blocked { spent, limit, resets_at: bounds.end },
        Some(limit) => Admission::Allowed { spent, limit },
    }
}
