//! `--window PERIOD=AMOUNT` on `limits set`, `limits override set` and `limits group set`:
//! limits at several periods per tier (limits-plus §1), and how they read in `limits show`.

use super::limits::{Amount, PeriodArg};
use super::wire_name;
use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use std::str::FromStr;
use tollgate_api_types as api;
use tollgate_core::Micros;

/// `NAME=AMOUNT` or `NAME=none` (no limit), with `what` naming the left side in errors.
pub fn limit_assignment<'a>(raw: &'a str, what: &str) -> Result<(&'a str, Option<Amount>), String> {
    let Some((name, amount)) = raw.split_once('=') else {
        return Err(format!("write {what}=AMOUNT, or {what}=none to remove the limit"));
    };
    if amount.eq_ignore_ascii_case("none") {
        return Ok((name, None));
    }
    Ok((name, Some(amount.parse()?)))
}

/// One `--window`: a period's limit, or `None` to remove it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowArg {
    pub period: api::ChatUsageLimitPeriod,
    pub limit: Option<Micros>,
}

impl FromStr for WindowArg {
    type Err = String;

    fn from_str(raw: &str) -> Result<WindowArg, String> {
        let (period, limit) = limit_assignment(raw, "PERIOD")?;
        let period = PeriodArg::from_str(period, true)
            .map_err(|_| format!("{period:?} is not a period: write day, week or month"))?;
        Ok(WindowArg { period: super::limits::period_wire(period), limit: limit.map(|a| a.0) })
    }
}

#[derive(Debug, Args)]
pub struct WindowsArg {
    /// A limit at a period (day, week, month) besides AMOUNT's: PERIOD=AMOUNT, or PERIOD=none
    /// to remove it; repeatable. Periods not named keep their limits.
    #[arg(long = "window", value_name = "PERIOD=AMOUNT")]
    pub windows: Vec<WindowArg>,
}

/// A tier's limits as a PUT body carries them.
#[derive(Debug, PartialEq)]
pub struct TierLimits {
    /// `spend_limit_micros`: the limit at the deployment's period.
    pub main: i64,
    pub windows: Option<api::ChatUsageLimitWindowsUpdate>,
}

/// What a PUT for one tier sends, given the AMOUNT and `--window`s typed, the deployment's
/// `period` and the tier's `current` limits. The API needs the period's limit in every body
/// (Coder's `spend_limit_micros`): the AMOUNT, else the `--window` of that period, else the
/// current one, so that naming only other periods changes only those. `remove` is the command
/// that removes the period's limit, which no `--window` can (it is the tier's own).
pub fn tier_limits(
    amount: Option<Amount>,
    windows: &[WindowArg],
    period: api::ChatUsageLimitPeriod,
    current: &api::ChatUsageLimitWindows,
    remove: &str,
) -> Result<TierLimits> {
    let mut update = api::ChatUsageLimitWindowsUpdate::default();
    let mut main = amount.map(|a| a.0);
    for w in windows {
        let name = wire_name(&w.period);
        let entry = slot(&mut update, w.period);
        if entry.is_some() {
            bail!("--window {name} is given twice");
        }
        if w.period != period {
            *entry = Some(w.limit.map(Micros::get));
            continue;
        }
        match (w.limit, main) {
            (None, _) => {
                bail!("{name} is the deployment's period: its limit can only go with {remove}")
            }
            (Some(l), Some(a)) if l != a => {
                bail!("AMOUNT ({a}) and --window {name}={l} both set the {name} limit: give one")
            }
            (Some(l), _) => main = Some(l),
        }
        // Only to catch a repeat: the period's limit travels as `spend_limit_micros`.
        *entry = Some(None);
    }
    *slot(&mut update, period) = None;
    let Some(main) = main.map(Micros::get).or(of(current, period)) else {
        let name = wire_name(&period);
        bail!("there is no {name} limit to keep: give the AMOUNT per {name} as well");
    };
    let windows = (!windows.is_empty()).then_some(update);
    Ok(TierLimits { main, windows })
}

fn slot(
    update: &mut api::ChatUsageLimitWindowsUpdate,
    period: api::ChatUsageLimitPeriod,
) -> &mut Option<Option<i64>> {
    match period {
        api::ChatUsageLimitPeriod::Day => &mut update.day,
        api::ChatUsageLimitPeriod::Week => &mut update.week,
        api::ChatUsageLimitPeriod::Month => &mut update.month,
    }
}

/// A tier's limit at `period`.
pub fn of(windows: &api::ChatUsageLimitWindows, period: api::ChatUsageLimitPeriod) -> Option<i64> {
    match period {
        api::ChatUsageLimitPeriod::Day => windows.day,
        api::ChatUsageLimitPeriod::Week => windows.week,
        api::ChatUsageLimitPeriod::Month => windows.month,
    }
}

pub const PERIODS: [api::ChatUsageLimitPeriod; 3] = [
    api::ChatUsageLimitPeriod::Day,
    api::ChatUsageLimitPeriod::Week,
    api::ChatUsageLimitPeriod::Month,
];

