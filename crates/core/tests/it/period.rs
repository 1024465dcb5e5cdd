use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use tollgate_core::Period;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("valid time").with_timezone(&Utc)
}

/// spend-limits.md §4, row by row.
#[test]
fn period_bounds_match_the_spec_table() {
    let table = [
        (Period::Day, "2025-06-15T14:30:00Z", "2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z"),
        (Period::Day, "2025-06-15T00:00:00Z", "2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z"),
        (Period::Day, "2025-06-15T23:59:59Z", "2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z"),
        (Period::Week, "2025-06-11T10:00:00Z", "2025-06-09T00:00:00Z", "2025-06-16T00:00:00Z"),
        (Period::Week, "2025-06-09T00:00:00Z", "2025-06-09T00:00:00Z", "2025-06-16T00:00:00Z"),
        (Period::Week, "2025-06-15T23:00:00Z", "2025-06-09T00:00:00Z", "2025-06-16T00:00:00Z"),
        (Period::Week, "2024-12-31T12:00:00Z", "2024-12-30T00:00:00Z", "2025-01-06T00:00:00Z"),
        (Period::Month, "2025-06-15T12:00:00Z", "2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z"),
        (Period::Month, "2025-06-01T00:00:00Z", "2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z"),
        (Period::Month, "2025-06-30T23:59:59Z", "2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z"),
        (Period::Month, "2025-02-15T12:00:00Z", "2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"),
        (Period::Month, "2024-02-29T12:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
        (Period::Month, "2025-12-31T23:59:59Z", "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z"),
    ];
    for (period, now, start, end) in table {
        let bounds = period.bounds(&utc(now));
        assert_eq!((bounds.start, bounds.end), (utc(start), utc(end)), "{period} at {now}");
    }
}

/// 22:00 in New York on 15 June (EDT, UTC−4) is already 16 June in UTC.
#[test]
fn a_time_in_another_zone_is_converted_to_utc_first() {
    let new_york_summer = FixedOffset::west_opt(4 * 3600).expect("offset");
    let now = new_york_summer.with_ymd_and_hms(2025, 6, 15, 22, 0, 0).single().expect("time");
    let bounds = Period::Day.bounds(&now);
    assert_eq!(bounds.start, utc("2025-06-16T00:00:00Z"));
    assert_eq!(bounds.end, utc("2025-06-17T00:00:00Z"));
}

#[test]
fn periods_parse_and_print_their_wire_names() {
    for p in Period::ALL {
        assert_eq!(p.as_str().parse::<Period>(), Ok(p));
    }
    assert!("year".parse::<Period>().is_err());
    assert!("Day".parse::<Period>().is_err());
}

proptest::proptest! {
    /// Every instant lies inside its own period, and the next period starts where this one ends.
    #[test]
    fn now_is_inside_its_half_open_period(secs in 0i64..4_102_444_800) {
        let now = Utc.timestamp_opt(secs, 0).single().expect("time");
        for p in Period::ALL {
            let b = p.bounds(&now);
            proptest::prop_assert!(b.start <= now && now < b.end);
            proptest::prop_assert_eq!(p.bounds(&b.end).start, b.end);
        }
    }
}
