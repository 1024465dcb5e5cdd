//! `coder_agent` and `coder_agent_instance`.

use sha2::{Digest, Sha256};

use crate::diag::Diags;
use crate::resource::{Ctx, Resource, new_id};
use crate::schema::{Attr, Block, Schema, Ty, boolean, int, set_block, string};
use crate::validate;
use crate::value::Value;

pub struct Agent;

fn display_apps_block() -> Block {
    Block::new(vec![
        boolean("vscode").force_new().default(true),
        boolean("vscode_insiders").force_new().default(false),
        boolean("web_terminal").force_new().default(true),
        boolean("port_forwarding_helper").force_new().default(true),
        boolean("ssh_helper").force_new().default(true),
    ])
}

fn metadata_block() -> Block {
    Block::new(vec![
        string("key").required().force_new(),
        string("display_name").force_new(),
        string("script").required().force_new(),
        int("timeout").force_new(),
        int("interval").required().force_new(),
        int("order").force_new(),
    ])
}

fn monitoring_block() -> Block {
    let memory = Block::new(vec![
        boolean("enabled").required().force_new(),
        int("threshold").required().force_new(),
    ]);
    let volume = Block::new(vec![
        string("path").required().force_new(),
        boolean("enabled").required().force_new(),
        int("threshold").required().force_new(),
    ]);
    Block::new(vec![]).with_blocks(vec![
        set_block("memory", memory).max(1).force_new(),
        set_block("volume", volume).force_new(),
    ])
}

/// The display apps Coder's provider fills in when the configuration has none.
fn default_display_apps() -> Value {
    let mut apps = Value::Null;
    for (name, on) in [
        ("vscode", true),
        ("vscode_insiders", false),
        ("web_terminal", true),
        ("ssh_helper", true),
        ("port_forwarding_helper", true),
    ] {
        apps.set(name, on);
    }
    Value::List(vec![apps])
}

impl Resource for Agent {
    fn type_name(&self) -> &'static str {
        "coder_agent"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(vec![
            string("api_key_scope").force_new().default("all"),
            string("init_script").computed(),
            string("arch").required().force_new(),
            string("auth").force_new().default("token"),
            string("dir").force_new().deprecated(),
            Attr::new("env", Ty::Map(Box::new(Ty::String))).force_new(),
            string("os").required().force_new(),
            string("startup_script").force_new(),
            string("shutdown_script").force_new(),
            string("token").computed().sensitive().force_new(),
            int("connection_timeout").force_new().default(120),
            string("troubleshooting_url").force_new(),
            string("motd_file").force_new(),
            string("startup_script_behavior").force_new().default("non-blocking"),
            int("order").force_new(),
        ])
        .with_blocks(vec![
            crate::schema::list_block("metadata", metadata_block()).force_new(),
            set_block("display_apps", display_apps_block()).max(1).force_new().computed(),
            set_block("resources_monitoring", monitoring_block()).max(1).force_new(),
        ])
        .with_sdk_id();
        Schema { version: 1, block }
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        let v = |name| config.get(name);
        validate::one_of(diags, v("api_key_scope"), &["api_key_scope"], &["all", "no_user_data"]);
        validate::one_of(diags, v("arch"), &["arch"], &["amd64", "armv7", "arm64"]);
        validate::one_of(
            diags,
            v("auth"),
            &["auth"],
            &[
                "token",
                "google-instance-identity",
                "aws-instance-identity",
                "azure-instance-identity",
            ],
        );
        validate::one_of(diags, v("os"), &["os"], &["linux", "darwin", "windows"]);
        validate::one_of(
            diags,
            v("startup_script_behavior"),
            &["startup_script_behavior"],
            &["blocking", "non-blocking"],
        );
        validate::at_least(diags, v("connection_timeout"), &["connection_timeout"], 0);
        warn_dir_not_home(v("dir"), diags);
        let keys = v("metadata").items().iter().filter_map(|m| m.get("key").as_str());
        if let Some(key) = validate::first_duplicate(keys) {
            diags.push_attr_error(&["metadata"], format!("duplicate agent metadata key {key:?}"));
        }
        validate_monitoring(v("resources_monitoring"), diags);
    }

    fn create(&self, state: &mut Value, ctx: &Ctx<'_>) -> Diags {
        refresh(state, ctx);
        Diags::new()
    }

    /// Like Coder's, every read mints a new token (or takes a prebuild's), so each build's
    /// agent gets a fresh secret without the resource being replaced.
    fn read(&self, state: &mut Value, ctx: &Ctx<'_>) -> Diags {
        refresh(state, ctx);
        Diags::new()
    }
}

fn refresh(state: &mut Value, ctx: &Ctx<'_>) {
    state.set("token", agent_token(ctx));
    let apps = state.get("display_apps");
    if apps.is_unknown() || apps.items().is_empty() {
        state.set("display_apps", default_display_apps());
    }
    let script = init_script(state, ctx);
    state.set("init_script", script);
}

