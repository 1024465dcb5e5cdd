//! Property tests: random but valid states and graphs never panic, and the result does not
//! depend on the order of resources in the JSON or of statements in the DOT (where Coder's
//! does not either: everything is address- or label-ordered). Random bytes never panic.

use proptest::prelude::*;
use serde_json::{Value, json};
use tollgate_terraform::{convert, golden::to_coder_golden, parse_document, parse_dot};

use crate::support::{Res, graph, managed, state};

/// A random template: hosts, agents, devcontainers, apps, envs, scripts, metadata and edges.
#[derive(Debug, Clone)]
struct Template {
    resources: Vec<Res>,
    labels: Vec<String>,
    edges: Vec<(String, String)>,
}

fn template() -> impl Strategy<Value = Template> {
    (
        1usize..5,
        0usize..4,
        prop::collection::vec((0usize..8, 0usize..8), 0..8),
        prop::collection::vec((0usize..4, 0usize..3), 0..6),
        prop::collection::vec(0usize..6, 0..4),
        prop::collection::vec((0usize..12, 0usize..12), 0..10),
    )
        .prop_map(|(hosts, agents, hostings, items, metas, extra)| {
            build(hosts, agents, &hostings, &items, &metas, &extra)
        })
}

fn build(
    hosts: usize,
    agents: usize,
    hostings: &[(usize, usize)],
    items: &[(usize, usize)],
    metas: &[usize],
    extra: &[(usize, usize)],
) -> Template {
    let mut resources = Vec::new();
    let mut edges = Vec::new();
    for h in 0..hosts {
        resources.push(managed("null_resource", &format!("h{h}"), json!({"id": format!("h{h}")})));
    }
    for a in 0..agents {
        resources.push(managed(
            "coder_agent",
            &format!("a{a}"),
            json!({"id": format!("agent-{a}"), "auth": "token", "token": format!("t{a}"), "os": "linux"}),
        ));
        resources.push(managed(
            "coder_devcontainer",
            &format!("dc{a}"),
            json!({"agent_id": format!("agent-{a}"), "id": format!("dc-{a}"), "subagent_id": format!("sub-{a}"), "workspace_folder": "/w"}),
        ));
        edges.push((format!("coder_devcontainer.dc{a}"), format!("coder_agent.a{a}")));
    }
    for &(h, a) in hostings {
        if agents > 0 {
            edges.push((
                format!("null_resource.h{}", h % hosts),
                format!("coder_agent.a{}", a % agents),
            ));
        }
    }
    for (i, &(target, kind)) in items.iter().enumerate() {
        // Targets an agent id, a sub-agent id, or nothing that exists.
        let rid = match target {
            0 | 1 => format!("agent-{}", i % agents.max(1)),
            2 => format!("sub-{}", i % agents.max(1)),
            _ => "missing".to_owned(),
        };
        let (type_, values) = match kind {
            0 => (
                "coder_app",
                json!({"agent_id": rid, "slug": format!("app{i}"), "id": format!("id{i}"), "display_name": format!("App {i}")}),
            ),
            1 => (
                "coder_env",
                json!({"agent_id": rid, "name": format!("E{}", i % 2), "value": format!("{i}")}),
            ),
            _ => (
                "coder_script",
                json!({"agent_id": rid, "display_name": format!("s{i}"), "script": "true"}),
            ),
        };
        resources.push(managed(type_, &format!("i{i}"), values));
    }
    for (m, &target) in metas.iter().enumerate() {
        resources.push(managed(
            "coder_metadata",
            &format!("m{m}"),
            json!({"item": [{"key": "k", "value": format!("{m}")}]}),
        ));
        edges.push((format!("coder_metadata.m{m}"), format!("null_resource.h{}", target % hosts)));
    }
    let labels: Vec<String> = resources.iter().map(|r| format!("{}.{}", r.type_, r.name)).collect();
    for &(a, b) in extra {
        let (a, b) = (&labels[a % labels.len()], &labels[b % labels.len()]);
        edges.push((a.clone(), b.clone()));
    }
    Template { resources, labels, edges }
}

/// Deterministic Fisher–Yates with a small LCG, so a failing case replays from its seed.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = (seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

fn render(t: &Template) -> (String, String) {
    let labels: Vec<&str> = t.labels.iter().map(String::as_str).collect();
    let edges: Vec<(&str, &str)> = t.edges.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    (state(&t.resources), graph(&labels, &edges))
}

fn outcome(json: &str, dot: &str) -> Result<String, String> {
    convert(json, dot).map(|c| to_coder_golden(&c.state)).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn conversion_is_independent_of_input_order(t in template(), seed in any::<u64>()) {
        let (json, dot) = render(&t);
        let expected = outcome(&json, &dot);
        let mut shuffled = t.clone();
        shuffle(&mut shuffled.resources, seed);
        shuffle(&mut shuffled.labels, seed ^ 0x9e37_79b9);
        shuffle(&mut shuffled.edges, seed.rotate_left(17));
        let (json2, dot2) = render(&shuffled);
        prop_assert_eq!(expected, outcome(&json2, &dot2));
    }

    #[test]
    fn random_attribute_values_never_panic(t in template(), junk in arbitrary_json(), pick in any::<usize>()) {
        let mut t = t;
        let n = t.resources.len();
        let keys = ["id", "agent_id", "display_apps", "metadata", "item", "env", "slug", "healthcheck"];
        if let Some(res) = t.resources.get_mut(pick % n.max(1))
            && let Value::Object(map) = &mut res.values
        {
            map.insert(keys[pick % keys.len()].into(), junk);
        }
        let (json, dot) = render(&t);
        let _ = convert(&json, &dot);
    }

    #[test]
    fn random_bytes_never_panic_the_parsers(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_document(&text);
        let _ = parse_dot(&text);
    }

    #[test]
    fn dot_token_soup_never_panics(tokens in prop::collection::vec(dot_token(), 0..64)) {
        let text = tokens.concat();
        let _ = parse_dot(&text);
        let _ = parse_dot(&format!("digraph {{ {text} }}"));
    }
}

fn dot_token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "digraph",
        "graph",
        "subgraph",
        "node",
        "edge",
        "strict",
        "{",
        "}",
        "[",
        "]",
        "=",
        ";",
        ",",
        ":",
        "->",
        "--",
        "\"a\"",
        "\"[root] x.y (expand)\"",
        "label",
        "\"x.y\"",
        "<b>",
        "<",
        ">",
        "-",
        "1.5",
        "/*",
        "*/",
        "//",
        "\n",
        "#",
        "\\",
        "\"",
        " ",
    ])
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
