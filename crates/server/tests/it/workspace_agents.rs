//! Agents authenticate with the token from the Terraform state and read their manifest; a wrong
//! token is a 401; and no agent token reaches any response body or log line.

use crate::support::TestApp;
use crate::workspaces::{DEVCONTAINERS, MAIN_TOKEN, SECONDARY_TOKEN, request};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

const MANIFEST: &str = "/api/v2/workspaceagents/me/manifest";
/// The agent token in the duplicate-env-keys fixture's state.
const ENV_TOKEN: &str = "11111111-2222-3333-4444-555555555555";

on_both!(agents_read_their_manifest, wrong_tokens_are_401, agent_tokens_never_leak);

async fn agents_read_their_manifest(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let ws = app.workspace(&owner, "me", request("dev", DEVCONTAINERS, "state")).await;
    let (status, m) = app.get(MANIFEST, MAIN_TOKEN).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(
        (&m["agent_name"], &m["workspace_name"], &m["owner_name"]),
        (&json!("main"), &json!("dev"), &json!("owner"))
    );
    assert_eq!(m["workspace_id"], ws["id"]);
    let main = &ws["latest_build"]["resources"][2]["agents"][0];
    assert_eq!((&m["agent_id"], &m["devcontainers"]), (&main["id"], &main["devcontainers"]));
    assert_eq!(m["devcontainers"][0]["agent"]["apps"][0]["slug"], "devcontainer-app");
    assert!(m.get("parent_id").is_none(), "{m}");
    assert_eq!((&m["apps"], &m["environment_variables"]), (&json!([]), &json!({})));
    // Bearer works too, and a token's case does not matter (it is a UUID).
    let bearer =
        app.http.get(format!("{}{MANIFEST}", app.base)).bearer_auth(SECONDARY_TOKEN.to_uppercase());
    let (status, m) = app.raw(bearer).await;
    assert_eq!((status, &m["agent_name"]), (StatusCode::OK, &json!("secondary")));

    // coder_env values merge by their strategies (both PATH entries append).
    app.workspace(&owner, "me", request("envs", "duplicate-env-keys", "state")).await;
    let (status, m) = app.get(MANIFEST, ENV_TOKEN).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let env = json!({"PATH": "/a/bin:/b/bin", "UNIQUE": "unique_value"});
    assert_eq!(m["environment_variables"], env, "{m}");
}

async fn wrong_tokens_are_401(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    app.workspace(&owner, "me", request("dev", DEVCONTAINERS, "state")).await;
    let random = Uuid::new_v4().to_string();
    for token in [random.as_str(), "not-a-token", owner.as_str(), &MAIN_TOKEN[..35]] {
        let (status, body) = app.get(MANIFEST, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}: {body}");
        assert_eq!(body["message"], "Invalid agent token.");
    }
    let (status, body) = app.call(Method::GET, MANIFEST, None, None).await;
    assert_eq!(
        (status, &body["message"]),
        (StatusCode::UNAUTHORIZED, &json!("Agent token required."))
    );
    // An agent token is not a session token.
    let (status, _) = app.get("/api/v2/users/me", MAIN_TOKEN).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn agent_tokens_never_leak(app: TestApp) {
    let logs = crate::support::logs();
    let (owner, _, _) = app.first_owner().await;
    let (ann, _) = app.user(&owner, "ann", &[], &[]).await;
    let mut bodies = Vec::new();
    let ws = app.workspace(&ann, "me", request("dev", DEVCONTAINERS, "state")).await;
    bodies.push(ws.to_string());
    let id = ws["id"].as_str().unwrap_or_default().to_owned();
    for (path, token) in [
        (format!("/api/v2/workspaces/{id}"), ann.as_str()),
        (format!("/api/v2/workspaces/{id}"), owner.as_str()),
        ("/api/v2/workspaces".to_owned(), owner.as_str()),
        (MANIFEST.to_owned(), MAIN_TOKEN),
        (MANIFEST.to_owned(), SECONDARY_TOKEN),
        (MANIFEST.to_owned(), &MAIN_TOKEN[1..]),
    ] {
        bodies.push(app.get(&path, token).await.1.to_string());
    }
    // Failures that carry the state: a taken token, a conversion error, a bad name.
    for name in ["again", "bad name"] {
        let (_, body) = app
            .post("/api/v2/users/me/workspaces", &ann, request(name, DEVCONTAINERS, "state"))
            .await;
        bodies.push(body.to_string());
    }
    let mut broken = request("broken", DEVCONTAINERS, "state");
    broken["terraform_graph"] = json!("digraph {");
    bodies.push(app.post("/api/v2/users/me/workspaces", &ann, broken).await.1.to_string());

    let log_text =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(!log_text.is_empty(), "the log capture saw nothing; the check would be vacuous");
    for token in [MAIN_TOKEN, SECONDARY_TOKEN] {
        assert!(!log_text.contains(token), "an agent token reached the logs");
        assert!(!log_text.to_lowercase().contains(token), "an agent token reached the logs");
        for body in &bodies {
            assert!(!body.contains(token), "an agent token reached a response: {body}");
        }
    }
}
