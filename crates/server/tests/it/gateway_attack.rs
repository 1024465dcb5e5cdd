//! 64 concurrent gateway calls against a limit of a few calls (gateway.md §2, accounting.md §3):
//! on SQLite, on PostgreSQL, and on PostgreSQL with two replicas taking half the calls each;
//! OpenAI and Anthropic clients, streamed and not. Settled spend ends within the limit, some
//! calls were served and the rest refused with 402 in their protocol's shape; the ledger, its
//! counters and reservations agree afterwards.

use crate::gateway::{chat, gate, spent};
use crate::support::TestApp;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tollgate_core::Micros;

const LIMIT: i64 = 5_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_calls_sqlite() {
    attack(TestApp::sqlite().await, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_calls_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    attack(app, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_calls_postgres_two_replicas() {
    let Some(app) = TestApp::postgres().await else { return };
    attack(app, 2).await;
}

async fn attack(app: TestApp, replicas: usize) {
    let audit = app.audit();
    let g = gate(&app).await;
    let limits = "/api/experimental/chats/usage-limits";
    app.put(limits, &g.owner, json!({"spend_limit_micros": LIMIT, "period": "day"})).await;
    let second = match replicas {
        2 => Some(app.replica("gateway-replica-2").await),
        _ => None,
    };
    let bases: Vec<String> =
        std::iter::once(app.base.clone()).chain(second.as_ref().map(|r| r.base.clone())).collect();
    let calls = (0..64).map(|i| {
        let base = &bases[i % bases.len()];
        let stream = i % 4 < 2;
        let req = if i % 2 == 0 {
            let mut body = chat(&format!("attack number {i}"));
            body["max_tokens"] = json!(100);
            body["stream"] = json!(stream);
            app.http.post(format!("{base}/v1/chat/completions")).bearer_auth(&g.key).json(&body)
        } else {
            let body = json!({"model": "simulated-1", "max_tokens": 100, "stream": stream,
                "messages": [{"role": "user", "content": format!("attack number {i}")}]});
            app.http.post(format!("{base}/v1/messages")).header("x-api-key", &g.key).json(&body)
        };
        async move {
            let resp = req.send().await.expect("send");
            let status = resp.status();
            (i, status, resp.text().await.unwrap_or_default())
        }
    });
    let answers = join_all(calls).await;
    let served = answers.iter().filter(|(_, s, _)| *s == StatusCode::OK).count();
    let refused: Vec<_> =
        answers.iter().filter(|(_, s, _)| *s == StatusCode::PAYMENT_REQUIRED).collect();
    assert_eq!(served + refused.len(), 64, "{answers:?}");
    assert!(served >= 2 && !refused.is_empty(), "served {served}, refused {}", refused.len());
    for (i, _, body) in &refused {
        let shape = if i % 2 == 0 { "insufficient_quota" } else { "billing_error" };
        assert!(body.contains(shape) && body.contains("usage_limit_exceeded"), "{i}: {body}");
    }
    let spent = spent(&app, g.owner_id).await;
    assert!(spent <= Micros::new(LIMIT), "settled spend {spent:?} is over the limit");
    // Calls crowded out by reservations in flight are refused, not queued: the budget is used
    // by those that fit at once (each reserves its whole `max_tokens`).
    assert!(spent.is_positive(), "nothing was served: {spent:?}");
    if let Some(r) = second {
        r.stop().await;
    }
    audit.ledger_is_consistent().await;
}
