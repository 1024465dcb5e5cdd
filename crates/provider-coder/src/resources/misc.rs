//! `coder_script`, `coder_env`, `coder_metadata`, `coder_devcontainer`, `coder_ai_task` and
//! `coder_external_agent`: little beyond their schemas and Coder's create-time checks.

use crate::diag::Diags;
use crate::resource::{Ctx, Resource, new_id};
use crate::schema::{Block, Schema, boolean, int, list_block, set_block, string};
use crate::validate;
use crate::value::Value;

fn schema_v1(block: Block) -> Schema {
    Schema { version: 1, block: block.with_sdk_id() }
}

pub struct Script;

impl Resource for Script {
    fn type_name(&self) -> &'static str {
        "coder_script"
    }

    fn schema(&self) -> Schema {
        schema_v1(Block::new(vec![
            string("agent_id").required().force_new(),
            string("display_name").required().force_new(),
            string("log_path").force_new(),
            string("icon").force_new(),
            string("script").required().force_new(),
            string("cron").force_new(),
            boolean("start_blocks_login").force_new().default(false),
            boolean("run_on_start").force_new().default(false),
            boolean("run_on_stop").force_new().default(false),
            int("timeout").force_new().default(0),
        ]))
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        if let Some(cron) = config.get("cron").as_str() {
            validate_cron(cron, diags);
        }
        validate::at_least(diags, config.get("timeout"), &["timeout"], 1);
    }

    fn create(&self, state: &mut Value, _ctx: &Ctx<'_>) -> Diags {
        let flag = |name| state.get(name).as_bool().unwrap_or(false);
        let cron = state.get("cron").str_or_empty();
        if !flag("run_on_start") && !flag("run_on_stop") && cron.is_empty() {
            return Diags::error(
                r#"at least one of "run_on_start", "run_on_stop", or "cron" must be set"#,
            );
        }
        if !flag("run_on_start") && flag("start_blocks_login") {
            return Diags::error(
                r#""start_blocks_login" can only be set if "run_on_start" is "true""#,
            );
        }
        Diags::new()
    }
}

/// Coder parses script schedules with six fields (seconds first; day of week optional) or a
/// `@descriptor`. The field count is checked here, and the five-field Unix form gets Coder's
/// warning; the fields themselves are left to Coder's agent.
fn validate_cron(cron: &str, diags: &mut Diags) {
    if cron.starts_with('@') {
        return;
    }
    let fields: Vec<&str> = cron.split_whitespace().collect();
    match fields.len() {
        5 => diags.push_warning(
            format!(
                "The cron expression '{cron}' appears to be in Unix 5-field format. Coder uses \
                 6-field format (seconds minutes hours day month day-of-week). Consider prefixing \
                 with '0 ' to run at the start of each minute: '0 {cron}'"
            ),
            "",
        ),
        6 => {}
        n => diags.push_attr_error(
            &["cron"],
            format!(
                "{cron} is not a valid cron expression: expected 5 to 6 fields, found {n}: [{}]",
                fields.join(" ")
            ),
        ),
    }
}

pub struct Env;

impl Resource for Env {
    fn type_name(&self) -> &'static str {
        "coder_env"
    }

    fn schema(&self) -> Schema {
        schema_v1(Block::new(vec![
            string("agent_id").required().force_new(),
            string("name").required().force_new(),
            string("value").force_new(),
            string("merge_strategy").force_new().default("replace"),
        ]))
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        if let Some(name) = config.get("name").as_str() {
            let re = regex::Regex::new("^[a-zA-Z_][a-zA-Z0-9_]*$").expect("valid env name regex");
            if !re.is_match(name) {
                diags.push_attr_error(
                    &["name"],
                    "invalid value for name (must be a valid environment variable name)"
                        .to_string(),
                );
            }
        }
        validate::one_of(
            diags,
            config.get("merge_strategy"),
            &["merge_strategy"],
            &["replace", "append", "prepend", "error"],
        );
    }
}

pub struct Metadata;

impl Resource for Metadata {
    fn type_name(&self) -> &'static str {
        "coder_metadata"
    }

    fn schema(&self) -> Schema {
        let item = Block::new(vec![
            string("key").required().force_new(),
            string("value").force_new(),
            boolean("sensitive").force_new().default(false),
            boolean("is_null").force_new().computed(),
        ]);
        schema_v1(
            Block::new(vec![
                string("resource_id").required().force_new(),
                boolean("hide").force_new(),
                string("icon").force_new(),
                int("daily_cost").force_new(),
            ])
            .with_blocks(vec![list_block("item", item).force_new()]),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        let keys = config.get("item").items().iter().filter_map(|i| i.get("key").as_str());
        if let Some(key) = validate::first_duplicate(keys) {
            diags.push_attr_error(&["item"], format!("duplicate resource metadata key {key:?}"));
        }
    }

    /// Coder records which items had a null value (`is_null`); the value itself reads back "".
    fn create(&self, state: &mut Value, _ctx: &Ctx<'_>) -> Diags {
        if let Some(items) = state.get_mut("item") {
            for item in items.items_mut() {
                let is_null = item.get("value").is_null();
                item.set("is_null", is_null);
            }
        }
        Diags::new()
    }
}

