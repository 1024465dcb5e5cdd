//! Strict enforcement (accounting.md §3–§7): reservations taken with the claim, settled into the
//! ledger and its day counters, swept when a holder stops, checked by `verify_ledger`.

use crate::chat_fixtures::*;
use crate::fixtures::*;
use chrono::Duration;
use std::sync::Arc;
use tollgate_core::{
    Enforcement, GroupPolicy, LimitConfig, Micros, Period, RunOutcome, SpendScope, WindowChanges,
};
use tollgate_store::testing::{TestDb, by};
use tollgate_store::*;
use uuid::Uuid;

fn minute(i: i64) -> Time {
    june(10) + Duration::minutes(i)
}

fn strict() -> ClaimPolicy {
    ClaimPolicy { enforcement: Enforcement::Strict, ..check_policy() }
}

/// A world whose model costs 10 micros per input token and 100 per output token, with a
/// deployment default limit of `limit` micros a month.
async fn priced_world(store: &Store, limit: i64) -> World {
    let mut w = world(store).await;
    let model = new_model("priced", Some(prices("10", "100")));
    w.model = store.insert_model_config(model, true).await.unwrap();
    let config = LimitConfig {
        enabled: true,
        default_limit: Micros::new(limit),
        period: Period::Month,
        group_policy: GroupPolicy::Lowest,
    };
    store.update_limit_config(config, &tollgate_store::testing::by(june(1))).await.unwrap();
    w
}

async fn claim_strict(store: &Store, worker: &str, at: Time) -> Option<Claimed> {
    store.claim_chat(worker, at, &strict()).await.unwrap()
}

fn run_of(claimed: Option<Claimed>) -> Claim {
    match claimed {
        Some(Claimed::Run(claim)) => *claim,
        other => panic!("expected a run, got {other:?}"),
    }
}

async fn standing(store: &Store, w: &World, at: Time) -> tollgate_core::Window {
    store.limit_standing(w.user, Some(w.org), at).await.unwrap().expect("limited").window
}

/// "hi" is 29 bytes of stored content: 16 + 29 + 8 = 53 input tokens, 530 micros.
const INPUT_BOUND: i64 = 530;

async fn a_claim_reserves_what_the_limit_can_pay(store: &Store) {
    let w = priced_world(store, 10_000).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    let run = run_of(claim_strict(store, "w1", minute(0)).await);
    let grant = run.grant.expect("strict claims reserve");
    // 10 000 left: the input bound, then 94 output tokens (9 400 micros).
    assert_eq!((grant.amount, grant.max_output_tokens), (Micros::new(INPUT_BOUND + 9_400), 94));
    assert_eq!(grant.bound.input, Micros::new(INPUT_BOUND));
    let s = standing(store, &w, minute(1)).await;
    assert_eq!((s.spent, s.reserved), (Micros::ZERO, grant.amount));
    // The run costs less than it reserved: the rest is released, the cost is settled.
    let reply = NewChatMessage {
        model_config_id: Some(w.model.id),
        ..answer(chat.id, Some(2_000), minute(1))
    };
    let done = finish(store, &run, Some(reply), RunOutcome::Succeeded, minute(1)).await.unwrap();
    assert_eq!(done.recorded, Micros::new(2_000));
    let s = standing(store, &w, minute(2)).await;
    assert_eq!((s.spent, s.reserved), (Micros::new(2_000), Micros::ZERO));
    let report = store.verify_ledger(false, minute(2)).await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
}

/// A run stopped before its provider reported usage (an interrupt): its answer costs what its
/// last heartbeat recorded, flagged estimated — never nothing, since the provider billed it.
async fn an_answer_without_usage_costs_its_recorded_progress(store: &Store) {
    let w = priced_world(store, 100_000).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    let run = run_of(claim_strict(store, "w1", minute(0)).await);
    let progress = Micros::new(INPUT_BOUND + 700);
    assert!(
        store.heartbeat(chat.id, &run.run, minute(1), minute(2), Some(progress)).await.unwrap()
    );
    let cut = NewChatMessage {
        model_config_id: Some(w.model.id),
        usage: None,
        ..answer(chat.id, None, minute(1))
    };
    let done = finish(store, &run, Some(cut), RunOutcome::Succeeded, minute(1)).await.unwrap();
    assert_eq!(done.recorded, progress);
    assert_eq!(done.message.expect("saved").total_cost, Some(progress));
    let s = standing(store, &w, minute(2)).await;
    assert_eq!((s.spent, s.reserved), (progress, Micros::ZERO));
}

