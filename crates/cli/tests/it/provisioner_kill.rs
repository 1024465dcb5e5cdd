//! A provisioner killed with -9 in the middle of a build (a promise about work, not money:
//! a job is never left `running` forever, nor run twice). Another replica on
//! the same database fails the build's job with a clear error once its heartbeat is stale.

use crate::support::{Home, Server, serve_in, sqlite};
use crate::template::terraform_binary;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const SLOW: &str = r#"
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 30"
  }
}
"#;

const STALE_SECS: &str = "3";

fn post(server: &Server, token: &str, path: &str, body: Value) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(async {
        let resp = reqwest::Client::new()
            .post(format!("{}{path}", server.url))
            .header("Coder-Session-Token", token)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.expect("json")
    })
}

/// Polls `done` for at most `secs` seconds; its last answer.
fn until(what: &str, secs: u64, mut done: impl FnMut() -> Option<Value>) -> Value {
    let start = Instant::now();
    loop {
        if let Some(found) = done() {
            return found;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The provider binary beside the `tollgate` under test, where `serve` looks for it.
fn provider_is_built() -> bool {
    let beside =
        Path::new(env!("CARGO_BIN_EXE_tollgate")).with_file_name("terraform-provider-coder");
    if !beside.exists() {
        let built = std::process::Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "tollgate-provider-coder"])
            .status();
        assert!(built.is_ok_and(|s| s.success()), "could not build the provider");
    }
    beside.exists()
}

#[test]
fn a_provisioner_killed_mid_build_leaves_a_failed_job() {
    let Some(terraform) = terraform_binary() else {
        assert!(std::env::var_os("CI").is_none(), "no terraform binary, and CI must not skip");
        return;
    };
    assert!(provider_is_built(), "the provider binary");
    let (_db, url) = sqlite();
    let args =
        ["--stale-run-timeout", STALE_SECS, "--provisioners", "1", "--terraform", &terraform];
    let first = serve_in(&url, tempfile::tempdir().expect("data"), &args);
    let home = Home::new();
    home.first_user(&first);
    let token = home.token("default");
    let dir = tempfile::tempdir().expect("template dir");
    std::fs::write(dir.path().join("main.tf"), SLOW).expect("main.tf");
    home.run(&["templates", "push", "slow", "--dir", dir.path().to_str().expect("utf-8")]);
    let org = crate::support::api(&first.url, &token, "/api/v2/users/me")["organization_ids"][0]
        .as_str()
        .expect("an organization")
        .to_owned();
    let templates =
        crate::support::api(&first.url, &token, &format!("/api/v2/organizations/{org}/templates"));
    let template = templates[0]["id"].as_str().expect("the template").to_owned();
    let body = json!({"name": "slow", "template_id": template});
    let workspace = post(&first, &token, "/api/v2/users/me/workspaces", body);
    let build = workspace["latest_build"]["id"].as_str().expect("a build").to_owned();
    let logs = format!("/api/v2/workspacebuilds/{build}/logs");
    until("the build to reach its provisioner", 120, || {
        let lines = crate::support::api(&first.url, &token, &logs);
        let sleeping = lines.as_array().into_iter().flatten().any(|l| {
            l["output"].as_str().is_some_and(|o| o.contains("Provisioning with 'local-exec'"))
        });
        sleeping.then_some(lines)
    });

    let _ = first.kill();
    // Another replica (its own data directory) on the same database sweeps the stale job.
    let second = serve_in(&url, tempfile::tempdir().expect("data"), &args);
    let path = format!("/api/v2/workspacebuilds/{build}");
    let ended = until("the stale job to be failed", 60, || {
        let b = crate::support::api(&second.url, &token, &path);
        (b["status"] != "running" && b["status"] != "pending").then_some(b)
    });
    assert_eq!(ended["status"], "failed", "{ended}");
    let error = ended["job"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("stopped heartbeating"), "a clear error: {ended}");
    // Nothing runs it again: still failed after another sweep.
    std::thread::sleep(Duration::from_secs(4));
    let later = crate::support::api(&second.url, &token, &path);
    assert_eq!(later["status"], "failed", "{later}");
}
