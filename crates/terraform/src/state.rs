//! Types for `terraform show -json` (format 1.x) of a state or a plan. Only what the conversion
//! reads is typed; every other key is ignored, so newer Terraform versions still parse.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::MAX_INPUT_BYTES;
use crate::error::{Error, ErrorKind};

/// A `terraform show -json` document: a state (`values`) or a plan (`planned_values`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Document {
    #[serde(default, deserialize_with = "null_default")]
    pub format_version: String,
    #[serde(default, deserialize_with = "null_default")]
    pub terraform_version: String,
    #[serde(default)]
    pub values: Option<Values>,
    #[serde(default)]
    pub planned_values: Option<Values>,
    #[serde(default)]
    pub prior_state: Option<PriorState>,
}

/// `values` / `planned_values`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Values {
    #[serde(default)]
    pub root_module: Option<StateModule>,
}

/// A plan's `prior_state` (a state document of its own).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PriorState {
    #[serde(default)]
    pub values: Option<Values>,
}

/// terraform-json `StateModule`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StateModule {
    #[serde(default, deserialize_with = "null_default")]
    pub address: String,
    #[serde(default, deserialize_with = "null_default")]
    pub resources: Vec<StateResource>,
    #[serde(default, deserialize_with = "null_default")]
    pub child_modules: Vec<StateModule>,
}

/// terraform-json `StateResource`; `depends_on` and `sensitive_values` are deliberately ignored
/// (relationships come from the graph and from ID attributes). Deserialized in
/// [`crate::resource_de`]: `null` is a field's zero value, as for the types here.
#[derive(Debug, Clone, Default)]
pub struct StateResource {
    pub address: String,
    pub mode: String,
    pub type_: String,
    pub name: String,
    pub index: Option<Value>,
    /// terraform-json `AttributeValues`; empty (checked, not kept) for a resource whose type
    /// the conversion never reads them of ([`crate::resource_de::reads_values`]).
    pub values: Map<String, Value>,
}

impl StateResource {
    pub fn is_managed(&self) -> bool {
        self.mode == "managed"
    }
}

/// Whether a document describes applied state or a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    State,
    Plan,
}

impl Document {
    /// A document with `planned_values` is a plan; anything else is a state (spec §17).
    pub fn kind(&self) -> DocumentKind {
        if self.planned_values.is_some() { DocumentKind::Plan } else { DocumentKind::State }
    }

    /// The module list Coder's golden test converts: a state's root module, or a plan's
    /// planned root module followed by its prior state's root module (spec §1).
    pub fn modules(&self) -> Vec<&StateModule> {
        fn root(v: &Option<Values>) -> Option<&StateModule> {
            v.as_ref().and_then(|v| v.root_module.as_ref())
        }
        match self.kind() {
            DocumentKind::State => root(&self.values).into_iter().collect(),
            DocumentKind::Plan => {
                let prior = self.prior_state.as_ref().and_then(|p| root(&p.values));
                root(&self.planned_values).into_iter().chain(prior).collect()
            }
        }
    }
}

/// Parse and validate a `terraform show -json` document. Malformed JSON, wrong types, nesting
/// deeper than serde_json's recursion limit (128) and inputs over the size cap are errors.
pub fn parse_document(json: &str) -> Result<Document, Error> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(too_large("terraform JSON", json.len()));
    }
    // serde would also accept a JSON array for a struct; a document is always an object.
    if !json.trim_start().starts_with('{') && !json.trim().is_empty() {
        return Err(ErrorKind::Json("the document must be a JSON object".into()).into());
    }
    let doc: Document =
        serde_json::from_str(json).map_err(|e| Error::from(ErrorKind::Json(e.to_string())))?;
    check_format_version(&doc.format_version)?;
    Ok(doc)
}

pub(crate) fn too_large(what: &'static str, size: usize) -> Error {
    ErrorKind::TooLarge { what, size, limit: MAX_INPUT_BYTES }.into()
}

fn check_format_version(version: &str) -> Result<(), Error> {
    let mut parts = version.splitn(2, '.');
    let major_ok = parts.next() == Some("1");
    let minor_ok =
        parts.next().is_none_or(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
    if major_ok && minor_ok {
        return Ok(());
    }
    let shown = if version.is_empty() { "(missing)".to_owned() } else { format!("{version:?}") };
    Err(ErrorKind::FormatVersion(shown).into())
}

/// JSON `null` (or a missing key, with `#[serde(default)]`) becomes the type's zero value.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