async fn a_run_the_limit_cannot_pay_does_not_start(store: &Store) {
    let w = priced_world(store, 600).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    // 600 left: the input bound (530) and one token (100) do not fit.
    let Some(Claimed::Refused(refused)) = claim_strict(store, "w1", minute(0)).await else {
        panic!("refused")
    };
    assert_eq!(refused.id, chat.id);
    assert_eq!(
        (refused.status, refused.last_error.as_deref()),
        (ChatStatus::Error, Some("Chat usage limit exceeded."))
    );
    let refusal = refused.limit_refusal.expect("the figures of the refusal");
    assert_eq!((refusal.spent, refusal.limit), (Micros::ZERO, Micros::new(600)));
    assert_eq!(refusal.resets_at, june_bounds().end);
    let s = standing(store, &w, minute(1)).await;
    assert_eq!((s.spent, s.reserved), (Micros::ZERO, Micros::ZERO), "nothing billed or held");
    // Sending again clears the refusal once it is answered.
    store.send_message(chat.id, user_msg(&w, "again", minute(2))).await.unwrap();
    assert_eq!(store.get_chat(chat.id).await.unwrap().expect("chat").limit_refusal, None);
}

/// limits-plus §1: a day window under a generous month binds the reservation, and its refusal
/// names it.
async fn a_claim_fits_every_window_and_a_refusal_names_its_period(store: &Store) {
    let w = priced_world(store, 1_000_000).await;
    let mut day = WindowChanges::default();
    day.set(Period::Day, Some(Some(Micros::new(10_000))));
    store
        .upsert_user_limit_windows(w.user, Micros::new(1_000_000), day, &by(june(1)))
        .await
        .unwrap();
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    let run = run_of(claim_strict(store, "w1", minute(0)).await);
    let grant = run.grant.expect("strict claims reserve");
    assert_eq!(grant.amount, Micros::new(INPUT_BOUND + 9_400), "the day window pays at most");
    let reply = NewChatMessage {
        model_config_id: Some(w.model.id),
        ..answer(chat.id, Some(9_500), minute(1))
    };
    finish(store, &run, Some(reply), RunOutcome::Succeeded, minute(1)).await.unwrap();
    pending_chat(store, &w, "hi", minute(2)).await;
    let Some(Claimed::Refused(refused)) = claim_strict(store, "w1", minute(3)).await else {
        panic!("refused by the day window")
    };
    let refusal = refused.limit_refusal.expect("the figures of the refusal");
    assert_eq!(refusal.period, Some(Period::Day));
    assert_eq!((refusal.spent, refusal.limit), (Micros::new(9_500), Micros::new(10_000)));
    assert_eq!(refusal.resets_at, Period::Day.bounds(&minute(3)).end);
}

async fn queued_work_is_checked_when_it_runs(store: &Store) {
    // Room for one run: the second, waiting in the queue, is refused when promoted.
    let w = priced_world(store, 3_000).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    let run = run_of(claim_strict(store, "w1", minute(0)).await);
    store.send_message(chat.id, user_msg(&w, "more", minute(1))).await.unwrap();
    let reply = NewChatMessage {
        model_config_id: Some(w.model.id),
        ..answer(chat.id, Some(2_500), minute(2))
    };
    let done = finish(store, &run, Some(reply), RunOutcome::Succeeded, minute(2)).await.unwrap();
    assert_eq!(done.chat.status, ChatStatus::Pending, "the queue head was promoted");
    assert!(matches!(claim_strict(store, "w1", minute(3)).await, Some(Claimed::Refused(_))));
    let s = standing(store, &w, minute(4)).await;
    assert!(s.spent <= s.limit, "{s:?}");
}

