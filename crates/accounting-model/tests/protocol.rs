//! The model checks: the protocol holds every property over every interleaving of the bounded
//! world, and each broken variant is caught on the property it breaks.

use stateright::{Checker, HasDiscoveries, Model};
use std::collections::BTreeSet;
use std::time::Instant;
use tollgate_accounting_model::properties::{
    ABANDONED, ANSWERED, BILLED_COVERED, BILLED_WITHIN_LIMIT, LEDGER_WITHIN_LIMIT, NOTHING_LOST,
    ONE_ANSWER, REACHED, RERUN, SAFETY,
};
use tollgate_accounting_model::{AccountingModel, Action, Config, Faults, State, Variant};

/// Explores `config`'s world breadth first, to the end or until `stop_at` is discovered, and
/// returns the names of the properties with a discovery (a counterexample for `always`, an
/// example for `sometimes`). Prints the state counts and each counterexample.
fn check(config: Config, stop_at: Option<&'static str>) -> BTreeSet<&'static str> {
    let started = Instant::now();
    let mut builder = AccountingModel::new(config).checker().threads(2);
    if let Some(name) = stop_at {
        builder = builder.finish_when(HasDiscoveries::AnyOf([name].into()));
    }
    let checker = builder.spawn_bfs().join();
    println!(
        "{:?} ({} users × {} chats, {} replicas, {:?}): {} unique states, {} generated, \
         depth {}, {:.1?}",
        config.variant,
        config.users,
        config.chats_per_user,
        config.replicas,
        config.faults,
        checker.unique_state_count(),
        checker.state_count(),
        checker.max_depth(),
        started.elapsed()
    );
    let discoveries = checker.discoveries();
    for (name, path) in discoveries.iter().filter(|(name, _)| SAFETY.contains(name)) {
        println!("counterexample to {name:?}:");
        for (state, action) in path.clone().into_vec() {
            match action {
                Some(action) => println!("  {action:?}"),
                None => println!("  => {}", summary(&state)),
            }
        }
    }
    discoveries.keys().copied().collect()
}

fn summary(s: &State) -> String {
    format!(
        "billed {:?}, ledger {:?}, answers {:?}, reservations {:?}",
        s.billed, s.db.spent, s.db.answers, s.db.reservations
    )
}

fn holds_every_property(config: Config, reached: &[&str]) {
    let found = check(config, None);
    for name in SAFETY {
        assert!(!found.contains(name), "counterexample to {name:?}");
    }
    for name in reached {
        assert!(found.contains(name), "never reached: {name:?}");
    }
}

fn caught(variant: Variant, property: &'static str) {
    let found = check(Config::new(variant), Some(property));
    assert!(found.contains(property), "{variant:?} not caught on {property:?}");
}

#[test]
fn correct_protocol_holds_every_property() {
    holds_every_property(Config::new(Variant::Correct), &REACHED);
}

/// Two users share the replicas but not their limits; one crash (or shutdown) is enough to
/// take over, rerun and refuse, and keeps the product of the two users' runs small.
#[test]
fn correct_protocol_holds_for_two_users() {
    let config = Config {
        users: 2,
        chats_per_user: 1,
        faults: Faults { stops: 1, pauses: 0, outages: 0 },
        ..Config::new(Variant::Correct)
    };
    holds_every_property(config, &[ANSWERED, ABANDONED, RERUN]);
}

/// A sweeper whose clock runs ahead (or that acts on a stale list of expired leases, as
/// `Store::sweep` may) takes over runs still heartbeating: their answers are lost (rerun), but
/// the money is not. A pause adds nothing here (a sweep may come at any time, and a replica
/// that takes no step is an interleaving already), so the world has none.
#[test]
fn correct_protocol_holds_with_skewed_clocks() {
    let config = Config {
        skewed_clocks: true,
        faults: Faults { stops: 1, pauses: 0, outages: 1 },
        ..Config::new(Variant::Correct)
    };
    holds_every_property(config, &REACHED);
}

#[test]
fn settle_without_fencing_saves_a_second_answer() {
    caught(Variant::SettleWithoutFencing, ONE_ANSWER);
}

#[test]
fn sweep_at_zero_loses_billed_cost() {
    caught(Variant::SweepAtZero, NOTHING_LOST);
}

#[test]
fn sweep_at_zero_overspends() {
    caught(Variant::SweepAtZero, BILLED_WITHIN_LIMIT);
}

#[test]
fn no_lookahead_loses_billed_cost() {
    caught(Variant::NoLookahead, NOTHING_LOST);
}

/// Today's code streams on while its heartbeats cannot reach the database: a crash in the
/// outage leaves the cost streamed since the last recorded heartbeat out of the ledger.
#[test]
fn streaming_through_missed_beats_loses_billed_cost() {
    caught(Variant::StreamThroughMissedBeats, NOTHING_LOST);
}

/// The same, without a crash: an outage past the stale timeout, a sweep at the old progress,
/// the freed budget reserved again, and the late run's correction lands on top of it.
#[test]
fn streaming_through_missed_beats_overspends() {
    caught(Variant::StreamThroughMissedBeats, LEDGER_WITHIN_LIMIT);
}

#[test]
fn streaming_through_missed_beats_breaks_the_coverage_invariant() {
    caught(Variant::StreamThroughMissedBeats, BILLED_COVERED);
}

/// A replica that starts while the database is away cannot replay its journal nor take over
/// its leftovers (its own sweeper skips them). It claims nothing until it has, retries every
/// loop, and settles both once the database returns (found by this model: `recover` used to
/// run once, at start).
#[test]
fn a_restart_during_an_outage_settles_its_leftovers_when_the_database_returns() {
    let model = AccountingModel::new(Config { replicas: 1, ..Config::new(Variant::Correct) });
    let mut state = model.init_states().remove(0);
    let path = [
        Action::Claim { replica: 0, chat: 0 },
        Action::DbDown,
        Action::Finish { replica: 0, chat: 0, generation: 1 },
        Action::Shutdown(0),
        Action::Restart(0),
    ];
    for action in path {
        state = model.next_state(&state, action).expect("the step is enabled");
    }
    let mut actions = Vec::new();
    model.actions(&state, &mut actions);
    assert!(!actions.iter().any(|a| matches!(a, Action::Claim { .. })), "claims before recovering");
    state = model.next_state(&state, Action::DbUp).expect("the database returns");
    state = model.next_state(&state, Action::Recover(0)).expect("recover is retried");
    assert!(state.replicas[0].journal.is_empty(), "journal replayed: {state:?}");
    assert!(state.db.reservation(0, 1).is_none(), "leftover settled: {state:?}");
}

/// The overspend of today's code step by step, with no crash at all: an outage past the stale
/// timeout while a run streams on, a sweep at the progress recorded before it, the chat rerun
/// on the budget the sweep freed, and the late run's correction on top. The corrected
/// protocol cannot take the sixth step: the failed beat cancelled the stream.
#[test]
fn an_outage_past_the_stale_timeout_overspends_today_without_a_crash() {
    let a = |chat, generation| (0, chat, generation);
    let b = |chat, generation| (1, chat, generation);
    let stream = |(replica, chat, generation)| Action::Stream { replica, chat, generation };
    let beat = |(replica, chat, generation)| Action::Beat { replica, chat, generation };
    let finish = |(replica, chat, generation)| Action::Finish { replica, chat, generation };
    let path = [
        Action::Claim { replica: 0, chat: 0 }, // reserves 5 of 8, progress 3
        stream(a(0, 1)),
        Action::Claim { replica: 1, chat: 1 }, // reserves the 3 left
        Action::DbDown,
        beat(a(0, 1)),   // fails: today the stream goes on
        stream(a(0, 1)), // billed beyond the recorded progress
        Action::DbUp,
        Action::Sweep { replica: 1, chat: 0, generation: 1 }, // settles 3, requeues
        finish(b(1, 1)),
        Action::Claim { replica: 1, chat: 0 }, // the rerun reserves the 3 left
        beat(a(0, 1)),                         // fenced: the stream stops
        finish(a(0, 1)),                       // its answer dropped, its 1 more recorded
        stream(b(0, 3)),
        finish(b(0, 3)),
    ];
    let today = AccountingModel::new(Config::new(Variant::StreamThroughMissedBeats));
    let mut state = today.init_states().remove(0);
    for action in path {
        let mut enabled = Vec::new();
        today.actions(&state, &mut enabled);
        assert!(enabled.contains(&action), "{action:?} is not enabled in {state:?}");
        state = today.next_state(&state, action).expect("the step changes the state");
    }
    println!("{}", summary(&state));
    assert_eq!((state.billed[0], state.db.spent[0], state.db.answers[0]), (9, 9, 1));

    let fixed = AccountingModel::new(Config::new(Variant::Correct));
    let mut state = fixed.init_states().remove(0);
    for action in &path[..5] {
        state = fixed.next_state(&state, *action).expect("the step changes the state");
    }
    let mut enabled = Vec::new();
    fixed.actions(&state, &mut enabled);
    assert!(!enabled.contains(&path[5]), "the stream went on after a failed beat");
}
