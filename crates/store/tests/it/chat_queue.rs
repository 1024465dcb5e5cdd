//! Sending, the queue (max 20, FIFO), editing, promoting and interrupting (chats.md §3).

use crate::chat_fixtures::*;
use crate::fixtures::*;
use chrono::Duration;
use tollgate_core::{Micros, SpendScope};
use tollgate_store::*;
use uuid::Uuid;

fn minute(i: i64) -> Time {
    june(10) + Duration::minutes(i)
}

async fn send(store: &Store, w: &World, chat: Uuid, s: &str) -> SendOutcome {
    store.send_message(chat, user_msg(w, s, minute(1))).await.unwrap()
}

async fn send_to_idle_chat_is_sent(store: &Store) {
    let w = world(store).await;
    let chat = answered_chat(store, &w, june(10)).await;
    assert_eq!(chat.status, ChatStatus::Waiting);
    let SendOutcome::Sent(msg) = send(store, &w, chat.id, "next").await else {
        panic!("an idle chat takes the message")
    };
    assert_eq!((msg.role, msg.created_by), (MessageRole::User, Some(w.user)));
    assert_eq!(status(store, chat.id).await, ChatStatus::Pending);
    assert_eq!(history(store, chat.id).await, ["hello", "an answer", "next"]);
    // From `error` too, and the error is cleared.
    let run = claim(store, "w1", minute(2)).await.expect("claimed");
    let failed = RunOutcome::Failed { error: "provider down".into() };
    let done = finish(store, &run, None, failed, minute(2)).await.unwrap();
    assert_eq!(
        (done.chat.status, done.chat.last_error.as_deref()),
        (ChatStatus::Error, Some("provider down"))
    );
    assert!(matches!(send(store, &w, chat.id, "retry").await, SendOutcome::Sent(_)));
    let chat = store.get_chat(chat.id).await.unwrap().expect("chat");
    assert_eq!((chat.status, chat.last_error), (ChatStatus::Pending, None));
    let missing = store.send_message(Uuid::new_v4(), user_msg(&w, "x", minute(1))).await;
    assert!(matches!(missing, Err(StoreError::NotFound(Entity::Chat))), "{missing:?}");
}

async fn send_to_busy_chat_is_queued(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "first", june(10)).await;
    let SendOutcome::Queued(q) = send(store, &w, chat.id, "while pending").await else {
        panic!("a pending chat queues")
    };
    assert_eq!(
        (q.chat_id, q.created_by, q.model_config_id),
        (chat.id, Some(w.user), Some(w.model.id))
    );
    claim(store, "w1", minute(2)).await.expect("claimed");
    assert!(matches!(send(store, &w, chat.id, "while running").await, SendOutcome::Queued(_)));
    assert_eq!(queue_texts(store, chat.id).await, ["while pending", "while running"]);
    assert_eq!(history(store, chat.id).await, ["first"]);
    assert_eq!(status(store, chat.id).await, ChatStatus::Running, "the run goes on");
}

async fn queue_holds_at_most_twenty(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "first", june(10)).await;
    for i in 0..MAX_QUEUED_MESSAGES {
        let sent = send(store, &w, chat.id, &format!("q{i}")).await;
        assert!(matches!(sent, SendOutcome::Queued(_)), "{i}: {sent:?}");
    }
    let err = store.send_message(chat.id, user_msg(&w, "q20", minute(1))).await;
    assert!(matches!(&err, Err(StoreError::Rejected(Rule::QueueFull))), "{err:?}");
    let queued = store.list_queued(chat.id).await.unwrap();
    assert_eq!(queued.len(), 20, "nothing written");
    assert!(queued.windows(2).all(|p| p[0].id < p[1].id), "oldest first");
    assert_eq!(history(store, chat.id).await, ["first"]);
    // Interrupted with a full queue: a send promotes the head, so the 21st fits.
    store.interrupt_chat(chat.id, minute(2)).await.unwrap();
    assert!(matches!(send(store, &w, chat.id, "q20").await, SendOutcome::Queued(_)));
    assert_eq!(store.list_queued(chat.id).await.unwrap().len(), 20);
    assert_eq!(history(store, chat.id).await, ["first", "q0"]);
}

async fn idle_chat_with_queue_promotes_its_head_first(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "first", june(10)).await;
    send(store, &w, chat.id, "a").await;
    send(store, &w, chat.id, "b").await;
    let interrupted = store.interrupt_chat(chat.id, minute(2)).await.unwrap();
    assert_eq!(interrupted.status, ChatStatus::Waiting);
    assert_eq!(queue_texts(store, chat.id).await, ["a", "b"], "an interrupt keeps the queue");
    let SendOutcome::Queued(_) = send(store, &w, chat.id, "c").await else {
        panic!("the queue is not empty: FIFO")
    };
    assert_eq!(history(store, chat.id).await, ["first", "a"]);
    assert_eq!(queue_texts(store, chat.id).await, ["b", "c"]);
    assert_eq!(status(store, chat.id).await, ChatStatus::Pending);
}

