//! The Terraform input budget of a real `serve` process: four members' worth of ~30 MiB states
//! (hundreds of thousands of small resources each) posted at once keep the server's peak memory
//! under 1.5 GiB, and every answer is a 201, or a 503/413 with a JSON message — never a 500.

use crate::support::{Home, serve, sqlite};
use reqwest::StatusCode;
use serde_json::Value;
use std::fmt::Write as _;
use tokio::runtime::Runtime;

/// Just under the default 32 MiB body limit.
const BODY_BYTES: usize = 30 * 1024 * 1024;
const PEAK_LIMIT_KIB: u64 = 1536 * 1024;

/// A create body: `resources` small `null_resource`s and one agent on the first, whose token
/// is unique per body; the graph names the agent's host and an eighth of the resources.
fn body(name: &str, resources: usize) -> String {
    let token = uuid::Uuid::new_v4();
    let mut state = format!(
        r#"{{"format_version":"1.0","terraform_version":"1.11.0","values":{{"root_module":{{"resources":[{{"address":"coder_agent.main","mode":"managed","type":"coder_agent","name":"main","values":{{"arch":"amd64","auth":"token","os":"linux","id":"a1","token":"{token}"}}}}"#
    );
    for i in 0..resources {
        let _ = write!(
            state,
            r#",{{"address":"null_resource.r{i}","mode":"managed","type":"null_resource","name":"r{i}","values":{{"id":"{i}","triggers":null}}}}"#
        );
    }
    state.push_str("]}}}");
    let mut graph = String::from("digraph {\n\tsubgraph \"root\" {\n");
    graph.push_str("\t\t\"[root] coder_agent.main (expand)\" [label = \"coder_agent.main\"]\n");
    graph.push_str(
        "\t\t\"[root] null_resource.r0 (expand)\" -> \"[root] coder_agent.main (expand)\"\n",
    );
    for i in 0..resources / 8 {
        let _ = writeln!(
            graph,
            "\t\t\"[root] null_resource.r{i} (expand)\" [label = \"null_resource.r{i}\"]"
        );
    }
    graph.push_str("\t}\n}\n");
    let graph = Value::String(graph).to_string();
    format!(r#"{{"name":"{name}","terraform_state":{state},"terraform_graph":{graph}}}"#)
}

/// How many resources make a body of about `BODY_BYTES`.
fn resources_for_body() -> usize {
    let sample = body("x", 1000);
    BODY_BYTES * 1000 / sample.len()
}

/// `VmHWM` (peak resident) and `VmRSS` of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {status}"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// A created workspace's resource count (its full JSON would hold this process's memory
/// several times over), or an error's body.
fn summary(status: StatusCode, body: &[u8]) -> Value {
    #[derive(serde::Deserialize)]
    struct Created {
        latest_build: Build,
    }
    #[derive(serde::Deserialize)]
    struct Build {
        resources: Vec<serde::de::IgnoredAny>,
    }
    if status == StatusCode::CREATED {
        let created: Created = serde_json::from_slice(body).expect("a workspace");
        return serde_json::json!({"resources": created.latest_build.resources.len()});
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

#[test]
fn four_concurrent_30_mib_states_stay_under_1_5_gib() {
    let (_db_dir, database) = sqlite();
    let server = serve(&database);
    let home = Home::new();
    home.first_user(&server);
    let token = home.token("default");
    let resources = resources_for_body();
    let bodies: Vec<String> = (0..4).map(|i| body(&format!("big{i}"), resources)).collect();
    assert!(bodies.iter().all(|b| b.len() <= 32 * 1024 * 1024), "within the body limit");

    let rt = Runtime::new().expect("runtime");
    let client = reqwest::Client::new();
    let url = format!("{}/api/v2/users/me/workspaces", server.url);
    let answers: Vec<(StatusCode, bool, Value)> = rt.block_on(async {
        let posts = bodies.into_iter().map(|body| {
            let req = client
                .post(&url)
                .header("Coder-Session-Token", &token)
                .header("Content-Type", "application/json")
                .body(body);
            async move {
                let resp = req.send().await.expect("an answer");
                let (status, retry) = (resp.status(), resp.headers().contains_key("retry-after"));
                let text = resp.bytes().await.expect("a body");
                (status, retry, summary(status, &text))
            }
        });
        futures::future::join_all(posts).await
    });

    let (peak, rss) = memory_kib(server.pid());
    let statuses: Vec<_> = answers.iter().map(|(s, ..)| *s).collect();
    eprintln!("{resources} resources a body: {statuses:?}; peak {peak} KiB, now {rss} KiB");
    for (status, retry_after, body) in &answers {
        let summary = body.get("message").cloned().unwrap_or(Value::Null);
        match *status {
            StatusCode::CREATED => {
                assert_eq!(body["resources"], resources, "{statuses:?}");
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::PAYLOAD_TOO_LARGE => {
                assert!(summary.as_str().is_some_and(|m| !m.is_empty()), "{status}: {body}");
                let busy = *status == StatusCode::SERVICE_UNAVAILABLE;
                assert!(!busy || *retry_after, "a 503 says when to retry: {body}");
            }
            other => panic!("{other}: {summary} (all: {statuses:?})"),
        }
    }
    assert!(statuses.contains(&StatusCode::CREATED), "nothing was created: {statuses:?}");
    assert!(peak < PEAK_LIMIT_KIB, "peak resident {peak} KiB over 1.5 GiB ({statuses:?})");
}
