//! The `tree` and `json` views: structure and masked secrets.

use serde_json::Value;
use tollgate_terraform::{convert, json::to_json, tree::render_tree};

use crate::golden::{case, fixtures_dir};

const MAIN_TOKEN: &str = "c95ffdc5-6456-464d-ae10-33126e7a0d6e";
const SECONDARY_TOKEN: &str = "c79ef145-c76d-44f0-a384-19421e503230";

fn seed() -> tollgate_terraform::Conversion {
    let (json, dot, _) =
        case(&fixtures_dir().join("devcontainer-multiple-agents"), "state").expect("seed");
    convert(&json, &dot).expect("seed converts")
}

#[test]
fn seed_tree_shows_hosts_agents_devcontainers_and_apps() {
    let tree = render_tree(&seed());
    let expected = "\
state: 4 resources, 2 agents
coder_devcontainer.dev
coder_devcontainer.other
null_resource.dev
└── agent main (linux/amd64) auth: token ******** id: 37a1bd80-851e-48cf-bd36-af4aab414203
    ├── devcontainer dev folder: /workspace sub-agent: 523258bd-d830-4ff4-b3d0-a665496d8075
    │   └── app devcontainer-app [owner, slim-window]
    └── devcontainer other folder: /other sub-agent: bffaad51-64f5-4da4-9a08-ffab24d04c7f
null_resource.secondary
└── agent secondary (linux/amd64) auth: token ******** id: 79762ce7-0eef-49e2-8782-779e9f8ac62f
";
    assert_eq!(tree, expected);
}

#[test]
fn json_view_masks_tokens_and_sensitive_metadata() {
    let text = to_json(&seed());
    assert!(!text.contains(MAIN_TOKEN) && !text.contains(SECONDARY_TOKEN));
    let doc: Value = serde_json::from_str(&text).expect("json");
    let main = &doc["resources"][2]["agents"][0];
    assert_eq!(main["auth"], serde_json::json!({"method": "token", "token": "********"}));
    assert_eq!(main["devcontainers"][0]["apps"][0]["slug"], "devcontainer-app");
    assert_eq!(doc["resources"][2]["address"], "null_resource.dev");

    let (json, dot, _) = case(&fixtures_dir().join("resource-metadata"), "state").expect("fixture");
    let conv = convert(&json, &dot).expect("converts");
    for view in [to_json(&conv), render_tree(&conv)] {
        assert!(!view.contains("squirrel"), "sensitive metadata leaked:\n{view}");
    }
}

#[test]
fn every_fixture_renders_in_every_view() {
    for dir in crate::golden::folders() {
        for step in ["state", "plan"] {
            let Some((json, dot, _)) = case(&dir, step) else { continue };
            let Ok(conv) = convert(&json, &dot) else { continue };
            let doc: Value = serde_json::from_str(&to_json(&conv)).expect("valid json");
            assert_eq!(doc["resources"].as_array().map(Vec::len), Some(conv.state.resources.len()));
            assert!(render_tree(&conv).starts_with(step));
        }
    }
}
