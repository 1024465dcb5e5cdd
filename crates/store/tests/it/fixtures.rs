//! Builders shared by the cases. Times are whole seconds: both backends keep microseconds.

use chrono::{TimeZone, Utc};
use tollgate_core::{GroupPolicy, LimitConfig, Micros, Period, PeriodBounds, TokenUsage};
use tollgate_store::*;
use uuid::Uuid;

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Time {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("valid fixture time")
}

/// A time inside June 2025, the month most cases spend in.
pub fn june(day: u32) -> Time {
    at(2025, 6, day, 12, 0, 0)
}

pub fn june_bounds() -> PeriodBounds {
    Period::Month.bounds(&june(15))
}

pub fn dollars(d: i64) -> Micros {
    Micros::from_dollars(d).expect("fixture amount in range")
}

pub fn new_user(username: &str) -> NewUser {
    NewUser {
        id: Uuid::new_v4(),
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        name: format!("{username} name"),
        password_hash: Some("$argon2id$fixture".to_owned()),
        login_type: "password".to_owned(),
        roles: vec![],
        organization_ids: vec![],
        created_at: june(1),
    }
}

pub fn new_org(name: &str) -> Organization {
    Organization {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        display_name: format!("{name} display"),
        description: format!("{name} description"),
        icon: String::new(),
        is_default: false,
        created_at: june(1),
        updated_at: june(1),
    }
}

pub async fn org(store: &Store, name: &str) -> Uuid {
    store.create_organization(new_org(name)).await.expect("create organization").id
}

/// A user who is a member of `orgs`.
pub async fn user(store: &Store, username: &str, orgs: &[Uuid]) -> Uuid {
    let user = NewUser { organization_ids: orgs.to_vec(), ..new_user(username) };
    store.create_user(user).await.expect("create user").id
}

pub async fn group(store: &Store, org: Uuid, name: &str) -> Uuid {
    let group = NewGroup {
        id: Uuid::new_v4(),
        organization_id: org,
        name: name.to_owned(),
        display_name: format!("{name} display"),
        avatar_url: String::new(),
        created_at: june(1),
    };
    store.create_group(group).await.expect("create group").id
}

pub async fn add_members(store: &Store, group: Uuid, users: &[Uuid]) {
    let patch = GroupPatch { add_users: users.to_vec(), ..GroupPatch::default() };
    store.update_group(group, patch, june(2)).await.expect("add group members");
}

/// A group with `limit` dollars whose members are `users`.
pub async fn limited_group(
    store: &Store,
    org: Uuid,
    name: &str,
    limit: i64,
    users: &[Uuid],
) -> Uuid {
    let id = group(store, org, name).await;
    add_members(store, id, users).await;
    store
        .upsert_group_limit(id, dollars(limit), &tollgate_store::testing::by(june(2)))
        .await
        .expect("set group limit");
    id
}

#[allow(dead_code)]
pub async fn enable(store: &Store, default_dollars: i64, policy: GroupPolicy) {
    let config = LimitConfig {
        enabled: true,
        default_limit: dollars(default_dollars),
        period: Period::Month,
        group_policy: policy,
    };
    store
        .update_limit_config(config, &tollgate_store::testing::by(june(1)))
        .await
        .expect("enable limits");
}

pub fn new_chat(owner: Uuid, org: Uuid) -> NewChat {
    NewChat {
        id: Uuid::new_v4(),
        owner_id: owner,
        organization_id: org,
        workspace_id: None,
        parent_chat_id: None,
        model_config_id: None,
        labels: serde_json::json!({}),
        title: "fixture chat".to_owned(),
        status: ChatStatus::Waiting,
        created_at: june(1),
    }
}

pub async fn chat(store: &Store, owner: Uuid, org: Uuid) -> Uuid {
    let chat = new_chat(owner, org);
    store.create_chat(chat.clone()).await.expect("create chat");
    chat.id
}

pub fn message(chat: Uuid, cost: Option<Micros>, created_at: Time) -> NewChatMessage {
    NewChatMessage {
        chat_id: chat,
        created_by: None,
        model_config_id: None,
        role: MessageRole::Assistant,
        content: serde_json::json!([{"type": "text", "text": "hello"}]),
        usage: Some(TokenUsage {
            input: 10,
            output: 20,
            reasoning: 5,
            cache_read: 0,
            cache_write: 0,
        }),
        total_cost: cost,
        created_at,
    }
}

/// Appends an assistant message costing `dollars` in June 2025.
pub async fn spend_dollars(store: &Store, chat: Uuid, dollars_spent: i64) {
    store
        .append_chat_message(message(chat, Some(dollars(dollars_spent)), june(10)))
        .await
        .expect("append message");
}
