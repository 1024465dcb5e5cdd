//! The chat stream over a real WebSocket (chats.md §4).

use crate::chats::CHATS;
use crate::support::TestApp;
use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn connect(
    app: &TestApp,
    token: &str,
    chat: &str,
    after_id: i64,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    let url =
        format!("{}{CHATS}/{chat}/stream?after_id={after_id}", app.base.replacen("http", "ws", 1));
    let mut req = url.into_client_request().expect("request");
    req.headers_mut().insert("Coder-Session-Token", token.parse().expect("header"));
    match tokio_tungstenite::connect_async(req).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("websocket failed: {e}"),
    }
}

on_both!(the_stream_replays_then_follows_the_run);

async fn the_stream_replays_then_follows_the_run(app: TestApp) {
    let app = app.restart_with(|s| s.chat.simulated_delta_delay = Duration::from_millis(50)).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let chat = app.new_chat(&owner, "stream this answer to me").await;
    let id = chat["id"].as_str().expect("id").to_owned();
    let mut socket = connect(&app, &owner, &id, 0).await.expect("connected");
    let mut events: Vec<Value> = Vec::new();
    let done = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(frame) = socket.next().await {
            let Ok(Message::Text(text)) = frame else { continue };
            let frame: Value = serde_json::from_str(&text).expect("frames are JSON");
            if frame["type"] != "data" {
                continue;
            }
            for event in frame["data"].as_array().cloned().unwrap_or_default() {
                let finished = event["type"] == "status"
                    && event["status"]["status"] == "waiting"
                    && events
                        .iter()
                        .any(|e| e["type"] == "message" && e["message"]["role"] == "assistant");
                events.push(event);
                if finished {
                    return;
                }
            }
        }
    })
    .await;
    assert!(done.is_ok(), "the stream never showed the finished run: {events:?}");
    assert_eq!(events[0]["type"], "status", "the first event is the status");
    assert!(events.iter().all(|e| e["chat_id"] == id));
    let user = events
        .iter()
        .position(|e| e["type"] == "message" && e["message"]["role"] == "user")
        .expect("replayed user message");
    let answer = events
        .iter()
        .position(|e| e["type"] == "message" && e["message"]["role"] == "assistant")
        .expect("answer");
    assert!(user < answer);
    let deltas: String = events
        .iter()
        .filter(|e| e["type"] == "message_part")
        .map(|e| e["message_part"]["part"]["text"].as_str().unwrap_or_default())
        .collect();
    let saved = events[answer]["message"]["content"][0]["text"].as_str().unwrap_or_default();
    assert!(
        !deltas.is_empty() && saved.ends_with(deltas.as_str()),
        "deltas {deltas:?} vs saved {saved:?}"
    );
    assert!(events[answer]["message"]["total_cost_micros"].as_i64().unwrap_or(0) > 0);
    let ids: Vec<i64> = events.iter().filter_map(|e| e["message"]["id"].as_i64()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "a message was sent twice");

    // Replay from after the user message only; strangers and anonymous callers get nothing.
    let after = events[user]["message"]["id"].as_i64().expect("id");
    let mut again = connect(&app, &owner, &id, after).await.expect("connected");
    let first = again.next().await.expect("a frame").expect("ok");
    let first: Value = serde_json::from_str(first.to_text().expect("text")).expect("json");
    let roles: Vec<_> = first["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["message"]["role"].as_str())
        .collect();
    assert_eq!(roles, ["assistant"]);
    let (stranger, _) = app.user(&owner, "stranger", &[], &[]).await;
    assert_eq!(connect(&app, &stranger, &id, 0).await.err(), Some(404));
    assert_eq!(connect(&app, "", &id, 0).await.err(), Some(401));
}
