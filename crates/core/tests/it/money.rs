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
fn display_rounds_to_cents() {
    let table = [
        (12_500_000, "$12.50"),
        (0, "$0.00"),
        (4_999, "$0.00"),
        (5_000, "$0.01"),
        (1_234_567, "$1.23"),
        (-2_500_000, "-$2.50"),
        (i64::MAX, "$9223372036854.78"),
        (i64::MIN, "-$9223372036854.78"),
    ];
    for (micros, shown) in table {
        assert_eq!(Micros::new(micros).to_string(), shown);
    }
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
}

#[test]
fn display_honours_width_for_tables() {
    assert_eq!(format!("{:>8}", Micros::new(1_500_000)), "   $1.50");
}
