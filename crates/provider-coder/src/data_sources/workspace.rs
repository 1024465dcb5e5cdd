//! `coder_workspace`, `coder_workspace_owner`, `coder_provisioner` and `coder_external_auth`:
//! what the provisioner tells Terraform through `CODER_*` environment variables, read as
//! Coder's provider reads them (with its defaults when a variable is unset).

use crate::diag::Diags;
use crate::resource::{Ctx, DataSource, new_id};
use crate::schema::{Attr, Block, Schema, Ty, boolean, int, string};
use crate::value::Value;

pub struct Workspace;

impl DataSource for Workspace {
    fn type_name(&self) -> &'static str {
        "coder_workspace"
    }

    fn schema(&self) -> Schema {
        let computed_strings = [
            "access_url",
            "transition",
            "id",
            "name",
            "template_id",
            "template_name",
            "template_version",
        ];
        let mut attrs: Vec<Attr> = computed_strings.iter().map(|n| string(n).computed()).collect();
        attrs.extend(["access_port", "prebuild_count", "start_count"].map(|n| int(n).computed()));
        attrs.extend(["is_prebuild", "is_prebuild_claim"].map(|n| boolean(n).computed()));
        Schema { version: 1, block: Block::new(attrs) }
    }

    fn read(&self, state: &mut Value, _config: &Value, ctx: &Ctx<'_>) -> Diags {
        let transition = ctx.env_or("CODER_WORKSPACE_TRANSITION", "start");
        state.set("start_count", i64::from(transition == "start"));
        state.set("transition", transition);
        let flag = |k| ctx.env(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let claim = flag("CODER_WORKSPACE_IS_PREBUILD_CLAIM");
        let prebuild = flag("CODER_WORKSPACE_IS_PREBUILD") && !claim;
        state.set("prebuild_count", i64::from(prebuild));
        state.set("is_prebuild", prebuild);
        state.set("is_prebuild_claim", claim);
        state.set("name", ctx.env_or("CODER_WORKSPACE_NAME", "default"));
        state.set("id", ctx.env("CODER_WORKSPACE_ID").unwrap_or_else(new_id));
        for (attr, var, what) in [
            ("template_id", "CODER_WORKSPACE_TEMPLATE_ID", "template ID"),
            ("template_name", "CODER_WORKSPACE_TEMPLATE_NAME", "template name"),
            ("template_version", "CODER_WORKSPACE_TEMPLATE_VERSION", "template version"),
        ] {
            match require_env(ctx, var) {
                Ok(v) => state.set(attr, v),
                Err(e) => return Diags::error(format!("{what} is missing: {e}")),
            }
        }
        state.set("access_url", ctx.url_text);
        state.set("access_port", i64::from(access_port(ctx.url)));
        Diags::new()
    }
}

/// Coder's `RequireEnv`: required only during a workspace build (`CODER_WORKSPACE_BUILD_ID`
/// set); at template import an unset variable is "".
fn require_env(ctx: &Ctx<'_>, name: &str) -> Result<String, String> {
    let value = ctx.env(name).unwrap_or_default();
    if ctx.env("CODER_WORKSPACE_BUILD_ID").is_some() && value.is_empty() {
        return Err(format!("{name} is required"));
    }
    Ok(value)
}

/// The URL's port, else 443 for https and 80 for anything else, as Coder computes it.
fn access_port(url: &url::Url) -> u16 {
    url.port().unwrap_or(if url.scheme() == "https" { 443 } else { 80 })
}

pub struct WorkspaceOwner;

impl DataSource for WorkspaceOwner {
    fn type_name(&self) -> &'static str {
        "coder_workspace_owner"
    }

    fn schema(&self) -> Schema {
        let role = Ty::Object(vec![("name", Ty::String), ("org_id", Ty::String)]);
        let mut attrs: Vec<Attr> =
            ["id", "name", "full_name", "email", "ssh_public_key", "login_type"]
                .map(|n| string(n).computed())
                .into();
        attrs.extend(
            ["ssh_private_key", "session_token", "oidc_access_token"]
                .map(|n| string(n).computed().sensitive()),
        );
        attrs.push(Attr::new("groups", Ty::List(Box::new(Ty::String))).computed());
        attrs.push(Attr::new("rbac_roles", Ty::List(Box::new(role))).computed());
        Schema { version: 0, block: Block::new(attrs) }
    }

    fn read(&self, state: &mut Value, _config: &Value, ctx: &Ctx<'_>) -> Diags {
        state.set("id", ctx.env("CODER_WORKSPACE_OWNER_ID").unwrap_or_else(new_id));
        state.set("name", ctx.env_or("CODER_WORKSPACE_OWNER", "default"));
        state.set("full_name", ctx.env_or("CODER_WORKSPACE_OWNER_NAME", "default"));
        state.set("email", ctx.env_or("CODER_WORKSPACE_OWNER_EMAIL", "default@example.com"));
        for (attr, var) in [
            ("ssh_public_key", "CODER_WORKSPACE_OWNER_SSH_PUBLIC_KEY"),
            ("ssh_private_key", "CODER_WORKSPACE_OWNER_SSH_PRIVATE_KEY"),
            ("session_token", "CODER_WORKSPACE_OWNER_SESSION_TOKEN"),
            ("oidc_access_token", "CODER_WORKSPACE_OWNER_OIDC_ACCESS_TOKEN"),
        ] {
            state.set(attr, ctx.env_or(var, ""));
        }
        if let Some(login_type) = ctx.env("CODER_WORKSPACE_OWNER_LOGIN_TYPE") {
            state.set("login_type", login_type);
        }
        match (groups(ctx), rbac_roles(ctx)) {
            (Ok(groups), Ok(roles)) => {
                state.set("groups", groups);
                state.set("rbac_roles", roles);
                Diags::new()
            }
            (Err(e), _) | (_, Err(e)) => Diags::error(e),
        }
    }
}

