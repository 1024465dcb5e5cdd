//! Cost roll-ups: the summary of one user's chats and the per-user totals.

use crate::chat_fixtures::*;
use crate::fixtures::*;
use tollgate_core::Micros;
use tollgate_store::*;
use uuid::Uuid;

async fn titled_chat(store: &Store, owner: Uuid, org: Uuid, title: &str) -> Uuid {
    let chat = NewChat { title: title.into(), ..new_chat(owner, org) };
    store.create_chat(chat.clone()).await.unwrap();
    chat.id
}

/// An assistant row of `chat` costing `micros`, on `model`, in June.
async fn cost(store: &Store, chat: Uuid, model: Option<Uuid>, micros: Option<i64>) -> i64 {
    cost_on(store, chat, model, micros, 10).await
}

async fn cost_on(
    store: &Store,
    chat: Uuid,
    model: Option<Uuid>,
    micros: Option<i64>,
    day: u32,
) -> i64 {
    let msg = NewChatMessage { model_config_id: model, ..answer(chat, micros, june(day)) };
    store.append_chat_message(msg).await.unwrap()
}

fn totals(cost: i64, priced: i64, unpriced: i64, rows_with_usage: i64) -> CostTotals {
    CostTotals {
        total_cost: Micros::new(cost),
        priced_message_count: priced,
        unpriced_message_count: unpriced,
        input_tokens: 10 * rows_with_usage,
        output_tokens: 20 * rows_with_usage,
        cache_read_tokens: 3 * rows_with_usage,
        cache_creation_tokens: rows_with_usage,
    }
}

struct Costs {
    ann: Uuid,
    alpha: Uuid,
    beta: Uuid,
    m1: Uuid,
    m2: Uuid,
}

/// Ann: Alpha {m1 $100µ, m1 unpriced (no usage), title call m2 50µ, no model 5µ, a user row},
/// Beta {m2 300µ, m1 20µ soft-deleted by an edit}, and 1000µ in July. Bob: 5000µ. Carl: one
/// unpriced row.
async fn costs(store: &Store) -> Costs {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let bob = user(store, "bob", &[org]).await;
    let carl = user(store, "carl", &[org]).await;
    let m1 = NewModelConfig { display_name: String::new(), ..new_model("m1", None) };
    let m1 = store.insert_model_config(m1, false).await.unwrap().id;
    let m2 = store.insert_model_config(new_model("m2", None), false).await.unwrap().id;
    let alpha = titled_chat(store, ann, org, "Alpha").await;
    cost(store, alpha, Some(m1), Some(100)).await;
    let unpriced =
        NewChatMessage { model_config_id: Some(m1), usage: None, ..answer(alpha, None, june(11)) };
    store.append_chat_message(unpriced).await.unwrap();
    let call = NewChatMessage { model_config_id: Some(m2), ..answer(alpha, Some(50), june(12)) };
    store.record_title(alpha, "Alpha", call, None).await.unwrap();
    cost(store, alpha, None, Some(5)).await;
    let asked = NewChatMessage { role: MessageRole::User, ..answer(alpha, Some(1), june(12)) };
    store.append_chat_message(asked).await.unwrap();
    let july = NewChatMessage {
        model_config_id: Some(m1),
        ..answer(alpha, Some(1000), at(2025, 7, 1, 0, 0, 0))
    };
    store.append_chat_message(july).await.unwrap();

    let beta = titled_chat(store, ann, org, "Beta").await;
    cost(store, beta, Some(m2), Some(300)).await;
    let question = NewChatMessage {
        role: MessageRole::User,
        created_by: Some(ann),
        usage: None,
        ..answer(beta, None, june(10))
    };
    let question = store.append_chat_message(question).await.unwrap();
    cost(store, beta, Some(m1), Some(20)).await;
    let edit = UserMessage {
        content: text("edited"),
        created_by: ann,
        model_config_id: None,
        created_at: june(13),
    };
    store.edit_message(beta, question, edit).await.unwrap();

    let bobs = titled_chat(store, bob, org, "Bob's").await;
    cost(store, bobs, Some(m2), Some(5000)).await;
    let carls = titled_chat(store, carl, org, "Carl's").await;
    cost(store, carls, None, None).await;
    Costs { ann, alpha, beta, m1, m2 }
}

