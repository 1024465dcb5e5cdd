//! Workspaces from Coder's Terraform fixtures: created from a state and from a plan, read back
//! with their resources, agents, devcontainers and apps; who may read them; and every bad input a
//! 400 with a message, a duplicate name a 409, a conversion error 400 with nothing stored.

use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub const FIXTURES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/coder-terraform");
pub const DEVCONTAINERS: &str = "devcontainer-multiple-agents";
/// The agent tokens in the devcontainer fixture's state.
pub const MAIN_TOKEN: &str = "c95ffdc5-6456-464d-ae10-33126e7a0d6e";
pub const SECONDARY_TOKEN: &str = "c79ef145-c76d-44f0-a384-19421e503230";

fn fixture(dir: &str, file: &str) -> String {
    let path = format!("{FIXTURES}/{dir}/{file}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read fixture {path}: {e}"))
}

/// A create request from fixture `dir`'s `state` or `plan` documents.
pub fn request(name: &str, dir: &str, step: &str) -> Value {
    let document: Value = serde_json::from_str(&fixture(dir, &format!("{dir}.tf{step}.json")))
        .expect("fixture JSON parses");
    let graph = fixture(dir, &format!("{dir}.tf{step}.dot"));
    json!({"name": name, "terraform_state": document, "terraform_graph": graph})
}

impl TestApp {
    /// Creates a workspace for `user` (`me`, an id or a name); returns it.
    pub async fn workspace(&self, token: &str, user: &str, body: Value) -> Value {
        let (status, ws) =
            self.post(&format!("/api/v2/users/{user}/workspaces"), token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{ws}");
        ws
    }
}

fn resources(ws: &Value) -> &[Value] {
    ws["latest_build"]["resources"].as_array().map_or(&[], Vec::as_slice)
}

fn resource<'a>(ws: &'a Value, kind: &str, name: &str) -> &'a Value {
    resources(ws)
        .iter()
        .find(|r| r["type"] == kind && r["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}.{name} in {ws}"))
}

fn names(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect()
}

/// What both the state and the plan of the devcontainer fixture provision.
fn assert_devcontainer_shape(ws: &Value) {
    let kinds: Vec<_> = resources(ws)
        .iter()
        .map(|r| {
            format!("{}.{}", r["type"].as_str().unwrap_or(""), r["name"].as_str().unwrap_or(""))
        })
        .collect();
    let want = ["coder_devcontainer.dev", "coder_devcontainer.other", "null_resource.dev"];
    assert_eq!(kinds, [&want[..], &["null_resource.secondary"]].concat(), "{ws}");
    let dev = resource(ws, "null_resource", "dev");
    assert_eq!(names(&dev["agents"]), ["main"]);
    let main = &dev["agents"][0];
    assert_eq!(
        (&main["operating_system"], &main["architecture"]),
        (&json!("linux"), &json!("amd64"))
    );
    assert_eq!(names(&main["devcontainers"]), ["dev", "other"]);
    let (dc_dev, dc_other) = (&main["devcontainers"][0], &main["devcontainers"][1]);
    assert_eq!(dc_dev["workspace_folder"], "/workspace");
    assert_eq!(dc_dev["agent"]["name"], "dev", "the dev devcontainer has a sub-agent: {main}");
    assert_eq!(dc_dev["agent"]["directory"], "/workspace");
    let apps: Vec<_> = dc_dev["agent"]["apps"].as_array().expect("apps").iter().collect();
    assert_eq!(apps.len(), 1);
    assert_eq!(
        (&apps[0]["slug"], &apps[0]["open_in"]),
        (&json!("devcontainer-app"), &json!("slim-window"))
    );
    assert!(dc_other.get("agent").is_none(), "other has no apps, scripts or envs: {dc_other}");
    assert_eq!(main["apps"], json!([]));
    let secondary = resource(ws, "null_resource", "secondary");
    assert_eq!(names(&secondary["agents"]), ["secondary"]);
    assert_eq!(resource(ws, "coder_devcontainer", "dev")["agents"], json!([]));
}

on_both!(
    created_from_a_state,
    created_from_a_plan,
    members_read_their_own_and_owners_all,
    bad_input_is_a_400,
    duplicate_names_are_409,
    a_conversion_error_stores_nothing,
    chats_accept_a_readable_workspace,
    metadata_and_instance_identities,
    terraform_bodies_get_their_own_size_limit,
);