async fn a_run_waits_for_the_runs_in_flight(store: &Store) {
    let w = priced_world(store, 10_000).await;
    let first = pending_chat(store, &w, "hi", june(2)).await;
    let second = pending_chat(store, &w, "hi", june(3)).await;
    let run = run_of(claim_strict(store, "w1", minute(0)).await);
    assert_eq!(run.chat.id, first.id);
    // What the first run holds leaves 70: too little now, enough once it settles.
    assert!(claim_strict(store, "w1", minute(1)).await.is_none());
    assert_eq!(status(store, second.id).await, ChatStatus::Pending, "waiting, not refused");
    let reply = NewChatMessage {
        model_config_id: Some(w.model.id),
        ..answer(first.id, Some(2_000), minute(2))
    };
    finish(store, &run, Some(reply), RunOutcome::Succeeded, minute(2)).await.unwrap();
    let next = run_of(claim_strict(store, "w1", minute(3)).await);
    assert_eq!(next.chat.id, second.id);
    assert_eq!(next.grant.expect("grant").amount, Micros::new(INPUT_BOUND + 7_400));
}

/// Twelve chats of one user, two replicas claiming at once: the reservations never add up to
/// more than the limit, and every chat either runs or is refused.
async fn concurrent_claims_never_reserve_beyond_the_limit(db: &TestDb) {
    claims_race(db, 25_000, None).await;
}

/// limits-plus §1: the same race held by a day window under a generous month.
async fn concurrent_claims_never_reserve_beyond_the_day_window(db: &TestDb) {
    claims_race(db, 1_000_000, Some(25_000)).await;
}

/// The race, with a month limit and an optional day window; the tighter is 25 000.
async fn claims_race(db: &TestDb, month: i64, day: Option<i64>) {
    let replica_b = Arc::new(Store::connect(&db.url).await.expect("second replica"));
    let replicas: [Arc<Store>; 2] = [db.store.clone(), replica_b];
    let w = priced_world(&replicas[0], month).await;
    if let Some(day) = day {
        let mut changes = WindowChanges::default();
        changes.set(Period::Day, Some(Some(Micros::new(day))));
        let store = &replicas[0];
        store
            .upsert_user_limit_windows(w.user, Micros::new(month), changes, &by(june(1)))
            .await
            .unwrap();
    }
    for i in 0..12 {
        pending_chat(&replicas[0], &w, "hi", june(2) + Duration::seconds(i)).await;
    }
    let tasks: Vec<_> = (0..6)
        .map(|n| {
            let store = replicas[n % 2].clone();
            tokio::spawn(async move {
                let (mut granted, mut refused) = (Micros::ZERO, 0);
                while let Some(claimed) =
                    store.claim_chat(&format!("w{n}"), minute(0), &strict()).await.expect("claim")
                {
                    match claimed {
                        Claimed::Run(c) => {
                            granted =
                                granted.checked_add(c.grant.expect("grant").amount).expect("sum")
                        }
                        Claimed::Refused(_) => refused += 1,
                    }
                }
                (granted, refused)
            })
        })
        .collect();
    let (mut granted, mut refused) = (Micros::ZERO, 0);
    for t in tasks {
        let (g, r) = t.await.expect("task");
        granted = granted.checked_add(g).expect("sum");
        refused += r;
    }
    assert!(granted <= Micros::new(25_000), "reserved {granted:?}");
    assert_eq!(refused, 0, "what in-flight runs hold only makes the others wait");
    let pending = (0..12).len() - usize::try_from(granted.get() / 9_930).unwrap_or(0);
    assert!(pending > 0, "some chats wait for the runs in flight");
    let s = standing(&replicas[0], &w, minute(1)).await;
    assert_eq!(s.reserved, granted, "every grant is held");
}

async fn a_swept_run_is_settled_at_its_progress_and_requeued(store: &Store) {
    let w = priced_world(store, 100_000).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    let run = run_of(claim_strict(store, "w1", minute(0)).await);
    let grant = run.grant.expect("grant");
    assert!(
        store
            .heartbeat(chat.id, &run.run, minute(0), minute(1), Some(Micros::new(1_234)))
            .await
            .unwrap()
    );
    assert_eq!(grant.amount, Micros::new(INPUT_BOUND + 99_400), "plenty left: the ceiling");
    // Its holder stops: its lease (minute 1) ends, another replica sweeps it.
    let sweep = store.sweep(minute(2), minute(2), Some("w2")).await.unwrap();
    assert_eq!((sweep.settled, sweep.requeued, sweep.recorded), (1, 1, Micros::new(1_234)));
    assert_eq!(status(store, chat.id).await, ChatStatus::Pending);
    let s = standing(store, &w, minute(3)).await;
    assert_eq!((s.spent, s.reserved), (Micros::new(1_234), Micros::ZERO), "never simply released");
    // The paused run comes back with its real cost: only what it adds to the estimate is
    // recorded, and its stale answer is not saved.
    let late = NewChatMessage {
        model_config_id: Some(w.model.id),
        ..answer(chat.id, Some(1_500), minute(4))
    };
    let done = finish(store, &run, Some(late), RunOutcome::Succeeded, minute(4)).await.unwrap();
    assert_eq!((done.message, done.recorded), (None, Micros::new(266)));
    assert_eq!(standing(store, &w, minute(5)).await.spent, Micros::new(1_500));
    assert!(store.verify_ledger(false, minute(5)).await.unwrap().is_consistent());
}

