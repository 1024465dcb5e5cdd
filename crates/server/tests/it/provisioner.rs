//! The provisioner with the real `terraform` and tollgate's own `coder` provider: push the
//! example template, create a workspace (a bad parameter value refused with Coder's message),
//! follow the build's logs to success, read its agents, authenticate as its agent with the token
//! the provider generated, stop (agent revoked) and delete (gone, 410); cancel a long build.

use crate::support::TestApp;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tollgate_server::Settings;

/// The real Terraform (`$TERRAFORM`, else /usr/local/bin/terraform, else PATH); `None` skips the
/// test, except under CI.
fn terraform() -> Option<PathBuf> {
    let candidates = [
        std::env::var("TERRAFORM").ok(),
        Some("/usr/local/bin/terraform".into()),
        Some("terraform".into()),
    ];
    let found = candidates.into_iter().flatten().find(|bin| {
        std::process::Command::new(bin).arg("version").output().is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "no terraform binary, and CI must not skip");
        eprintln!("SKIPPED: no terraform binary");
    }
    found.map(PathBuf::from)
}

/// The provider binary of this workspace's build (`target/<profile>/terraform-provider-coder`),
/// built first when this test binary was built alone (`cargo test -p tollgate-server`).
fn provider_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let binary = profile_dir.join("terraform-provider-coder");
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "-p", "tollgate-provider-coder", "--bin", "terraform-provider-coder"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "build the provider binary");
    }
    binary
}

fn provisioner_settings(s: &mut Settings, terraform: PathBuf) {
    s.provisioner.workers = 2;
    s.provisioner.terraform = terraform;
    s.provisioner.provider_binary = Some(provider_binary());
    s.provisioner.heartbeat_interval = Duration::from_millis(200);
    s.provisioner.poll_interval = Duration::from_millis(100);
}

/// A tar of every file in `dir` (flat templates).
fn tar_of(dir: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir_all(".", dir).expect("tar the template");
    builder.into_inner().expect("tar bytes")
}

fn tar_of_text(name: &str, text: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append_data(&mut header, name, text.as_bytes()).expect("append");
    builder.into_inner().expect("tar bytes")
}

/// A tar whose one file is named `../escape.tf` (the tar crate's builder refuses to write one).
fn escaping_tar() -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    let name = b"../escape.tf";
    header.as_gnu_mut().expect("gnu header").name[..name.len()].copy_from_slice(name);
    header.set_size(2);
    header.set_mode(0o644);
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, &b"{}"[..]).expect("append");
    builder.into_inner().expect("tar bytes")
}

/// A non-tar upload is refused; an archive reaching outside its directory fails its import.
async fn refuses_hostile_archives(app: &TestApp, owner: &str, org: uuid::Uuid) {
    let req = app
        .http
        .post(format!("{}/api/v2/files", app.base))
        .header("Coder-Session-Token", owner)
        .header("Content-Type", "application/zip")
        .body(vec![1, 2, 3]);
    let (status, _) = app.raw(req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, file) = app.upload(owner, escaping_tar()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let body = json!({"file_id": file["hash"]});
    let path = format!("/api/v2/organizations/{org}/templateversions");
    let (_, version) = app.post(&path, owner, body).await;
    let path = format!("/api/v2/templateversions/{}", version["id"].as_str().expect("id"));
    let done = app.until_final(owner, &path, |v| &v["job"]["status"]).await;
    assert_eq!(done["job"]["status"], "failed", "{done}");
    let error = done["job"]["error"].as_str().unwrap_or("");
    assert!(error.contains("outside its directory"), "{done}");
}

fn starter() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/templates/starter")
}

impl TestApp {
    async fn upload(&self, token: &str, tar: Vec<u8>) -> (StatusCode, Value) {
        let req = self
            .http
            .post(format!("{}/api/v2/files", self.base))
            .header("Coder-Session-Token", token)
            .header("Content-Type", "application/x-tar")
            .body(tar);
        self.raw(req).await
    }

