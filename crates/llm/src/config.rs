//! Building a provider from its configuration row (kind, key, base URL).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::Provider;
use crate::anthropic::Anthropic;
use crate::error::BuildError;
use crate::openai::{OpenAiCompatible, OpenAiFlavor};
use crate::simulated::Simulated;
use crate::types::Secret;

/// The provider kinds a `ChatProviderConfig.provider` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    OpenAi,
    OpenAiCompat,
    OpenRouter,
    Anthropic,
    Simulated,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 5] = [
        ProviderKind::OpenAi,
        ProviderKind::OpenAiCompat,
        ProviderKind::OpenRouter,
        ProviderKind::Anthropic,
        ProviderKind::Simulated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::OpenAiCompat => "openai-compat",
            ProviderKind::OpenRouter => "openrouter",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Simulated => "simulated",
        }
    }

    /// Whether `build` refuses this kind without a key. `openai-compat` servers (Ollama, vLLM…)
    /// often need none.
    pub fn requires_api_key(self) -> bool {
        matches!(self, ProviderKind::OpenAi | ProviderKind::OpenRouter | ProviderKind::Anthropic)
    }

    /// The base URL used when the configuration has none.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            ProviderKind::OpenAi => Some("https://api.openai.com/v1"),
            ProviderKind::OpenRouter => Some("https://openrouter.ai/api/v1"),
            ProviderKind::Anthropic => Some("https://api.anthropic.com"),
            ProviderKind::OpenAiCompat | ProviderKind::Simulated => None,
        }
    }
}

impl FromStr for ProviderKind {
    type Err = BuildError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| BuildError::UnknownKind(s.to_owned()))
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tunables shared by all providers.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderOptions {
    /// TCP+TLS connect timeout; applied by [`ProviderOptions::http_client`].
    pub connect_timeout: Duration,
    /// Longest wait for the response head, and between two chunks of a started stream.
    /// Reasoning models can think silently for a while, hence the generous default.
    pub idle_timeout: Duration,
    /// `max_tokens` sent to Anthropic (which requires one) when the request has none.
    pub default_max_output_tokens: u32,
    /// Pause before each text delta of the simulated provider, so interrupts can land.
    pub simulated_delta_delay: Duration,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            default_max_output_tokens: 4096,
            simulated_delta_delay: Duration::from_millis(10),
        }
    }
}

impl ProviderOptions {
    /// An HTTP client with the connect timeout set. Share one across providers.
    pub fn http_client(&self) -> Result<reqwest::Client, BuildError> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| BuildError::HttpClient(e.without_url().to_string()))
    }
}

/// Builds a provider with default [`ProviderOptions`]. `http` should come from
/// [`ProviderOptions::http_client`] (or otherwise carry a connect timeout).
pub fn build(
    kind: &str,
    api_key: Option<Secret>,
    base_url: Option<&str>,
    http: reqwest::Client,
) -> Result<Arc<dyn Provider>, BuildError> {
    build_with_options(kind, api_key, base_url, http, &ProviderOptions::default())
}

/// Builds a provider from its configuration. An empty key or base URL counts as absent.
pub fn build_with_options(
    kind: &str,
    api_key: Option<Secret>,
    base_url: Option<&str>,
    http: reqwest::Client,
    options: &ProviderOptions,
) -> Result<Arc<dyn Provider>, BuildError> {
    let kind: ProviderKind = kind.trim().parse()?;
    let api_key = api_key.filter(|k| !k.is_empty());
    if kind == ProviderKind::Simulated {
        return Ok(Arc::new(Simulated::new(options.simulated_delta_delay)));
    }
    if kind.requires_api_key() && api_key.is_none() {
        return Err(BuildError::MissingApiKey(kind.as_str()));
    }
    let base_url = resolve_base_url(kind, base_url)?;
    let provider: Arc<dyn Provider> = match kind {
        ProviderKind::Anthropic => {
            let key = api_key.ok_or(BuildError::MissingApiKey(kind.as_str()))?;
            Arc::new(Anthropic::new(http, &base_url, key, options)?)
        }
        _ => {
            let flavor = OpenAiFlavor::for_kind(kind);
            Arc::new(OpenAiCompatible::new(http, &base_url, api_key, flavor, options)?)
        }
    };
    Ok(provider)
}

fn resolve_base_url(kind: ProviderKind, configured: Option<&str>) -> Result<String, BuildError> {
    let url = match configured.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => url,
        None => kind.default_base_url().ok_or(BuildError::MissingBaseUrl(kind.as_str()))?,
    };
    // The URL itself is not echoed: it may carry credentials.
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| BuildError::InvalidBaseUrl(format!("cannot parse it ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(BuildError::InvalidBaseUrl("scheme must be http or https".into()));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.as_str().parse::<ProviderKind>(), Ok(kind));
        }
        assert!("gemini".parse::<ProviderKind>().is_err());
    }

    #[test]
    fn base_url_rules() {
        let url = resolve_base_url(ProviderKind::OpenAi, Some("http://h:1/v1/")).unwrap();
        assert_eq!(url, "http://h:1/v1");
        let url = resolve_base_url(ProviderKind::Anthropic, None).unwrap();
        assert_eq!(url, "https://api.anthropic.com");
        assert!(resolve_base_url(ProviderKind::OpenAiCompat, Some(" ")).is_err());
        assert!(resolve_base_url(ProviderKind::OpenAi, Some("ftp://x")).is_err());
    }
}