async fn the_sweeper_leaves_its_own_runs_alone(store: &Store) {
    let w = priced_world(store, 100_000).await;
    pending_chat(store, &w, "hi", june(2)).await;
    run_of(claim_strict(store, "me", minute(0)).await);
    let sweep = store.sweep(minute(5), minute(5), Some("me")).await.unwrap();
    assert_eq!(sweep, Sweep::default(), "a run in flight here is not swept here");
    // At the next start, the same replica takes over what it left behind.
    let taken = store.take_over("me", minute(6)).await.unwrap();
    assert_eq!((taken.settled, taken.requeued), (1, 1));
    assert_eq!(taken.recorded, Micros::new(INPUT_BOUND), "the input was billed");
}

/// A run cut off before its first heartbeat is settled at what it may have streamed by then:
/// the input bound and the lookahead's output (100 micros a token).
async fn a_run_cut_off_before_its_first_heartbeat_pays_its_lookahead(store: &Store) {
    let w = priced_world(store, 100_000).await;
    pending_chat(store, &w, "hi", june(2)).await;
    let policy = ClaimPolicy { lookahead_tokens: 7, ..strict() };
    run_of(store.claim_chat("gone", minute(0), &policy).await.unwrap());
    let taken = store.take_over("gone", minute(1)).await.unwrap();
    assert_eq!(taken.recorded, Micros::new(INPUT_BOUND + 700));
    assert!(store.verify_ledger(false, minute(2)).await.unwrap().is_consistent());
}

async fn title_calls_reserve_and_settle(store: &Store) {
    let w = priced_world(store, 5_000).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    let spec = CallSpec {
        key_limit: None,
        user_id: w.user,
        organization_id: w.org,
        source: CostSource::Title,
        chat_id: Some(chat.id),
        api_key_id: None,
        model_config_id: Some(w.model.id),
        prices: w.model.prices,
        input_tokens: 100,
        max_output_tokens: 32,
        lookahead_tokens: 0,
        holder: "w1".into(),
        lease_until: minute(1),
        at: minute(0),
        enforcement: Enforcement::Strict,
    };
    let grant = store.reserve_call(&spec).await.unwrap().expect("granted");
    // 5 000 left: 1 000 of input, then 40 tokens would cost 4 000 but only 32 are asked for.
    assert_eq!((grant.amount, grant.max_output_tokens), (Micros::new(4_200), 32));
    let call = answer(chat.id, Some(4_300), minute(0));
    let (_, recorded) =
        store.record_title(chat.id, "A title", call, Some(grant.reservation_id)).await.unwrap();
    assert_eq!(recorded, Micros::new(4_300), "an overrun is recorded at its real cost");
    // Nothing is left for another call.
    let refused = store.reserve_call(&CallSpec { at: minute(1), ..spec }).await.unwrap();
    assert!(matches!(refused, Err(r) if r.spent == Micros::new(4_300)), "{refused:?}");
}

async fn verify_ledger_finds_and_repairs_a_corrupted_counter(db: &TestDb) {
    let store = &db.store;
    let w = priced_world(store, 100_000).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    store.append_chat_message(answer(chat.id, Some(700), june(3))).await.unwrap();
    assert!(store.verify_ledger(false, june(4)).await.unwrap().is_consistent());
    db.execute("UPDATE spend_counters SET spent_micros = spent_micros + 5").await;
    let report = store.verify_ledger(false, june(4)).await.unwrap();
    assert_eq!(report.counter_mismatches.len(), 1, "{report:?}");
    let m = &report.counter_mismatches[0];
    assert_eq!((m.counter, m.ledger, m.user_id), (Micros::new(705), Micros::new(700), w.user));
    let repaired = store.verify_ledger(true, june(4)).await.unwrap();
    assert!(repaired.repaired);
    assert!(store.verify_ledger(false, june(4)).await.unwrap().is_consistent());
    let spent =
        store.window_spend(w.user, SpendScope::AllOrganizations, june_bounds()).await.unwrap();
    assert_eq!(spent, Micros::new(700));
}

