//! Cost reports and the unpriced-model count over real chat runs.

use crate::chats::{CHATS, cost_of};
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

on_both!(
    cost_reports_add_up_the_ledger,
    unpriced_models_are_counted,
    number_prices_are_read_exactly,
    daily_spend_reads_the_day_counters
);

async fn cost_reports_add_up_the_ledger(app: TestApp) {
    let (owner, owner_id, _) = app.first_owner().await;
    app.offline_model().await;
    let id =
        app.new_chat(&owner, "what does this cost").await["id"].as_str().expect("id").to_owned();
    app.settle(&owner, &id, "waiting").await;
    let spent = cost_of(&app.history(&owner, &id).await);
    assert!(spent > 0);
    // Time passes: the default window ends now, exclusive, and the run happened before.
    app.clock.set(app.now() + chrono::Duration::seconds(1));

    let (status, summary) = app.get(&format!("{CHATS}/cost/me/summary"), &owner).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["total_cost_micros"].as_i64(), Some(spent));
    assert_eq!(summary["priced_message_count"], 1);
    assert_eq!(summary["unpriced_message_count"], 0);
    assert!(summary["total_output_tokens"].as_i64().unwrap_or(0) > 0);
    assert_eq!(summary["by_chat"][0]["chat_id"], json!(id));
    assert_eq!(summary["by_chat"][0]["total_cost_micros"].as_i64(), Some(spent));
    assert_eq!(summary["by_model"][0]["display_name"], "Simulated (offline)");

    let (status, users) = app.get(&format!("{CHATS}/cost/users"), &owner).await;
    assert_eq!(status, StatusCode::OK, "{users}");
    assert_eq!(users["count"], 1);
    assert_eq!(users["users"][0]["user_id"], json!(owner_id));
    assert_eq!(users["users"][0]["total_cost_micros"].as_i64(), Some(spent));

    // A window that ends before the chat sees nothing; a reversed window is a clear 400.
    let before =
        (app.now() - chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (_, empty) = app.get(&format!("{CHATS}/cost/me/summary?end_date={before}"), &owner).await;
    assert_eq!(empty["total_cost_micros"], 0);
    let after =
        (app.now() + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, err) = app
        .get(&format!("{CHATS}/cost/me/summary?start_date={after}&end_date={before}"), &owner)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let (status, _) =
        app.get(&format!("{CHATS}/cost/me/summary?start_date=yesterday"), &owner).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn unpriced_models_are_counted(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let count = || async {
        app.get("/api/experimental/chats/usage-limits", &owner).await.1["unpriced_model_count"]
            .clone()
    };
    assert_eq!(count().await, 0);
    let add = |body: serde_json::Value| async {
        let (status, created) = app.post(&format!("{CHATS}/model-configs"), &owner, body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    };
    add(json!({"provider": "simulated", "model": "free", "context_limit": 1000})).await;
    assert_eq!(count().await, 1);
    let cache_only = json!({"cache_read_price_per_million_tokens": "0.3"});
    let created = add(json!({"provider": "simulated", "model": "cache-only", "context_limit": 1000, "model_config": {"cost": cache_only}})).await;
    assert_eq!(count().await, 2, "cache prices alone do not price a model");
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            &format!("{CHATS}/model-configs/{}", created["id"].as_str().unwrap_or_default()),
            Some(&owner),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count().await, 1, "disabled models are not counted");
    // Legacy top-level price keys price a model too; negative prices are refused.
    add(json!({"provider": "simulated", "model": "legacy", "context_limit": 1000, "model_config": {"input_price_per_million_tokens": 1.5}})).await;
    assert_eq!(count().await, 1);
    let (status, err) = app
        .post(&format!("{CHATS}/model-configs"), &owner, json!({"provider": "simulated", "model": "neg", "context_limit": 1000, "model_config": {"cost": {"input_price_per_million_tokens": -1}}}))
        .await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::BAD_REQUEST, json!("Prices must not be negative."))
    );
    let (status, err) = app
        .post(
            &format!("{CHATS}/model-configs"),
            &owner,
            json!({"provider": "simulated", "model": "x"}),
        )
        .await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::BAD_REQUEST, json!("Context limit is required."))
    );
    let (status, err) =
        app.post(&format!("{CHATS}/providers"), &owner, json!({"provider": "mystery"})).await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::BAD_REQUEST, json!("Invalid provider."))
    );
    app.post(&format!("{CHATS}/providers"), &owner, json!({"provider": "simulated"})).await;
    let (status, err) =
        app.post(&format!("{CHATS}/providers"), &owner, json!({"provider": "simulated"})).await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::CONFLICT, json!("Chat provider already exists."))
    );
}

