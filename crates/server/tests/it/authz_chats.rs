//! The authorization matrix of the chat endpoints: every role against each. Other users' chats
//! are 404 (never 403), so their ids reveal nothing; admin endpoints are 403.

use crate::chats::{CHATS, text};
use crate::support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const ROLES: [&str; 5] = ["member", "template-admin", "auditor", "user-admin", "owner"];
const ALL: &[&str] = &ROLES;
const OWNER: &[&str] = &["owner"];
const CONFIG_READERS: &[&str] = &["owner", "auditor"];

/// A chat of another user, and that user, for each request.
struct Target {
    chat: String,
    user: Uuid,
}

type Build = fn(&Target) -> (Method, String, Option<Value>);

fn endpoints() -> Vec<(&'static str, &'static [&'static str], StatusCode, Build)> {
    let no = StatusCode::NOT_FOUND;
    let forbidden = StatusCode::FORBIDDEN;
    vec![
        ("create chat", ALL, forbidden, |_| {
            (Method::POST, CHATS.into(), Some(json!({"content": text("hi")})))
        }),
        ("list my chats", ALL, forbidden, |_| (Method::GET, CHATS.into(), None)),
        ("get other's chat", OWNER, no, |t| (Method::GET, format!("{CHATS}/{}", t.chat), None)),
        ("rename other's chat", OWNER, no, |t| {
            (Method::PATCH, format!("{CHATS}/{}", t.chat), Some(json!({"title": "x"})))
        }),
        ("other's messages", OWNER, no, |t| {
            (Method::GET, format!("{CHATS}/{}/messages", t.chat), None)
        }),
        ("send to other's chat", OWNER, no, |t| {
            (
                Method::POST,
                format!("{CHATS}/{}/messages", t.chat),
                Some(json!({"content": text("x")})),
            )
        }),
        ("interrupt other's chat", OWNER, no, |t| {
            (Method::POST, format!("{CHATS}/{}/interrupt", t.chat), None)
        }),
        ("list providers", CONFIG_READERS, forbidden, |_| {
            (Method::GET, format!("{CHATS}/providers"), None)
        }),
        ("create provider", OWNER, forbidden, |_| {
            (Method::POST, format!("{CHATS}/providers"), Some(json!({"provider": "simulated"})))
        }),
        ("list model configs", ALL, forbidden, |_| {
            (Method::GET, format!("{CHATS}/model-configs"), None)
        }),
        ("create model config", OWNER, forbidden, |_| {
            (
                Method::POST,
                format!("{CHATS}/model-configs"),
                Some(json!({"provider": "simulated", "model": "m", "context_limit": 1000})),
            )
        }),
        ("models", ALL, forbidden, |_| (Method::GET, format!("{CHATS}/models"), None)),
        ("my cost summary", ALL, forbidden, |_| {
            (Method::GET, format!("{CHATS}/cost/me/summary"), None)
        }),
        ("other's cost summary", OWNER, forbidden, |t| {
            (Method::GET, format!("{CHATS}/cost/{}/summary", t.user), None)
        }),
        ("everyone's costs", CONFIG_READERS, forbidden, |_| {
            (Method::GET, format!("{CHATS}/cost/users"), None)
        }),
    ]
}

on_both!(every_role_against_every_chat_endpoint);

async fn every_role_against_every_chat_endpoint(app: TestApp) {
    let app = app.restart_with(|s| s.chat.run_daemon = false).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let (victim_token, victim) = app.user(&owner, "victim", &[], &[]).await;
    let mut tokens = Vec::new();
    for role in ROLES {
        let roles: &[&str] = if role == "member" { &[] } else { &[role] };
        tokens.push((role, app.user(&owner, &format!("as-{role}"), roles, &[]).await.0));
    }
    let mut failures = Vec::new();
    for (endpoint, allowed, denied, build) in endpoints() {
        for (role, token) in &tokens {
            let chat = app.new_chat(&victim_token, "private").await["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let (method, path, body) = build(&Target { chat, user: victim });
            let (status, resp) = app.call(method, &path, Some(token), body).await;
            let ok = if allowed.contains(role) {
                !matches!(
                    status,
                    StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND
                ) && !status.is_server_error()
            } else {
                status == denied
            };
            if !ok {
                failures.push(format!("{endpoint} as {role}: {status} {resp}"));
            }
        }
    }
    assert!(failures.is_empty(), "chat authorization matrix broken:\n{}", failures.join("\n"));
}
