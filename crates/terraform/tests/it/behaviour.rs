//! Conversion rules and quirks of spec §2–§9 on small synthetic inputs.

use serde_json::json;
use tollgate_terraform::model::{Auth, OpenIn, SharingLevel};
use tollgate_terraform::{State, label_of};

use crate::support::{agent, data, graph, managed, plan, run, state};

fn ok(json: &str, dot: &str) -> State {
    run(json, dot).unwrap_or_else(|e| panic!("{e}")).state
}

#[test]
fn labels_are_cut_at_the_first_bracket() {
    assert_eq!(label_of("null_resource.dev[0]"), "null_resource.dev");
    assert_eq!(label_of(r#"module.m.x.y["k"]"#), "module.m.x.y");
    assert_eq!(label_of("module.m[0].x.y"), "module.m");
}

#[test]
fn closest_host_wins_and_ties_go_to_the_smallest_label() {
    let s = state(&[
        agent("main", "1"),
        managed("null_resource", "b", json!({})),
        managed("null_resource", "a", json!({})),
        managed("null_resource", "c", json!({})),
    ]);
    // a → c → agent and b → agent: b is closer.
    let dot = graph(
        &["coder_agent.main", "null_resource.a", "null_resource.b", "null_resource.c"],
        &[
            ("null_resource.c", "coder_agent.main"),
            ("null_resource.a", "null_resource.c"),
            ("null_resource.b", "coder_agent.main"),
        ],
    );
    let out = ok(&s, &dot);
    let hosts: Vec<_> =
        out.resources.iter().filter(|r| !r.agents.is_empty()).map(|r| r.name.as_str()).collect();
    assert_eq!(hosts, ["b"]);
    // Equal depth: the smallest label.
    let dot = graph(
        &["coder_agent.main", "null_resource.a", "null_resource.b", "null_resource.c"],
        &[("null_resource.c", "coder_agent.main"), ("null_resource.b", "coder_agent.main")],
    );
    let out = ok(&s, &dot);
    let hosts: Vec<_> =
        out.resources.iter().filter(|r| !r.agents.is_empty()).map(|r| r.name.as_str()).collect();
    assert_eq!(hosts, ["b"]);
}

#[test]
fn coder_resources_and_data_sources_are_passed_through_but_never_host() {
    let s = state(&[
        agent("main", "1"),
        managed("coder_env", "e", json!({})),
        data("null_data_source", "d", json!({})),
        managed("aws_instance", "vm", json!({"id": "i-1", "instance_type": "t3.micro"})),
    ]);
    let dot = graph(
        &["coder_agent.main", "coder_env.e", "data.null_data_source.d", "aws_instance.vm"],
        &[
            ("coder_env.e", "coder_agent.main"),
            ("data.null_data_source.d", "coder_agent.main"),
            ("aws_instance.vm", "data.null_data_source.d"),
        ],
    );
    let out = ok(&s, &dot);
    let vm = out.resources.iter().find(|r| r.type_ == "aws_instance").expect("vm");
    assert_eq!(vm.agents.len(), 1);
    assert_eq!(vm.instance_type, "t3.micro");
    // Token agent with a non-empty token keeps its token.
    assert_eq!(vm.agents[0].auth, Auth::Token("tok-1".into()));
}

#[test]
fn agents_without_a_host_vanish_silently() {
    let s = state(&[agent("lonely", "1"), managed("coder_app", "app", json!({"agent_id": "1"}))]);
    let out = ok(&s, &graph(&["coder_agent.lonely"], &[]));
    assert!(out.resources.is_empty());
}

#[test]
fn counted_hosts_share_the_agent_list_and_automatic_instance_ids() {
    let s = state(&[
        managed("coder_agent", "main", json!({"id": "1", "auth": "aws-instance-identity"})),
        managed("aws_instance", "vm[0]", json!({"id": "i-0"})),
        managed("aws_instance", "vm[1]", json!({"id": "i-1"})),
    ]);
    let out = ok(
        &s,
        &graph(
            &["coder_agent.main", "aws_instance.vm"],
            &[("aws_instance.vm", "coder_agent.main")],
        ),
    );
    assert_eq!(out.resources.len(), 2);
    for r in &out.resources {
        // The first instance sets the id; every instance shows the same shared agent.
        assert_eq!(r.agents[0].auth, Auth::InstanceId("i-0".into()), "{}", r.address);
    }
}

#[test]
fn coder_agent_instance_sets_the_instance_id_of_identity_agents_only() {
    let s = state(&[
        managed("coder_agent", "a", json!({"id": "1", "auth": "google-instance-identity"})),
        managed("coder_agent", "b", json!({"id": "2", "auth": "token", "token": "t"})),
        managed("coder_agent_instance", "ia", json!({"agent_id": "1", "instance_id": "inst-a"})),
        managed("coder_agent_instance", "ib", json!({"agent_id": "2", "instance_id": "inst-b"})),
        managed("null_resource", "h", json!({})),
    ]);
    let dot = graph(
        &["coder_agent.a", "coder_agent.b", "null_resource.h"],
        &[("null_resource.h", "coder_agent.a"), ("null_resource.h", "coder_agent.b")],
    );
    let out = ok(&s, &dot);
    assert_eq!(out.resources.len(), 1, "coder_agent_instance is never output");
    let agents = &out.resources[0].agents;
    assert_eq!(agents[0].auth, Auth::InstanceId("inst-a".into()));
    assert_eq!(agents[1].auth, Auth::Token("t".into()));
}

#[test]
fn legacy_startup_script_behaviour() {
    let cases = [
        (json!({"startup_script": "x", "startup_script_behavior": "blocking"}), true),
        (json!({"startup_script": "x", "login_before_ready": false}), true),
        (json!({"startup_script": "x", "login_before_ready": null}), true),
        (json!({"startup_script": "x", "login_before_ready": true}), false),
        (json!({"startup_script": "x"}), false),
    ];
    for (values, blocks) in cases {
        let s = state(&[
            managed("coder_agent", "main", values.clone()),
            managed("null_resource", "h", json!({})),
        ]);
        let out = ok(
            &s,
            &graph(
                &["coder_agent.main", "null_resource.h"],
                &[("null_resource.h", "coder_agent.main")],
            ),
        );
        let script = &out.resources[0].agents[0].scripts[0];
        assert_eq!(script.display_name, "Startup Script");
        assert_eq!(script.start_blocks_login, blocks, "{values}");
    }
}

#[test]
fn apps_envs_and_scripts_attach_by_id_and_unmatched_ones_are_dropped() {
    let s = state(&[
        agent("main", "1"),
        managed("null_resource", "h", json!({})),
        managed(
            "coder_app",
            "web",
            json!({"agent_id": "1", "share": "PUBLIC", "open_in": "tab", "healthcheck": [{"url": "u", "interval": 5.9, "threshold": 3}]}),
        ),
        managed("coder_app", "ghost", json!({"agent_id": "nope"})),
        managed(
            "coder_env",
            "b",
            json!({"agent_id": "1", "name": "PATH", "value": "/b", "merge_strategy": "append"}),
        ),
        managed("coder_env", "a", json!({"agent_id": "1", "name": "PATH", "value": "/a"})),
        managed(
            "coder_script",
            "s",
            json!({"agent_id": "1", "display_name": "hello", "run_on_start": true, "timeout": 30}),
        ),
    ]);
    let out = ok(
        &s,
        &graph(
            &["coder_agent.main", "null_resource.h"],
            &[("null_resource.h", "coder_agent.main")],
        ),
    );
    let host = out.resources.iter().find(|r| r.type_ == "null_resource").expect("host");
    let a = &host.agents[0];
    assert_eq!(a.apps.len(), 1);
    assert_eq!(a.apps[0].sharing_level, SharingLevel::Public);
    assert_eq!(a.apps[0].open_in, OpenIn::Tab);
    assert_eq!(a.apps[0].healthcheck.as_ref().map(|h| h.interval), Some(5));
    // `ghost` sorts first and takes app-1: every app gets an id, attached or not.
    assert_eq!(a.apps[0].id, "app-2", "missing ids come from the id source");
    let values: Vec<_> = a.extra_envs.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(values, ["/a", "/b"], "address order");
    assert_eq!(a.scripts[0].timeout_seconds, 30);
    assert_eq!(out.resources.iter().filter(|r| r.type_ == "coder_env").count(), 2);
}

#[test]
fn plan_mode_matches_by_direct_expand_edges() {
    let planned = [
        managed("coder_agent", "main", json!({"auth": "token"})),
        managed("null_resource", "h", json!({})),
        managed("coder_app", "direct", json!({})),
        managed("coder_app", "indirect", json!({})),
    ];
    let dot = graph(
        &["coder_agent.main", "null_resource.h", "coder_app.direct", "coder_app.indirect"],
        &[
            ("null_resource.h", "coder_agent.main"),
            ("coder_app.direct", "coder_agent.main"),
            ("coder_app.indirect", "null_resource.h"),
        ],
    );
    let out = ok(&plan(&planned, &[]), &dot);
    let a = &out.resources[0].agents[0];
    let slugs: Vec<_> = a.apps.iter().map(|x| x.slug.as_str()).collect();
    assert_eq!(slugs, ["direct"]);
    assert_eq!(a.auth, Auth::Token(String::new()));
    assert!(
        a.display_apps.vscode && a.display_apps.web_terminal && !a.display_apps.vscode_insiders
    );
}

#[test]
fn plan_data_sources_come_from_prior_state() {
    let prior = [data(
        "coder_parameter",
        "p",
        json!({"name": "region", "form_type": "dropdown", "optional": true, "default": "eu"}),
    )];
    let out = ok(&plan(&[], &prior), "digraph {}");
    assert_eq!(out.parameters.len(), 1);
    assert_eq!(out.parameters[0].form_type, 3);
    assert_eq!(out.parameters[0].default_value, "eu");
    assert!(!out.parameters[0].required);
}

#[test]
fn parameter_validation_bounds() {
    let p = |name: &str, v: serde_json::Value| {
        data("coder_parameter", name, json!({"name": name, "validation": [v]}))
    };
    let s = state(&[
        p("legacy_unset", json!({"min": 0, "max": 0})),
        p("legacy_set", json!({"min": 0, "max": 5})),
        p("min_only", json!({"min": 2, "max": 0, "min_disabled": false, "max_disabled": true})),
    ]);
    let out = ok(&s, "digraph {}");
    let bounds: Vec<_> =
        out.parameters.iter().map(|p| (p.validation_min, p.validation_max)).collect();
    assert_eq!(bounds, [(None, None), (Some(0), Some(5)), (Some(2), None)]);
}

#[test]
fn metadata_attaches_through_the_graph_to_every_instance() {
    let s = state(&[
        managed("null_resource", "x[0]", json!({})),
        managed("null_resource", "x[1]", json!({})),
        managed(
            "coder_metadata",
            "m",
            json!({"resource_id": "ignored", "daily_cost": 7, "item": [{"key": "k", "value": "v", "sensitive": true}]}),
        ),
    ]);
    let out = ok(
        &s,
        &graph(
            &["null_resource.x", "coder_metadata.m"],
            &[("coder_metadata.m", "null_resource.x")],
        ),
    );
    assert_eq!(out.resources.len(), 2);
    assert!(out.resources.iter().all(|r| r.daily_cost == 7 && r.metadata[0].sensitive));
}

#[test]
fn module_paths() {
    let res = |address: &str| tollgate_terraform::state::StateResource {
        address: address.into(),
        mode: "managed".into(),
        type_: "null_resource".into(),
        name: "x".into(),
        ..Default::default()
    };
    let module = tollgate_terraform::state::StateModule {
        resources: vec![
            res("null_resource.x"),
            res("module.a.null_resource.x"),
            res("module.a[3].module.b[\"k\"].null_resource.x[1]"),
            res("not an address"),
        ],
        ..Default::default()
    };
    let graph = tollgate_terraform::parse_dot("digraph {}").expect("graph");
    let out =
        tollgate_terraform::convert_modules(&[&module], &graph, &mut String::new).expect("convert");
    let paths: Vec<_> =
        out.resources.iter().map(|r| (r.address.as_str(), r.module_path.as_str())).collect();
    assert_eq!(
        paths,
        [
            ("module.a.null_resource.x", "module.a"),
            ("module.a[3].module.b[\"k\"].null_resource.x[1]", "module.a[3].module.b[\"k\"]"),
            ("not an address", "invalid terraform address"),
            ("null_resource.x", ""),
        ]
    );
}

#[test]
fn external_agents_and_ai_tasks_and_external_auth() {
    let s = state(&[
        managed("coder_external_agent", "ext", json!({"agent_id": "1"})),
        agent("main", "1"),
        managed("coder_ai_task", "t", json!({"id": "task", "sidebar_app": [{"id": "side"}]})),
        data("coder_external_auth", "b", json!({"id": "github", "optional": null})),
        data("coder_git_auth", "a", json!({"id": "github", "optional": true})),
        data("coder_external_auth", "c", json!({"id": "azure", "optional": true})),
    ]);
    let dot = graph(
        &["coder_agent.main", "coder_external_agent.ext"],
        &[("coder_external_agent.ext", "coder_agent.main")],
    );
    let out = ok(&s, &dot);
    assert!(out.has_external_agents && out.has_ai_tasks);
    assert_eq!(out.ai_tasks[0].app_id, "side");
    let host = out.resources.iter().find(|r| r.type_ == "coder_external_agent").expect("ext");
    assert_eq!(host.agents[0].name, "main");
    let auth: Vec<_> =
        out.external_auth_providers.iter().map(|p| (p.id.as_str(), p.optional)).collect();
    // git_auth first, then external_auth (later wins), sorted by id.
    assert_eq!(auth, [("azure", true), ("github", false)]);
}

#[test]
fn empty_graph_still_lists_resources() {
    let s = state(&[
        managed("null_resource", "a", json!({})),
        managed("coder_metadata", "m", json!({})),
    ]);
    let out = ok(&s, "digraph {}");
    assert_eq!(out.resources.len(), 1);
    assert!(out.resources[0].metadata.is_empty());
}
