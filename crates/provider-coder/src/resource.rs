//! What a resource or data source implements, and what it gets to work with.

use crate::diag::Diags;
use crate::schema::Schema;
use crate::value::Value;

/// The world a resource sees: the provider's configuration and the environment the provisioner
/// gave Terraform (read through a function so that tests need not touch the process's).
pub struct Ctx<'a> {
    /// The provider's `url` (Coder's access URL).
    pub url: &'a url::Url,
    /// The text of `url` as configured.
    pub url_text: &'a str,
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

impl Ctx<'_> {
    /// The variable's value; unset and empty are the same, as in Coder's `OptionalEnv`.
    pub fn env(&self, key: &str) -> Option<String> {
        (self.env)(key).filter(|v| !v.is_empty())
    }

    /// The variable's value, or `default` when unset or empty (Coder's `OptionalEnvOrDefault`).
    pub fn env_or(&self, key: &str, default: &str) -> String {
        self.env(key).unwrap_or_else(|| default.to_owned())
    }

    /// The variable's value even when empty (Go's `os.LookupEnv`).
    pub fn lookup_env(&self, key: &str) -> Option<String> {
        (self.env)(key)
    }
}

/// A fresh random id, as Coder's provider makes with `uuid.NewString()`.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A managed resource. The generic lifecycle (plan, apply, import, upgrade) is in
/// `lifecycle.rs`; a resource only adds what Coder's resource function does.
pub trait Resource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// Checks of a configuration, whose values may still be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diags) {}

    /// Create: fill the computed attributes of the planned value. `id` is set before.
    fn create(&self, _state: &mut Value, _ctx: &Ctx<'_>) -> Diags {
        Diags::new()
    }

    /// Refresh a stored state (most of Coder's resources do nothing here).
    fn read(&self, _state: &mut Value, _ctx: &Ctx<'_>) -> Diags {
        Diags::new()
    }
}

/// A data source: its configuration in, its state out.
pub trait DataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    fn validate(&self, _config: &Value, _diags: &mut Diags) {}

    /// `state` starts as the configuration with defaults filled; `config` is the configuration
    /// as written (to tell an absent attribute from its default).
    fn read(&self, state: &mut Value, config: &Value, ctx: &Ctx<'_>) -> Diags;
}
