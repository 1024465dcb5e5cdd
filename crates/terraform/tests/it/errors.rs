//! Every error text of spec §10, and clean errors (never panics) for hostile input (§17).

use serde_json::json;
use tollgate_terraform::{MAX_INPUT_BYTES, convert, parse_document, parse_dot};

use crate::support::{agent, data, err, graph, managed, state};

fn hosted(agent_name: &str) -> String {
    graph(
        &[&format!("coder_agent.{agent_name}"), "null_resource.h"],
        &[("null_resource.h", &format!("coder_agent.{agent_name}"))],
    )
}

#[test]
fn agent_name_errors() {
    let empty = state(&[agent("", "1")]);
    assert_eq!(err(&empty, "digraph {}"), "agent name cannot be empty");

    let under = state(&[agent("bad_name", "1")]);
    assert_eq!(
        err(&under, &hosted("bad_name")),
        r#"agent name "bad_name" contains underscores which are no longer supported, please use hyphens instead (regex: "(?i)^[a-z0-9](-?[a-z0-9])*$")"#
    );

    for bad in ["-dev", "dev-", "de--v", "dév"] {
        let s = state(&[agent(bad, "1")]);
        assert_eq!(
            err(&s, &hosted(bad)),
            format!(r#"agent name "{bad}" does not match regex "(?i)^[a-z0-9](-?[a-z0-9])*$""#)
        );
    }

    let dup = state(&[agent("Main", "1"), agent("main", "2")]);
    let dot = graph(&["coder_agent.Main", "coder_agent.main"], &[]);
    assert_eq!(err(&dup, &dot), "duplicate agent name: main");
}

#[test]
fn counted_agents_share_a_name_and_collide() {
    let s = state(&[agent("dev[0]", "1"), agent("dev[1]", "2")]);
    assert_eq!(err(&s, &hosted("dev")), "duplicate agent name: dev");
}

#[test]
fn agent_missing_from_the_graph() {
    let s = state(&[agent("main", "1")]);
    assert_eq!(err(&s, "digraph {}"), r#"couldn't find node on graph: "coder_agent.main""#);
}

#[test]
fn decode_errors_name_the_kind() {
    let cases = [
        ("coder_agent", "main", json!({"os": 1}), "decode agent attributes: "),
        (
            "coder_devcontainer",
            "dc",
            json!({"workspace_folder": true}),
            "decode devcontainer attributes: ",
        ),
        ("coder_app", "app", json!({"url": ["x"]}), "decode app attributes: "),
        ("coder_env", "e", json!({"value": {}}), "decode env attributes: "),
        ("coder_script", "s", json!({"timeout": "10"}), "decode script attributes: "),
        ("coder_metadata", "m", json!({"item": "nope"}), "decode metadata attributes: "),
        (
            "coder_ai_task",
            "t",
            json!({"sidebar_app": [{"id": 7}]}),
            "decode coder_ai_task attributes: ",
        ),
    ];
    for (type_, name, values, prefix) in cases {
        let s = state(&[managed(type_, name, values)]);
        let text = err(&s, &hosted("main"));
        assert!(text.starts_with(prefix), "{type_}: {text}");
        assert!(text.contains("1 error(s) decoding"), "{type_}: {text}");
    }
    let preset = state(&[data("coder_workspace_preset", "p", json!({"parameters": {"a": 1}}))]);
    assert!(err(&preset, "digraph {}").starts_with("decode preset attributes: "));
    let param = state(&[data("coder_parameter", "p", json!({"mutable": "yes"}))]);
    assert!(err(&param, "digraph {}").starts_with("decode map values for coder_parameter.p: "));
}

#[test]
fn app_slug_errors() {
    let bad = state(&[managed("coder_app", "x", json!({"slug": "Bad_Slug"}))]);
    assert_eq!(
        err(&bad, "digraph {}"),
        r#"app slug "Bad_Slug" does not match regex "^[a-z0-9](-?[a-z0-9])*$""#
    );
    // The resource name is the default slug, and duplicates are template-wide.
    let dup = state(&[
        managed("coder_app", "web", json!({})),
        managed("coder_app", "other", json!({"slug": "web"})),
    ]);
    assert_eq!(
        err(&dup, "digraph {}"),
        r#"duplicate app slug, they must be unique per template: "web""#
    );
}

#[test]
fn duplicate_metadata_and_presets_and_external_auth() {
    let s = state(&[
        managed("null_resource", "about", json!({})),
        managed("coder_metadata", "a", json!({})),
        managed("coder_metadata", "b", json!({})),
    ]);
    let dot = graph(
        &["null_resource.about", "coder_metadata.a", "coder_metadata.b"],
        &[("coder_metadata.a", "null_resource.about"), ("coder_metadata.b", "null_resource.about")],
    );
    assert_eq!(err(&s, &dot), "duplicate metadata resource: null_resource.about");

    let presets = state(&[
        data("coder_workspace_preset", "a", json!({"name": "a", "default": true})),
        data("coder_workspace_preset", "b", json!({"name": "b", "default": true})),
        data("coder_workspace_preset", "c", json!({"name": "c", "default": true})),
    ]);
    assert_eq!(
        err(&presets, "digraph {}"),
        "a maximum of 1 coder_workspace_preset can be marked as default, but 3 are set"
    );

    let auth = state(&[data("coder_external_auth", "gh", json!({"id": 5}))]);
    assert_eq!(err(&auth, "digraph {}"), "external auth id is not a string");
}

#[test]
fn duplicate_parameter_names_are_joined_with_a_conjunction() {
    let p = |res: &str, name: &str| {
        data("coder_parameter", res, json!({"name": name, "form_type": "input"}))
    };
    let one = state(&[p("a", "x"), p("b", "x"), p("c", "x")]);
    assert_eq!(
        err(&one, "digraph {}"),
        r#"coder_parameter names must be unique but "x" appears multiple times"#
    );
    let two = state(&[p("a", "x"), p("b", "y"), p("c", "x"), p("d", "y")]);
    assert_eq!(
        err(&two, "digraph {}"),
        r#"coder_parameter names must be unique but "x" and "y" appear multiple times"#
    );
    let three =
        state(&[p("a", "x"), p("b", "y"), p("c", "z"), p("d", "z"), p("e", "y"), p("f", "x")]);
    assert_eq!(
        err(&three, "digraph {}"),
        r#"coder_parameter names must be unique but "z", "y" and "x" appear multiple times"#
    );
    let form = state(&[data("coder_parameter", "q", json!({"name": "q", "form_type": "wheel"}))]);
    assert!(err(&form, "digraph {}").starts_with("decode form_type for coder_parameter.q: "));
}

#[test]
fn errors_carry_the_resource_address() {
    let s = state(&[managed("coder_app", "x", json!({"slug": "Bad"}))]);
    let e = convert(&s, "digraph {}").expect_err("bad slug");
    assert_eq!(e.address(), Some("coder_app.x"));
}

#[test]
fn first_error_in_coder_order_wins() {
    // An app error and an agent error: agents are processed first.
    let s = state(&[managed("coder_app", "x", json!({"slug": "Bad"})), agent("main", "1")]);
    assert_eq!(err(&s, "digraph {}"), r#"couldn't find node on graph: "coder_agent.main""#);
}

#[test]
fn malformed_or_unsupported_json_is_a_clear_error() {
    let cases = [
        ("", "parse terraform JSON"),
        ("{", "parse terraform JSON"),
        ("[]", "parse terraform JSON: the document must be a JSON object"),
        ("  \"1.0\"", "parse terraform JSON: the document must be a JSON object"),
        (
            r#"{"format_version":"1.0","values":{"root_module":{"resources":{}}}}"#,
            "parse terraform JSON",
        ),
        (
            r#"{"format_version":"1.0","values":{"root_module":{"resources":[{"name":5}]}}}"#,
            "parse terraform JSON",
        ),
        (r#"{"format_version":2}"#, "parse terraform JSON"),
        (
            r#"{"format_version":"2.0","values":{}}"#,
            "unsupported terraform JSON format_version \"2.0\"",
        ),
        (r#"{"format_version":"0.1"}"#, "unsupported terraform JSON format_version"),
        (r#"{"values":{}}"#, "unsupported terraform JSON format_version (missing)"),
    ];
    for (input, want) in cases {
        let e = parse_document(input).expect_err(input);
        assert!(e.to_string().starts_with(want), "{input}: {e}");
    }
    assert!(
        parse_document(r#"{"format_version":"1.12","values":null,"extra":[1,{"a":2}]}"#).is_ok()
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let (open, close) = ("[".repeat(200_000), "]".repeat(200_000));
    let deep_values = format!(
        r#"{{"format_version":"1.0","values":{{"root_module":{{"resources":[{{"values":{{"x":{open}{close}}}}}]}}}}}}"#
    );
    let e = parse_document(&deep_values).expect_err("deep");
    assert!(e.to_string().contains("recursion limit"), "{e}");
    // serde_json skips unknown keys without recursing: accepted, and no overflow either.
    let deep_ignored = format!(r#"{{"format_version":"1.0","x":{open}{close}}}"#);
    assert!(parse_document(&deep_ignored).is_ok());

    let mut modules = String::from(r#"{"format_version":"1.0","values":{"root_module":"#);
    for _ in 0..5_000 {
        modules.push_str(r#"{"child_modules":["#);
    }
    assert!(parse_document(&modules).is_err());

    let deep_dot = format!("digraph {{ {} }}", "subgraph { ".repeat(100_000));
    let e = parse_dot(&deep_dot).expect_err("deep dot").to_string();
    assert!(e.starts_with("parse graph: ") && e.contains("nested deeper"), "{e}");
    let deep_html = format!("digraph {{ a [label = {}] }}", "<".repeat(100_000));
    assert!(parse_dot(&deep_html).expect_err("html").to_string().starts_with("parse graph: "));
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = " ".repeat(MAX_INPUT_BYTES + 1);
    let e = parse_document(&huge).expect_err("huge json").to_string();
    assert!(e.contains("too large"), "{e}");
    let e = parse_dot(&huge).expect_err("huge dot").to_string();
    assert!(e.contains("too large"), "{e}");
}

#[test]
fn malformed_dot_is_a_parse_or_analyze_error() {
    let cases = [
        ("", "parse graph: "),
        ("digraph", "parse graph: "),
        ("digraph {", "parse graph: "),
        ("digraph { \"a\" -> }", "parse graph: "),
        ("digraph { \"a\" [label = ] }", "parse graph: "),
        ("digraph { \"unterminated }", "parse graph: "),
        ("digraph { a } trailing", "parse graph: "),
        ("digraph { /* open", "parse graph: "),
        ("digraph { a -> { b c } }", "parse graph: "),
        ("digraph { a @ b }", "parse graph: "),
        ("digraph { a -- b }", "analyze graph: "),
        ("graph { a -> b }", "analyze graph: "),
    ];
    for (input, want) in cases {
        let e = parse_dot(input).expect_err(input).to_string();
        assert!(e.starts_with(want), "{input:?}: {e}");
    }
    // The conversion reports graph errors with Coder's prefixes too.
    let s = state(&[]);
    assert!(convert(&s, "not a graph").expect_err("bad").to_string().starts_with("parse graph: "));
}

/// The values of a resource the conversion never reads are not kept, but still checked: the
/// same inputs fail with the same words as a type whose values are kept, in either key order.
#[test]
fn unread_values_are_checked_as_kept_ones_are() {
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
    let bad_values = [r#""text""#, "[1]", r#"{"n":1e400}"#, r#"{"s":"\ud800"}"#, &deep];
    let doc = |type_: &str, values: &str, type_first: bool| {
        let resource = if type_first {
            format!(r#"{{"type":"{type_}","name":"x","values":{values}}}"#)
        } else {
            format!(r#"{{"name":"x","values":{values},"type":"{type_}"}}"#)
        };
        format!(
            r#"{{"format_version":"1.0","values":{{"root_module":{{"resources":[{resource}]}}}}}}"#
        )
    };
    for values in bad_values {
        for type_first in [true, false] {
            // Type names of one length, so the errors' columns match too.
            let kept = parse_document(&doc("coder_agent", values, type_first)).expect_err(values);
            let unread = parse_document(&doc("random_pets", values, type_first));
            assert_eq!(unread.expect_err(values).to_string(), kept.to_string(), "{values}");
        }
    }
    for values in ["null", r#"{"id":"1","tags":{"a":[1,2.5,null,true]}}"#] {
        let doc = parse_document(&doc("null_resource", values, true)).expect(values);
        let resources = &doc.modules()[0].resources;
        assert!(resources[0].values.is_empty(), "unread values are not kept");
    }
}