async fn created_from_a_state(app: TestApp) {
    let (owner, owner_id, org) = app.first_owner().await;
    let ws = app.workspace(&owner, "me", request("dev", DEVCONTAINERS, "state")).await;
    assert_eq!((&ws["name"], &ws["owner_name"]), (&json!("dev"), &json!("owner")));
    assert_eq!(
        (ws["owner_id"].as_str(), ws["organization_id"].as_str()),
        (Some(&*owner_id.to_string()), Some(&*org.to_string()))
    );
    let build = &ws["latest_build"];
    assert_eq!((&build["build_number"], &build["transition"]), (&json!(1), &json!("start")));
    assert_eq!(build["terraform_document"], "state");
    assert_devcontainer_shape(&ws);
    let main = &resource(&ws, "null_resource", "dev")["agents"][0];
    let apps = json!(["vscode", "ssh_helper", "port_forwarding_helper", "web_terminal"]);
    assert_eq!((&main["display_apps"], &main["api_key_scope"]), (&apps, &json!("all")));
    assert_eq!(main["connection_timeout_seconds"], 120);

    let (status, got) =
        app.get(&format!("/api/v2/workspaces/{}", ws["id"].as_str().unwrap_or("")), &owner).await;
    assert_eq!((status, &got), (StatusCode::OK, &ws));
    let (status, list) = app.get("/api/v2/workspaces", &owner).await;
    assert_eq!((status, &list["count"]), (StatusCode::OK, &json!(1)));
    // The list is of summaries: the build without its resource tree, which the item has.
    let mut summary = ws.clone();
    summary["latest_build"]["resources"] = json!([]);
    assert_eq!(list["workspaces"][0], summary);
    for body in [ws.to_string(), list.to_string()] {
        assert!(!body.contains(MAIN_TOKEN) && !body.contains(SECONDARY_TOKEN), "a token leaked");
    }
}

