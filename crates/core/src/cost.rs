//! The cost of one LLM call, from its token usage and the model's prices.
//!
//! Prices are USD per 1M tokens, so `tokens × price` is already micro-dollars. The arithmetic is
//! exact decimal; the ceiling is applied once, to the total, so many small categories never
//! round up more than one micro-dollar between them.

use crate::Micros;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::fmt;
use std::str::FromStr;

/// A price in USD per 1M tokens: a non-negative exact decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("price {0:?} is not a decimal number")]
    Malformed(String),
    #[error("price must not be negative")]
    Negative,
    #[error("price must be at most {} USD per 1M tokens", Price::MAX_DOLLARS)]
    TooLarge,
}

impl Price {
    /// $1 per token. Anything above is a typo, and the bound keeps every product in range.
    pub const MAX_DOLLARS: i64 = 1_000_000;

    pub fn new(value: Decimal) -> Result<Self, PriceError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(PriceError::Negative);
        }
        if value > Decimal::from(Self::MAX_DOLLARS) {
            return Err(PriceError::TooLarge);
        }
        Ok(Price(value.normalize()))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// Parses a decimal as a person writes it (`3`, `0.30`, `3.75`), or as a JSON number prints it
/// (`1e-2`).
impl FromStr for Price {
    type Err = PriceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let value = Decimal::from_str_exact(s)
            .or_else(|_| Decimal::from_scientific(s))
            .map_err(|_| PriceError::Malformed(s.to_owned()))?;
        Price::new(value)
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A model's prices; any of them may be unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prices {
    pub input: Option<Price>,
    pub output: Option<Price>,
    pub cache_read: Option<Price>,
    pub cache_write: Option<Price>,
}

impl Prices {
    pub fn is_empty(&self) -> bool {
        self.input.is_none()
            && self.output.is_none()
            && self.cache_read.is_none()
            && self.cache_write.is_none()
    }

    /// A model without an input or an output price cannot be metered against a limit.
    pub fn is_priced(&self) -> bool {
        self.input.is_some() || self.output.is_some()
    }
}

/// Tokens of one LLM call, in billable categories. `input` excludes cached tokens (those are in
/// `cache_read`); `reasoning` is part of `output` and is never charged twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub input: u64,
    pub output: u64,
    pub reasoning: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message cost overflows the money range")]
pub struct CostError;

/// The cost of a message in micros, or `None` when it is unpriced: no prices at all, no usage,
/// or usage only in categories that have no price. A priced call that used nothing costs 0
/// (tollgate keeps that 0; Coder stores it as unpriced).
pub fn message_cost(
    prices: Option<&Prices>,
    usage: Option<&TokenUsage>,
) -> Result<Option<Micros>, CostError> {
    let (Some(prices), Some(usage)) = (prices, usage) else { return Ok(None) };
    if prices.is_empty() {
        return Ok(None);
    }
    let lines = [
        (usage.input, prices.input),
        (usage.output, prices.output),
        (usage.cache_read, prices.cache_read),
        (usage.cache_write, prices.cache_write),
    ];
    let any_priced = lines.iter().any(|(tokens, price)| *tokens > 0 && price.is_some());
    let any_unpriced = lines.iter().any(|(tokens, price)| *tokens > 0 && price.is_none());
    if any_unpriced && !any_priced {
        return Ok(None);
    }
    let mut total = Decimal::ZERO;
    for (tokens, price) in lines {
        if let Some(price) = price {
            let line = Decimal::from(tokens).checked_mul(price.0).ok_or(CostError)?;
            total = total.checked_add(line).ok_or(CostError)?;
        }
    }
    total.ceil().to_i64().map(|m| Some(Micros::new(m))).ok_or(CostError)
}