/// `; also $5.00 per day and $20.00 per week`: the limits besides the deployment `period`'s
/// (empty when there are none), for the sentences that name the period's limit.
pub fn also(windows: &api::ChatUsageLimitWindows, period: api::ChatUsageLimitPeriod) -> String {
    let others: Vec<String> = PERIODS
        .into_iter()
        .filter(|p| *p != period)
        .filter_map(|p| of(windows, p).map(|l| format!("{} per {}", Micros::new(l), wire_name(&p))))
        .collect();
    if others.is_empty() { String::new() } else { format!("; also {}", others.join(" and ")) }
}

/// The DAY, WEEK and MONTH cells of a `limits show` row (`-` for none).
pub fn cells(windows: &api::ChatUsageLimitWindows) -> [String; 3] {
    PERIODS.map(|p| of(windows, p).map_or_else(|| "-".into(), |l| Micros::new(l).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::ChatUsageLimitPeriod::{Day, Month, Week};

    fn window(raw: &str) -> Result<WindowArg, String> {
        raw.parse()
    }

    fn limits(amount: Option<&str>, raw: &[&str], current: Option<i64>) -> Result<TierLimits> {
        let windows: Vec<WindowArg> = raw.iter().map(|r| window(r).expect(r)).collect();
        let current = api::ChatUsageLimitWindows { month: current, ..Default::default() };
        let amount = amount.map(|a| a.parse::<Amount>().expect(a));
        tier_limits(amount, &windows, Month, &current, "`tollgate limits disable`")
    }

    fn update(
        day: Option<Option<i64>>,
        week: Option<Option<i64>>,
    ) -> api::ChatUsageLimitWindowsUpdate {
        api::ChatUsageLimitWindowsUpdate { day, week, month: None }
    }

    #[test]
    fn windows_read_period_equals_amount_or_none() {
        assert_eq!(
            window("day=5"),
            Ok(WindowArg { period: Day, limit: Some(Micros::new(5_000_000)) })
        );
        assert_eq!(window("Week=none"), Ok(WindowArg { period: Week, limit: None }));
        assert_eq!(window("month=0.002").map(|w| w.limit), Ok(Some(Micros::new(2_000))));
        let err = window("year=5").expect_err("no year");
        assert_eq!(err, "\"year\" is not a period: write day, week or month");
        let err = window("day").expect_err("no amount");
        assert_eq!(err, "write PERIOD=AMOUNT, or PERIOD=none to remove the limit");
        // `day=$5` unquoted reaches us as `day=`: the amount's own hint explains.
        let err = window("day=").expect_err("empty");
        assert!(err.contains("hint: in a shell an unquoted `$`"), "{err}");
        assert!(window("day=0").is_err() && window("day=ten").is_err());
    }

    #[test]
    fn the_periods_limit_comes_from_the_amount_a_window_or_what_is_set() {
        let got = limits(Some("50"), &["day=5", "week=none"], None).expect("ok");
        assert_eq!(
            got,
            TierLimits {
                main: 50_000_000,
                windows: Some(update(Some(Some(5_000_000)), Some(None)))
            }
        );
        // The month window is the main limit; it is not repeated under `windows`.
        let got = limits(None, &["day=5", "month=50"], None).expect("ok");
        assert_eq!(
            got,
            TierLimits { main: 50_000_000, windows: Some(update(Some(Some(5_000_000)), None)) }
        );
        let got = limits(None, &["day=5"], Some(7_000_000)).expect("ok");
        assert_eq!(got.main, 7_000_000);
        let got = limits(Some("50"), &["month=50"], None).expect("agreeing twice is fine");
        assert_eq!(got, TierLimits { main: 50_000_000, windows: Some(update(None, None)) });
        assert_eq!(limits(Some("12.50"), &[], None).expect("ok").windows, None);
    }

    #[test]
    fn contradictions_and_gaps_are_refused_with_what_to_do() {
        let err = |amount, raw: &[&str], current| {
            limits(amount, raw, current).expect_err("refused").to_string()
        };
        assert_eq!(
            err(None, &["day=5"], None),
            "there is no month limit to keep: give the AMOUNT per month as well"
        );
        assert_eq!(
            err(Some("40"), &["month=50"], None),
            "AMOUNT ($40.00) and --window month=$50.00 both set the month limit: give one"
        );
        assert_eq!(err(None, &["day=5", "day=6"], None), "--window day is given twice");
        assert_eq!(err(None, &["month=50", "month=50"], None), "--window month is given twice");
        assert_eq!(
            err(None, &["month=none"], Some(1)),
            "month is the deployment's period: its limit can only go with `tollgate limits disable`"
        );
    }

    #[test]
    fn other_windows_read_as_an_addition_and_as_cells() {
        let w = api::ChatUsageLimitWindows {
            day: Some(5_000_000),
            week: Some(20_000_000),
            month: Some(50_000_000),
        };
        assert_eq!(also(&w, Month), "; also $5.00 per day and $20.00 per week");
        assert_eq!(
            also(&api::ChatUsageLimitWindows { month: Some(1), ..w }, Day),
            "; also $20.00 per week and $0.000001 per month"
        );
        assert_eq!(
            also(&api::ChatUsageLimitWindows { month: Some(1), ..Default::default() }, Month),
            ""
        );
        assert_eq!(
            cells(&api::ChatUsageLimitWindows { day: Some(5_000_000), ..Default::default() }),
            ["$5.00", "-", "-"]
        );
    }
}
