//! Spend alerts (limits-plus §6): the thresholds a deployment notifies at, and which alerts a
//! window's settled spend has reached. Each alert fires once per window instance; the store
//! keeps that promise with a unique key, so this only says what has been reached.

use crate::Micros;
use std::fmt;

/// The percentages of a limit at which an event is written: 1..=100, ascending, at most five.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds(Vec<u8>);

/// Why a list of percentages is not a valid [`Thresholds`]; the message is the API's detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdsError {
    #[error("Each percentage must be between 1 and 100.")]
    OutOfRange,
    #[error("Percentages must be in ascending order, each once.")]
    NotAscending,
    #[error("At most 5 percentages may be given.")]
    TooMany,
}

impl Thresholds {
    pub const MAX: usize = 5;

    pub fn new(percents: &[i64]) -> Result<Self, ThresholdsError> {
        if percents.len() > Self::MAX {
            return Err(ThresholdsError::TooMany);
        }
        let checked: Vec<u8> = percents
            .iter()
            .map(|&p| u8::try_from(p).ok().filter(|p| (1..=100).contains(p)))
            .collect::<Option<_>>()
            .ok_or(ThresholdsError::OutOfRange)?;
        if checked.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ThresholdsError::NotAscending);
        }
        Ok(Thresholds(checked))
    }

    /// As stored: `"80,95"` (an empty list is `""`).
    pub fn parse_stored(raw: &str) -> Result<Self, ThresholdsError> {
        let percents: Vec<i64> = raw
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.trim().parse().map_err(|_| ThresholdsError::OutOfRange))
            .collect::<Result<_, _>>()?;
        Self::new(&percents)
    }

    pub fn percents(&self) -> &[u8] {
        &self.0
    }
}

impl Default for Thresholds {
    /// limits-plus §6: 80 % and 95 %.
    fn default() -> Self {
        Thresholds(vec![80, 95])
    }
}

impl fmt::Display for Thresholds {
    /// The stored form, `"80,95"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u8::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

/// What an event says happened to a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// Spend first reached `percent` of the limit.
    ThresholdCrossed,
    /// Spend reached the limit, or work was refused because what is left cannot pay for it.
    Exceeded,
}

impl AlertKind {
    pub const ALL: [AlertKind; 2] = [AlertKind::ThresholdCrossed, AlertKind::Exceeded];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::ThresholdCrossed => "usage_limit.threshold_crossed",
            AlertKind::Exceeded => "usage_limit.exceeded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One alert: its kind and the percentage it is about (100 for `Exceeded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    pub kind: AlertKind,
    pub percent: u8,
}

impl Alert {
    pub const EXCEEDED: Alert = Alert { kind: AlertKind::Exceeded, percent: 100 };
}

/// Every alert a window of `limit` has reached with `spent` settled: each threshold `t` with
/// `spent ≥ t % of limit`, and `Exceeded` once `spent ≥ limit`. Nothing for a window without a
/// positive limit. Computed in 128 bits, so no amount overflows.
pub fn reached(limit: Micros, spent: Micros, thresholds: &Thresholds) -> Vec<Alert> {
    if !limit.is_positive() {
        return Vec::new();
    }
    let (limit, spent) = (i128::from(limit.get()), i128::from(spent.get()));
    let mut alerts: Vec<Alert> = thresholds
        .percents()
        .iter()
        .filter(|&&t| spent * 100 >= limit * i128::from(t))
        .map(|&percent| Alert { kind: AlertKind::ThresholdCrossed, percent })
        .collect();
    if spent >= limit {
        alerts.push(Alert::EXCEEDED);
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &[i64]) -> Thresholds {
        Thresholds::new(p).unwrap()
    }

    #[test]
    fn thresholds_are_checked() {
        assert_eq!(Thresholds::new(&[]), Ok(Thresholds(vec![])));
        assert_eq!(Thresholds::new(&[1, 50, 100]), Ok(Thresholds(vec![1, 50, 100])));
        assert_eq!(Thresholds::new(&[0]), Err(ThresholdsError::OutOfRange));
        assert_eq!(Thresholds::new(&[101]), Err(ThresholdsError::OutOfRange));
        assert_eq!(Thresholds::new(&[-80]), Err(ThresholdsError::OutOfRange));
        assert_eq!(Thresholds::new(&[i64::MAX]), Err(ThresholdsError::OutOfRange));
        assert_eq!(Thresholds::new(&[95, 80]), Err(ThresholdsError::NotAscending));
        assert_eq!(Thresholds::new(&[80, 80]), Err(ThresholdsError::NotAscending));
        assert_eq!(Thresholds::new(&[1, 2, 3, 4, 5, 6]), Err(ThresholdsError::TooMany));
    }

    #[test]
    fn stored_form_round_trips() {
        for list in [vec![], vec![80, 95], vec![1, 2, 3, 4, 100]] {
            let th = t(&list);
            assert_eq!(Thresholds::parse_stored(&th.to_string()), Ok(th));
        }
        assert_eq!(Thresholds::default().to_string(), "80,95");
        assert!(Thresholds::parse_stored("80,x").is_err());
    }

    #[test]
    fn reached_alerts_follow_the_spend() {
        let th = Thresholds::default();
        let limit = Micros::new(2_000_000);
        let at = |spent| reached(limit, Micros::new(spent), &th);
        let crossed = |percent| Alert { kind: AlertKind::ThresholdCrossed, percent };
        assert_eq!(at(0), vec![]);
        assert_eq!(at(1_599_999), vec![]);
        assert_eq!(at(1_600_000), vec![crossed(80)]);
        assert_eq!(at(1_900_000), vec![crossed(80), crossed(95)]);
        assert_eq!(at(2_000_000), vec![crossed(80), crossed(95), Alert::EXCEEDED]);
        assert_eq!(at(9_000_000), vec![crossed(80), crossed(95), Alert::EXCEEDED]);
        assert_eq!(reached(Micros::ZERO, Micros::new(5), &th), vec![]);
    }

    #[test]
    fn a_hundred_percent_threshold_is_its_own_alert() {
        let limit = Micros::new(3);
        let alerts = reached(limit, Micros::new(3), &t(&[100]));
        assert_eq!(
            alerts,
            vec![Alert { kind: AlertKind::ThresholdCrossed, percent: 100 }, Alert::EXCEEDED]
        );
    }

    #[test]
    fn extreme_amounts_do_not_overflow() {
        let max = Micros::new(i64::MAX);
        assert_eq!(reached(max, max, &t(&[99])).len(), 2);
        assert_eq!(reached(max, Micros::new(i64::MAX / 100 * 98), &t(&[99])), vec![]);
    }
}