/// An API key's day counter (its cap's window) is checked and repaired like a user's.
async fn verify_ledger_finds_and_repairs_a_corrupted_key_counter(db: &TestDb) {
    let store = &db.store;
    let w = priced_world(store, 100_000).await;
    let entry = LedgerEntry {
        user_id: w.user,
        organization_id: w.org,
        source: CostSource::Gateway,
        chat_id: None,
        message_id: None,
        api_key_id: Some("key-1".into()),
        model_config_id: Some(w.model.id),
        usage: None,
        cost: Some(Micros::new(900)),
        estimated: false,
        overrun: false,
        reservation_id: None,
        created_at: june(3),
    };
    store.settle_call(entry).await.unwrap();
    let report = store.verify_ledger(false, june(4)).await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
    assert_eq!(report.counters_checked, 2, "the user's counter and the key's");
    db.execute("UPDATE spend_key_counters SET spent_micros = 1").await;
    let report = store.verify_ledger(false, june(4)).await.unwrap();
    assert!(report.counter_mismatches.is_empty(), "{report:?}");
    let m = &report.key_counter_mismatches[..];
    assert_eq!(m.len(), 1, "{report:?}");
    assert_eq!(
        (m[0].api_key_id.as_str(), m[0].counter, m[0].ledger),
        ("key-1", Micros::new(1), Micros::new(900))
    );
    assert!(store.verify_ledger(true, june(4)).await.unwrap().repaired);
    assert!(store.verify_ledger(false, june(4)).await.unwrap().is_consistent());
}

async fn verify_ledger_settles_an_orphan_reservation(store: &Store) {
    let w = priced_world(store, 100_000).await;
    pending_chat(store, &w, "hi", june(2)).await;
    run_of(claim_strict(store, "gone", minute(0)).await);
    assert!(store.verify_ledger(false, minute(0)).await.unwrap().is_consistent(), "a live lease");
    let report = store.verify_ledger(true, minute(5)).await.unwrap();
    assert_eq!(report.orphan_reservations.len(), 1);
    assert_eq!(report.orphan_reservations[0].why, "lease expired");
    assert_eq!(standing(store, &w, minute(5)).await.spent, Micros::new(INPUT_BOUND));
    assert!(store.verify_ledger(false, minute(5)).await.unwrap().is_consistent());
}

async fn counters_agree_with_coders_sum(store: &Store) {
    let w = priced_world(store, 100_000).await;
    let chat = pending_chat(store, &w, "hi", june(2)).await;
    for (day, micros) in [(3, 10), (3, 20), (20, 40)] {
        store.append_chat_message(answer(chat.id, Some(micros), june(day))).await.unwrap();
    }
    let scope = SpendScope::AllOrganizations;
    let coder = store.spend(w.user, scope, june_bounds()).await.unwrap();
    let counters = store.window_spend(w.user, scope, june_bounds()).await.unwrap();
    assert_eq!((coder, counters), (Micros::new(70), Micros::new(70)));
    let other = Uuid::new_v4();
    assert_eq!(
        store.window_spend(w.user, SpendScope::Organization(other), june_bounds()).await.unwrap(),
        Micros::ZERO
    );
}

conformance!(
    a_claim_reserves_what_the_limit_can_pay,
    a_run_the_limit_cannot_pay_does_not_start,
    a_claim_fits_every_window_and_a_refusal_names_its_period,
    queued_work_is_checked_when_it_runs,
    a_run_waits_for_the_runs_in_flight,
    a_swept_run_is_settled_at_its_progress_and_requeued,
    the_sweeper_leaves_its_own_runs_alone,
    a_run_cut_off_before_its_first_heartbeat_pays_its_lookahead,
    an_answer_without_usage_costs_its_recorded_progress,
    title_calls_reserve_and_settle,
    verify_ledger_settles_an_orphan_reservation,
    counters_agree_with_coders_sum;
    db: concurrent_claims_never_reserve_beyond_the_limit,
    concurrent_claims_never_reserve_beyond_the_day_window,
    verify_ledger_finds_and_repairs_a_corrupted_counter,
    verify_ledger_finds_and_repairs_a_corrupted_key_counter,
);
