//! Per-key caps (gateway.md §2): an API key created with its own `spend_limit_micros` and
//! `period` is held to it besides its owner's limits, with the same reservation — under
//! concurrency too — while the owner's other keys go on.

use crate::gateway::gate;
use crate::support::TestApp;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tollgate_core::{Micros, Period, SpendScope};

const KEYS: &str = "/api/v2/users/me/keys/tokens";
/// About two calls of the simulated model at `max_tokens` 40.
const CAP: i64 = 1_500;

on_both!(a_key_is_held_to_its_own_cap, a_key_limit_must_be_valid);

async fn a_key_is_held_to_its_own_cap(app: TestApp) {
    let g = gate(&app).await;
    let body = json!({"token_name": "capped", "spend_limit_micros": CAP, "period": "day"});
    let (status, capped) = app.post(KEYS, &g.owner, body).await;
    assert_eq!(status, StatusCode::CREATED, "{capped}");
    let capped = capped["key"].as_str().expect("key").to_owned();
    let (_, keys) = app.get(KEYS, &g.owner).await;
    let listed = keys.as_array().expect("keys").iter().find(|k| k["token_name"] == "capped");
    let listed = listed.expect("the capped key is listed");
    assert_eq!((&listed["spend_limit_micros"], &listed["period"]), (&json!(CAP), &json!("day")));

    // Sixteen concurrent calls on the capped key: its spend stays within its cap.
    let calls = (0..16).map(|i| {
        let body = json!({"model": "simulated-1", "max_tokens": 40, "stream": i % 2 == 0,
            "messages": [{"role": "user", "content": format!("call {i}")}]});
        let req = app
            .http
            .post(format!("{}/v1/chat/completions", app.base))
            .bearer_auth(&capped)
            .json(&body);
        async move {
            let resp = req.send().await.expect("send");
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            (status, body)
        }
    });
    let answers = join_all(calls).await;
    let served = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let refused: Vec<_> =
        answers.iter().filter(|(s, _)| *s == StatusCode::PAYMENT_REQUIRED).collect();
    assert_eq!(served + refused.len(), 16, "{answers:?}");
    assert!(served >= 1 && !refused.is_empty(), "served {served}: {answers:?}");
    assert!(refused[0].1.contains("usage_limit_exceeded"), "{}", refused[0].1);
    let day = Period::Day.bounds(&app.now());
    let spent = app.store().window_spend(g.owner_id, SpendScope::AllOrganizations, day).await;
    let spent = spent.expect("spend");
    assert!(spent.is_positive() && spent <= Micros::new(CAP), "the key spent {spent:?}");

    // The owner has no limit of their own: another key is still served.
    let body = json!({"model": "simulated-1", "messages": [{"role": "user", "content": "hi"}]});
    let req = app.http.post(format!("{}/v1/chat/completions", app.base)).bearer_auth(&g.key);
    let (status, answer) = app.raw(req.json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

async fn a_key_limit_must_be_valid(app: TestApp) {
    let g = gate(&app).await;
    let cases = [
        json!({"token_name": "zero", "spend_limit_micros": 0}),
        json!({"token_name": "negative", "spend_limit_micros": -5, "period": "day"}),
        json!({"token_name": "no-limit", "period": "day"}),
        json!({"token_name": "bad-period", "spend_limit_micros": 5, "period": "year"}),
    ];
    for body in cases {
        let (status, err) = app.post(KEYS, &g.owner, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
        assert!(err["message"].is_string(), "{err}");
    }
    // Without a period the cap is monthly.
    let body = json!({"token_name": "monthly", "spend_limit_micros": 5});
    let (status, _) = app.post(KEYS, &g.owner, body).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, keys) = app.get(KEYS, &g.owner).await;
    let monthly = keys.as_array().expect("keys").iter().find(|k| k["token_name"] == "monthly");
    assert_eq!(monthly.expect("listed")["period"], "month");
}
