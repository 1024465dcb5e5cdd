//! `coder_parameter`: a template parameter whose value the provisioner passes in
//! `CODER_PARAMETER_<hex sha256 of the name>` (and the previous build's in
//! `CODER_PARAMETER_PREVIOUS_…`, for monotonic checks).

use sha2::{Digest, Sha256};

use super::parameter_rules::{self, Parameter, Validation};
use crate::diag::Diags;
use crate::resource::{Ctx, DataSource, new_id};
use crate::schema::{Block, Schema, boolean, int, list_block, string};
use crate::validate;
use crate::value::Value;

/// The variable holding a parameter's value, as Coder's provisioner sets it.
pub fn parameter_env(name: &str) -> String {
    format!("CODER_PARAMETER_{}", hex::encode(Sha256::digest(name)))
}

/// The variable holding a parameter's value in the previous build.
pub fn previous_parameter_env(name: &str) -> String {
    format!("CODER_PARAMETER_PREVIOUS_{}", hex::encode(Sha256::digest(name)))
}

const TYPES: &[&str] = &["string", "number", "bool", "list(string)"];
const FORM_TYPES: &[&str] = &[
    "radio",
    "slider",
    "input",
    "dropdown",
    "checkbox",
    "switch",
    "multi-select",
    "tag-select",
    "textarea",
    "error",
];

pub struct ParameterSource;

impl DataSource for ParameterSource {
    fn type_name(&self) -> &'static str {
        "coder_parameter"
    }

    fn schema(&self) -> Schema {
        let option = Block::new(vec![
            string("name").required().force_new(),
            string("description").force_new(),
            string("value").required().force_new(),
            string("icon").force_new(),
        ]);
        let validation = Block::new(vec![
            int("min"),
            boolean("min_disabled").computed(),
            int("max"),
            boolean("max_disabled").computed(),
            string("monotonic"),
            string("regex"),
            string("error"),
        ]);
        let block = Block::new(vec![
            string("value").computed(),
            string("name").required(),
            string("display_name"),
            string("description"),
            string("type").default("string"),
            string("form_type").default(""),
            string("styling").default("{}"),
            boolean("mutable").default(false),
            string("default"),
            string("icon").force_new(),
            boolean("optional").computed(),
            int("order"),
            boolean("ephemeral").default(false),
        ])
        .with_blocks(vec![
            list_block("option", option).force_new(),
            list_block("validation", validation).max(1),
        ])
        .with_sdk_id();
        Schema { version: 1, block }
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        validate::one_of(diags, config.get("type"), &["type"], TYPES);
        if config.get("form_type").as_str() != Some("") {
            validate::one_of(diags, config.get("form_type"), &["form_type"], FORM_TYPES);
        }
        for v in config.get("validation").items() {
            if validate::is_set(v.get("regex")) {
                for other in ["min", "max", "monotonic"] {
                    if validate::is_set(v.get(other)) {
                        diags.push_attr_error(
                            &["validation", "0", "regex"],
                            format!("\"validation.0.regex\": conflicts with validation.0.{other}"),
                        );
                    }
                }
            }
        }
    }

    fn read(&self, state: &mut Value, config: &Value, ctx: &Ctx<'_>) -> Diags {
        state.set("id", new_id());
        fix_validation(state, config);
        let optional = !config.get("default").is_null();
        state.set("optional", optional);
        let mutable = state.get("mutable").as_bool().unwrap_or(false);
        let ephemeral = state.get("ephemeral").as_bool().unwrap_or(false);
        if !mutable && ephemeral {
            return Diags::error("parameter can't be immutable and ephemeral");
        }
        if !optional && ephemeral {
            return Diags::error("ephemeral parameter requires the default property");
        }
        let name = state.get("name").str_or_empty().to_owned();
        let input = ctx.lookup_env(&parameter_env(&name));
        let previous = ctx.lookup_env(&previous_parameter_env(&name));
        let mut parameter = decode(state, optional);
        match parameter_rules::validate_input(&mut parameter, input.as_deref(), previous.as_deref())
        {
            Ok(value) => {
                state.set("value", value);
                state.set("form_type", parameter.form_type);
                Diags::new()
            }
            Err(diags) => diags,
        }
    }
}

/// Coder's `fixValidationResourceData`: whether `min`/`max` were written, since the SDK cannot
/// tell an unset number from 0.
fn fix_validation(state: &mut Value, config: &Value) {
    let Some(raw) = config.get("validation").items().first() else { return };
    let (min_disabled, max_disabled) = (raw.get("min").is_null(), raw.get("max").is_null());
    if let Some(first) = state.get_mut("validation").and_then(|v| v.items_mut().first_mut()) {
        first.set("min_disabled", min_disabled);
        first.set("max_disabled", max_disabled);
    }
}

fn decode(state: &Value, optional: bool) -> Parameter {
    let text = |v: &Value, k: &str| v.get(k).str_or_empty().to_owned();
    let options = state.get("option").items().iter().map(|o| (text(o, "name"), text(o, "value")));
    let validation = match state.get("validation").items() {
        [v] => Some(Validation {
            min: v.get("min").as_i64().unwrap_or(0),
            min_disabled: v.get("min_disabled").as_bool().unwrap_or(false),
            max: v.get("max").as_i64().unwrap_or(0),
            max_disabled: v.get("max_disabled").as_bool().unwrap_or(false),
            monotonic: text(v, "monotonic"),
            regex: text(v, "regex"),
            error: text(v, "error"),
        }),
        _ => None,
    };
    Parameter {
        type_: text(state, "type"),
        form_type: text(state, "form_type"),
        default: optional.then(|| text(state, "default")),
        options: options.collect(),
        validation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_variable_is_the_hex_sha256_of_the_name() {
        assert_eq!(
            parameter_env("Example"),
            format!("CODER_PARAMETER_{}", hex::encode(Sha256::digest("Example")))
        );
        assert!(parameter_env("x").len() == "CODER_PARAMETER_".len() + 64);
    }

    #[test]
    fn value_comes_from_env_else_default() {
        let url = url::Url::parse("https://x").unwrap();
        let env = |k: &str| (k == parameter_env("region")).then(|| "eu".to_owned());
        let ctx = Ctx { url: &url, url_text: "https://x", env: &env };
        let source = ParameterSource;
        let schema = source.schema();
        let mut config = schema.block.normalize(&Value::Null);
        config.set("name", "region");
        config.set("default", "us");
        let mut state = config.clone();
        schema.block.apply_defaults(&mut state);
        assert!(!source.read(&mut state, &config, &ctx).has_errors());
        assert_eq!(state.get("value"), &Value::from("eu"));
        assert_eq!(state.get("optional"), &Value::Bool(true));
        assert_eq!(state.get("form_type"), &Value::from("input"));

        let mut config = schema.block.normalize(&Value::Null);
        config.set("name", "size");
        let mut state = config.clone();
        schema.block.apply_defaults(&mut state);
        assert!(!source.read(&mut state, &config, &ctx).has_errors());
        assert_eq!(state.get("value"), &Value::from(""));
        assert_eq!(state.get("optional"), &Value::Bool(false));
    }
}
