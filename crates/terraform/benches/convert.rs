//! Conversion throughput against the floor of merely parsing the same JSON with serde_json,
//! on synthetic states of 10, 100, 1k and 10k resources. Prints one line per size with the
//! ratio convert / parse, and the time per resource (flat when conversion is linear).
//!
//! `cargo bench -p tollgate-terraform --bench convert`. Without `--bench` (e.g. under
//! `cargo test --benches`) it only smoke-tests the smallest size.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// A Coder-like template: per group of ten resources one host, its agent, three apps, two
/// envs, a script, a devcontainer and a metadata resource, wired as `terraform graph` does.
fn synthetic(resources: usize) -> (String, String) {
    let mut list = Vec::with_capacity(resources);
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut g = 0;
    while list.len() < resources {
        let agent_id = format!("00000000-0000-4000-8000-{g:012}");
        let agent = format!("coder_agent.a{g}");
        let mut push = |type_: &str, name: String, values: Value, depends_on: Option<&str>| {
            let label = format!("{type_}.{name}");
            if let Some(dep) = depends_on {
                edges.push((label.clone(), dep.to_owned()));
            }
            list.push(json!({"address": label, "mode": "managed", "type": type_, "name": name, "values": values}));
        };
        push(
            "coder_agent",
            format!("a{g}"),
            json!({"id": agent_id, "auth": "token", "token": format!("tok-{g}"), "os": "linux", "arch": "amd64",
                   "connection_timeout": 120, "display_apps": [{"vscode": true, "web_terminal": true, "ssh_helper": true,
                   "port_forwarding_helper": true}], "metadata": [{"key": "load", "script": "uptime", "interval": 5, "timeout": 1}],
                   "startup_script": "echo hi", "api_key_scope": "all", "env": {"A": "1"}}),
            None,
        );
        push(
            "null_resource",
            format!("h{g}"),
            json!({"id": format!("{g}"), "triggers": null}),
            Some(&agent),
        );
        for a in 0..3 {
            let values = json!({"agent_id": agent_id, "slug": format!("app-{g}-{a}"), "url": "http://localhost:8080",
                                "share": "owner", "open_in": "slim-window", "healthcheck": [{"url": "http://x", "interval": 5, "threshold": 6}]});
            push("coder_app", format!("app{g}_{a}"), values, Some(&agent));
        }
        for e in 0..2 {
            let values = json!({"agent_id": agent_id, "name": format!("E{e}"), "value": "v"});
            push("coder_env", format!("env{g}_{e}"), values, Some(&agent));
        }
        push(
            "coder_script",
            format!("s{g}"),
            json!({"agent_id": agent_id, "display_name": "setup", "script": "true", "run_on_start": true}),
            Some(&agent),
        );
        push(
            "coder_devcontainer",
            format!("dc{g}"),
            json!({"agent_id": agent_id, "workspace_folder": "/w", "id": format!("dc-{g}"), "subagent_id": format!("sub-{g}")}),
            Some(&agent),
        );
        let host = format!("null_resource.h{g}");
        push(
            "coder_metadata",
            format!("m{g}"),
            json!({"resource_id": g.to_string(), "item": [{"key": "k", "value": "v"}]}),
            Some(&host),
        );
        g += 1;
    }
    list.truncate(resources);
    let state = json!({"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {"resources": list}}});
    (state.to_string(), dot(&list, &edges))
}

fn dot(resources: &[Value], edges: &[(String, String)]) -> String {
    let id = |l: &str| format!("\"[root] {l} (expand)\"");
    let provider = "\"[root] provider[\\\"registry.terraform.io/coder/coder\\\"]\"";
    let close = "\"[root] provider[\\\"registry.terraform.io/coder/coder\\\"] (close)\"";
    let mut out = String::from(
        "digraph {\n\tcompound = \"true\"\n\tnewrank = \"true\"\n\tsubgraph \"root\" {\n",
    );
    for r in resources {
        let label = r["address"].as_str().unwrap_or_default();
        out.push_str(&format!("\t\t{} [label = \"{label}\", shape = \"box\"]\n", id(label)));
        out.push_str(&format!("\t\t{} -> {provider}\n\t\t{close} -> {}\n", id(label), id(label)));
    }
    for (a, b) in edges {
        out.push_str(&format!("\t\t{} -> {}\n", id(a), id(b)));
    }
    out.push_str(&format!("\t\t\"[root] root\" -> {close}\n\t}}\n}}\n"));
    out
}

/// The median of `samples` timings of `f`, each repeating it enough to last ~`budget`.
fn measure(samples: usize, budget: Duration, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_nanos(1));
    let reps = (budget.as_nanos() / once.as_nanos()).clamp(1, 10_000) as u32;
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed() / reps
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if full { &SIZES } else { &SIZES[..1] };
    let (samples, budget) =
        if full { (9, Duration::from_millis(300)) } else { (1, Duration::from_millis(1)) };
    println!(
        "{:>9} {:>10} {:>9} {:>12} {:>12} {:>7} {:>14}",
        "resources", "json bytes", "dot bytes", "serde_json", "convert", "ratio", "convert/res"
    );
    for &n in sizes {
        let (json, dot) = synthetic(n);
        let converted = tollgate_terraform::convert(&json, &dot).expect("synthetic state converts");
        // Per group of ten: host, two envs and the devcontainer are output resources.
        assert_eq!(converted.state.resources.len(), n / 10 * 4);
        let floor = measure(samples, budget, || {
            black_box(serde_json::from_str::<Value>(black_box(&json)).expect("json"));
        });
        let conv = measure(samples, budget, || {
            black_box(
                tollgate_terraform::convert(black_box(&json), black_box(&dot)).expect("convert"),
            );
        });
        println!(
            "{n:>9} {:>10} {:>9} {:>12.3?} {:>12.3?} {:>7.2} {:>14.3?}",
            json.len(),
            dot.len(),
            floor,
            conv,
            conv.as_secs_f64() / floor.as_secs_f64(),
            conv / n as u32,
        );
    }
}
