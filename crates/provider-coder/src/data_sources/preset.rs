//! `coder_workspace_preset`: a named set of parameter values, with optional prebuilds.

use crate::diag::Diags;
use crate::resource::{Ctx, DataSource};
use crate::schema::{Attr, Block, Schema, Ty, boolean, int, list_block, set_block, string};
use crate::validate;
use crate::value::Value;

pub struct Preset;

fn prebuilds_block() -> Block {
    let expiration = Block::new(vec![int("ttl").required().force_new()]);
    let schedule = Block::new(vec![string("cron").required(), int("instances").required()]);
    let scheduling = Block::new(vec![string("timezone").required()])
        .with_blocks(vec![list_block("schedule", schedule).min(1)]);
    Block::new(vec![int("instances").required().force_new()]).with_blocks(vec![
        set_block("expiration_policy", expiration).max(1),
        list_block("scheduling", scheduling).max(1),
    ])
}

impl DataSource for Preset {
    fn type_name(&self) -> &'static str {
        "coder_workspace_preset"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(vec![
            string("id").computed(),
            string("name").required(),
            string("description"),
            string("icon").force_new(),
            boolean("default").default(false),
            Attr::new("parameters", Ty::Map(Box::new(Ty::String))),
        ])
        .with_blocks(vec![set_block("prebuilds", prebuilds_block()).max(1)]);
        Schema { version: 1, block }
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        validate::not_empty(diags, config.get("name"), &["name"]);
        let length = |name: &str, max: usize| {
            let n = config.get(name).as_str().map_or(0, str::len);
            (n > max).then(|| {
                format!("expected length of {name} to be in the range (0 - {max}), got {n}")
            })
        };
        for message in [length("description", 128), length("icon", 256)].into_iter().flatten() {
            diags.push_error(message, "");
        }
        for (name, value) in preset_parameters(config) {
            if value.as_str() == Some("") {
                diags.push_error(
                    format!("expected \"parameters.{name}\" to not be an empty string"),
                    "",
                );
            }
        }
        for prebuild in config.get("prebuilds").items() {
            validate::at_least(diags, prebuild.get("instances"), &["instances"], 0);
            for policy in prebuild.get("expiration_policy").items() {
                validate_ttl(policy.get("ttl"), diags);
            }
            validate_schedules(prebuild, diags);
        }
    }

    /// The preset's id is its name, as in Coder's provider.
    fn read(&self, state: &mut Value, _config: &Value, _ctx: &Ctx<'_>) -> Diags {
        let name = state.get("name").clone();
        state.set("id", name);
        Diags::new()
    }
}

fn preset_parameters(config: &Value) -> Vec<(&String, &Value)> {
    match config.get("parameters") {
        Value::Map(m) => m.iter().collect(),
        _ => Vec::new(),
    }
}

/// 0 (never expire) or between one hour and one year.
fn validate_ttl(ttl: &Value, diags: &mut Diags) {
    if let Some(v) = ttl.as_i64()
        && v != 0
        && !(3600..=31_536_000).contains(&v)
    {
        diags.push_error(format!("\"ttl\" must be 0 or between 3600 and 31536000, got {v}"), "");
    }
}

/// Prebuild schedules are five-field cron specs whose minute is `*` (they describe whole
/// hours). Coder also checks the timezone against the IANA database and that schedules do not
/// overlap; those checks are Coder's server's to repeat and are not done here.
fn validate_schedules(prebuild: &Value, diags: &mut Diags) {
    for scheduling in prebuild.get("scheduling").items() {
        for schedule in scheduling.get("schedule").items() {
            let Some(cron) = schedule.get("cron").as_str() else { continue };
            let fields: Vec<&str> = cron.split_whitespace().collect();
            let problem = if fields.len() != 5 {
                Some("cron specification should consist of 5 fields")
            } else if fields[0] != "*" {
                Some("minute field should be *")
            } else {
                None
            };
            if let Some(problem) = problem {
                diags.push_error(format!("cron spec failed validation: {problem}"), "");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_and_cron_rules() {
        let mut schedule = Value::Null;
        schedule.set("cron", "0 8 * * *");
        let mut scheduling = Value::Null;
        scheduling.set("schedule", vec![schedule]);
        let mut policy = Value::Null;
        policy.set("ttl", 60i64);
        let mut prebuild = Value::Null;
        prebuild.set("instances", 1i64);
        prebuild.set("scheduling", vec![scheduling]);
        prebuild.set("expiration_policy", vec![policy]);
        let mut config = Value::Null;
        config.set("name", "p");
        config.set("prebuilds", vec![prebuild]);
        let mut diags = Diags::new();
        Preset.validate(&config, &mut diags);
        let texts: Vec<_> = diags.0.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "\"ttl\" must be 0 or between 3600 and 31536000, got 60",
                "cron spec failed validation: minute field should be *",
            ]
        );
    }
}