/// `CODER_WORKSPACE_OWNER_GROUPS`, a JSON list of names.
fn groups(ctx: &Ctx<'_>) -> Result<Value, String> {
    let Some(raw) = ctx.lookup_env("CODER_WORKSPACE_OWNER_GROUPS") else {
        return Ok(Value::List(vec![]));
    };
    let names: Option<Vec<String>> =
        serde_json::from_str(&raw).map_err(|e| format!("invalid user groups: {e}"))?;
    Ok(Value::List(names.unwrap_or_default().into_iter().map(Value::from).collect()))
}

/// `CODER_WORKSPACE_OWNER_RBAC_ROLES`, a JSON list of `{"name", "org_id"}`.
fn rbac_roles(ctx: &Ctx<'_>) -> Result<Value, String> {
    let Some(raw) = ctx.lookup_env("CODER_WORKSPACE_OWNER_RBAC_ROLES") else {
        return Ok(Value::List(vec![]));
    };
    let roles: Option<Vec<std::collections::BTreeMap<String, String>>> =
        serde_json::from_str(&raw).map_err(|e| format!("invalid user rbac roles: {e}"))?;
    let roles = roles.unwrap_or_default().into_iter().map(|r| {
        let mut role = Value::Null;
        role.set("name", r.get("name").cloned().unwrap_or_default());
        role.set("org_id", r.get("org_id").cloned().unwrap_or_default());
        role
    });
    Ok(Value::List(roles.collect()))
}

pub struct Provisioner;

impl DataSource for Provisioner {
    fn type_name(&self) -> &'static str {
        "coder_provisioner"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(vec![string("os").computed(), string("arch").computed()]);
        Schema { version: 1, block: block.with_sdk_id() }
    }

    fn read(&self, state: &mut Value, _config: &Value, _ctx: &Ctx<'_>) -> Diags {
        state.set("id", new_id());
        state.set("os", go_os(std::env::consts::OS));
        state.set("arch", go_arch(std::env::consts::ARCH));
        Diags::new()
    }
}

/// Go's GOOS names, which Coder's provider reports.
fn go_os(os: &str) -> &str {
    if os == "macos" { "darwin" } else { os }
}

/// Go's GOARCH names, with 32-bit ARM as "armv7" as Coder reports it.
fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "armv7",
        other => other,
    }
}

pub struct ExternalAuth;

impl DataSource for ExternalAuth {
    fn type_name(&self) -> &'static str {
        "coder_external_auth"
    }

    fn schema(&self) -> Schema {
        let block = Block::new(vec![
            string("id").required(),
            string("access_token").computed().sensitive(),
            boolean("optional"),
        ]);
        Schema { version: 1, block }
    }

    /// The access token comes from `CODER_EXTERNAL_AUTH_ACCESS_TOKEN_<id>`.
    fn read(&self, state: &mut Value, _config: &Value, ctx: &Ctx<'_>) -> Diags {
        let id = state.get("id").str_or_empty().to_owned();
        if id.is_empty() {
            return Diags::error("id is required");
        }
        state
            .set("access_token", ctx.env_or(&format!("CODER_EXTERNAL_AUTH_ACCESS_TOKEN_{id}"), ""));
        Diags::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        source: &dyn DataSource,
        env: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Value, Diags> {
        let url = url::Url::parse("http://coder.internal:3000").unwrap();
        let ctx = Ctx { url: &url, url_text: "http://coder.internal:3000", env };
        let schema = source.schema();
        crate::lifecycle::read_data(source, &schema, &Value::Null, &ctx)
    }

    #[test]
    fn workspace_reads_coder_variables_with_coders_defaults() {
        let env = |k: &str| match k {
            "CODER_WORKSPACE_TRANSITION" => Some("stop".to_owned()),
            "CODER_WORKSPACE_NAME" => Some("dev".to_owned()),
            _ => None,
        };
        let ws = read(&Workspace, &env).unwrap();
        assert_eq!(ws.get("start_count"), &Value::from(0i64));
        assert_eq!(ws.get("name"), &Value::from("dev"));
        assert_eq!(ws.get("access_port"), &Value::from(3000i64));
        assert_eq!(ws.get("template_id"), &Value::from(""));
        let building = |k: &str| (k == "CODER_WORKSPACE_BUILD_ID").then(|| "b".to_owned());
        let err = read(&Workspace, &building).unwrap_err();
        assert_eq!(
            err.0[0].summary,
            "template ID is missing: CODER_WORKSPACE_TEMPLATE_ID is required"
        );
    }

    #[test]
    fn owner_defaults_and_groups() {
        let env = |k: &str| (k == "CODER_WORKSPACE_OWNER_GROUPS").then(|| r#"["devs"]"#.to_owned());
        let owner = read(&WorkspaceOwner, &env).unwrap();
        assert_eq!(owner.get("email"), &Value::from("default@example.com"));
        assert_eq!(owner.get("groups"), &Value::List(vec![Value::from("devs")]));
        assert!(owner.get("login_type").is_null());
        let bad = |k: &str| (k == "CODER_WORKSPACE_OWNER_GROUPS").then(|| "nope".to_owned());
        assert!(
            read(&WorkspaceOwner, &bad).unwrap_err().0[0]
                .summary
                .starts_with("invalid user groups")
        );
    }
}
