//! `coder_app`.

use crate::diag::Diags;
use crate::resource::{Ctx, Resource};
use crate::schema::{Block, Schema, boolean, int, set_block, string};
use crate::validate;
use crate::value::Value;

/// Coder's app slug rule (a hostname label without double hyphens).
pub const APP_SLUG_REGEX: &str = "^[a-z0-9](-?[a-z0-9])*$";

pub struct App;

impl Resource for App {
    fn type_name(&self) -> &'static str {
        "coder_app"
    }

    fn schema(&self) -> Schema {
        let healthcheck = Block::new(vec![
            string("url").required().force_new(),
            int("interval").required().force_new(),
            int("threshold").required().force_new(),
        ]);
        let block = Block::new(vec![
            string("agent_id").required().force_new(),
            string("command").force_new(),
            string("icon").force_new(),
            string("slug").required().force_new(),
            string("display_name").force_new(),
            boolean("subdomain").force_new(),
            string("share").force_new().default("owner"),
            string("url").force_new(),
            boolean("external").force_new().default(false),
            string("group").force_new(),
            int("order").force_new(),
            boolean("hidden").force_new().default(false),
            string("open_in").force_new().default("slim-window"),
            string("tooltip").force_new(),
        ])
        .with_blocks(vec![set_block("healthcheck", healthcheck).max(1).force_new()])
        .with_sdk_id();
        Schema { version: 1, block }
    }

    fn validate(&self, config: &Value, diags: &mut Diags) {
        validate_slug(config.get("slug"), diags);
        let share = config.get("share");
        if let Some(s) =
            share.as_str().filter(|s| !["owner", "authenticated", "public"].contains(s))
        {
            diags.push_attr_error(
                &["share"],
                format!("invalid app share {s:?}, must be one of \"owner\", \"authenticated\", \"public\""),
            );
        }
        if let Some(s) =
            config.get("open_in").as_str().filter(|s| !["tab", "slim-window"].contains(s))
        {
            diags.push_attr_error(
                &["open_in"],
                format!("invalid \"coder_app\" open_in value, must be one of \"tab\", \"slim-window\": {s:?}"),
            );
        }
        for (name, max, what) in [
            ("display_name", 64, "display name"),
            ("group", 64, "group name"),
            ("tooltip", 2048, "tooltip"),
        ] {
            let message = format!("{what} is too long (max {max} characters)");
            validate::max_len(diags, config.get(name), &[name], max, &message);
        }
        validate::conflicts(diags, config, "command", &["url", "subdomain"]);
        validate::conflicts(diags, config, "url", &["command"]);
        validate::conflicts(diags, config, "healthcheck", &["command"]);
        // `share` has a default, so only an explicit true `external` can conflict with it.
        if config.get("external").as_bool() == Some(true) {
            validate::conflicts(
                diags,
                config,
                "external",
                &["healthcheck", "command", "subdomain", "share"],
            );
        }
    }

    fn create(&self, state: &mut Value, _ctx: &Ctx<'_>) -> Diags {
        let mut diags = Diags::new();
        if state.get("hidden").as_bool() == Some(true) {
            for name in ["display_name", "icon", "order"] {
                if is_set_non_zero(state.get(name)) {
                    diags.push_warning(format!("`{name}` set when app is hidden"), "");
                }
            }
        }
        diags
    }
}

/// The SDK's `GetOk`: set and not the zero value.
fn is_set_non_zero(value: &Value) -> bool {
    match value {
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_i64() != 0,
        _ => false,
    }
}

fn validate_slug(slug: &Value, diags: &mut Diags) {
    let Some(s) = slug.as_str() else { return };
    let re = regex::Regex::new(APP_SLUG_REGEX).expect("valid slug regex");
    if !re.is_match(s) {
        diags.push_attr_error(
            &["slug"],
            format!(
                "invalid \"coder_app\" slug, must be a valid hostname ({APP_SLUG_REGEX:?}, cannot contain two consecutive hyphens or start/end with a hyphen): {s:?}"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_shares_and_conflicts_are_checked() {
        let mut config = Value::Null;
        config.set("slug", "Bad--slug");
        config.set("share", "everyone");
        config.set("command", "ls");
        config.set("url", "http://localhost");
        let mut diags = Diags::new();
        App.validate(&config, &mut diags);
        let texts: Vec<_> = diags.0.iter().map(|d| d.summary.as_str()).collect();
        assert!(texts[0].starts_with("invalid \"coder_app\" slug"), "{texts:?}");
        assert!(texts.iter().any(|t| t.starts_with("invalid app share \"everyone\"")));
        assert!(texts.contains(&"\"command\": conflicts with url"), "{texts:?}");
    }
}