async fn created_from_a_plan(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let ws = app.workspace(&owner, "owner", request("planned", DEVCONTAINERS, "plan")).await;
    assert_eq!(ws["latest_build"]["terraform_document"], "plan");
    assert_devcontainer_shape(&ws);
    // A plan's display apps are Coder's defaults; its agents have no token to authenticate with.
    let main = &resource(&ws, "null_resource", "dev")["agents"][0];
    assert_eq!(
        main["display_apps"],
        json!(["vscode", "ssh_helper", "port_forwarding_helper", "web_terminal"])
    );
    let (status, _) = app.get("/api/v2/workspaceagents/me/manifest", MAIN_TOKEN).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn members_read_their_own_and_owners_all(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (ann, ann_id) = app.user(&owner, "ann", &[], &[]).await;
    let (bob, bob_id) = app.user(&owner, "bob", &[], &[]).await;
    let ws = app.workspace(&ann, "me", request("anns", DEVCONTAINERS, "state")).await;
    let path = format!("/api/v2/workspaces/{}", ws["id"].as_str().unwrap_or(""));
    assert_eq!(app.get(&path, &ann).await.0, StatusCode::OK);
    assert_eq!(app.get(&path, &owner).await.0, StatusCode::OK);
    let (status, body) = app.get(&path, &bob).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Lists: a member sees their own, the owner everyone's.
    let (_, list) = app.get("/api/v2/workspaces", &bob).await;
    assert_eq!(list["count"], 0, "{list}");
    // Creating for someone else takes the owner's permission.
    let (status, _) = app
        .post(
            &format!("/api/v2/users/{ann_id}/workspaces"),
            &bob,
            request("x", DEVCONTAINERS, "plan"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let for_bob =
        app.workspace(&owner, &bob_id.to_string(), request("given", DEVCONTAINERS, "plan")).await;
    assert_eq!(for_bob["owner_name"], "bob");
    let (_, list) = app.get("/api/v2/workspaces", &owner).await;
    let owners: Vec<_> = list["workspaces"]
        .as_array()
        .expect("list")
        .iter()
        .map(|w| w["owner_name"].clone())
        .collect();
    assert_eq!(owners, [json!("ann"), json!("bob")]);
    let (_, list) = app.get("/api/v2/workspaces", &bob).await;
    assert_eq!((&list["count"], &list["workspaces"][0]["name"]), (&json!(1), &json!("given")));
}

/// Sends a create request; expects a 400 whose message or detail contains `needle`.
async fn expect_400(app: &TestApp, token: &str, body: Value, needle: &str) {
    let (status, resp) = app.post("/api/v2/users/me/workspaces", token, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{resp}");
    let text = format!("{} {}", resp["message"], resp["detail"]);
    assert!(text.contains(needle), "expected {needle:?} in {resp}");
}

async fn bad_input_is_a_400(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let good = request("ok", DEVCONTAINERS, "state");
    for name in [
        "",
        "has space",
        "-lead",
        "trail-",
        "a--b",
        "under_score",
        &"x".repeat(33),
        "new",
        "create",
    ] {
        let body = json!({"name": name, "terraform_state": good["terraform_state"], "terraform_graph": good["terraform_graph"]});
        let (status, resp) = app.post("/api/v2/users/me/workspaces", &owner, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?}: {resp}");
        assert_eq!(resp["validations"][0]["field"], "name", "{resp}");
    }
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    expect_400(&app, &owner, with("terraform_state", json!("text")), "terraform show -json").await;
    expect_400(&app, &owner, with("terraform_state", json!([1])), "terraform show -json").await;
    expect_400(&app, &owner, with("terraform_state", json!({})), "format_version").await;
    expect_400(&app, &owner, with("terraform_graph", json!("digraph {")), "parse graph").await;
    expect_400(&app, &owner, with("terraform_graph", json!(42)), "not valid JSON").await;
    expect_400(
        &app,
        &owner,
        with("organization_id", json!(Uuid::new_v4())),
        "Invalid organization ID",
    )
    .await;
    expect_400(&app, &owner, with("organization_id", json!("nope")), "not valid JSON").await;
    let mut nul = good.clone();
    nul["terraform_state"]["values"]["root_module"]["resources"][0]["values"]["dir"] =
        json!("a\u{0}b");
    expect_400(&app, &owner, nul, "NUL").await;
    let mut missing = good.clone();
    missing.as_object_mut().map(|o| o.remove("terraform_graph"));
    expect_400(&app, &owner, missing, "terraform_graph").await;
    // An agent token that is not a UUID: Coder's text, without the token.
    let text = good["terraform_state"].to_string().replace(MAIN_TOKEN, "secret-not-a-uuid");
    let body = with("terraform_state", serde_json::from_str(&text).expect("json"));
    let (status, resp) = app.post("/api/v2/users/me/workspaces", &owner, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        resp["detail"].as_str().unwrap_or("").contains("invalid auth token format; must be uuid"),
        "{resp}"
    );
    assert!(!resp.to_string().contains("secret-not-a-uuid"), "{resp}");
    // Reads.
    assert_eq!(app.get("/api/v2/workspaces/not-a-uuid", &owner).await.0, StatusCode::BAD_REQUEST);
    let (status, resp) = app.get(&format!("/api/v2/workspaces/{}", Uuid::new_v4()), &owner).await;
    assert_eq!((status, &resp["message"]), (StatusCode::NOT_FOUND, &json!("Workspace not found.")));
    assert_eq!(
        app.post("/api/v2/users/nobody/workspaces", &owner, good).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app.get("/api/v2/workspaces", &owner).await;
    assert_eq!(list["count"], 0, "nothing was stored: {list}");
}

async fn duplicate_names_are_409(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    app.workspace(&owner, "me", request("dev", DEVCONTAINERS, "state")).await;
    let (status, resp) = app
        .post("/api/v2/users/me/workspaces", &owner, request("DEV", DEVCONTAINERS, "plan"))
        .await;
    assert_eq!(
        (status, &resp["message"]),
        (StatusCode::CONFLICT, &json!("Workspace \"DEV\" already exists."))
    );
    // The same state again under a new name: its agent tokens are taken.
    let (status, resp) = app
        .post("/api/v2/users/me/workspaces", &owner, request("again", DEVCONTAINERS, "state"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");
    assert!(!resp.to_string().contains(MAIN_TOKEN));
    app.workspace(&owner, "me", request("dev2", DEVCONTAINERS, "plan")).await;
    let (_, list) = app.get("/api/v2/workspaces", &owner).await;
    assert_eq!(list["count"], 2, "{list}");
}

async fn a_conversion_error_stores_nothing(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let body = request("dup", "resource-metadata-duplicate", "state");
    let (status, resp) = app.post("/api/v2/users/me/workspaces", &owner, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(resp["detail"], "duplicate metadata resource: null_resource.about", "{resp}");
    // A coder_env duplicate under the `error` strategy fails the build, as in Coder.
    let body = request("env", "duplicate-env-keys", "state").to_string().replacen(
        "\"append\"",
        "\"replace\"",
        1,
    );
    let body = body.replacen("\"append\"", "\"error\"", 1);
    let (status, resp) = app
        .post("/api/v2/users/me/workspaces", &owner, serde_json::from_str(&body).expect("json"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let want = "agent \"dev\": duplicate env var \"PATH\": merge_strategy is \"error\" but variable is already defined";
    assert_eq!(resp["detail"], want, "{resp}");
    let (_, list) = app.get("/api/v2/workspaces", &owner).await;
    assert_eq!(list["count"], 0, "{list}");
    // The name is still free.
    app.workspace(&owner, "me", request("dup", DEVCONTAINERS, "plan")).await;
}

async fn chats_accept_a_readable_workspace(app: TestApp) {
    app.offline_model().await;
    let (owner, _, _) = app.first_owner().await;
    let (ann, _) = app.user(&owner, "ann", &[], &[]).await;
    let (bob, _) = app.user(&owner, "bob", &[], &[]).await;
    let ws = app.workspace(&ann, "me", request("anns", DEVCONTAINERS, "plan")).await;
    let chat =
        |workspace: Value| json!({"content": crate::chats::text("hi"), "workspace_id": workspace});
    let (status, c) = app.post(crate::chats::CHATS, &ann, chat(ws["id"].clone())).await;
    assert_eq!((status, &c["workspace_id"]), (StatusCode::CREATED, &ws["id"]));
    let (status, resp) = app.post(crate::chats::CHATS, &bob, chat(ws["id"].clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{resp}");
    let (status, resp) = app.post(crate::chats::CHATS, &bob, chat(json!(Uuid::new_v4()))).await;
    assert_eq!(
        (status, &resp["message"]),
        (StatusCode::BAD_REQUEST, &json!("Invalid workspace ID."))
    );
    let (status, _) = app.post(crate::chats::CHATS, &owner, chat(ws["id"].clone())).await;
    assert_eq!(status, StatusCode::CREATED, "the owner may read every workspace");
}

async fn metadata_and_instance_identities(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let ws = app.workspace(&owner, "me", request("meta", "resource-metadata", "state")).await;
    let about = resource(&ws, "null_resource", "about");
    assert_eq!(
        (&about["hide"], &about["icon"], &about["daily_cost"]),
        (&json!(true), &json!("/icon/server.svg"), &json!(29))
    );
    // Null items are left out as in Coder; sensitive ones are flagged for clients to mask.
    let want = json!([
        {"key": "hello", "value": "world", "sensitive": false},
        {"key": "empty", "value": "", "sensitive": false},
        {"key": "secret", "value": "squirrel", "sensitive": true},
    ]);
    assert_eq!(about["metadata"], want);
    let (status, m) = app
        .get("/api/v2/workspaceagents/me/manifest", "2b4471d9-1281-45bf-8be2-9b182beb9285")
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let want = json!([{"key": "process_count", "display_name": "Process Count", "script": "ps -ef | wc -l", "interval": 5, "timeout": 1}]);
    assert_eq!(m["metadata"], want);

    let ws = app.workspace(&owner, "me", request("cloud", "instance-id", "state")).await;
    let agent = &resource(&ws, "null_resource", "main")["agents"][0];
    assert_eq!((&agent["name"], &agent["instance_id"]), (&json!("main"), &json!("example")));
}

/// A Terraform state may be far larger than other requests: the workspace route has its own
/// limit, and every other route keeps the small one.
async fn terraform_bodies_get_their_own_size_limit(app: TestApp) {
    let app = app.restart_with(|s| s.max_terraform_bytes = 1024 * 1024).await;
    let (owner, _, _) = app.first_owner().await;
    let mut big = request("big", "devcontainer-multiple-agents", "state");
    // Keys Terraform does not define are ignored by the conversion; 200 KiB of them.
    big["terraform_state"]["padding"] = json!("x".repeat(200 * 1024));
    app.workspace(&owner, "me", big.clone()).await;
    let (status, err) = app.post("/api/v2/organizations", &owner, big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
    big["name"] = json!("huge");
    big["terraform_state"]["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let (status, err) = app.post("/api/v2/users/me/workspaces", &owner, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
    assert_eq!(err["message"], "Request body is too large.");
}
