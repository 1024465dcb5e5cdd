//! Templates that mirror shared Coder fixtures: applied for real with this provider, their
//! states convert to what the fixture's own state converts to — Coder's golden — up to the
//! random ids and tokens, and with `terraform_data` standing in for `null_resource`.

use std::path::Path;

use serde_json::Value;

use crate::support::{Workdir, terraform};

fn fixture_conversion(name: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/coder-terraform")
        .join(name);
    let read = |ext: &str| {
        let path = dir.join(format!("{name}.tfstate.{ext}"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let conversion =
        tollgate_terraform::convert(&read("json"), &read("dot")).expect("convert fixture");
    serde_json::from_str(&tollgate_terraform::golden::to_coder_golden(&conversion.state))
        .expect("golden JSON")
}

/// Blank what is random in every run (agent ids and tokens, devcontainer ids) and name the
/// host resource type the same on both sides.
fn normalize(mut state: Value) -> Value {
    for resource in state["Resources"].as_array_mut().into_iter().flatten() {
        if resource["type"] == "null_resource" {
            resource["type"] = "terraform_data".into();
        }
        for agent in resource["agents"].as_array_mut().into_iter().flatten() {
            agent["id"] = "".into();
            if agent["Auth"].get("Token").is_some() {
                agent["Auth"]["Token"] = "".into();
            }
            for dc in agent["devcontainers"].as_array_mut().into_iter().flatten() {
                dc["id"] = "".into();
                dc["subagent_id"] = "".into();
            }
        }
    }
    for preset in state["Presets"].as_array_mut().into_iter().flatten() {
        if let Some(params) = preset["parameters"].as_array_mut() {
            params.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        }
    }
    let keys = ["Resources", "Parameters", "Presets", "ExternalAuthProviders", "HasExternalAgents"];
    Value::Object(keys.iter().map(|k| ((*k).to_owned(), state[*k].clone())).collect())
}

fn assert_matches_fixture(name: &str) {
    let Some(bin) = terraform() else { return };
    let work = Workdir::new(&bin, name);
    work.init();
    work.apply();
    let ours = normalize(work.converted());
    let want = normalize(fixture_conversion(name));
    assert!(
        ours == want,
        "{name}: converted state differs from the fixture's\n--- fixture\n{}\n--- ours\n{}",
        serde_json::to_string_pretty(&want).unwrap_or_default(),
        serde_json::to_string_pretty(&ours).unwrap_or_default()
    );
}

#[test]
fn multiple_agents_match_the_fixture() {
    assert_matches_fixture("multiple-agents");
}

#[test]
fn multiple_apps_match_the_fixture() {
    assert_matches_fixture("multiple-apps");
}

#[test]
fn devcontainers_on_multiple_agents_match_the_fixture() {
    assert_matches_fixture("devcontainer-multiple-agents");
}

#[test]
fn presets_match_the_fixture() {
    assert_matches_fixture("presets");
}

#[test]
fn rich_parameters_match_the_fixture() {
    assert_matches_fixture("rich-parameters");
}
