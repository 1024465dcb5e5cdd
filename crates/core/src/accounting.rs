//! Spend accounting, decided once for every backend: what a user's standing is, whether new work
//! may start, and which amounts may be stored. The store loads the facts (the effective limit,
//! what was spent) and applies what is decided here; the table tests in
//! `tests/it/accounting.rs` are the whole behaviour.

use crate::{CostError, EffectiveLimit, Micros, MicrosError, PeriodBounds, Price, Prices, Rule};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

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

// --- strict enforcement: reservations (accounting.md §3) ---------------------------------------

/// The UTC day a time falls in (days since 1970-01-01): spend counters are kept per day, and
/// every period's bounds are whole days, so a window's spend is the sum of its days' counters.
pub fn day_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(86_400)
}

/// The days `[first, end)` of a window, for summing counters.
pub fn days_of(bounds: PeriodBounds) -> (i64, i64) {
    (day_of(bounds.start), day_of(bounds.end))
}

/// One window of a user's limit as it stands: what was settled and what live reservations hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: Micros,
    pub spent: Micros,
    pub reserved: Micros,
    pub bounds: PeriodBounds,
}

impl Window {
    /// Settled plus reserved: what is used or promised.
    pub fn committed(&self) -> Result<Micros, MicrosError> {
        self.spent.checked_add(self.reserved)
    }

    /// What may still be reserved (never negative).
    pub fn remaining(&self) -> Result<Micros, MicrosError> {
        Ok(self.limit.checked_sub(self.committed()?)?.max(Micros::ZERO))
    }

    /// The fast admission answer (§3.1): refused once committed spend reaches the limit.
    pub fn admission(&self) -> Result<Admission, MicrosError> {
        let committed = self.committed()?;
        Ok(if committed >= self.limit {
            Admission::Blocked { spent: committed, limit: self.limit, resets_at: self.bounds.end }
        } else {
            Admission::Allowed { spent: committed, limit: self.limit }
        })
    }
}

/// The fast admission answer over every window that applies: the first that refuses.
pub fn admit_windows(windows: &[Window]) -> Result<Admission, MicrosError> {
    let mut answer = Admission::Unlimited;
    for w in windows {
        match w.admission()? {
            blocked @ Admission::Blocked { .. } => return Ok(blocked),
            allowed if answer == Admission::Unlimited => answer = allowed,
            _ => {}
        }
    }
    Ok(answer)
}

/// The most a run can cost, known before the provider is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunBound {
    /// The input's cost at its bound (a token count that cannot be exceeded, at the dearest
    /// price an input token can be charged).
    pub input: Micros,
    /// Micro-dollars per output token (USD per 1M tokens); `None` when output is not priced.
    pub output_price: Option<Decimal>,
    /// The most output tokens the model may be asked for.
    pub max_output_tokens: u32,
}

impl RunBound {
    /// The run's bound from the model's prices: the input tokens bound times the dearest input
    /// price (plain or cache write), and the output price.
    pub fn new(
        prices: Option<&Prices>,
        input_tokens: u64,
        max_output_tokens: u32,
    ) -> Result<Self, CostError> {
        let p = prices.copied().unwrap_or_default();
        let input_price = [p.input, p.cache_write].into_iter().flatten().map(Price::value).max();
        let input = match input_price {
            Some(price) => {
                ceil_micros(Decimal::from(input_tokens).checked_mul(price).ok_or(CostError)?)?
            }
            None => Micros::ZERO,
        };
        Ok(RunBound { input, output_price: p.output.map(Price::value), max_output_tokens })
    }

    /// What `tokens` output tokens cost at most.
    pub fn output_cost(&self, tokens: u32) -> Result<Micros, CostError> {
        match self.output_price {
            Some(price) => ceil_micros(Decimal::from(tokens).checked_mul(price).ok_or(CostError)?),
            None => Ok(Micros::ZERO),
        }
    }

    /// The worst case: the input bound and every output token the model may produce.
    pub fn ceiling(&self) -> Result<Micros, CostError> {
        self.input.checked_add(self.output_cost(self.max_output_tokens)?).map_err(|_| CostError)
    }
}

fn ceil_micros(value: Decimal) -> Result<Micros, CostError> {
    value.ceil().to_i64().map(Micros::new).ok_or(CostError)
}

/// What a run may do, decided under the user's lock when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Set aside `amount` and ask the provider for at most `max_output_tokens`: then no window
    /// can be overspent even if the run uses everything it may.
    Reserve { amount: Micros, max_output_tokens: u32 },
    /// The budget left after what is settled could pay, but what runs in flight hold leaves too
    /// little: the run waits for them to settle (most settle below what they reserved). The
    /// figures are the tightest window's, for a caller that cannot wait.
    Wait { spent: Micros, limit: Micros, resets_at: DateTime<Utc> },
    /// Even with nothing in flight the budget cannot pay for the input and one output token:
    /// the run does not start. `spent` counts what is settled and reserved in the refusing
    /// window.
    Refuse { spent: Micros, limit: Micros, resets_at: DateTime<Utc> },
}

