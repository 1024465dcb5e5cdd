//! The OpenAPI document is generated from the code; its committed snapshot (`docs/openapi.json`)
//! makes every API change a reviewable diff. `UPDATE_GENERATED=1` rewrites it.

use crate::support::TestApp;
use reqwest::StatusCode;
use std::path::PathBuf;

#[test]
fn openapi_snapshot_is_fresh() {
    let generated = tollgate_server::openapi_json() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: run `UPDATE_GENERATED=1 cargo test -p tollgate-server openapi`"
    );
}

on_both!(openapi_is_served_and_health_answers);

async fn openapi_is_served_and_health_answers(app: TestApp) {
    let (status, doc) = app.call(reqwest::Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in ["/api/v2/users/first", "/api/experimental/chats/usage-limits/status", "/healthz"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the document");
    }
    assert!(doc["components"]["schemas"].get("ChatUsageLimitStatus").is_some());
    let (status, body) = app.call(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!((status, body), (StatusCode::OK, serde_json::json!("ok")));
}
