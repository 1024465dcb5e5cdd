//! Builders for the chat daemon's cases.

use crate::fixtures::*;
use serde_json::{Value, json};
use tollgate_core::{Micros, Price, Prices, TokenUsage};
use tollgate_store::*;
use uuid::Uuid;

/// An organization, a member and an enabled default model.
pub struct World {
    pub org: Uuid,
    pub user: Uuid,
    pub model: ModelConfig,
}

pub async fn world(store: &Store) -> World {
    let org = org(store, "acme").await;
    let user = user(store, "ann", &[org]).await;
    let model = store.insert_model_config(new_model("claude", None), false).await.unwrap();
    World { org, user, model }
}

pub fn price(s: &str) -> Price {
    s.parse().expect("fixture price")
}

/// Input and output prices, per 1M tokens.
pub fn prices(input: &str, output: &str) -> Prices {
    Prices { input: Some(price(input)), output: Some(price(output)), ..Prices::default() }
}

pub fn new_model(model: &str, prices: Option<Prices>) -> NewModelConfig {
    NewModelConfig {
        id: Uuid::new_v4(),
        provider: "anthropic".into(),
        model: model.into(),
        display_name: format!("{model} display"),
        enabled: true,
        context_limit: 200_000,
        prices,
        created_at: june(1),
    }
}

pub fn text(s: &str) -> Value {
    json!([{"type": "text", "text": s}])
}

pub fn user_msg(w: &World, s: &str, at: Time) -> UserMessage {
    UserMessage {
        content: text(s),
        created_by: w.user,
        model_config_id: Some(w.model.id),
        created_at: at,
    }
}

pub fn chat_in(w: &World, at: Time) -> NewChat {
    NewChat {
        model_config_id: Some(w.model.id),
        status: ChatStatus::Waiting,
        created_at: at,
        ..new_chat(w.user, w.org)
    }
}

/// A new `pending` chat whose first message says `first`.
pub async fn pending_chat(store: &Store, w: &World, first: &str, at: Time) -> Chat {
    let (chat, _) =
        store.create_chat_with_message(chat_in(w, at), user_msg(w, first, at)).await.unwrap();
    chat
}

/// A chat that a run answered: `waiting`, history [user, assistant].
pub async fn answered_chat(store: &Store, w: &World, at: Time) -> Chat {
    let chat = pending_chat(store, w, "hello", at).await;
    let claimed = claim(store, "w1", at).await.expect("a pending chat");
    assert_eq!(claimed.chat.id, chat.id);
    let reply = NewChatMessage {
        model_config_id: claimed.chat.last_model_config_id,
        ..answer(chat.id, Some(7), at)
    };
    finish(store, &claimed, Some(reply), RunOutcome::Succeeded, at).await.unwrap().chat
}

/// How these tests claim: check mode (no reservations; the strict path has its own tests).
pub fn check_policy() -> ClaimPolicy {
    ClaimPolicy {
        enforcement: tollgate_core::Enforcement::Check,
        default_max_output_tokens: 1_000,
        lease: chrono::Duration::seconds(30),
        lookahead_tokens: 0,
        refusal_message: "Chat usage limit exceeded.".to_owned(),
    }
}

/// The run `worker` claims (the oldest pending chat), if any.
pub async fn claim(store: &Store, worker: &str, at: Time) -> Option<Claim> {
    claim_with(store, worker, at, &check_policy()).await
}

pub async fn claim_with(
    store: &Store,
    worker: &str,
    at: Time,
    policy: &ClaimPolicy,
) -> Option<Claim> {
    match store.claim_chat(worker, at, policy).await.unwrap() {
        None => None,
        Some(Claimed::Run(claim)) => Some(*claim),
        Some(Claimed::Refused(chat)) => panic!("the limit refused chat {}", chat.id),
    }
}

/// Finishes a claimed run.
pub async fn finish(
    store: &Store,
    claim: &Claim,
    message: Option<NewChatMessage>,
    outcome: RunOutcome,
    at: Time,
) -> StoreResult<FinishedRun> {
    let reservation = claim.grant.map(|g| g.reservation_id);
    store.finish_run(claim.chat.id, &claim.run, reservation, message, outcome, at).await
}

/// An assistant answer costing `micros` (unpriced when `None`).
pub fn answer(chat: Uuid, micros: Option<i64>, at: Time) -> NewChatMessage {
    NewChatMessage {
        chat_id: chat,
        created_by: None,
        model_config_id: None,
        role: MessageRole::Assistant,
        content: text("an answer"),
        usage: Some(TokenUsage {
            input: 10,
            output: 20,
            reasoning: 5,
            cache_read: 3,
            cache_write: 1,
        }),
        total_cost: micros.map(Micros::new),
        created_at: at,
    }
}

/// The visible history's texts, oldest first.
pub async fn history(store: &Store, chat: Uuid) -> Vec<String> {
    let messages = store.messages_after(chat, 0).await.unwrap();
    messages.iter().map(message_text).collect()
}

pub fn message_text(m: &ChatMessage) -> String {
    m.content[0]["text"].as_str().unwrap_or_default().to_owned()
}

pub async fn queue_texts(store: &Store, chat: Uuid) -> Vec<String> {
    let queued = store.list_queued(chat).await.unwrap();
    queued.iter().map(|q| q.content[0]["text"].as_str().unwrap_or_default().to_owned()).collect()
}

pub async fn status(store: &Store, chat: Uuid) -> ChatStatus {
    store.get_chat(chat).await.unwrap().expect("chat exists").status
}