/// accounting.md §3.2–§3.4: the reservation is the smaller of the run's ceiling and what every
/// window has left, and the output budget is what remains of it after the input bound. A run
/// that only in-flight reservations keep from starting waits for them instead of failing.
pub fn reserve(windows: &[Window], bound: &RunBound) -> Result<Reservation, CostError> {
    let ceiling = bound.ceiling()?;
    let Some(tightest) = tightest(windows)? else {
        return Ok(Reservation::Reserve {
            amount: ceiling,
            max_output_tokens: bound.max_output_tokens,
        });
    };
    let remaining = tightest.remaining().map_err(|_| CostError)?;
    let smallest_run = bound.input.checked_add(bound.output_cost(1)?).map_err(|_| CostError)?;
    if remaining < smallest_run {
        return refuse_or_wait(windows, tightest, smallest_run);
    }
    if remaining >= ceiling {
        return Ok(Reservation::Reserve {
            amount: ceiling,
            max_output_tokens: bound.max_output_tokens,
        });
    }
    let max_output_tokens =
        affordable_tokens(remaining.checked_sub(bound.input).map_err(|_| CostError)?, bound);
    let amount =
        bound.input.checked_add(bound.output_cost(max_output_tokens)?).map_err(|_| CostError)?;
    Ok(Reservation::Reserve { amount, max_output_tokens })
}

/// A run that cannot start now: it waits when every window could pay for it once what is in
/// flight settles, and is refused by the first window that could not even then.
fn refuse_or_wait(
    windows: &[Window],
    tightest: &Window,
    smallest_run: Micros,
) -> Result<Reservation, CostError> {
    for w in windows {
        let settled_left = w.limit.checked_sub(w.spent).map_err(|_| CostError)?;
        if settled_left < smallest_run {
            let spent = w.committed().map_err(|_| CostError)?;
            return Ok(Reservation::Refuse { spent, limit: w.limit, resets_at: w.bounds.end });
        }
    }
    let spent = tightest.committed().map_err(|_| CostError)?;
    Ok(Reservation::Wait { spent, limit: tightest.limit, resets_at: tightest.bounds.end })
}

/// The window with the least left, if any applies.
fn tightest(windows: &[Window]) -> Result<Option<&Window>, CostError> {
    let mut best: Option<(&Window, Micros)> = None;
    for w in windows {
        let left = w.remaining().map_err(|_| CostError)?;
        if best.is_none_or(|(_, b)| left < b) {
            best = Some((w, left));
        }
    }
    Ok(best.map(|(w, _)| w))
}

/// The most output tokens `budget` pays for at the bound's price, at most its maximum.
fn affordable_tokens(budget: Micros, bound: &RunBound) -> u32 {
    match bound.output_price {
        Some(price) if price > Decimal::ZERO => {
            let tokens = (Decimal::from(budget.get()) / price).floor();
            tokens.to_u32().unwrap_or(u32::MAX).min(bound.max_output_tokens)
        }
        _ => bound.max_output_tokens,
    }
}

/// What a run may have cost by its next heartbeat, as this one records it: the input bound, the
/// output streamed so far counted at one token per byte (a token is at least one byte of text
/// for the byte-level BPE tokenizers providers use), and `lookahead_tokens` more (what can
/// stream before the next heartbeat), at most the tokens asked for. An upper bound: a run cut
/// off by a crash is settled at it, so nothing the provider billed is missing.
pub fn progress(
    bound: &RunBound,
    streamed_bytes: u64,
    lookahead_tokens: u32,
    max_output_tokens: u32,
) -> Result<Micros, CostError> {
    let streamed = u32::try_from(streamed_bytes).unwrap_or(u32::MAX);
    let tokens = streamed.saturating_add(lookahead_tokens).min(max_output_tokens);
    bound.input.checked_add(bound.output_cost(tokens)?).map_err(|_| CostError)
}

/// What settling a reservation of `reserved` with the run's real cost records: the real cost,
/// always, and whether it went beyond the reservation (an overrun: recorded and counted, never
/// hidden).
pub fn settle(reserved: Micros, actual: Option<Micros>) -> (Option<Micros>, bool) {
    let overrun = actual.is_some_and(|a| a > reserved);
    (actual, overrun)
}

/// A day's counter after a ledger row of `cost` is added to it.
pub fn counter_after(current: Micros, cost: Micros) -> Result<Micros, MicrosError> {
    current.checked_add(cost)
}

/// How limits are enforced (accounting.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Enforcement {
    /// No window's settled spend ever exceeds its limit: runs reserve before they call.
    #[default]
    Strict,
    /// Coder's behaviour: check, then write; nothing is reserved.
    Check,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Strict => "strict",
            Enforcement::Check => "check",
        }
    }
}

impl std::str::FromStr for Enforcement {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(Enforcement::Strict),
            "check" => Ok(Enforcement::Check),
            other => Err(format!("unknown enforcement {other:?}: use strict or check")),
        }
    }
}

/// Tokens a prompt framing adds at most: per message (role markers) and once (priming).
const TOKENS_PER_MESSAGE: u64 = 8;
const TOKENS_PER_PROMPT: u64 = 16;

/// A bound on a prompt's input tokens from the stored size in bytes of each message: a token is
/// at least one byte of text for the byte-level BPE tokenizers providers use, a stored message
/// is at least as long as its text, and the framing adds a few tokens.
pub fn input_tokens_bound(message_bytes: impl IntoIterator<Item = usize>) -> u64 {
    message_bytes.into_iter().fold(TOKENS_PER_PROMPT, |sum, bytes| {
        sum.saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX))
            .saturating_add(TOKENS_PER_MESSAGE)
    })
}
