//! tollgate's reimplementation of Coder's Terraform provisioner conversion (`ConvertState`):
//! `terraform show -json` (state or plan) plus `terraform graph` (DOT) in, the workspace's
//! resources, agents, apps, scripts, devcontainers, parameters, presets … out.
//!
//! Pure: no filesystem, network or processes. Every input is bounded — at most
//! [`MAX_INPUT_BYTES`] per document, JSON nesting at serde_json's recursion limit, DOT nesting
//! at [`dot::MAX_SUBGRAPH_DEPTH`] — and every failure is an [`Error`], never a panic.
//!
//! ```
//! let json = r#"{"format_version":"1.0","values":{"root_module":{"resources":[]}}}"#;
//! let out = tollgate_terraform::convert(json, "digraph {}").unwrap();
//! assert!(out.state.resources.is_empty());
//! ```

mod convert;
mod decode;
pub mod dot;
mod error;
pub mod golden;
mod graph;
pub mod json;
pub mod model;
mod quote;
mod resource_de;
pub mod state;
pub mod tree;

pub use convert::{convert_modules, label_of};
pub use dot::parse_dot;
pub use error::{AGENT_NAME_REGEX, APP_SLUG_REGEX, Error, ErrorKind};
pub use graph::{Direction, Graph};
pub use model::State;
pub use quote::go_quote;
pub use state::{Document, DocumentKind, parse_document};

/// The largest JSON or DOT document accepted (256 MiB).
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// A converted document.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// Whether the input was an applied state or a plan.
    pub kind: DocumentKind,
    /// The workspace resources and the template's parameters, presets, ….
    pub state: State,
}

/// Parse a `terraform show -json` document and its `terraform graph` DOT, and convert them.
/// Apps without an id (plans) get a random UUIDv4, as in Coder.
pub fn convert(json: &str, dot: &str) -> Result<Conversion, Error> {
    convert_with_app_ids(json, dot, &mut || uuid::Uuid::new_v4().to_string())
}

/// [`convert`] with a caller-chosen id source for apps that have none, for reproducible output.
pub fn convert_with_app_ids(
    json: &str,
    dot: &str,
    new_app_id: &mut dyn FnMut() -> String,
) -> Result<Conversion, Error> {
    let doc = parse_document(json)?;
    let graph = parse_dot(dot)?;
    let state = convert_modules(&doc.modules(), &graph, new_app_id)?;
    Ok(Conversion { kind: doc.kind(), state })
}