async fn cost_summary(store: &Store) {
    let c = costs(store).await;
    let june = june_bounds();
    let summary = store.cost_summary(c.ann, june.start, june.end).await.unwrap();
    assert_eq!(summary.totals, CostTotals { unpriced_message_count: 1, ..totals(475, 5, 0, 5) });
    let models: Vec<_> =
        summary.by_model.iter().map(|(id, label, t)| (*id, label.as_str(), t.clone())).collect();
    assert_eq!(
        models,
        [
            (Some(c.m2), "m2 display", totals(350, 2, 0, 2)),
            (Some(c.m1), "m1", totals(120, 2, 1, 2)),
            (None, "unknown", totals(5, 1, 0, 1)),
        ],
        "display name, else model, else unknown; most expensive first"
    );
    let chats: Vec<_> =
        summary.by_chat.iter().map(|(id, title, t)| (*id, title.as_str(), t.clone())).collect();
    assert_eq!(
        chats,
        [
            (c.beta, "Beta", totals(320, 2, 0, 2)),
            (c.alpha, "Alpha", CostTotals { unpriced_message_count: 1, ..totals(155, 3, 0, 3) }),
        ]
    );
    // `[start, end)`: July's row starts the next period.
    let july = store.cost_summary(c.ann, june.end, at(2025, 8, 1, 0, 0, 0)).await.unwrap();
    assert_eq!(july.totals, totals(1000, 1, 0, 1));
    let nobody = store.cost_summary(Uuid::new_v4(), june.start, june.end).await.unwrap();
    assert_eq!(nobody, CostSummary::default());
}

async fn deleted_model_is_unknown(store: &Store) {
    let c = costs(store).await;
    store.delete_model_config(c.m2).await.unwrap();
    let june = june_bounds();
    let summary = store.cost_summary(c.ann, june.start, june.end).await.unwrap();
    let labels: Vec<_> =
        summary.by_model.iter().map(|(id, l, t)| (*id, l.as_str(), t.total_cost)).collect();
    assert_eq!(labels, [(None, "unknown", Micros::new(355)), (Some(c.m1), "m1", Micros::new(120))]);
    assert_eq!(summary.totals.total_cost, Micros::new(475), "costs are kept");
}

async fn cost_by_user(store: &Store) {
    let c = costs(store).await;
    let june = june_bounds();
    let (users, count) = store
        .cost_by_user(june.start, june.end, None, Page { limit: 50, offset: 0 })
        .await
        .unwrap();
    let rows: Vec<_> =
        users.iter().map(|u| (u.username.as_str(), u.totals.total_cost.get())).collect();
    assert_eq!((rows, count), (vec![("bob", 5000), ("ann", 475), ("carl", 0)], 3));
    let ann = &users[1];
    assert_eq!((ann.user_id, ann.name.as_str()), (c.ann, "ann name"));
    assert_eq!(ann.totals, CostTotals { unpriced_message_count: 1, ..totals(475, 5, 0, 5) });
    assert_eq!(users[2].totals, totals(0, 0, 1, 1));
    let (page, count) =
        store.cost_by_user(june.start, june.end, None, Page { limit: 1, offset: 1 }).await.unwrap();
    assert_eq!((page.len(), page[0].user_id, count), (1, c.ann, 3));
    let (found, count) = store
        .cost_by_user(june.start, june.end, Some("AN"), Page { limit: 50, offset: 0 })
        .await
        .unwrap();
    assert_eq!((found.len(), found[0].user_id, count), (1, c.ann, 1), "case-insensitive substring");
    let (none, count) =
        store.cost_by_user(june.end, june.end, None, Page { limit: 50, offset: 0 }).await.unwrap();
    assert!(none.is_empty() && count == 0);
}

async fn cost_overflow_is_invalid(store: &Store) {
    let org = org(store, "acme").await;
    let ann = user(store, "ann", &[org]).await;
    let half = i64::MAX / 2 + 1;
    let (a, b) = (titled_chat(store, ann, org, "a").await, titled_chat(store, ann, org, "b").await);
    // On different days, so that each day's counter stays in range.
    cost_on(store, a, None, Some(half), 10).await;
    cost_on(store, b, None, Some(half), 11).await;
    let june = june_bounds();
    // Each chat fits; the grand total does not.
    let err = store.cost_summary(ann, june.start, june.end).await;
    assert!(matches!(err, Err(StoreError::Overflow)), "{err:?}");
    // One user's sum does not fit.
    let err = store.cost_by_user(june.start, june.end, None, Page { limit: 50, offset: 0 }).await;
    assert!(matches!(err, Err(StoreError::Overflow)), "{err:?}");
    cost_on(store, a, None, Some(half), 12).await;
    let err = store.cost_summary(ann, june.start, june.end).await;
    assert!(matches!(err, Err(StoreError::Overflow)), "one chat's sum: {err:?}");
    // A cost that would take a day's counter beyond the range is refused, not wrapped: nothing
    // of it is written.
    let msg = answer(a, Some(half), crate::fixtures::june(12));
    let err = store.append_chat_message(msg).await;
    assert!(matches!(err, Err(StoreError::Overflow)), "{err:?}");
    assert_eq!(store.messages_after(a, 0).await.unwrap().len(), 2);
}

conformance!(cost_summary, deleted_model_is_unknown, cost_by_user, cost_overflow_is_invalid);
