//! The daemon's side: claim, heartbeat, stale requeue, finish_run, and replicas racing to claim.

use crate::chat_fixtures::*;
use crate::fixtures::*;
use chrono::Duration;
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_core::{Micros, SpendScope};
use tollgate_store::testing::TestDb;
use tollgate_store::*;
use uuid::Uuid;

fn minute(i: i64) -> Time {
    june(10) + Duration::minutes(i)
}

async fn claim_oldest_pending_first(store: &Store) {
    let w = world(store).await;
    assert!(claim(store, "w1", minute(0)).await.is_none());
    let idle = answered_chat(store, &w, june(2)).await;
    let newer = pending_chat(store, &w, "newer", june(5)).await;
    let older = pending_chat(store, &w, "older", june(4)).await;
    let first = claim(store, "w1", minute(1)).await.expect("a pending chat").chat;
    assert_eq!(first.id, older.id);
    assert_eq!(first.status, ChatStatus::Running);
    assert_eq!((first.worker_id.as_deref(), first.heartbeat_at), (Some("w1"), Some(minute(1))));
    let second = claim(store, "w2", minute(1)).await.expect("another");
    assert_eq!((second.chat.id, second.chat.worker_id.as_deref()), (newer.id, Some("w2")));
    assert_eq!(second.history.iter().map(message_text).collect::<Vec<_>>(), ["newer"]);
    assert!(claim(store, "w3", minute(1)).await.is_none(), "only pending chats");
    assert_eq!(status(store, idle.id).await, ChatStatus::Waiting);
}

async fn each_claim_is_a_new_generation(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "q", june(2)).await;
    let first = claim(store, "w1", minute(0)).await.expect("claimed");
    assert_eq!((first.run.generation, first.chat.generation), (1, 1));
    store.sweep(minute(5), minute(5), None).await.unwrap();
    assert_eq!(
        store.get_chat(chat.id).await.unwrap().expect("chat").generation,
        2,
        "a takeover voids the claim"
    );
    let second = claim(store, "w1", minute(6)).await.expect("claimed again");
    assert_eq!((second.run.generation, status(store, chat.id).await), (3, ChatStatus::Running));
    assert!(
        !store.heartbeat(chat.id, &first.run, minute(7), minute(8), None).await.unwrap(),
        "the old claim is fenced"
    );
    assert!(store.heartbeat(chat.id, &second.run, minute(7), minute(8), None).await.unwrap());
}

async fn heartbeat_and_stale_requeue(store: &Store) {
    let w = world(store).await;
    let a = pending_chat(store, &w, "a", june(2)).await;
    let b = pending_chat(store, &w, "b", june(3)).await;
    // Both claims hold their runs until a lease of 30 s runs out.
    let on_a = claim(store, "w1", minute(0)).await.expect("a");
    let on_b = claim(store, "w2", minute(0)).await.expect("b");
    assert!(store.heartbeat(a.id, &on_a.run, minute(5), minute(6), None).await.unwrap());
    assert!(
        !store.heartbeat(a.id, &on_b.run, minute(5), minute(6), None).await.unwrap(),
        "not w2's chat"
    );
    assert!(!store.heartbeat(Uuid::new_v4(), &on_a.run, minute(5), minute(6), None).await.unwrap());
    let chat = store.get_chat(a.id).await.unwrap().expect("a");
    assert_eq!(chat.heartbeat_at, Some(minute(5)));
    // b's worker stopped beating at minute 0: its lease ran out, a's (to minute 6) did not.
    let sweep = store.sweep(minute(5), minute(3), None).await.unwrap();
    assert_eq!((sweep.settled, sweep.requeued), (1, 1));
    let b_now = store.get_chat(b.id).await.unwrap().expect("b");
    assert_eq!(
        (b_now.status, b_now.worker_id, b_now.heartbeat_at),
        (ChatStatus::Pending, None, None)
    );
    assert_eq!(status(store, a.id).await, ChatStatus::Running);
    assert!(
        !store.heartbeat(b.id, &on_b.run, minute(7), minute(8), None).await.unwrap(),
        "w2 must stop"
    );
    let taken = claim(store, "w3", minute(8)).await.expect("b again").chat;
    assert_eq!((taken.id, taken.worker_id.as_deref()), (b.id, Some("w3")));
    assert_eq!(store.sweep(minute(5), minute(3), None).await.unwrap(), Sweep::default());
}

