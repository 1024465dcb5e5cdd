//! Money as an integer number of micro-dollars. Never a float: a float rounds, and rounding
//! errors in a spend ledger add up to real money.

use std::fmt;
use std::str::FromStr;

/// Micro-dollars: 1_000_000 = $1.00. Arithmetic is checked; an overflow is an error, never a wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Micros(i64);

/// Why a string is not an amount of money, or why arithmetic on money failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MicrosError {
    #[error("amount is empty")]
    Empty,
    #[error(
        "{0:?} is not an amount: use dollars like 12.50 or 0.002 (a `$` in front is optional), or micro-dollars like 12500000micros"
    )]
    Malformed(String),
    #[error(
        "{0:?} has more than six decimal places; the smallest unit is one micro-dollar ($0.000001)"
    )]
    TooPrecise(String),
    #[error("amount is out of range (at most ${})", i64::MAX / 1_000_000)]
    Overflow,
}

pub const MICROS_PER_DOLLAR: i64 = 1_000_000;

impl Micros {
    pub const ZERO: Micros = Micros(0);
    pub const MAX: Micros = Micros(i64::MAX);

    pub const fn new(micros: i64) -> Self {
        Micros(micros)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn from_dollars(dollars: i64) -> Result<Self, MicrosError> {
        dollars.checked_mul(MICROS_PER_DOLLAR).map(Micros).ok_or(MicrosError::Overflow)
    }

    pub fn checked_add(self, other: Micros) -> Result<Micros, MicrosError> {
        self.0.checked_add(other.0).map(Micros).ok_or(MicrosError::Overflow)
    }

    pub fn checked_sub(self, other: Micros) -> Result<Micros, MicrosError> {
        self.0.checked_sub(other.0).map(Micros).ok_or(MicrosError::Overflow)
    }

    pub fn checked_mul(self, factor: i64) -> Result<Micros, MicrosError> {
        self.0.checked_mul(factor).map(Micros).ok_or(MicrosError::Overflow)
    }

    /// Sum of many amounts; `Err` on overflow instead of a silent wrap.
    pub fn checked_sum(items: impl IntoIterator<Item = Micros>) -> Result<Micros, MicrosError> {
        items.into_iter().try_fold(Micros::ZERO, Micros::checked_add)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// Parses `12.50`, `$12.50`, `12.5`, `12`, `0.002` (dollars, at most six decimals) or
/// `12500000micros` (micro-dollars). A leading `-` is accepted so callers can reject negatives
/// with their own message.
impl FromStr for Micros {
    type Err = MicrosError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MicrosError::Empty);
        }
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let magnitude = match s.strip_suffix("micros") {
            Some(digits) => parse_digits(digits.trim(), input)?,
            None => parse_dollars(s.strip_prefix('$').unwrap_or(s), input)?,
        };
        Ok(Micros(if negative { -magnitude } else { magnitude }))
    }
}

fn parse_digits(digits: &str, input: &str) -> Result<i64, MicrosError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MicrosError::Malformed(input.to_owned()));
    }
    digits.parse::<i64>().map_err(|_| MicrosError::Overflow)
}

fn parse_dollars(s: &str, input: &str) -> Result<i64, MicrosError> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(MicrosError::Malformed(input.to_owned()));
    }
    let whole = if whole.is_empty() { 0 } else { parse_digits(whole, input)? };
    if frac.len() > 6 {
        return Err(MicrosError::TooPrecise(input.to_owned()));
    }
    let frac_micros = if frac.is_empty() {
        0
    } else {
        let padded = format!("{frac:0<6}");
        parse_digits(&padded, input)?
    };
    whole
        .checked_mul(MICROS_PER_DOLLAR)
        .and_then(|w| w.checked_add(frac_micros))
        .ok_or(MicrosError::Overflow)
}

/// Exact dollars: at least two decimals, more only when the amount needs them (`$12.50`,
/// `$35.00`, `$0.002985`, `-$2.50`). Never rounded, so a sub-cent spend never reads `$0.00`,
/// and the text parses back to the same amount.
impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let per_dollar = MICROS_PER_DOLLAR.unsigned_abs();
        let fraction = format!("{:06}", magnitude % per_dollar);
        let needed = fraction.trim_end_matches('0').len().max(2);
        // `pad` so callers can align amounts in tables (`{:>10}`).
        f.pad(&format!("{sign}${}.{}", magnitude / per_dollar, &fraction[..needed]))
    }
}
