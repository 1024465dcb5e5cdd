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

mod reservations {
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;
    use tollgate_core::{
        Admission, Micros, Period, Reservation, RunBound, Window, admit_windows, day_of, days_of,
        progress, reserve, settle,
    };

    fn window(limit: i64, spent: i64, reserved: i64) -> Window {
        let now = Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).single().expect("time");
        Window {
            limit: Micros::new(limit),
            spent: Micros::new(spent),
            reserved: Micros::new(reserved),
            bounds: Period::Day.bounds(&now),
        }
    }

    /// Input bound 100 micros; output 10 micros per token; at most 50 tokens (ceiling 600).
    fn bound() -> RunBound {
        RunBound {
            input: Micros::new(100),
            output_price: Some(Decimal::from(10)),
            max_output_tokens: 50,
        }
    }

    fn reserve_of(amount: i64, tokens: u32) -> Reservation {
        Reservation::Reserve { amount: Micros::new(amount), max_output_tokens: tokens }
    }

    #[test]
    fn a_run_reserves_what_every_window_can_pay() {
        let resets_at = window(0, 0, 0).bounds.end;
        let refuse = |spent: i64, limit: i64| Reservation::Refuse {
            spent: Micros::new(spent),
            limit: Micros::new(limit),
            resets_at,
        };
        let wait = |spent: i64, limit: i64| Reservation::Wait {
            spent: Micros::new(spent),
            limit: Micros::new(limit),
            resets_at,
        };
        let cases: Vec<(Vec<Window>, Reservation)> = vec![
            // No limit: the run's ceiling.
            (vec![], reserve_of(600, 50)),
            // Plenty left: the ceiling.
            (vec![window(10_000, 0, 0)], reserve_of(600, 50)),
            (vec![window(1_000, 400, 0)], reserve_of(600, 50)),
            // Less than the ceiling left: the output is cut to what the rest pays for.
            (vec![window(1_000, 400, 100)], reserve_of(500, 40)),
            (vec![window(1_000, 0, 845)], reserve_of(150, 5)),
            // Exactly the input and one token: the smallest run.
            (vec![window(1_000, 890, 0)], reserve_of(110, 1)),
            // Less than that, settled: refused, with what is used and promised.
            (vec![window(1_000, 891, 0)], refuse(891, 1_000)),
            (vec![window(1_000, 891, 100)], refuse(991, 1_000)),
            (vec![window(1_000, 1_200, 0)], refuse(1_200, 1_000)),
            // Less than that only while runs in flight hold the rest: wait for them.
            (vec![window(1_000, 500, 500)], wait(1_000, 1_000)),
            (vec![window(1_000, 0, 995)], wait(995, 1_000)),
            // Several windows: the tightest decides.
            (vec![window(10_000, 0, 0), window(1_000, 400, 100)], reserve_of(500, 40)),
            (vec![window(1_000, 0, 0), window(100, 50, 0)], refuse(50, 100)),
            (vec![window(1_000, 0, 950), window(10_000, 0, 0)], wait(950, 1_000)),
        ];
        for (windows, want) in cases {
            assert_eq!(reserve(&windows, &bound()), Ok(want), "{windows:?}");
        }
    }

    #[test]
    fn unpriced_and_free_runs_reserve_nothing_and_are_not_refused() {
        let free = RunBound { input: Micros::ZERO, output_price: None, max_output_tokens: 64 };
        assert_eq!(reserve(&[window(10, 10, 0)], &free), Ok(reserve_of(0, 64)));
        let zero = RunBound { output_price: Some(Decimal::ZERO), ..free };
        assert_eq!(reserve(&[window(10, 50, 0)], &zero), Ok(reserve_of(0, 64)));
    }

    #[test]
    fn fractional_output_prices_round_the_cost_up() {
        // 0.4 micros per token: 7 tokens cost 3 (2.8 rounded up).
        let b = RunBound {
            input: Micros::new(1),
            output_price: Some(Decimal::new(4, 1)),
            max_output_tokens: 100,
        };
        assert_eq!(b.ceiling(), Ok(Micros::new(41)));
        // 4 left: 1 input, then 3 micros pay 7 tokens (ceil(7 × 0.4) = 3).
        assert_eq!(reserve(&[window(4, 0, 0)], &b), Ok(reserve_of(4, 7)));
    }

    #[test]
    fn the_bound_of_a_model() {
        use tollgate_core::{Price, Prices};
        let price = |s: &str| s.parse::<Price>().ok();
        let prices = Prices {
            input: price("3"),
            output: price("15"),
            cache_read: price("0.3"),
            cache_write: price("3.75"),
        };
        let b = RunBound::new(Some(&prices), 1_000, 2_000).expect("bound");
        // The dearest input price (a cache write) bounds the input.
        assert_eq!(b.input, Micros::new(3_750));
        assert_eq!(b.ceiling(), Ok(Micros::new(3_750 + 30_000)));
        let unpriced = RunBound::new(None, 1_000, 2_000).expect("bound");
        assert_eq!(unpriced.ceiling(), Ok(Micros::ZERO));
    }

    #[test]
    fn progress_counts_a_token_per_byte_up_to_what_was_asked() {
        let b = bound();
        assert_eq!(progress(&b, 0, 0, 50), Ok(Micros::new(100)));
        assert_eq!(progress(&b, 7, 0, 50), Ok(Micros::new(170)));
        assert_eq!(progress(&b, 7, 3, 50), Ok(Micros::new(200)), "with what may stream next");
        assert_eq!(progress(&b, 0, u32::MAX, 50), Ok(Micros::new(600)));
        assert_eq!(progress(&b, 10_000, 0, 50), Ok(Micros::new(600)));
        assert_eq!(progress(&b, 10_000, 5, 40), Ok(Micros::new(500)));
    }

    #[test]
    fn settling_records_the_real_cost_and_flags_overruns() {
        assert_eq!(
            settle(Micros::new(500), Some(Micros::new(420))),
            (Some(Micros::new(420)), false)
        );
        assert_eq!(
            settle(Micros::new(500), Some(Micros::new(501))),
            (Some(Micros::new(501)), true)
        );
        assert_eq!(settle(Micros::new(500), None), (None, false));
    }

    #[test]
    fn fast_admission_counts_reservations() {
        assert!(matches!(admit_windows(&[]), Ok(Admission::Unlimited)));
        assert!(matches!(admit_windows(&[window(1_000, 500, 499)]), Ok(Admission::Allowed { .. })));
        let blocked = admit_windows(&[window(1_000, 0, 0), window(1_000, 500, 500)]).expect("sum");
        assert!(matches!(blocked, Admission::Blocked { spent, .. } if spent == Micros::new(1_000)));
    }

    #[test]
    fn days_are_utc_and_windows_are_whole_days() {
        let t = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("time");
        assert_eq!(day_of(t(1970, 1, 1, 0)), 0);
        assert_eq!(day_of(t(1970, 1, 1, 23)), 0);
        assert_eq!(day_of(t(1969, 12, 31, 23)), -1);
        let june = Period::Month.bounds(&t(2025, 6, 15, 12));
        let (first, end) = days_of(june);
        assert_eq!(end - first, 30);
        assert_eq!(first, day_of(t(2025, 6, 1, 0)));
    }
}

#[test]
fn the_input_bound_covers_text_and_framing() {
    use tollgate_core::input_tokens_bound;
    assert_eq!(input_tokens_bound([]), 16);
    assert_eq!(input_tokens_bound([100, 0]), 16 + 100 + 8 + 8);
    assert_eq!(input_tokens_bound([usize::MAX]), u64::MAX, "saturates, never wraps");
}

#[test]
fn enforcement_modes_read_as_text() {
    use tollgate_core::Enforcement;
    assert_eq!("strict".parse::<Enforcement>(), Ok(Enforcement::Strict));
    assert_eq!("check".parse::<Enforcement>(), Ok(Enforcement::Check));
    assert!("loose".parse::<Enforcement>().is_err());
    assert_eq!(Enforcement::default(), Enforcement::Strict);
}
