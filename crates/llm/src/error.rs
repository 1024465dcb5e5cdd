//! Classified provider errors. Their text ends up in a chat's `last_error`, so it is short,
//! human, and never contains the API key (upstream text is redacted before it leaves the crate).

use std::time::Duration;

use serde_json::Value;

use crate::types::Secret;

/// Upstream text kept in a message; longer bodies are cut.
const MAX_MESSAGE_CHARS: usize = 300;

/// Why a model call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider rejected the credentials (HTTP 401/403).
    #[error("provider rejected the API key (HTTP {status}): {message}")]
    Auth { status: u16, message: String },
    /// Too many requests or quota exhausted (HTTP 429).
    #[error("provider rate limit exceeded (HTTP 429){}: {message}", fmt_retry_after(*.retry_after))]
    RateLimited { retry_after: Option<Duration>, message: String },
    /// The provider failed (HTTP 5xx, Anthropic's 529 "overloaded", or an error event mid-stream).
    #[error("provider error (HTTP {status}): {message}")]
    Upstream { status: u16, message: String },
    /// The provider refused the request as invalid (other HTTP 4xx): bad model, context too long…
    #[error("provider rejected the request (HTTP {status}): {message}")]
    BadRequest { status: u16, message: String },
    /// No response, or no data on a started stream, within the configured time.
    #[error("provider timed out: {message}")]
    Timeout { message: String },
    /// The connection could not be made or broke (refused, reset, dropped mid-stream).
    #[error("connection to provider failed: {message}")]
    Connection { message: String },
    /// The provider answered something this client cannot understand.
    #[error("unexpected response from provider: {message}")]
    Protocol { message: String },
}

fn fmt_retry_after(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) if d.subsec_millis() == 0 => format!(", retry after {}s", d.as_secs()),
        Some(d) => format!(", retry after {:.1}s", d.as_secs_f64()),
        None => String::new(),
    }
}

impl ProviderError {
    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Self::Timeout { message: message.into() }
    }

    pub(crate) fn connection(message: impl Into<String>) -> Self {
        Self::Connection { message: message.into() }
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::Protocol { message: truncate(&message.into()) }
    }

    /// A short machine-readable class, for the stream's `error.kind` and for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Auth { .. } => "auth",
            Self::RateLimited { .. } => "rate_limited",
            Self::Upstream { .. } => "upstream",
            Self::BadRequest { .. } => "bad_request",
            Self::Timeout { .. } => "timeout",
            Self::Connection { .. } => "connection",
            Self::Protocol { .. } => "protocol",
        }
    }

    /// Whether sending the same request again later may succeed.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Upstream { .. }
                | Self::Timeout { .. }
                | Self::Connection { .. }
        )
    }

    /// How long the provider asked to wait, if it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status this error came with (or the one its in-stream error type stands for).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Auth { status, .. }
            | Self::Upstream { status, .. }
            | Self::BadRequest { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Classifies a non-success HTTP status. `message` is upstream text (already extracted).
    pub(crate) fn from_status(status: u16, retry_after: Option<Duration>, message: String) -> Self {
        let message = truncate(&message);
        match status {
            401 | 403 => Self::Auth { status, message },
            429 => Self::RateLimited { retry_after, message },
            408 => Self::Timeout { message },
            400..=499 => Self::BadRequest { status, message },
            500..=599 => Self::Upstream { status, message },
            _ => Self::protocol(format!("unexpected HTTP status {status}: {message}")),
        }
    }

    /// Maps a transport error. The URL is dropped: a base URL may carry credentials.
    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        let err = err.without_url();
        let detail = error_chain(&err);
        if err.is_timeout() {
            Self::timeout(detail)
        } else if err.is_connect() {
            Self::connection(format!("could not connect: {detail}"))
        } else if err.is_body() || err.is_decode() {
            Self::connection(format!("stream interrupted: {detail}"))
        } else {
            Self::connection(detail)
        }
    }

    /// Removes every occurrence of the key from the messages. Applied to every error a client
    /// returns, because providers echo keys (or parts of requests) in their error bodies.
    pub(crate) fn redacted(mut self, key: Option<&Secret>) -> Self {
        let Some(key) = key.map(Secret::expose).filter(|k| !k.is_empty()) else {
            return self;
        };
        let msg = match &mut self {
            Self::Auth { message, .. }
            | Self::RateLimited { message, .. }
            | Self::Upstream { message, .. }
            | Self::BadRequest { message, .. }
            | Self::Timeout { message }
            | Self::Connection { message }
            | Self::Protocol { message } => message,
        };
        if msg.contains(key) {
            *msg = msg.replace(key, "***");
        }
        self
    }
}

