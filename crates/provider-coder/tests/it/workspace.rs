//! One template with every resource and data source through a workspace's whole life with the
//! real Terraform: import (plan without parameters), build with the provisioner's variables,
//! conversion, a refused parameter, state upgrade, import, stop and destroy.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{Workdir, resource, state_resources, terraform};

fn parameter_env(name: &str) -> String {
    format!("CODER_PARAMETER_{}", hex(&Sha256::digest(name)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What Coder's provisioner sets for a build.
fn provisioner_env(work: &mut Workdir) {
    for (k, v) in [
        (parameter_env("region").as_str(), "eu"),
        (parameter_env("cpus").as_str(), "4"),
        (parameter_env("project").as_str(), "tollgate"),
        ("CODER_AGENT_URL", "https://coder.example.com"),
        ("CODER_AGENT_SCRIPT_linux_amd64", "curl ${ACCESS_URL}bin | sh # ${AUTH_TYPE}"),
        ("CODER_WORKSPACE_NAME", "dev"),
        ("CODER_WORKSPACE_OWNER", "alice"),
        ("CODER_WORKSPACE_OWNER_GROUPS", r#"["devs"]"#),
        ("CODER_WORKSPACE_OWNER_SESSION_TOKEN", "session-secret"),
        ("CODER_EXTERNAL_AUTH_ACCESS_TOKEN_github", "gho_secret"),
        ("CODER_WORKSPACE_BUILD_ID", "6a1d2c4e-0000-4000-8000-000000000001"),
        ("CODER_WORKSPACE_TEMPLATE_ID", "t-1"),
        ("CODER_WORKSPACE_TEMPLATE_NAME", "everything"),
        ("CODER_WORKSPACE_TEMPLATE_VERSION", "v1"),
    ] {
        work.set_env(k, v);
    }
}

#[test]
fn a_workspace_lives_and_dies_with_the_real_terraform() {
    let Some(bin) = terraform() else { return };
    let mut work = Workdir::new(&bin, "everything");
    work.init();
    // Template import: no parameter values at all, and `project` is required.
    work.ok(&["plan", "-input=false", "-no-color", "-parallelism=4"]);

    provisioner_env(&mut work);
    work.apply();
    let state: Value = serde_json::from_str(&work.ok(&["show", "-json"])).expect("state JSON");
    let resources = state_resources(&state);
    data_sources_read_the_provisioner_environment(&resources);
    secrets_are_marked_sensitive(&resources);
    converts_as_coder_would(&work.converted(), &resources);

    a_value_outside_validation_is_refused(&mut work);
    old_states_are_upgraded(&work);
    resources_can_be_imported(&work);
    stopping_removes_the_host_and_its_agent(&mut work);
    work.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let after: Value = serde_json::from_str(&work.ok(&["show", "-json"])).expect("JSON");
    assert!(after.get("values").is_none_or(Value::is_null), "{after}");
}

fn data_sources_read_the_provisioner_environment(resources: &[Value]) {
    let values = |address: &str| resource(resources, address)["values"].clone();
    let ws = values("data.coder_workspace.me");
    assert_eq!((ws["name"].as_str(), ws["start_count"].as_i64()), (Some("dev"), Some(1)));
    assert_eq!(ws["access_url"], "https://coder.example.com");
    assert_eq!(ws["access_port"], 443);
    assert_eq!(ws["template_name"], "everything");
    let owner = values("data.coder_workspace_owner.me");
    assert_eq!(owner["name"], "alice");
    assert_eq!(owner["groups"], serde_json::json!(["devs"]));
    assert_eq!(owner["email"], "default@example.com");
    assert_eq!(values("data.coder_parameter.region")["value"], "eu");
    assert_eq!(values("data.coder_parameter.cpus")["form_type"], "slider");
    assert_eq!(values("data.coder_parameter.debug")["value"], "false");
    assert_eq!(values("data.coder_provisioner.me")["os"], std::env::consts::OS);
    assert_eq!(values("data.coder_external_auth.github")["access_token"], "gho_secret");
    assert_eq!(values("data.coder_workspace_preset.small")["id"], "small");
    let agent = values("coder_agent.main");
    assert_eq!(agent["init_script"], "curl https://coder.example.com/bin | sh # token");
    let dc = values("coder_devcontainer.dev");
    assert_eq!(values("coder_app.preview")["agent_id"], dc["subagent_id"]);
    let task = values("coder_ai_task.task");
    assert_eq!(
        (task["app_id"].clone(), task["enabled"].clone()),
        (values("coder_app.code")["id"].clone(), Value::Bool(false))
    );
}

fn secrets_are_marked_sensitive(resources: &[Value]) {
    for (address, attr) in [
        ("coder_agent.main", "token"),
        ("coder_agent.sidecar", "token"),
        ("data.coder_workspace_owner.me", "session_token"),
        ("data.coder_external_auth.github", "access_token"),
    ] {
        let r = resource(resources, address);
        assert_eq!(r["sensitive_values"][attr], true, "{address}.{attr} is not sensitive: {r}");
    }
}

fn converts_as_coder_would(converted: &Value, resources: &[Value]) {
    let by_name = |name: &str| {
        converted["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no resource {name} in {converted}"))
    };
    let host = by_name("workspace");
    assert_eq!(host["type"], "terraform_data");
    assert_eq!(
        (host["daily_cost"].as_i64(), host["icon"].as_str()),
        (Some(10), Some("/icon/server.svg"))
    );
    let items: Vec<_> = host["metadata"]
        .as_array()
        .expect("metadata")
        .iter()
        .map(|m| (m["key"].clone(), m.get("is_null").cloned()))
        .collect();
    assert_eq!(items.len(), 3, "{host}");
    assert_eq!(items[2], ("nothing".into(), Some(Value::Bool(true))));
    let main = &host["agents"][0];
    assert_eq!(main["name"], "main");
    let token = resource(resources, "coder_agent.main")["values"]["token"].clone();
    assert_eq!(main["Auth"]["Token"], token);
    assert_eq!(main["env"]["REGION"], "eu");
    assert_eq!(main["connection_timeout_seconds"], 300);
    assert_eq!(
        main["display_apps"],
        serde_json::json!({"web_terminal": true, "ssh_helper": true, "port_forwarding_helper": true})
    );
    assert_eq!(main["resources_monitoring"]["volumes"][0]["path"], "/home");
    let slugs: Vec<_> =
        main["apps"].as_array().expect("apps").iter().map(|a| a["slug"].clone()).collect();
    assert_eq!(slugs, ["code", "shell"]);
    assert_eq!(main["apps"][0]["sharing_level"], 1);
    assert_eq!(main["apps"][0]["open_in"], 2);
    let scripts: Vec<_> = main["scripts"]
        .as_array()
        .expect("scripts")
        .iter()
        .map(|s| s["display_name"].clone())
        .collect();
    assert_eq!(scripts, ["Init", "Nightly", "Shutdown Script", "Startup Script"]);
    assert_eq!(
        main["extra_envs"][0],
        serde_json::json!({"name": "PATH", "value": "/opt/tools/bin", "merge_strategy": "prepend"})
    );
    let dc = &main["devcontainers"][0];
    assert_eq!(dc["config_path"], "/workspace/.devcontainer/devcontainer.json");
    assert_eq!(dc["apps"][0]["slug"], "preview");
    let ext = by_name("ext");
    assert_eq!(ext["agents"][0]["name"], "sidecar");
    assert_eq!(converted["HasExternalAgents"], true);
    assert_eq!(converted["AITasks"].as_array().map(Vec::len), Some(1));
    let params: Vec<_> = converted["Parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(params, ["cpus", "debug", "project", "region"]);
    assert_eq!(converted["Presets"][0]["default"], true);
    let auth: Vec<_> = converted["ExternalAuthProviders"].as_array().expect("auth").clone();
    assert_eq!(
        auth,
        [
            serde_json::json!({"id": "github"}),
            serde_json::json!({"id": "gitlab", "optional": true})
        ]
    );
}

fn a_value_outside_validation_is_refused(work: &mut Workdir) {
    work.set_env(&parameter_env("cpus"), "9");
    let out = work.run(&["plan", "-input=false", "-no-color"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("Invalid parameter value according to 'validation' block"), "{stderr}");
    assert!(stderr.contains("value 9 is more than the maximum 8"), "{stderr}");
    work.set_env(&parameter_env("cpus"), "4");
}

/// A state written by an older schema (version 0, an attribute since removed) still plans.
fn old_states_are_upgraded(work: &Workdir) {
    let path = work.dir.join("terraform.tfstate");
    let mut raw: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("state")).expect("JSON");
    for res in raw["resources"].as_array_mut().expect("resources") {
        if res["type"] == "coder_agent" {
            for instance in res["instances"].as_array_mut().expect("instances") {
                instance["schema_version"] = 0.into();
                instance["attributes"]["login_before_ready"] = true.into();
            }
        }
    }
    std::fs::write(&path, raw.to_string()).expect("write state");
    work.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]);
    let upgraded = std::fs::read_to_string(&path).expect("state");
    assert!(!upgraded.contains("login_before_ready"), "{upgraded}");
}

fn resources_can_be_imported(work: &Workdir) {
    let state: Value = serde_json::from_str(&work.ok(&["show", "-json"])).expect("JSON");
    let id = resource(&state_resources(&state), "coder_env.path")["values"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    work.ok(&["state", "rm", "-no-color", "coder_env.path"]);
    work.ok(&["import", "-input=false", "-no-color", "coder_env.path", &id]);
    let shown = work.ok(&["state", "show", "-no-color", "coder_env.path"]);
    assert!(shown.contains(&id), "{shown}");
}

fn stopping_removes_the_host_and_its_agent(work: &mut Workdir) {
    work.set_env("CODER_WORKSPACE_TRANSITION", "stop");
    work.apply();
    let converted = work.converted();
    let names: Vec<_> = converted["Resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert!(!names.contains(&"workspace".into()), "{names:?}");
}

/// The example template the README points at builds with this provider.
#[test]
fn the_example_template_applies() {
    let Some(bin) = terraform() else { return };
    let work = Workdir::from_dir(&bin, "starter", &examples_dir().join("starter"));
    work.init();
    work.apply();
    let converted = work.converted();
    let resources = converted["Resources"].as_array().expect("resources");
    let machine = resources.iter().find(|r| r["name"] == "machine").expect("the machine");
    assert_eq!(machine["agents"][0]["apps"][0]["slug"], "code", "{converted}");
    assert_eq!(converted["Presets"][0]["name"], "Big machine", "{converted}");
}

fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/templates")
}
