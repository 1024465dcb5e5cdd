use chrono::{TimeZone, Utc};
use tollgate_core::{Admission, EffectiveLimit, LimitSource, Micros, Period, admit};

fn limit(micros: Option<i64>) -> EffectiveLimit {
    EffectiveLimit {
        source: if micros.is_some() { LimitSource::Default } else { LimitSource::Disabled },
        limit: micros.map(Micros::new),
        group_id: None,
        period: Period::Month,
    }
}

#[test]
fn reaching_the_limit_exactly_blocks() {
    let now = Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).single().expect("time");
    let bounds = Period::Month.bounds(&now);
    let l = limit(Some(100));
    assert!(!admit(&l, Micros::new(99), bounds).is_blocked());
    assert_eq!(
        admit(&l, Micros::new(100), bounds),
        Admission::Blocked {
            spent: Micros::new(100),
            limit: Micros::new(100),
            resets_at: bounds.end
        }
    );
    assert!(admit(&l, Micros::new(101), bounds).is_blocked());
    assert_eq!(admit(&limit(None), Micros::MAX, bounds), Admission::Unlimited);
}

#[test]
fn stored_amounts_follow_their_rules() {
    use tollgate_core::{Rule, stored_amount, stored_limit, stored_tokens};
    assert_eq!(stored_limit(Micros::new(1)), Ok(1));
    assert_eq!(stored_limit(Micros::ZERO), Err(Rule::LimitNotPositive));
    assert_eq!(stored_limit(Micros::new(-5)), Err(Rule::LimitNotPositive));
    assert_eq!(stored_amount(Micros::ZERO), Ok(0));
    assert_eq!(stored_amount(Micros::new(-1)), Err(Rule::NegativeAmount));
    assert_eq!(stored_tokens(u64::try_from(i64::MAX).unwrap()), Ok(i64::MAX));
    assert_eq!(stored_tokens(u64::MAX), Err(Rule::TokenCountOutOfRange));
}

#[test]
fn totals_are_put_back_together_or_overflow() {
    use tollgate_core::total_from_parts;
    let cases: &[(i64, i64, Option<i64>)] = &[
        (0, 0, Some(0)),
        (12, 500_000, Some(12_500_000)),
        // The leftover micros of many rows can exceed a dollar.
        (3, 2_999_997, Some(5_999_997)),
        (i64::MAX / 1_000_000, i64::MAX % 1_000_000, Some(i64::MAX)),
        (i64::MAX / 1_000_000, i64::MAX % 1_000_000 + 1, None),
        (i64::MAX / 1_000_000 + 1, 0, None),
    ];
    for &(dollars, micros, want) in cases {
        let got = total_from_parts(dollars, micros).ok().map(Micros::get);
        assert_eq!(got, want, "{dollars} dollars + {micros} micros");
    }
}

#[test]
fn standing_admits_like_admit() {
    use tollgate_core::Standing;
    let now = Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).single().expect("time");
    let bounds = Period::Month.bounds(&now);
    let s = Standing { limit: limit(Some(10)), bounds, spent: Micros::new(10) };
    assert!(s.admission().is_blocked());
    let s = Standing { spent: Micros::new(9), ..s };
    assert_eq!(s.admission(), Admission::Allowed { spent: Micros::new(9), limit: Micros::new(10) });
}