/// A price sent as a JSON number keeps every digit: it is read from its text, never as a float
/// (which would turn 1.234567890123456789 into 1.2345678901234568).
async fn number_prices_are_read_exactly(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let body = r#"{"provider": "simulated", "model": "exact", "context_limit": 1000,
        "model_config": {"cost": {"input_price_per_million_tokens": 1.234567890123456789,
                                  "output_price_per_million_tokens": 3.000000000000000001}}}"#;
    let req = app
        .http
        .post(format!("{}{CHATS}/model-configs", app.base))
        .header("Coder-Session-Token", &owner)
        .header("Content-Type", "application/json")
        .body(body);
    let (status, created) = app.raw(req).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let cost = &created["model_config"]["cost"];
    assert_eq!(cost["input_price_per_million_tokens"], "1.234567890123456789");
    assert_eq!(cost["output_price_per_million_tokens"], "3.000000000000000001");
    let legacy = r#"{"provider": "simulated", "model": "legacy-exact", "context_limit": 1000,
        "model_config": {"input_price_per_million_tokens": 0.30000000000000004}}"#;
    let req = app
        .http
        .post(format!("{}{CHATS}/model-configs", app.base))
        .header("Coder-Session-Token", &owner)
        .header("Content-Type", "application/json")
        .body(legacy);
    let (status, created) = app.raw(req).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["model_config"]["cost"]["input_price_per_million_tokens"],
        "0.30000000000000004"
    );
}

/// `GET …/cost/{user}/daily`: each of the last days as the limits count it (gateway calls here),
/// today last, days without spend as 0; bad ranges are 400 and another member's is 403.
async fn daily_spend_reads_the_day_counters(app: TestApp) {
    use crate::gateway::{chat, gate, spent};
    let g = gate(&app).await;
    let url = format!("{}/v1/chat/completions", app.base);
    let start = app.now();
    let call = || app.http.post(&url).bearer_auth(&g.key).json(&chat("count my day"));
    let (status, _) = app.raw(call()).await;
    assert_eq!(status, StatusCode::OK);
    let yesterday = spent(&app, g.owner_id).await;
    app.clock.set(start + chrono::Duration::days(1));
    for _ in 0..2 {
        let (status, _) = app.raw(call()).await;
        assert_eq!(status, StatusCode::OK);
    }
    let today = spent(&app, g.owner_id).await;
    // A day later the first session has expired: sign in again.
    let owner = app.login("owner@example.com").await;
    let (status, daily) = app.get(&format!("{CHATS}/cost/me/daily?days=3"), &owner).await;
    assert_eq!(status, StatusCode::OK, "{daily}");
    let days = daily["days"].as_array().expect("days");
    assert_eq!(days.len(), 3, "{daily}");
    let date = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
    assert_eq!(days[2]["date"], date(app.now()), "today last: {daily}");
    assert_eq!(days[1]["date"], date(start));
    assert_eq!(days[0]["spent_micros"], 0);
    assert_eq!(days[1]["spent_micros"], yesterday.get(), "{daily}");
    assert_eq!(days[2]["spent_micros"], today.get(), "{daily}");
    for bad in ["0", "367", "x"] {
        let (status, err) = app.get(&format!("{CHATS}/cost/me/daily?days={bad}"), &owner).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "days={bad}: {err}");
    }
    let (member, _) = app.user(&owner, "dana", &[], &[]).await;
    let path = format!("{CHATS}/cost/{}/daily", g.owner_id);
    let (status, _) = app.get(&path, &member).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another member's daily spend");
}
