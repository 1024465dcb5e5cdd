//! The chat daemon end to end: chats run against the simulated provider, cost is metered, and
//! the spend limit gates every admission point (spend-limits.md §6–§7, chats.md).

use crate::support::{DOLLAR, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

pub const CHATS: &str = "/api/experimental/chats";
const LIMITS: &str = "/api/experimental/chats/usage-limits";

pub fn text(t: &str) -> Value {
    json!([{"type": "text", "text": t}])
}

impl TestApp {
    pub async fn offline_model(&self) {
        let clock: std::sync::Arc<dyn tollgate_core::Clock> = self.clock.clone();
        tollgate_server::ensure_offline_model(self.store(), &clock).await.expect("offline model");
    }

    pub async fn new_chat(&self, token: &str, t: &str) -> Value {
        let (status, chat) = self.post(CHATS, token, json!({"content": text(t)})).await;
        assert_eq!(status, StatusCode::CREATED, "{chat}");
        chat
    }

    /// Waits (bounded) until the chat has `status`; returns the chat.
    pub async fn settle(&self, token: &str, chat: &str, status: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..500 {
            let (_, c) = self.get(&format!("{CHATS}/{chat}"), token).await;
            if c["status"] == status {
                return c;
            }
            last = c;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("chat {chat} never reached {status}: {last}");
    }

    pub async fn history(&self, token: &str, chat: &str) -> Vec<Value> {
        let (status, page) = self.get(&format!("{CHATS}/{chat}/messages?limit=200"), token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let mut messages = page["messages"].as_array().cloned().unwrap_or_default();
        messages.reverse();
        messages
    }
}

pub fn cost_of(messages: &[Value]) -> i64 {
    messages.iter().filter_map(|m| m["total_cost_micros"].as_i64()).sum()
}

on_both!(
    a_chat_runs_and_meters_its_cost,
    every_admission_point_blocks_at_the_limit,
    queued_messages_run_in_order_without_a_check,
    strict_mode_checks_queued_messages_when_they_run,
    a_full_queue_is_429_and_writes_nothing,
    an_interrupted_run_keeps_its_cost,
    a_dead_workers_chat_is_resumed,
    chats_of_others_are_not_found,
    bad_chat_input_is_a_clear_400,
);

async fn a_chat_runs_and_meters_its_cost(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    app.put(LIMITS, &owner, json!({"spend_limit_micros": 100 * DOLLAR, "period": "month"})).await;
    let chat = app.new_chat(&owner, "Explain   spend limits to me please now").await;
    assert_eq!(chat["title"], "Explain spend limits to me please");
    let id = chat["id"].as_str().expect("id").to_owned();
    app.settle(&owner, &id, "waiting").await;
    let history = app.history(&owner, &id).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["role"], "user");
    let answer = &history[1];
    assert_eq!(answer["role"], "assistant");
    assert!(answer["total_cost_micros"].as_i64().unwrap_or(0) > 0, "{answer}");
    assert!(answer["usage"]["output_tokens"].as_i64().unwrap_or(0) > 0);
    let (_, status) = app.get(&format!("{LIMITS}/status"), &owner).await;
    assert_eq!(status["current_spend"].as_i64(), Some(cost_of(&history)));
}

/// Blocks `owner` exactly at the limit: the override equals what they spent.
async fn block_at_limit(app: &TestApp, owner: &str, user: Uuid) -> i64 {
    let (_, status) = app.get(&format!("{LIMITS}/status"), owner).await;
    let spent = status["current_spend"].as_i64().expect("spend");
    assert!(spent > 0);
    let (code, _) = app
        .put(&format!("{LIMITS}/overrides/{user}"), owner, json!({"spend_limit_micros": spent}))
        .await;
    assert_eq!(code, StatusCode::OK);
    spent
}

async fn every_admission_point_blocks_at_the_limit(app: TestApp) {
    let (owner, owner_id, _) = app.first_owner().await;
    app.offline_model().await;
    app.put(LIMITS, &owner, json!({"spend_limit_micros": 100 * DOLLAR, "period": "day"})).await;
    let id = app.new_chat(&owner, "hello").await["id"].as_str().expect("id").to_owned();
    app.settle(&owner, &id, "waiting").await;
    let spent = block_at_limit(&app, &owner, owner_id).await;
    let before_chats = app.get(CHATS, &owner).await.1;
    let before_history = app.history(&owner, &id).await;
    let first_user_message = before_history[0]["id"].as_i64().expect("id");

    let attempts = [
        app.post(CHATS, &owner, json!({"content": text("again")})).await,
        app.post(CHATS, &owner, json!({"content": text("sub"), "parent_chat_id": id})).await,
        app.post(&format!("{CHATS}/{id}/messages"), &owner, json!({"content": text("more")})).await,
        app.call(
            Method::PATCH,
            &format!("{CHATS}/{id}/messages/{first_user_message}"),
            Some(&owner),
            Some(json!({"content": text("edited")})),
        )
        .await,
        app.post(&format!("{CHATS}/{id}/title/regenerate"), &owner, json!({})).await,
    ];
    let bounds = tollgate_core::Period::Day.bounds(&app.now());
    for (i, (status, body)) in attempts.into_iter().enumerate() {
        assert_eq!(status, StatusCode::CONFLICT, "admission point {i}: {body}");
        assert_eq!(body["message"], "Chat usage limit exceeded.");
        assert_eq!(body["spent_micros"].as_i64(), Some(spent));
        assert_eq!(body["limit_micros"].as_i64(), Some(spent));
        assert_eq!(body["resets_at"], json!(bounds.end));
    }
    assert_eq!(app.get(CHATS, &owner).await.1, before_chats, "a blocked request created a chat");
    assert_eq!(
        app.history(&owner, &id).await,
        before_history,
        "a blocked request changed the chat"
    );

    // Raising the override re-admits at once.
    app.put(
        &format!("{LIMITS}/overrides/{owner_id}"),
        &owner,
        json!({"spend_limit_micros": spent + DOLLAR}),
    )
    .await;
    let (status, sent) =
        app.post(&format!("{CHATS}/{id}/messages"), &owner, json!({"content": text("more")})).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
}

/// Coder's behaviour (check mode): a queued message was admitted when it was queued.
async fn queued_messages_run_in_order_without_a_check(app: TestApp) {
    // No daemon yet: the first message waits `pending`, so every later send is queued.
    let app = app
        .restart_with(|s| {
            s.chat.run_daemon = false;
            s.limit_enforcement = tollgate_core::Enforcement::Check;
        })
        .await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let id = app.new_chat(&owner, "first").await["id"].as_str().expect("id").to_owned();
    for n in ["second", "third", "fourth"] {
        let (status, resp) =
            app.post(&format!("{CHATS}/{id}/messages"), &owner, json!({"content": text(n)})).await;
        assert_eq!(status, StatusCode::OK, "{resp}");
        assert_eq!(resp["queued"], true, "{resp}");
    }
    // After the first run the owner is over this limit; the queued messages were admitted when
    // they were queued and still run, in order.
    app.put(LIMITS, &owner, json!({"spend_limit_micros": 1, "period": "day"})).await;
    let app = app.restart_with(|s| s.limit_enforcement = tollgate_core::Enforcement::Check).await;
    for _ in 0..500 {
        let history = app.history(&owner, &id).await;
        if history.len() == 8 {
            let users: Vec<_> = history
                .iter()
                .filter(|m| m["role"] == "user")
                .map(|m| m["content"][0]["text"].clone())
                .collect();
            assert_eq!(users, [json!("first"), json!("second"), json!("third"), json!("fourth")]);
            let roles: Vec<_> =
                history.iter().map(|m| m["role"].as_str().unwrap_or_default().to_owned()).collect();
            assert_eq!(roles, ["user", "assistant"].repeat(4));
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the queue was not drained: {:?}", app.history(&owner, &id).await);
}

/// Strict enforcement (accounting.md §3.2): queued work is checked when it runs. A run the limit
/// cannot pay for does not start: the chat rests in `error` with the 409's figures, the queue
/// stays, nothing is billed.
async fn strict_mode_checks_queued_messages_when_they_run(app: TestApp) {
    let app = app.restart_with(|s| s.chat.run_daemon = false).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let id = app.new_chat(&owner, "first").await["id"].as_str().expect("id").to_owned();
    for n in ["second", "third"] {
        let (status, resp) =
            app.post(&format!("{CHATS}/{id}/messages"), &owner, json!({"content": text(n)})).await;
        assert_eq!((status, resp["queued"].clone()), (StatusCode::OK, json!(true)), "{resp}");
    }
    app.put(LIMITS, &owner, json!({"spend_limit_micros": 1, "period": "day"})).await;
    let app = app.restart_with(|_| {}).await;
    let chat = app.settle(&owner, &id, "error").await;
    assert_eq!(chat["last_error"], "Chat usage limit exceeded.");
    let refusal = &chat["usage_limit_exceeded"];
    assert_eq!(
        (refusal["limit_micros"].clone(), refusal["spent_micros"].clone()),
        (json!(1), json!(0)),
        "{chat}"
    );
    assert!(refusal["resets_at"].is_string(), "{chat}");
    let (_, page) = app.get(&format!("{CHATS}/{id}/messages"), &owner).await;
    assert_eq!(
        page["queued_messages"].as_array().map(Vec::len),
        Some(2),
        "the queue stays: {page}"
    );
    let history = app.history(&owner, &id).await;
    assert!(history.iter().all(|m| m["role"] == "user"), "nothing ran: {history:?}");
    let (_, status) = app.get(&format!("{LIMITS}/status"), &owner).await;
    assert_eq!(status["current_spend"], 0, "nothing billed");
}

async fn a_full_queue_is_429_and_writes_nothing(app: TestApp) {
    let app = app.restart_with(|s| s.chat.run_daemon = false).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let id = app.new_chat(&owner, "first").await["id"].as_str().expect("id").to_owned();
    for n in 0..20 {
        let (status, resp) = app
            .post(
                &format!("{CHATS}/{id}/messages"),
                &owner,
                json!({"content": text(&format!("m{n}"))}),
            )
            .await;
        assert_eq!((status, resp["queued"].clone()), (StatusCode::OK, json!(true)), "{resp}");
    }
    let (status, err) = app
        .post(&format!("{CHATS}/{id}/messages"), &owner, json!({"content": text("one too many")}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(err["message"], "Message queue is full.");
    assert_eq!(err["detail"], "Maximum 20 messages can be queued.");
    let (_, page) = app.get(&format!("{CHATS}/{id}/messages"), &owner).await;
    assert_eq!(page["queued_messages"].as_array().map(Vec::len), Some(20));

    // Promote and delete work on queued messages.
    let queued = page["queued_messages"].as_array().expect("queue").clone();
    let last = queued[19]["id"].as_i64().expect("id");
    let (status, _) = app.delete(&format!("{CHATS}/{id}/queue/{last}"), &owner).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.delete(&format!("{CHATS}/{id}/queue/{last}"), &owner).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn an_interrupted_run_keeps_its_cost(app: TestApp) {
    let app = app.restart_with(|s| s.chat.simulated_delta_delay = Duration::from_millis(100)).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let long = "please write a long answer ".repeat(20);
    let id = app.new_chat(&owner, &long).await["id"].as_str().expect("id").to_owned();
    app.settle(&owner, &id, "running").await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (status, chat) = app.post(&format!("{CHATS}/{id}/interrupt"), &owner, json!({})).await;
    assert_eq!((status, chat["status"].clone()), (StatusCode::OK, json!("waiting")));
    for _ in 0..500 {
        let history = app.history(&owner, &id).await;
        if let Some(answer) = history.iter().find(|m| m["role"] == "assistant") {
            assert!(answer["total_cost_micros"].as_i64().unwrap_or(0) > 0, "{answer}");
            assert_eq!(app.get(&format!("{CHATS}/{id}"), &owner).await.1["status"], "waiting");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the interrupted run's partial answer was not saved");
}

async fn a_dead_workers_chat_is_resumed(app: TestApp) {
    let store = app.store().clone();
    // A server whose daemon does not run stands in for a replica that died mid-run.
    let first = app.restart_with(|s| s.chat.run_daemon = false).await;
    let (owner, _, _) = first.first_owner().await;
    first.offline_model().await;
    let id = first.new_chat(&owner, "are you there").await["id"].as_str().expect("id").to_owned();
    let an_hour_ago = first.now() - chrono::Duration::hours(1);
    let policy = tollgate_store::ClaimPolicy {
        enforcement: tollgate_core::Enforcement::Strict,
        default_max_output_tokens: 1_000,
        lease: chrono::Duration::seconds(60),
        lookahead_tokens: 0,
        refusal_message: "Chat usage limit exceeded.".to_owned(),
    };
    let claimed = store.claim_chat("dead-worker", an_hour_ago, &policy).await.expect("claim");
    let Some(tollgate_store::Claimed::Run(claimed)) = claimed else { panic!("a pending chat") };
    assert_eq!(claimed.chat.id.to_string(), id);
    // A live replica with a short stale timeout takes it over.
    let live = first.restart_with(|s| s.chat.stale_after = Duration::from_secs(60)).await;
    live.settle(&owner, &id, "waiting").await;
    let history = live.history(&owner, &id).await;
    assert_eq!(history.iter().filter(|m| m["role"] == "assistant").count(), 1, "{history:?}");
}

async fn chats_of_others_are_not_found(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let (alice, _) = app.user(&owner, "alice", &[], &[]).await;
    let id = app.new_chat(&alice, "mine").await["id"].as_str().expect("id").to_owned();
    let (_, bob_id) = app.user(&owner, "bob", &[], &[]).await;
    let bob = app.login("bob@example.com").await;
    let _ = bob_id;
    for (method, path) in [
        (Method::GET, format!("{CHATS}/{id}")),
        (Method::GET, format!("{CHATS}/{id}/messages")),
        (Method::POST, format!("{CHATS}/{id}/interrupt")),
    ] {
        let (status, body) = app.call(method, &path, Some(&bob), Some(json!({}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) =
        app.post(&format!("{CHATS}/{id}/messages"), &bob, json!({"content": text("hi")})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{CHATS}/{id}"), &owner).await.0,
        StatusCode::OK,
        "owners read every chat"
    );
    assert_eq!(app.get(CHATS, &bob).await.1, json!([]));
}

async fn bad_chat_input_is_a_clear_400(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (status, err) = app.post(CHATS, &owner, json!({"content": text("no model yet")})).await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::BAD_REQUEST, json!("No default chat model config is configured."))
    );
    app.offline_model().await;
    let cases = [
        (json!({"content": []}), "Content is required."),
        (json!({"content": text("   ")}), "Content is required."),
        (json!({"content": [{"type": "image", "url": "x"}]}), "Invalid input part."),
        (
            json!({"content": text("x"), "model_config_id": Uuid::new_v4()}),
            "Invalid model config ID.",
        ),
        (json!({"content": text("x"), "labels": {"a": 1}}), "Validation failed."),
        (
            json!({"content": text("x"), "organization_id": Uuid::new_v4()}),
            "Invalid organization ID.",
        ),
        (
            json!({"content": text("x"), "parent_chat_id": Uuid::new_v4()}),
            "Invalid parent chat ID.",
        ),
    ];
    for (body, message) in cases {
        let (status, err) = app.post(CHATS, &owner, body.clone()).await;
        assert_eq!(
            (status, err["message"].clone()),
            (StatusCode::BAD_REQUEST, json!(message)),
            "{body}"
        );
    }
    assert_eq!(app.get(CHATS, &owner).await.1, json!([]), "a rejected request created a chat");
    let (status, _) = app.get(&format!("{CHATS}/not-a-uuid"), &owner).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        app.get(&format!("{CHATS}/{}/messages?limit=0", Uuid::new_v4()), &owner).await;
    assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND);
}