async fn edit_soft_deletes_the_rest(store: &Store) {
    let w = world(store).await;
    let chat = answered_chat(store, &w, june(10)).await;
    send(store, &w, chat.id, "second").await;
    let run = claim(store, "w1", minute(2)).await.expect("claimed");
    send(store, &w, chat.id, "queued").await;
    let scope = SpendScope::AllOrganizations;
    let spent = store.spend(w.user, scope, june_bounds()).await.unwrap();
    let first_id = store.messages_after(chat.id, 0).await.unwrap()[0].id;
    let edited = user_msg(&w, "hello, edited", minute(3));
    let msg = store.edit_message(chat.id, first_id, edited).await.unwrap();
    assert!(msg.id > first_id);
    assert_eq!(history(store, chat.id).await, ["hello, edited"]);
    assert!(store.list_queued(chat.id).await.unwrap().is_empty(), "queue cleared");
    let after = store.get_chat(chat.id).await.unwrap().expect("chat");
    assert_eq!(
        (after.status, after.worker_id, after.heartbeat_at),
        (ChatStatus::Pending, None, None)
    );
    assert!(
        !store.heartbeat(chat.id, &run.run, minute(4), minute(5), None).await.unwrap(),
        "the worker was released"
    );
    assert_eq!(
        store.spend(w.user, scope, june_bounds()).await.unwrap(),
        spent,
        "cost still counts"
    );
    assert_eq!(spent, Micros::new(7));
}

async fn edit_errors(store: &Store) {
    let w = world(store).await;
    let chat = answered_chat(store, &w, june(10)).await;
    let messages = store.messages_after(chat.id, 0).await.unwrap();
    let edit = |id| store.edit_message(chat.id, id, user_msg(&w, "x", minute(1)));
    let err = edit(messages[1].id).await;
    assert!(matches!(&err, Err(StoreError::Rejected(Rule::OnlyUserMessagesEditable))), "{err:?}");
    let err = edit(messages[1].id + 1000).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::ChatMessage))), "{err:?}");
    let other = answered_chat(store, &w, june(11)).await;
    let foreign = store.messages_after(other.id, 0).await.unwrap()[0].id;
    let err = edit(foreign).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::ChatMessage))), "{err:?}");
    edit(messages[0].id).await.unwrap();
    let err = edit(messages[0].id).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::ChatMessage))), "soft-deleted: {err:?}");
    assert_eq!(history(store, chat.id).await, ["x"], "failed edits wrote nothing");
}

async fn promote_and_delete_queued(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "first", june(10)).await;
    for s in ["a", "b", "c"] {
        send(store, &w, chat.id, s).await;
    }
    let queued = store.list_queued(chat.id).await.unwrap();
    store.delete_queued(chat.id, queued[0].id).await.unwrap();
    let err = store.delete_queued(chat.id, queued[0].id).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::QueuedMessage))), "{err:?}");
    let err = store.delete_queued(Uuid::new_v4(), queued[1].id).await;
    assert!(matches!(err, Err(StoreError::NotFound(_))), "another chat's: {err:?}");
    store.interrupt_chat(chat.id, minute(2)).await.unwrap();
    let promoted = store.promote_queued(chat.id, queued[2].id, minute(3)).await.unwrap();
    assert_eq!((message_text(&promoted), promoted.role), ("c".to_owned(), MessageRole::User));
    assert_eq!(promoted.created_at, minute(3));
    assert_eq!(status(store, chat.id).await, ChatStatus::Pending, "idle becomes pending");
    assert_eq!(queue_texts(store, chat.id).await, ["b"]);
    assert_eq!(history(store, chat.id).await, ["first", "c"]);
    let err = store.promote_queued(chat.id, queued[2].id, minute(3)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::QueuedMessage))), "{err:?}");
}

async fn promote_while_running_runs_again(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "first", june(10)).await;
    let run = claim(store, "w1", minute(1)).await.expect("claimed");
    let SendOutcome::Queued(q) = send(store, &w, chat.id, "now").await else { panic!("queued") };
    store.promote_queued(chat.id, q.id, minute(2)).await.unwrap();
    assert_eq!(status(store, chat.id).await, ChatStatus::Running, "the run is not stopped");
    assert!(store.heartbeat(chat.id, &run.run, minute(2), minute(3), None).await.unwrap());
    let reply = Some(answer(chat.id, Some(1), minute(3)));
    let done = finish(store, &run, reply, RunOutcome::Succeeded, minute(3)).await.unwrap();
    assert_eq!(done.promoted, None);
    assert_eq!(done.chat.status, ChatStatus::Pending, "the promoted message still needs an answer");
    let again = claim(store, "w2", minute(4)).await.expect("pending again");
    let reply = Some(answer(chat.id, Some(1), minute(5)));
    let done = finish(store, &again, reply, RunOutcome::Succeeded, minute(5)).await;
    assert_eq!(done.unwrap().chat.status, ChatStatus::Waiting, "and only once");
}

async fn interrupt(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "first", june(10)).await;
    let run = claim(store, "w1", minute(1)).await.expect("claimed");
    let chat = store.interrupt_chat(chat.id, minute(2)).await.unwrap();
    assert_eq!((chat.status, chat.worker_id, chat.heartbeat_at), (ChatStatus::Waiting, None, None));
    assert_eq!(chat.updated_at, minute(2));
    assert!(
        !store.heartbeat(chat.id, &run.run, minute(3), minute(4), None).await.unwrap(),
        "the worker stops"
    );
    let again = store.interrupt_chat(chat.id, minute(3)).await.unwrap();
    assert_eq!(again.status, ChatStatus::Waiting, "idempotent");
    let err = store.interrupt_chat(Uuid::new_v4(), minute(3)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Chat))), "{err:?}");
}

conformance!(
    send_to_idle_chat_is_sent,
    send_to_busy_chat_is_queued,
    queue_holds_at_most_twenty,
    idle_chat_with_queue_promotes_its_head_first,
    edit_soft_deletes_the_rest,
    edit_errors,
    promote_and_delete_queued,
    promote_while_running_runs_again,
    interrupt,
);
