//! Conversion errors. `Display` of [`ErrorKind`] is Coder's exact text (spec §10), so goldens
//! that store an error compare equal; the resource address, when known, travels beside it.

use std::fmt;

use crate::quote::go_quote;

/// The agent-name regex Coder prints in its error messages.
pub const AGENT_NAME_REGEX: &str = "(?i)^[a-z0-9](-?[a-z0-9])*$";
/// The app-slug regex Coder prints in its error messages.
pub const APP_SLUG_REGEX: &str = "^[a-z0-9](-?[a-z0-9])*$";

/// A failed conversion: what went wrong (Coder's text) and, where known, which resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    address: Option<String>,
}

impl Error {
    /// The error category and its details.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The Terraform address of the resource the error concerns, if one does.
    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    pub(crate) fn at(mut self, address: &str) -> Self {
        self.address = Some(address.to_owned());
        self
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self { kind, address: None }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for Error {}

/// Every way a conversion can fail. Texts of the Coder variants match spec §10 byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// Input larger than [`crate::MAX_INPUT_BYTES`].
    #[error("{what} is too large: {size} bytes, the limit is {limit} bytes")]
    TooLarge { what: &'static str, size: usize, limit: usize },
    /// Malformed Terraform JSON or a JSON value of the wrong type.
    #[error("parse terraform JSON: {0}")]
    Json(String),
    /// `format_version` missing or not 1.x.
    #[error("unsupported terraform JSON format_version {0}: only 1.x is supported")]
    FormatVersion(String),
    #[error("parse graph: {0}")]
    ParseGraph(String),
    #[error("analyze graph: {0}")]
    AnalyzeGraph(String),
    /// `decode <kind> attributes: <mapstructure error>`.
    #[error("decode {kind} attributes: {detail}")]
    Decode { kind: &'static str, detail: String },
    #[error("agent name cannot be empty")]
    EmptyAgentName,
    #[error(
        "agent name {} contains underscores which are no longer supported, please use hyphens instead (regex: {})",
        go_quote(.0),
        go_quote(AGENT_NAME_REGEX)
    )]
    AgentNameUnderscore(String),
    #[error("agent name {} does not match regex {}", go_quote(.0), go_quote(AGENT_NAME_REGEX))]
    AgentNameInvalid(String),
    #[error("duplicate agent name: {0}")]
    DuplicateAgentName(String),
    #[error("couldn't find node on graph: {}", go_quote(.0))]
    NodeNotFound(String),
    #[error("app slug {} does not match regex {}", go_quote(.0), go_quote(APP_SLUG_REGEX))]
    AppSlugInvalid(String),
    #[error("duplicate app slug, they must be unique per template: {}", go_quote(.0))]
    DuplicateAppSlug(String),
    #[error("duplicate metadata resource: {0}")]
    DuplicateMetadata(String),
    #[error("decode map values for coder_parameter.{name}: {detail}")]
    DecodeParameter { name: String, detail: String },
    #[error("decode form_type for coder_parameter.{name}: {detail}")]
    DecodeFormType { name: String, detail: String },
    /// Names already quoted and joined, e.g. `"a" and "b"`.
    #[error("coder_parameter names must be unique but {names} appear{suffix} multiple times")]
    DuplicateParameterNames { names: String, suffix: &'static str },
    #[error("a maximum of 1 coder_workspace_preset can be marked as default, but {0} are set")]
    MultipleDefaultPresets(usize),
    #[error("external auth id is not a string")]
    ExternalAuthId,
}