/// Display of an error and its sources, e.g. "error sending request: connection refused".
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    truncate(&out)
}

/// Cuts upstream text to a size fit for `last_error`, on a char boundary.
pub(crate) fn truncate(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((idx, _)) => format!("{}…", &text[..idx]),
        None => text.to_owned(),
    }
}

/// The human message of an error body: `error.message` (OpenAI, Anthropic), `error` as a string
/// (Ollama), `message` or `detail` (other compatible servers), else the raw text.
pub(crate) fn error_body_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let Ok(json) = serde_json::from_str::<Value>(text) else {
        return Some(truncate(text));
    };
    let found = json_message(&json).unwrap_or(text);
    Some(truncate(found))
}

fn json_message(json: &Value) -> Option<&str> {
    let error = json.get("error");
    error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .or_else(|| error.and_then(Value::as_str))
        .or_else(|| json.get("message").and_then(Value::as_str))
        .or_else(|| json.get("detail").and_then(Value::as_str))
}

/// Parses `retry-after-ms` (OpenAI) or `retry-after` in seconds; HTTP dates are ignored.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return duration_from_secs(ms / 1000.0);
    }
    header("retry-after").and_then(|v| v.trim().parse::<f64>().ok()).and_then(duration_from_secs)
}

fn duration_from_secs(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs).ok()
}

/// Why a provider could not be built from its configuration. Shown as a provider's
/// `unavailable_reason`; never contains the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("unknown provider kind \"{0}\"")]
    UnknownKind(String),
    #[error("provider \"{0}\" needs an API key")]
    MissingApiKey(&'static str),
    #[error("provider \"{0}\" needs a base URL")]
    MissingBaseUrl(&'static str),
    #[error("invalid base URL: {0}")]
    InvalidBaseUrl(String),
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    #[error("could not create the HTTP client: {0}")]
    HttpClient(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_provider_messages() {
        let openai = br#"{"error":{"message":"Incorrect API key","type":"invalid_request_error"}}"#;
        assert_eq!(error_body_message(openai).as_deref(), Some("Incorrect API key"));
        let ollama = br#"{"error":"model not found"}"#;
        assert_eq!(error_body_message(ollama).as_deref(), Some("model not found"));
        assert_eq!(error_body_message(b"  ").as_deref(), None);
        assert_eq!(error_body_message(b"Bad Gateway").as_deref(), Some("Bad Gateway"));
    }

    #[test]
    fn truncates_on_char_boundary() {
        let long = "é".repeat(MAX_MESSAGE_CHARS + 10);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn redacts_key() {
        let key = Secret::new("sk-abc");
        let err = ProviderError::from_status(401, None, "bad key sk-abc".into());
        let err = err.redacted(Some(&key));
        assert!(!err.to_string().contains("sk-abc"));
        assert!(!format!("{err:?}").contains("sk-abc"));
    }

    #[test]
    fn classifies_statuses() {
        let kind = |s| ProviderError::from_status(s, None, String::new()).kind();
        assert_eq!(kind(401), "auth");
        assert_eq!(kind(403), "auth");
        assert_eq!(kind(429), "rate_limited");
        assert_eq!(kind(400), "bad_request");
        assert_eq!(kind(404), "bad_request");
        assert_eq!(kind(500), "upstream");
        assert_eq!(kind(529), "upstream");
        assert_eq!(kind(408), "timeout");
    }
}