async fn finish_success_and_failure(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "q", june(2)).await;
    let run = claim(store, "w1", minute(0)).await.expect("claimed");
    let reply = answer(chat.id, Some(42), minute(1));
    let done = finish(store, &run, Some(reply), RunOutcome::Succeeded, minute(1)).await.unwrap();
    let saved = done.message.expect("saved");
    assert_eq!((saved.role, saved.total_cost), (MessageRole::Assistant, Some(Micros::new(42))));
    let usage = saved.usage.expect("usage");
    assert_eq!((usage.input, usage.output, usage.reasoning), (10, 20, 5));
    assert_eq!((usage.cache_read, usage.cache_write), (3, 1));
    assert_eq!(done.promoted, None);
    assert_eq!((done.chat.status, done.chat.worker_id.as_deref()), (ChatStatus::Waiting, None));
    assert_eq!(history(store, chat.id).await, ["q", "an answer"]);

    store.send_message(chat.id, user_msg(&w, "again", minute(2))).await.unwrap();
    let run = claim(store, "w1", minute(2)).await.expect("claimed");
    let failed = RunOutcome::Failed { error: "rate limited".into() };
    let partial = NewChatMessage { total_cost: None, ..answer(chat.id, None, minute(3)) };
    let done = finish(store, &run, Some(partial), failed, minute(3)).await.unwrap();
    assert_eq!(done.chat.status, ChatStatus::Error);
    assert_eq!(done.chat.last_error.as_deref(), Some("rate limited"));
    assert_eq!(done.message.expect("saved").total_cost, None, "unpriced");
    let missing =
        store.finish_run(Uuid::new_v4(), &run.run, None, None, RunOutcome::Succeeded, minute(3));
    assert!(matches!(missing.await, Err(StoreError::NotFound(Entity::Chat))));
}

/// accounting.md §4: a run whose chat was taken over (a later claim) cannot save its stale
/// answer or change the chat, but what it cost is recorded.
async fn a_stale_run_records_its_cost_but_not_its_answer(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "q", june(2)).await;
    let old = claim(store, "w1", minute(0)).await.expect("claimed");
    store.sweep(minute(5), minute(5), None).await.unwrap();
    let taker = claim(store, "w2", minute(6)).await.expect("taken over");
    let late = Some(answer(chat.id, Some(900), minute(7)));
    let failed = RunOutcome::Failed { error: "cancelled".into() };
    let done = finish(store, &old, late, failed, minute(7)).await.unwrap();
    assert_eq!(done.message, None, "the stale answer is not saved");
    assert_eq!(done.promoted, None);
    assert_eq!(
        (done.chat.status, done.chat.worker_id.as_deref()),
        (ChatStatus::Running, Some("w2"))
    );
    assert_eq!(done.chat.last_error, None, "w2's run is not failed by w1");
    assert_eq!(history(store, chat.id).await, ["q"]);
    let scope = SpendScope::AllOrganizations;
    assert_eq!(store.window_spend(w.user, scope, june_bounds()).await.unwrap(), Micros::new(900));
    // An edit took the chat from w2 (its claim is still the latest): its answer is saved, the
    // chat stays pending for the edit.
    let first = store.messages_after(chat.id, 0).await.unwrap()[0].id;
    store.edit_message(chat.id, first, user_msg(&w, "edited", minute(8))).await.unwrap();
    let edited = Some(answer(chat.id, Some(100), minute(9)));
    let done = finish(store, &taker, edited, RunOutcome::Succeeded, minute(9)).await.unwrap();
    assert!(done.message.is_some());
    assert_eq!(done.chat.status, ChatStatus::Pending);
    assert_eq!(store.window_spend(w.user, scope, june_bounds()).await.unwrap(), Micros::new(1_000));
}

async fn finish_promotes_the_queue_in_order(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "q", june(2)).await;
    let run = claim(store, "w1", minute(0)).await.expect("claimed");
    for s in ["a", "b"] {
        store.send_message(chat.id, user_msg(&w, s, minute(1))).await.unwrap();
    }
    let reply = Some(answer(chat.id, Some(1), minute(2)));
    let failed = RunOutcome::Failed { error: "boom".into() };
    let done = finish(store, &run, reply, failed, minute(2)).await.unwrap();
    assert_eq!(done.promoted.as_ref().map(message_text).as_deref(), Some("a"));
    assert_eq!((done.chat.status, done.chat.last_error.as_deref()), (ChatStatus::Pending, None));
    assert_eq!(history(store, chat.id).await, ["q", "an answer", "a"]);
    assert_eq!(queue_texts(store, chat.id).await, ["b"]);
}

