//! Spend accounting, decided once for every backend: what a user's standing is, whether new work
//! may start, and which amounts may be stored. The store loads the facts (the effective limit,
//! what was spent) and applies what is decided here; the table tests in
//! `tests/it/accounting.rs` are the whole behaviour.

use crate::{EffectiveLimit, Micros, MicrosError, PeriodBounds, Rule};
use chrono::{DateTime, Utc};

/// What a user may spend and has spent in the current period of the limit that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub limit: EffectiveLimit,
    pub bounds: PeriodBounds,
    pub spent: Micros,
}

impl Standing {
    pub fn admission(&self) -> Admission {
        admit(&self.limit, self.spent, self.bounds)
    }
}

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

/// A limit as stored: greater than zero.
pub fn stored_limit(limit: Micros) -> Result<i64, Rule> {
    if limit.is_positive() { Ok(limit.get()) } else { Err(Rule::LimitNotPositive) }
}

/// An amount as stored (a default limit, a cost): not negative.
pub fn stored_amount(amount: Micros) -> Result<i64, Rule> {
    if amount.get() >= 0 { Ok(amount.get()) } else { Err(Rule::NegativeAmount) }
}

/// A token count as stored.
pub fn stored_tokens(count: u64) -> Result<i64, Rule> {
    i64::try_from(count).map_err(|_| Rule::TokenCountOutOfRange)
}

/// Databases sum money in two halves that cannot overflow before the total does: whole dollars
/// (`sum(micros / 1_000_000)`) and the micros left over (`sum(micros % 1_000_000)`). This puts
/// them back together, or says the total is beyond the money range.
pub fn total_from_parts(dollars: i64, micros: i64) -> Result<Micros, MicrosError> {
    Micros::from_dollars(dollars)?.checked_add(Micros::new(micros))
}