/// A new UUID, unless the provisioner passes the token of a prebuilt workspace's running agent
/// (`CODER_RUNNING_WORKSPACE_AGENT_TOKEN_<hex sha256 of "">`, Coder hashes an agent id that is
/// always empty today).
fn agent_token(ctx: &Ctx<'_>) -> String {
    let variable =
        format!("CODER_RUNNING_WORKSPACE_AGENT_TOKEN_{}", hex::encode(Sha256::digest("")));
    ctx.env(&variable).unwrap_or_else(new_id)
}

/// `CODER_AGENT_SCRIPT_<os>_<arch>` with `${ACCESS_URL}` and `${AUTH_TYPE}` filled in, or "".
fn init_script(state: &Value, ctx: &Ctx<'_>) -> String {
    let os = state.get("os").str_or_empty();
    let arch = state.get("arch").str_or_empty();
    let Some(script) = ctx.env(&format!("CODER_AGENT_SCRIPT_{os}_{arch}")) else {
        return String::new();
    };
    let access_url = ctx.url.join("/").map(|u| u.to_string()).unwrap_or_default();
    script
        .replace("${ACCESS_URL}", &access_url)
        .replace("${AUTH_TYPE}", state.get("auth").str_or_empty())
}

fn warn_dir_not_home(dir: &Value, diags: &mut Diags) {
    if let Some(d) = dir.as_str()
        && !d.is_empty()
        && d != "$HOME"
        && d != "~"
    {
        diags.push_warning(
            "\"dir\" is deprecated and will be removed in a future release.",
            "Setting \"dir\" to a value other than $HOME will break Coder Desktop file sync.",
        );
    }
}

fn validate_monitoring(monitoring: &Value, diags: &mut Diags) {
    for rm in monitoring.items() {
        for memory in rm.get("memory").items() {
            validate::between(diags, memory.get("threshold"), &["threshold"], 0, 100);
        }
        let volumes = rm.get("volume").items();
        for volume in volumes {
            validate::between(diags, volume.get("threshold"), &["threshold"], 0, 100);
            match volume.get("path").as_str() {
                Some("") => diags.push_error("volume path must not be empty", ""),
                Some(p) if !p.starts_with('/') => {
                    diags.push_error("volume path must be an absolute path", "")
                }
                _ => {}
            }
        }
        let paths = volumes.iter().filter_map(|v| v.get("path").as_str());
        if let Some(path) = validate::first_duplicate(paths) {
            diags.push_error(format!("duplicate volume path {path:?}"), "");
        }
    }
}

pub struct AgentInstance;

impl Resource for AgentInstance {
    fn type_name(&self) -> &'static str {
        "coder_agent_instance"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(vec![
            string("agent_id").required().force_new(),
            string("instance_id").required().force_new(),
        ])
        .with_sdk_id();
        Schema { version: 0, block }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_with<'a>(
        url: &'a url::Url,
        env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    ) -> Ctx<'a> {
        Ctx { url, url_text: url.as_str(), env }
    }

    #[test]
    fn create_fills_token_display_apps_and_init_script() {
        let url = url::Url::parse("https://coder.example.com:8443").unwrap();
        let env = |k: &str| {
            (k == "CODER_AGENT_SCRIPT_linux_amd64")
                .then(|| "curl ${ACCESS_URL}bin # ${AUTH_TYPE}".to_owned())
        };
        let mut state = Value::Null;
        state.set("os", "linux");
        state.set("arch", "amd64");
        state.set("auth", "token");
        state.set("display_apps", Value::Unknown);
        Agent.create(&mut state, &ctx_with(&url, &env));
        assert!(uuid::Uuid::parse_str(state.get("token").str_or_empty()).is_ok());
        assert_eq!(state.get("display_apps"), &default_display_apps());
        assert_eq!(
            state.get("init_script"),
            &Value::from("curl https://coder.example.com:8443/bin # token")
        );
    }

    #[test]
    fn a_prebuild_token_is_reused() {
        let url = url::Url::parse("https://x").unwrap();
        let env = |k: &str| {
            k.starts_with("CODER_RUNNING_WORKSPACE_AGENT_TOKEN_").then(|| "kept".to_owned())
        };
        let mut state = Value::Null;
        Agent.read(&mut state, &ctx_with(&url, &env));
        assert_eq!(state.get("token"), &Value::from("kept"));
    }

    #[test]
    fn invalid_values_and_duplicate_metadata_keys_are_reported() {
        let mut config = Value::Null;
        config.set("arch", "sparc");
        let mut m = Value::Null;
        m.set("key", "k");
        config.set("metadata", vec![m.clone(), m]);
        let mut diags = Diags::new();
        Agent.validate(&config, &mut diags);
        let texts: Vec<_> = diags.0.iter().map(|d| d.summary.as_str()).collect();
        assert!(texts.iter().any(|t| t.starts_with("expected arch to be one of")), "{texts:?}");
        assert!(texts.contains(&"duplicate agent metadata key \"k\""), "{texts:?}");
    }
}
