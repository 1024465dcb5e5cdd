//! The DOT parser on the forms `terraform graph` and hand-written graphs use.

use tollgate_terraform::{Direction, parse_dot};

#[test]
fn reads_terraform_graph_output() {
    let dot = std::fs::read_to_string(
        crate::golden::fixtures_dir().join("calling-module/calling-module.tfstate.dot"),
    )
    .expect("fixture");
    let g = parse_dot(&dot).expect("parse");
    assert!(g.find_by_label("coder_agent.main").is_some());
    assert!(g.find_by_label("module.module.null_resource.example").is_some());
    assert!(g.edge_count() > 5);
}

#[test]
fn reads_the_simplified_graph_and_general_dot() {
    let dot = r#"
        // comment
        # preprocessor line
        strict digraph G {
          rankdir = "RL";
          node [shape = rect, fontname = "sans-serif"];
          /* block
             comment */
          a [label=alpha]; b [label = "beta"] [color = red]
          a:port:n -> b -> "c" [style = dashed];
          subgraph cluster_x { d [label = <<b>delta</b>>] }
          { e }
          -1.5 -> a
        }"#;
    let g = parse_dot(dot).expect("parse");
    assert_eq!(g.node_count(), 6);
    assert_eq!(g.edge_count(), 3);
    assert!(g.find_by_label("alpha").is_some());
    assert!(g.find_by_label("beta").is_some());
    assert!(g.find_by_label("<<b>delta</b>>").is_some(), "only quotes are trimmed from labels");
    let a = g.find_by_label("alpha").expect("alpha");
    assert_eq!(g.closest(a, Direction::Down, |l| l == "beta"), Some("beta"));
}

#[test]
fn node_ids_keep_quotes_and_escapes() {
    let dot = r#"digraph { "[root] provider[\"x\"]" [label = "provider[\"x\"]"] "[root] a.b (expand)" -> "[root] c.d (expand)" }"#;
    let g = parse_dot(dot).expect("parse");
    assert!(g.find_by_label(r#"provider[\"x\"]"#).is_some());
    assert!(g.has_expand_edge("a.b", "c.d"));
    assert!(!g.has_expand_edge("c.d", "a.b"));
    assert!(!g.has_expand_edge("b", "c.d"), "the ] anchor is part of the suffix");
}

#[test]
fn module_resources_do_not_match_plan_edges() {
    let dot = r#"digraph { "[root] module.m.coder_app.x (expand)" -> "[root] coder_agent.main (expand)" }"#;
    let g = parse_dot(dot).expect("parse");
    assert!(!g.has_expand_edge("coder_app.x", "coder_agent.main"));
}

#[test]
fn search_terminates_on_cycles() {
    let dot = r#"digraph { a -> b  b -> a  b -> c  c [label = "target"] a [label = "start"] }"#;
    let g = parse_dot(dot).expect("parse");
    let a = g.find_by_label("start").expect("a");
    assert_eq!(g.closest(a, Direction::Up, |l| l == "target"), None);
    assert_eq!(g.closest(a, Direction::Down, |l| l == "target"), Some("target"));
    assert_eq!(
        g.closest(a, Direction::Down, |l| l == "start"),
        Some("start"),
        "start reachable via a cycle"
    );
}
