use tollgate_core::{Micros, Price, PriceError, Prices, TokenUsage, message_cost};

fn p(s: &str) -> Option<Price> {
    Some(s.parse().expect("price"))
}

fn usage(input: u64, output: u64, reasoning: u64, cache_read: u64, cache_write: u64) -> TokenUsage {
    TokenUsage { input, output, reasoning, cache_read, cache_write }
}

fn prices(input: &str, output: &str, cache_read: &str, cache_write: &str) -> Prices {
    let opt = |s: &str| if s.is_empty() { None } else { p(s) };
    Prices {
        input: opt(input),
        output: opt(output),
        cache_read: opt(cache_read),
        cache_write: opt(cache_write),
    }
}

/// spend-limits.md §6 conformance table.
#[test]
fn cost_matches_the_spec_table() {
    let table: [(Prices, TokenUsage, Option<i64>); 10] = [
        (prices("0.01", "", "", ""), usage(1, 0, 0, 0, 0), Some(1)),
        (prices("3", "", "", ""), usage(1000, 0, 0, 0, 0), Some(3000)),
        (prices("", "15", "", ""), usage(0, 500, 0, 0, 0), Some(7500)),
        (prices("", "15", "", ""), usage(0, 500, 200, 0, 0), Some(7500)),
        (prices("", "", "0.3", ""), usage(0, 0, 0, 10000, 0), Some(3000)),
        (prices("", "", "", "3.75"), usage(0, 0, 0, 0, 5000), Some(18750)),
        (prices("1.23", "4.56", "0.7", "7.89"), usage(101, 201, 0, 1005, 33), Some(2005)),
        (prices("2.5", "", "", ""), usage(1234, 99, 0, 7, 0), Some(3085)),
        (prices("3", "", "", ""), usage(0, 0, 0, 0, 0), Some(0)),
        (prices("3", "", "", ""), usage(0, 500, 0, 0, 0), None),
    ];
    for (i, (prices, usage, want)) in table.into_iter().enumerate() {
        let got = message_cost(Some(&prices), Some(&usage)).expect("in range");
        assert_eq!(got, want.map(Micros::new), "row {i}: {prices:?} {usage:?}");
    }
}

#[test]
fn no_prices_or_no_usage_is_unpriced() {
    let u = usage(1000, 1000, 0, 0, 0);
    assert_eq!(message_cost(None, Some(&u)), Ok(None));
    assert_eq!(message_cost(Some(&Prices::default()), Some(&u)), Ok(None));
    assert_eq!(message_cost(Some(&prices("3", "15", "", "")), None), Ok(None));
}

#[test]
fn the_ceiling_is_applied_once_to_the_total() {
    // 1 token at 0.4 and 1 at 0.4: 0.8 → 1, not ceil(0.4)+ceil(0.4) = 2.
    let got = message_cost(Some(&prices("0.4", "0.4", "", "")), Some(&usage(1, 1, 0, 0, 0)));
    assert_eq!(got, Ok(Some(Micros::new(1))));
}

#[test]
fn huge_usage_is_an_error_not_a_wrap() {
    let max = prices("1000000", "1000000", "1000000", "1000000");
    let u = usage(u64::MAX, u64::MAX, 0, u64::MAX, u64::MAX);
    assert!(message_cost(Some(&max), Some(&u)).is_err());
}

#[test]
fn prices_are_exact_non_negative_decimals() {
    assert_eq!("0.30".parse::<Price>().map(|p| p.to_string()), Ok("0.3".to_owned()));
    assert_eq!("1e-2".parse::<Price>().map(|p| p.to_string()), Ok("0.01".to_owned()));
    assert_eq!("-1".parse::<Price>(), Err(PriceError::Negative));
    assert_eq!("1000001".parse::<Price>(), Err(PriceError::TooLarge));
    assert!(matches!("abc".parse::<Price>(), Err(PriceError::Malformed(_))));
    assert!("-0".parse::<Price>().is_ok());
}

#[test]
fn a_model_needs_an_input_or_output_price_to_be_priced() {
    assert!(prices("3", "", "", "").is_priced());
    assert!(prices("", "15", "", "").is_priced());
    assert!(!prices("", "", "0.3", "3.75").is_priced());
}
