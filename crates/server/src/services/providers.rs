//! From a model config to a live LLM provider (the provider row, its decrypted key, its URL), and
//! the model config a request names.

use crate::secrets::SecretBox;
use std::sync::Arc;
use tollgate_llm::{Provider, ProviderOptions, Secret};
use tollgate_store::{ModelConfig, Store, StoreError};
use uuid::Uuid;

/// The provider kind that needs no row, no key and no network.
pub const SIMULATED: &str = "simulated";

/// Why a request's model cannot be used.
#[derive(Debug)]
pub enum ModelChoiceError {
    /// The named config does not exist or is disabled.
    Invalid,
    /// None was named and there is no default.
    NoDefault,
    Store(StoreError),
}

impl From<StoreError> for ModelChoiceError {
    fn from(e: StoreError) -> Self {
        ModelChoiceError::Store(e)
    }
}

/// The model config a request names, or the default one.
pub async fn model_for(
    store: &Store,
    requested: Option<Uuid>,
) -> Result<ModelConfig, ModelChoiceError> {
    match requested {
        Some(id) => match store.get_model_config(id).await? {
            Some(m) if m.enabled => Ok(m),
            _ => Err(ModelChoiceError::Invalid),
        },
        None => store.default_model_config().await?.ok_or(ModelChoiceError::NoDefault),
    }
}

/// What calling a provider needs besides its row: the key to open stored API keys, one shared
/// HTTP client (connection pooling) and the timeouts.
pub struct Providers {
    pub secret_box: SecretBox,
    pub http: reqwest::Client,
    pub options: ProviderOptions,
}

impl Providers {
    /// The provider to call `model` with; `Err` says why it cannot be called, in words for a
    /// chat's `last_error` or `/models`.
    pub async fn provider_for(
        &self,
        store: &Store,
        model: &ModelConfig,
    ) -> Result<Arc<dyn Provider>, String> {
        let kind = model.provider.as_str();
        let record = store
            .get_provider_by_kind(kind)
            .await
            .map_err(|e| format!("could not read provider {kind}: {e}"))?;
        let (key, base_url) = match record {
            Some(p) if !p.enabled => return Err(format!("Provider {kind} is disabled.")),
            Some(p) => {
                let key = match p.api_key_ciphertext {
                    Some(sealed) => Some(self.secret_box.open(&sealed).map_err(|e| e.to_string())?),
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
            self.http.clone(),
            &self.options,
        )
        .map_err(|e| e.to_string())
    }
}
