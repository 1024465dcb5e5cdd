//! From a model config to a live LLM provider: the provider row, its decrypted key, its URL.

use crate::state::AppState;
use std::sync::Arc;
use tollgate_llm::{Provider, ProviderOptions, Secret};
use tollgate_store::ModelConfig;

/// The provider kind that needs no row, no key and no network.
pub const SIMULATED: &str = "simulated";

/// Why a model cannot be called, in words for a chat's `last_error` or `/models`.
pub async fn provider_for(
    state: &AppState,
    model: &ModelConfig,
) -> Result<Arc<dyn Provider>, String> {
    let kind = model.provider.as_str();
    let record = state
        .store
        .get_provider_by_kind(kind)
        .await
        .map_err(|e| format!("could not read provider {kind}: {e}"))?;
    let (key, base_url) = match record {
        Some(p) if !p.enabled => return Err(format!("Provider {kind} is disabled.")),
        Some(p) => {
            let key = match p.api_key_ciphertext {
                Some(sealed) => {
                    Some(state.settings.secret_box.open(&sealed).map_err(|e| e.to_string())?)
                }
                None => None,
            };
            (key, p.base_url)
        }
        None if kind == SIMULATED => (None, None),
        None => return Err(format!("Provider {kind} is not configured.")),
    };
    tollgate_llm::build_with_options(
        kind,
        key.map(Secret::new),
        base_url.as_deref(),
        state.llm_http.clone(),
        &options(state),
    )
    .map_err(|e| e.to_string())
}

pub fn options(state: &AppState) -> ProviderOptions {
    ProviderOptions {
        idle_timeout: state.settings.chat.provider_idle_timeout,
        simulated_delta_delay: state.settings.chat.simulated_delta_delay,
        ..ProviderOptions::default()
    }
}