    /// Uploads, imports and makes a template of `tar`; the template's JSON.
    async fn push_template(&self, token: &str, org: uuid::Uuid, name: &str, tar: Vec<u8>) -> Value {
        let (status, file) = self.upload(token, tar).await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        let body = json!({"file_id": file["hash"]});
        let (status, version) =
            self.post(&format!("/api/v2/organizations/{org}/templateversions"), token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{version}");
        let path = format!("/api/v2/templateversions/{}", version["id"].as_str().expect("id"));
        let done = self.until_final(token, &path, |v| &v["job"]["status"]).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        let body = json!({"name": name, "template_version_id": version["id"]});
        let (status, template) =
            self.post(&format!("/api/v2/organizations/{org}/templates"), token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{template}");
        template
    }

    /// Polls `path` until the status `at` picks is final (bounded, so a hung job fails the test).
    async fn until_final(&self, token: &str, path: &str, at: impl Fn(&Value) -> &Value) -> Value {
        for _ in 0..1200 {
            let (status, body) = self.get(path, token).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            if matches!(at(&body).as_str(), Some("succeeded" | "failed" | "canceled")) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("{path} did not end");
    }

    async fn new_build(&self, token: &str, workspace: &str, transition: &str) -> Value {
        let path = format!("/api/v2/workspaces/{workspace}/builds");
        let (status, build) = self.post(&path, token, json!({"transition": transition})).await;
        assert_eq!(status, StatusCode::CREATED, "{build}");
        let path = format!("/api/v2/workspacebuilds/{}", build["id"].as_str().expect("id"));
        self.until_final(token, &path, |b| &b["status"]).await
    }
}

/// Every log line of the build, followed over the WebSocket until the job ends.
async fn follow_logs(app: &TestApp, token: &str, build: &str) -> Vec<Value> {
    let url = format!(
        "{}/api/v2/workspacebuilds/{build}/logs?follow=true",
        app.base.replacen("http", "ws", 1)
    );
    let mut req = url.into_client_request().expect("request");
    req.headers_mut().insert("Coder-Session-Token", token.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.expect("websocket");
    let mut lines = Vec::new();
    while let Some(Ok(message)) = socket.next().await {
        match message {
            Message::Text(text) => lines.push(serde_json::from_str(&text).expect("a log line")),
            Message::Close(_) => break,
            _ => {}
        }
    }
    lines
}

fn agent_token(state: &[u8]) -> String {
    let state: Value = serde_json::from_slice(state).expect("state JSON");
    let agent = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["type"] == "coder_agent")
        .expect("the agent in the state");
    agent["instances"][0]["attributes"]["token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn a_workspace_lives_and_dies_with_real_terraform_on_sqlite() {
    let Some(terraform) = terraform() else { return };
    a_workspace_lives_and_dies(tollgate_store::testing::sqlite().await, terraform).await;
}

#[tokio::test]
async fn a_workspace_lives_and_dies_with_real_terraform_on_postgres() {
    let Some(terraform) = terraform() else { return };
    let Some(db) = tollgate_store::testing::postgres().await else { return };
    a_workspace_lives_and_dies(db, terraform).await;
}

async fn a_workspace_lives_and_dies(db: tollgate_store::testing::TestDb, terraform: PathBuf) {
    let app = TestApp::start_with(db, |s| provisioner_settings(s, terraform)).await;
    let (owner, _, org) = app.first_owner().await;
    let template = app.push_template(&owner, org, "starter", tar_of(&starter())).await;
    let (status, again) = app.upload(&owner, tar_of(&starter())).await;
    assert_eq!(status, StatusCode::OK, "the same bytes again: {again}");
    refuses_hostile_archives(&app, &owner, org).await;
    let version = template["active_version_id"].as_str().expect("version");
    let (_, params) =
        app.get(&format!("/api/v2/templateversions/{version}/rich-parameters"), &owner).await;
    let names: Vec<_> =
        params.as_array().expect("params").iter().map(|p| p["name"].clone()).collect();
    assert_eq!(
        names,
        [json!("repo"), json!("size")],
        "in Coder's order (order, then name): {params}"
    );
    let (_, presets) =
        app.get(&format!("/api/v2/templateversions/{version}/presets"), &owner).await;
    assert_eq!(presets[0]["Name"], "Big machine", "{presets}");

    // A value the template's validation refuses never reaches Terraform.
    let bad = json!({"name": "dev", "template_id": template["id"],
        "rich_parameter_values": [{"name": "repo", "value": "git@example.com:x.git"}]});
    let (status, refused) = app.post("/api/v2/users/me/workspaces", &owner, bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["validations"][0]["field"], "repo", "{refused}");
    assert!(
        refused["validations"][0]["detail"].as_str().unwrap_or("").contains("Use an https:// URL"),
        "{refused}"
    );

    let body = json!({"name": "dev", "template_id": template["id"],
        "rich_parameter_values": [{"name": "repo", "value": "https://example.com/x.git"}]});
    let (status, ws) = app.post("/api/v2/users/me/workspaces", &owner, body).await;
    assert_eq!(status, StatusCode::CREATED, "{ws}");
    let ws_id = ws["id"].as_str().expect("id").to_owned();
    let build_id = ws["latest_build"]["id"].as_str().expect("build").to_owned();
    let lines = follow_logs(&app, &owner, &build_id).await;
    assert!(lines.iter().any(|l| l["stage"] == "Starting workspace"), "{lines:?}");
    let (_, build) = app.get(&format!("/api/v2/workspacebuilds/{build_id}"), &owner).await;
    assert_eq!(build["status"], "succeeded", "{build}");

    let (_, ws) = app.get(&format!("/api/v2/workspaces/{ws_id}"), &owner).await;
    let machine = ws["latest_build"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["name"] == "machine")
        .cloned()
        .unwrap_or_else(|| panic!("no machine in {ws}"));
    let agent = &machine["agents"][0];
    assert_eq!(agent["name"], "main", "{ws}");
    assert_eq!(agent["apps"][0]["slug"], "code", "{ws}");
    assert_eq!(agent["scripts"][0]["display_name"], "Clone repository", "{ws}");
    assert_eq!(agent["devcontainers"][0]["workspace_folder"], "/home/coder/src", "{ws}");

    // The agent signs in with the token the provider generated (kept only in the state).
    let build_uuid = build_id.parse().expect("uuid");
    let sealed =
        app.store().build_terraform_state(build_uuid).await.expect("read").expect("a state");
    assert!(
        !String::from_utf8_lossy(&sealed).contains("\"token\""),
        "the state is stored sealed: its agent tokens are not in the database in the clear"
    );
    let state = crate::support::open_state(&sealed);
    let token = agent_token(&state);
    let manifest = |token: String| {
        let req = app
            .http
            .get(format!("{}/api/v2/workspaceagents/me/manifest", app.base))
            .header("Coder-Session-Token", token);
        app.raw(req)
    };
    let (status, m) = manifest(token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["agent_name"], "main", "{m}");

    let stopped = app.new_build(&owner, &ws_id, "stop").await;
    assert_eq!(stopped["status"], "succeeded", "{stopped}");
    let (status, _) = manifest(token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a stop revokes the agent");

    let deleted = app.new_build(&owner, &ws_id, "delete").await;
    assert_eq!(deleted["status"], "succeeded", "{deleted}");
    let (status, _) = app.get(&format!("/api/v2/workspaces/{ws_id}"), &owner).await;
    assert_eq!(status, StatusCode::GONE);
    let (_, list) = app.get("/api/v2/workspaces", &owner).await;
    assert_eq!(list["count"], 0, "{list}");
    let last = deleted["id"].as_str().expect("id").parse().expect("uuid");
    let state = app.store().build_terraform_state(last).await.expect("read").expect("a state");
    let state: Value = serde_json::from_slice(&crate::support::open_state(&state)).expect("JSON");
    assert_eq!(state["resources"], json!([]), "delete destroyed everything");
    app.stop().await;
}

const SLOW: &str = r#"
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 60"
  }
}
"#;

/// A workspace of the slow template whose build is inside `sleep 60`; (owner token, build id).
async fn sleeping_build(app: &TestApp) -> (String, String) {
    let (owner, _, org) = app.first_owner().await;
    let template = app.push_template(&owner, org, "slow", tar_of_text("main.tf", SLOW)).await;
    let body = json!({"name": "slow", "template_id": template["id"]});
    let (status, ws) = app.post("/api/v2/users/me/workspaces", &owner, body).await;
    assert_eq!(status, StatusCode::CREATED, "{ws}");
    let build = ws["latest_build"]["id"].as_str().expect("build").to_owned();
    let logs = format!("/api/v2/workspacebuilds/{build}/logs");
    for _ in 0..1200 {
        let (_, lines) = app.get(&logs, &owner).await;
        let sleeping =
            lines.as_array().into_iter().flatten().any(|l| {
                l["output"].as_str().unwrap_or("").contains("Provisioning with 'local-exec'")
            });
        if sleeping {
            return (owner, build);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the build never reached its provisioner");
}

#[tokio::test]
async fn a_long_build_is_canceled() {
    let Some(terraform) = terraform() else { return };
    let Some(db) = tollgate_store::testing::postgres().await else { return };
    let app = TestApp::start_with(db, |s| provisioner_settings(s, terraform)).await;
    let (owner, build) = sleeping_build(&app).await;
    let cancel = format!("/api/v2/workspacebuilds/{build}/cancel");
    let (status, body) = app.call(Method::PATCH, &cancel, Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = app
        .until_final(&owner, &format!("/api/v2/workspacebuilds/{build}"), |b| &b["status"])
        .await;
    assert_eq!(done["status"], "canceled", "{done}");
    let (status, _) = app.call(Method::PATCH, &cancel, Some(&owner), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an ended job cannot be canceled");
    app.stop().await;
}

/// A worker that stops heartbeating (as a killed one does: here its beats are an hour apart and
/// the clock jumps past the stale timeout) leaves a failed job with a clear error; the sweeper
/// fails it, nothing runs it again.
#[tokio::test]
async fn a_job_whose_worker_stopped_beating_fails_clearly() {
    let Some(terraform) = terraform() else { return };
    let db = tollgate_store::testing::sqlite().await;
    let app = TestApp::start_with(db, |s| {
        provisioner_settings(s, terraform);
        s.provisioner.heartbeat_interval = Duration::from_secs(3600);
        s.provisioner.stale_after = Duration::from_secs(2);
    })
    .await;
    let (owner, build) = sleeping_build(&app).await;
    app.clock.set(tollgate_core::Clock::now(&*app.clock) + chrono::Duration::minutes(5));
    let done = app
        .until_final(&owner, &format!("/api/v2/workspacebuilds/{build}"), |b| &b["status"])
        .await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["job"]["error"], tollgate_store::STALE_JOB_ERROR, "{done}");
    app.stop().await;
}
