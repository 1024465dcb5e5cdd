//! Spend periods: UTC-aligned, half-open `[start, end)`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Period {
    Day,
    Week,
    #[default]
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodBounds {
    pub start: DateTime<Utc>,
    /// Exclusive; also when the spend resets.
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown period {0:?}: use day, week or month")]
pub struct UnknownPeriod(pub String);

impl Period {
    pub const ALL: [Period; 3] = [Period::Day, Period::Week, Period::Month];

    /// The position in [`Period::ALL`] (shortest first).
    pub fn index(self) -> usize {
        match self {
            Period::Day => 0,
            Period::Week => 1,
            Period::Month => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The period containing `now`, which is converted to UTC first.
    pub fn bounds<Tz: TimeZone>(self, now: &DateTime<Tz>) -> PeriodBounds {
        let today = now.with_timezone(&Utc).date_naive();
        let (start, end) = match self {
            Period::Day => (today, today + Duration::days(1)),
            Period::Week => {
                let monday =
                    today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                (monday, monday + Duration::days(7))
            }
            Period::Month => (first_of_month(today), first_of_next_month(today)),
        };
        PeriodBounds { start: midnight(start), end: midnight(end) }
    }
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn first_of_next_month(day: NaiveDate) -> NaiveDate {
    let (year, month) =
        if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX)
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Period {
    type Err = UnknownPeriod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownPeriod(s.to_owned()))
    }
}
