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
