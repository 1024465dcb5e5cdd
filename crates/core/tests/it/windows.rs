//! Several windows at once (limits-plus §1, §2, §6): binding, refusals, candidates, forecast.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tollgate_core::{
    GroupPolicy, LimitConfig, LimitSource, Micros, Period, PeriodLimits, Reservation, RunBound,
    Window, WindowChanges, binding, candidates, forecast_exhaustion, refusing, reserve,
};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 11, 6, 0, 0).single().expect("time")
}

fn window(period: Period, limit: i64, spent: i64, reserved: i64) -> Window {
    Window {
        limit: Micros::new(limit),
        spent: Micros::new(spent),
        reserved: Micros::new(reserved),
        bounds: period.bounds(&now()),
    }
}

#[test]
fn the_binding_window_has_least_left_and_ties_go_to_the_shortest() {
    let day = window(Period::Day, 2, 1, 0);
    let month = window(Period::Month, 50, 10, 0);
    assert_eq!(binding(&[day, month]).unwrap(), Some(0));
    let month_tight = window(Period::Month, 50, 49, 0);
    assert_eq!(binding(&[window(Period::Day, 2, 0, 0), month_tight]).unwrap(), Some(1));
    assert_eq!(binding(&[window(Period::Day, 2, 1, 0), month_tight]).unwrap(), Some(0));
    assert_eq!(binding(&[]).unwrap(), None);
}

#[test]
fn a_reservation_fits_every_window_and_a_refusal_names_its_own() {
    let bound = RunBound { input: Micros::new(10), output_price: None, max_output_tokens: 100 };
    let day = window(Period::Day, 100, 95, 0);
    let month = window(Period::Month, 1000, 0, 0);
    let Reservation::Refuse { spent, limit, resets_at } = reserve(&[day, month], &bound).unwrap()
    else {
        panic!("the day window cannot pay");
    };
    assert_eq!(refusing(&[day, month], limit, spent, resets_at), Some(0));
    let month_full = window(Period::Month, 1000, 995, 0);
    let day_free = window(Period::Day, 100, 0, 0);
    let Reservation::Refuse { spent, limit, resets_at } =
        reserve(&[day_free, month_full], &bound).unwrap()
    else {
        panic!("the month window cannot pay");
    };
    assert_eq!(refusing(&[day_free, month_full], limit, spent, resets_at), Some(1));
}

#[test]
fn window_changes_keep_absent_keys_and_remove_nulls() {
    let current = PeriodLimits::default()
        .with(Period::Day, Some(Micros::new(1)))
        .with(Period::Week, Some(Micros::new(2)));
    let mut changes = WindowChanges::default();
    changes.set(Period::Week, Some(None));
    changes.set(Period::Month, Some(Some(Micros::new(3))));
    let after = changes.apply(current);
    assert_eq!(after.get(Period::Day), Some(Micros::new(1)));
    assert_eq!(after.get(Period::Week), None);
    assert_eq!(after.get(Period::Month), Some(Micros::new(3)));
}

#[test]
fn candidates_put_the_winner_first_in_policy_order() {
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let mut config = LimitConfig { enabled: true, ..LimitConfig::default() };
    let at = |m: i64| PeriodLimits::default().with(Period::Month, Some(Micros::new(m)));
    let groups = [(a, at(30)), (b, at(20))];
    let default = at(50);
    let got = candidates(&config, &default, None, &groups, Period::Month);
    let order: Vec<_> = got.iter().map(|c| (c.source, c.group_id)).collect();
    assert_eq!(
        order,
        [
            (LimitSource::Group, Some(b)),
            (LimitSource::Group, Some(a)),
            (LimitSource::Default, None)
        ]
    );
    config.group_policy = GroupPolicy::Highest;
    let got = candidates(&config, &default, Some(&at(5)), &groups, Period::Month);
    let order: Vec<_> = got.iter().map(|c| (c.source, c.group_id)).collect();
    assert_eq!(order[..2], [(LimitSource::User, None), (LimitSource::Group, Some(a))]);
    assert!(candidates(&config, &default, None, &groups, Period::Day).is_empty());
    config.enabled = false;
    assert!(candidates(&config, &default, None, &groups, Period::Month).is_empty());
}

#[test]
fn forecast_extrapolates_the_average_rate_since_the_start() {
    // 6 hours into the day, $1 of $2: gone at noon.
    let w = window(Period::Day, 2_000_000, 1_000_000, 0);
    assert_eq!(forecast_exhaustion(&w, now()), Some(w.bounds.start + Duration::hours(12)));
    // $1 of $5 would last 30 hours: not before the reset.
    assert_eq!(forecast_exhaustion(&window(Period::Day, 5_000_000, 1_000_000, 0), now()), None);
    assert_eq!(forecast_exhaustion(&window(Period::Day, 5, 0, 3), now()), None);
}
