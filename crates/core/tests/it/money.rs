use tollgate_core::{Micros, MicrosError};

#[test]
fn amounts_parse_as_dollars_or_micros() {
    let table = [
        ("$12.50", 12_500_000),
        ("12.5", 12_500_000),
        ("12", 12_000_000),
        (" $0.000001 ", 1),
        (".5", 500_000),
        ("12500000micros", 12_500_000),
        ("7 micros", 7),
        ("-$3", -3_000_000),
        ("0", 0),
        ("35", 35_000_000),
        ("35.5", 35_500_000),
        ("$35", 35_000_000),
        ("12.50", 12_500_000),
        ("0.002", 2_000),
        ("$0.002985", 2_985),
        ("0.000001", 1),
    ];
    for (input, micros) in table {
        assert_eq!(input.parse::<Micros>(), Ok(Micros::new(micros)), "{input}");
    }
}

#[test]
fn bad_amounts_say_what_is_wrong() {
    assert_eq!("".parse::<Micros>(), Err(MicrosError::Empty));
    for bad in ["abc", "$", "1.2.3", "12,50", "1e3", "$-1", "micros", "1.5micros", "."] {
        assert!(matches!(bad.parse::<Micros>(), Err(MicrosError::Malformed(_))), "{bad}");
    }
    assert!(matches!("0.0000001".parse::<Micros>(), Err(MicrosError::TooPrecise(_))));
    assert_eq!("9223372036855".parse::<Micros>(), Err(MicrosError::Overflow));
    assert_eq!("99999999999999999999micros".parse::<Micros>(), Err(MicrosError::Overflow));
}

#[test]
fn display_is_exact_with_cents_at_least() {
    let table = [
        (12_500_000, "$12.50"),
        (35_000_000, "$35.00"),
        (0, "$0.00"),
        (2_985, "$0.002985"),
        (2_000, "$0.002"),
        (4_999, "$0.004999"),
        (1, "$0.000001"),
        (10_000, "$0.01"),
        (1_234_567, "$1.234567"),
        (1_230_000, "$1.23"),
        (1_200_000, "$1.20"),
        (-2_500_000, "-$2.50"),
        (-1, "-$0.000001"),
        (i64::MAX, "$9223372036854.775807"),
        (i64::MIN, "-$9223372036854.775808"),
    ];
    for (micros, shown) in table {
        assert_eq!(Micros::new(micros).to_string(), shown);
    }
}

#[test]
fn too_many_decimals_name_the_smallest_unit() {
    let err = "0.0000001".parse::<Micros>().expect_err("seven decimals");
    assert_eq!(
        err.to_string(),
        "\"0.0000001\" has more than six decimal places; the smallest unit is one micro-dollar ($0.000001)"
    );
}

#[test]
fn arithmetic_is_checked() {
    assert_eq!(Micros::MAX.checked_add(Micros::new(1)), Err(MicrosError::Overflow));
    assert_eq!(Micros::new(i64::MIN).checked_sub(Micros::new(1)), Err(MicrosError::Overflow));
    assert_eq!(Micros::MAX.checked_mul(2), Err(MicrosError::Overflow));
    assert_eq!(Micros::checked_sum([Micros::MAX, Micros::new(1)]), Err(MicrosError::Overflow));
    assert_eq!(Micros::checked_sum([Micros::new(2), Micros::new(3)]), Ok(Micros::new(5)));
    assert_eq!(Micros::from_dollars(3), Ok(Micros::new(3_000_000)));
    assert_eq!(Micros::from_dollars(i64::MAX), Err(MicrosError::Overflow));
}

proptest::proptest! {
    #[test]
    fn micros_suffix_round_trips(m in 0i64..i64::MAX) {
        proptest::prop_assert_eq!(format!("{m}micros").parse::<Micros>(), Ok(Micros::new(m)));
    }

    /// What is shown is exactly what is stored: the text parses back to the same micros.
    #[test]
    fn display_parses_back_exactly(m in (i64::MIN + 1)..=i64::MAX) {
        let shown = Micros::new(m).to_string();
        proptest::prop_assert_eq!(shown.parse::<Micros>(), Ok(Micros::new(m)), "{}", shown);
    }
}

#[test]
fn display_honours_width_for_tables() {
    assert_eq!(format!("{:>8}", Micros::new(1_500_000)), "   $1.50");
    assert_eq!(format!("{:>10}", Micros::new(2_985)), " $0.002985");
}
