//! tollgate's LLM provider layer: one streaming call per chat turn, against OpenAI-compatible
//! Chat Completions, Anthropic Messages, or an offline simulated model.
//!
//! A call returns a [`CompletionStream`] of [`StreamEvent`]s. Errors are classified
//! ([`ProviderError`]) for a chat's `last_error`; usage is reported in billable categories
//! ([`Usage`]) for the cost formula in `tollgate-core`. API keys travel as [`Secret`] and never
//! appear in errors or logs.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use tollgate_llm::{CompletionRequest, Message, ProviderOptions, build, collect};
//! let http = ProviderOptions::default().http_client()?;
//! let provider = build("simulated", None, None, http)?;
//! let req = CompletionRequest {
//!     model: "sim-1".into(),
//!     messages: vec![Message::user("hello")],
//!     ..Default::default()
//! };
//! let (completion, error) = collect(provider.stream(req).await?).await;
//! println!("{} ({:?}, {error:?})", completion.text, completion.usage);
//! # Ok(()) }
//! ```

mod anthropic;
mod anthropic_wire;
mod collect;
mod config;
mod error;
mod http;
mod openai;
mod simulated;
mod sse;
mod tools;
mod types;

pub use anthropic::Anthropic;
pub use collect::{Completion, collect};
pub use config::{ProviderKind, ProviderOptions, build, build_with_options};
pub use error::{BuildError, ProviderError};
pub use openai::{OpenAiCompatible, OpenAiFlavor};
pub use simulated::{Simulated, TRIGGER_ERROR, TRIGGER_RATE_LIMIT, simulated_tokens};
pub use tools::{Tool, ToolCall, ToolChoice, Tools};
pub use types::{
    CompletionRequest, EmbeddingRequest, Embeddings, Message, Role, Secret, StopReason,
    StreamEvent, Usage,
};

use futures::stream::BoxStream;

/// The events of one call: `Ok` events, then either the end (after `Done`) or one `Err`.
/// Dropping it cancels the call and closes the connection.
pub type CompletionStream = BoxStream<'static, Result<StreamEvent, ProviderError>>;

/// An LLM provider. Object-safe: the daemon holds `Arc<dyn Provider>`.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// Starts a streamed completion. An `Err` here means nothing was generated (the request
    /// failed before the stream began); later failures arrive inside the stream.
    async fn stream(&self, req: CompletionRequest) -> Result<CompletionStream, ProviderError>;

    /// The provider kind this client speaks for (`openai`, `anthropic`, …).
    fn kind(&self) -> ProviderKind;

    /// Embeds every input. A provider without embeddings (Anthropic's API has none) refuses
    /// with a 400-class error, so a caller can say so plainly.
    async fn embed(&self, _req: EmbeddingRequest) -> Result<Embeddings, ProviderError> {
        Err(ProviderError::BadRequest {
            status: 400,
            message: format!("provider {} offers no embeddings", self.kind()),
        })
    }

    /// The input tokens `req` would be billed, as the provider counts them, without running
    /// it. A provider without such a count (OpenAI's API has none) refuses with a 400-class
    /// error.
    async fn count_tokens(&self, _req: CompletionRequest) -> Result<u64, ProviderError> {
        Err(ProviderError::BadRequest {
            status: 400,
            message: format!("provider {} offers no token counting", self.kind()),
        })
    }
}
