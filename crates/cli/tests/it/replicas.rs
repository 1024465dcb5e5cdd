//! Two `tollgate serve` processes on one PostgreSQL database: their daemons share the pending
//! chats and never run one chat twice.

use crate::support::{Home, serve};
use serde_json::{Value, json};
use std::time::Duration;

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Value {
    let mut req = http.request(method, url).header("Coder-Session-Token", token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("request").json().await.unwrap_or(Value::Null)
}

#[test]
fn two_replicas_never_run_one_chat_twice() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(tollgate_store::testing::postgres()) else { return };
    let a = serve(&db.url);
    let b = serve(&db.url);
    let home = Home::new();
    home.first_user(&a);
    let token = home.token("default");

    runtime.block_on(async {
        let http = reqwest::Client::new();
        let mut ids = Vec::new();
        for n in 0..30 {
            // Alternate the replica that takes the request; either daemon may run the chat.
            let base = if n % 2 == 0 { &a.url } else { &b.url };
            let body = json!({"content": [{"type": "text", "text": format!("question {n}")}]});
            let chat = call(
                &http,
                reqwest::Method::POST,
                format!("{base}/api/experimental/chats"),
                &token,
                Some(body),
            )
            .await;
            ids.push(chat["id"].as_str().expect("chat id").to_owned());
        }
        for id in &ids {
            let mut settled = false;
            for _ in 0..1000 {
                let chat = call(
                    &http,
                    reqwest::Method::GET,
                    format!("{}/api/experimental/chats/{id}", a.url),
                    &token,
                    None,
                )
                .await;
                if chat["status"] == "waiting" {
                    settled = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(settled, "chat {id} never finished");
            let page = call(
                &http,
                reqwest::Method::GET,
                format!("{}/api/experimental/chats/{id}/messages", b.url),
                &token,
                None,
            )
            .await;
            let answers = page["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .filter(|m| m["role"] == "assistant")
                .count();
            assert_eq!(answers, 1, "chat {id} was answered {answers} times");
        }
    });
    drop((a, b));
    runtime.block_on(async move { drop(db) });
}