pub struct Devcontainer;

impl Resource for Devcontainer {
    fn type_name(&self) -> &'static str {
        "coder_devcontainer"
    }

    fn schema(&self) -> Schema {
        schema_v1(Block::new(vec![
            string("agent_id").required().force_new(),
            string("workspace_folder").required().force_new(),
            string("config_path").force_new(),
            string("subagent_id").computed(),
        ]))
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        validate::not_empty(diags, config.get("workspace_folder"), &["workspace_folder"]);
    }

    /// The devcontainer's sub-agent gets its own id, which apps and scripts use as `agent_id`.
    fn create(&self, state: &mut Value, _ctx: &Ctx<'_>) -> Diags {
        state.set("subagent_id", new_id());
        Diags::new()
    }
}

pub struct AiTask;

impl Resource for AiTask {
    fn type_name(&self) -> &'static str {
        "coder_ai_task"
    }

    fn schema(&self) -> Schema {
        let sidebar = Block::new(vec![string("id").required().force_new()]);
        schema_v1(
            Block::new(vec![
                string("id").computed(),
                string("prompt").computed(),
                string("app_id").optional_computed().force_new(),
                boolean("enabled").computed(),
            ])
            .with_blocks(vec![set_block("sidebar_app", sidebar).max(1).force_new()]),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        validate::uuid(diags, config.get("app_id"), &["app_id"]);
        for app in config.get("sidebar_app").items() {
            validate::uuid(diags, app.get("id"), &["sidebar_app", "0", "id"]);
        }
        validate::conflicts(diags, config, "app_id", &["sidebar_app"]);
        if validate::is_set(config.get("sidebar_app")) {
            diags.push_warning(
                "Argument is deprecated",
                "This field has been deprecated in favor of the `app_id` field.",
            );
        }
    }

    /// The task id comes from `CODER_TASK_ID` when Coder runs a task build (the task is then
    /// enabled), the prompt from `CODER_TASK_PROMPT`; the app is `app_id` or the sidebar app.
    fn create(&self, state: &mut Value, ctx: &Ctx<'_>) -> Diags {
        let task_id = ctx
            .env("CODER_TASK_ID")
            .and_then(|id| uuid::Uuid::parse_str(&id).ok())
            .filter(|id| !id.is_nil());
        state.set("enabled", task_id.is_some());
        state.set("id", task_id.map_or_else(new_id, |id| id.to_string()));
        if let Some(prompt) = ctx.env("CODER_TASK_PROMPT") {
            state.set("prompt", prompt);
        }
        let mut app_id = state.get("app_id").str_or_empty().to_owned();
        if app_id.is_empty() {
            let sidebar = state.get("sidebar_app").items().first();
            app_id = sidebar.map(|s| s.get("id").str_or_empty().to_owned()).unwrap_or_default();
            state.set("app_id", app_id.clone());
        }
        if app_id.is_empty() {
            return Diags::error("'app_id' must be set");
        }
        Diags::new()
    }
}

pub struct ExternalAgent;

impl Resource for ExternalAgent {
    fn type_name(&self) -> &'static str {
        "coder_external_agent"
    }

    fn schema(&self) -> Schema {
        schema_v1(Block::new(vec![string("agent_id").required().force_new()]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn ctx(url: &url::Url) -> Ctx<'_> {
        Ctx { url, url_text: url.as_str(), env: &no_env }
    }

    #[test]
    fn scripts_need_a_trigger_and_metadata_records_nulls() {
        let url = url::Url::parse("https://x").unwrap();
        let mut script = Value::Null;
        script.set("cron", "");
        let d = Script.create(&mut script, &ctx(&url));
        assert!(d.0[0].summary.starts_with("at least one of"));

        let mut item = Value::Null;
        item.set("key", "null");
        let mut meta = Value::Null;
        meta.set("item", vec![item]);
        Metadata.create(&mut meta, &ctx(&url));
        assert_eq!(meta.get("item").items()[0].get("is_null"), &Value::Bool(true));
    }

    #[test]
    fn ai_tasks_take_the_sidebar_app_and_need_one() {
        let url = url::Url::parse("https://x").unwrap();
        let mut sidebar = Value::Null;
        sidebar.set("id", "5ece4674-dd35-4f16-88c8-82e40e72e2fd");
        let mut task = Value::Null;
        task.set("app_id", Value::Unknown);
        task.set("sidebar_app", vec![sidebar]);
        assert!(!AiTask.create(&mut task, &ctx(&url)).has_errors());
        assert_eq!(task.get("app_id"), &Value::from("5ece4674-dd35-4f16-88c8-82e40e72e2fd"));
        assert_eq!(task.get("enabled"), &Value::Bool(false));
        let mut bare = Value::Null;
        assert!(AiTask.create(&mut bare, &ctx(&url)).has_errors());
    }

    #[test]
    fn cron_field_counts() {
        let mut d = Diags::new();
        validate_cron("0 * * * *", &mut d);
        validate_cron("0 0 * * * *", &mut d);
        validate_cron("* *", &mut d);
        assert_eq!(d.0.len(), 2);
        assert!(d.0[1].summary.contains("expected 5 to 6 fields, found 2"));
    }
}