async fn finish_interrupted_run_with_queue(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "q", june(2)).await;
    let first = claim(store, "w1", minute(0)).await.expect("claimed");
    for s in ["a", "b"] {
        store.send_message(chat.id, user_msg(&w, s, minute(1))).await.unwrap();
    }
    store.interrupt_chat(chat.id, minute(2)).await.unwrap();
    let partial = Some(answer(chat.id, Some(5), minute(3)));
    let done = finish(store, &first, partial, RunOutcome::Succeeded, minute(3)).await.unwrap();
    assert!(done.message.is_some(), "the partial answer is saved");
    assert_eq!(done.promoted.as_ref().map(message_text).as_deref(), Some("a"), "FIFO");
    assert_eq!(done.chat.status, ChatStatus::Pending);
    assert_eq!(history(store, chat.id).await, ["q", "an answer", "a"]);
    assert_eq!(queue_texts(store, chat.id).await, ["b"]);
    // Interrupted with an empty queue: the chat stays waiting, even for a failed run.
    let run = claim(store, "w2", minute(4)).await.expect("pending");
    store.delete_queued(chat.id, store.list_queued(chat.id).await.unwrap()[0].id).await.unwrap();
    store.interrupt_chat(run.chat.id, minute(5)).await.unwrap();
    let failed = RunOutcome::Failed { error: "cancelled".into() };
    let done = finish(store, &run, None, failed, minute(6)).await.unwrap();
    assert_eq!((done.chat.status, done.chat.last_error), (ChatStatus::Waiting, None));
}

async fn finish_rejects_another_chats_message(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "q", june(2)).await;
    let run = claim(store, "w1", minute(0)).await.expect("claimed");
    let wrong = Some(answer(Uuid::new_v4(), Some(1), minute(1)));
    let err = finish(store, &run, wrong, RunOutcome::Succeeded, minute(1)).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::MessageOfAnotherChat))), "{err:?}");
    assert_eq!(status(store, chat.id).await, ChatStatus::Running, "nothing changed");
}

conformance!(
    claim_oldest_pending_first,
    each_claim_is_a_new_generation,
    heartbeat_and_stale_requeue,
    finish_success_and_failure,
    a_stale_run_records_its_cost_but_not_its_answer,
    finish_promotes_the_queue_in_order,
    finish_interrupted_run_with_queue,
    finish_rejects_another_chats_message,
);

/// Two replicas (two stores, two pools on one database), eight workers racing `claim_chat` over
/// twelve pending chats: each chat is claimed exactly once.
async fn replicas_never_claim_a_chat_twice(db: &TestDb) {
    const CHATS: usize = 12;
    const WORKERS: usize = 8;
    let replica_b = tollgate_store::Store::connect(&db.url)
        .await
        .map(std::sync::Arc::new)
        .expect("second replica");
    let replicas: [Arc<Store>; 2] = [db.store.clone(), replica_b];
    let w = world(&replicas[0]).await;
    for i in 0..CHATS {
        pending_chat(&replicas[0], &w, "go", june(2) + Duration::seconds(i as i64)).await;
    }
    let tasks = (0..WORKERS).map(|n| {
        let store = replicas[n % 2].clone();
        tokio::spawn(async move {
            let worker = format!("replica-{}-worker-{n}", n % 2);
            let mut claimed = Vec::new();
            while let Some(Claimed::Run(claim)) =
                store.claim_chat(&worker, minute(0), &check_policy()).await.expect("claim")
            {
                let chat = claim.chat;
                assert_eq!(chat.worker_id.as_deref(), Some(worker.as_str()));
                claimed.push(chat.id);
                tokio::task::yield_now().await;
            }
            claimed
        })
    });
    let mut times_claimed: HashMap<Uuid, usize> = HashMap::new();
    for task in tasks.collect::<Vec<_>>() {
        for chat in task.await.expect("worker task") {
            *times_claimed.entry(chat).or_default() += 1;
        }
    }
    assert_eq!(times_claimed.len(), CHATS, "every chat claimed");
    assert!(times_claimed.values().all(|&n| n == 1), "{times_claimed:?}");
}

mod race {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_replicas_never_claim_a_chat_twice() {
        let db = tollgate_store::testing::sqlite().await;
        super::replicas_never_claim_a_chat_twice(&db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres_replicas_never_claim_a_chat_twice() {
        let Some(db) = tollgate_store::testing::postgres().await else { return };
        super::replicas_never_claim_a_chat_twice(&db).await;
    }
}
