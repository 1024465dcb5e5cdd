//! Explores one world of the correct protocol and prints its size and what it discovered, to
//! measure how a bound changes the search:
//!
//! `cargo run -p tollgate-accounting-model --example explore -- USERS CHATS STOPS PAUSES OUTAGES [skew]`
//!
//! with `MAXOUT`, `LIMIT` and `REPLICAS` in the environment to change those too. The search
//! gives up after two minutes.

use stateright::{Checker, Model};
use std::time::{Duration, Instant};
use tollgate_accounting_model::{AccountingModel, Config, Faults, Variant};

fn main() {
    let args: Vec<u8> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let mut config = Config::new(Variant::Correct);
    if let [users, chats, stops, pauses, outages, ..] = args[..] {
        config.users = users;
        config.chats_per_user = chats;
        config.faults = Faults { stops, pauses, outages };
    }
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u8>().ok());
    config.max_output_tokens = env("MAXOUT").unwrap_or(config.max_output_tokens);
    config.limit = env("LIMIT").unwrap_or(config.limit);
    config.replicas = env("REPLICAS").unwrap_or(config.replicas);
    config.skewed_clocks = std::env::args().any(|a| a == "skew");
    let started = Instant::now();
    let checker = AccountingModel::new(config)
        .checker()
        .threads(2)
        .timeout(Duration::from_secs(120))
        .spawn_bfs()
        .join();
    println!(
        "{} unique states, {} generated, depth {}, {:.1?}",
        checker.unique_state_count(),
        checker.state_count(),
        checker.max_depth(),
        started.elapsed()
    );
    for name in checker.discoveries().keys() {
        println!("discovered: {name}");
    }
}
