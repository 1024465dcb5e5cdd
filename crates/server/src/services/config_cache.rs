//! The deployment configuration a gateway call reads before anything else — the enabled model
//! configs, the default organization, a client per provider (its key unsealed) — kept for a
//! short time, so a call does not read the database for it again. Reads that decide money or
//! access (the key, its owner, the spend lock) are never cached.
//!
//! A change made through this server is seen at once (the routes that make it call
//! [`ConfigCache::invalidate`]); one made through another replica, within the TTL (one second by
//! default). Prices therefore apply to calls admitted after the change, up to a second late on
//! other replicas.

use super::providers::Providers;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tollgate_llm::Provider;
use tollgate_store::{ModelConfig, Organization, Page, Store, StoreResult};

/// How long a read stays fresh.
pub const DEFAULT_TTL: Duration = Duration::from_secs(1);

pub struct ConfigCache {
    ttl: Duration,
    models: Fresh<Arc<Vec<ModelConfig>>>,
    default_organization: Fresh<Option<Organization>>,
    /// By provider kind.
    clients: Mutex<HashMap<String, Client>>,
}

/// A provider client and when it was built.
type Client = (Instant, Arc<dyn Provider>);

/// One cached value and when it was read.
struct Fresh<T>(Mutex<Option<(Instant, T)>>);

impl<T: Clone> Fresh<T> {
    fn get(&self, ttl: Duration) -> Option<T> {
        let held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        held.as_ref().filter(|(at, _)| at.elapsed() < ttl).map(|(_, v)| v.clone())
    }

    fn put(&self, value: T) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), value));
    }

    fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl ConfigCache {
    /// A `ttl` of zero reads the database every time.
    pub fn new(ttl: Duration) -> Self {
        ConfigCache {
            ttl,
            models: Fresh(Mutex::new(None)),
            default_organization: Fresh(Mutex::new(None)),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets everything: the model configs or providers changed here.
    pub fn invalidate(&self) {
        self.models.clear();
        self.default_organization.clear();
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The enabled model configs.
    pub async fn enabled_models(&self, store: &Store) -> StoreResult<Arc<Vec<ModelConfig>>> {
        if let Some(models) = self.models.get(self.ttl) {
            return Ok(models);
        }
        let models = Arc::new(store.list_model_configs(true, Page::ALL).await?);
        self.models.put(models.clone());
        Ok(models)
    }

    pub async fn default_organization(&self, store: &Store) -> StoreResult<Option<Organization>> {
        if let Some(org) = self.default_organization.get(self.ttl) {
            return Ok(org);
        }
        let org = store.default_organization().await?;
        self.default_organization.put(org.clone());
        Ok(org)
    }

    /// A client for `model`'s provider ([`Providers::provider_for`]); a provider that cannot be
    /// called is not kept, so it is asked again next time.
    pub async fn provider_for(
        &self,
        providers: &Providers,
        store: &Store,
        model: &ModelConfig,
    ) -> Result<Arc<dyn Provider>, String> {
        let kind = &model.provider;
        {
            let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, client)) = clients.get(kind).filter(|(at, _)| at.elapsed() < self.ttl) {
                return Ok(client.clone());
            }
        }
        let client = providers.provider_for(store, model).await?;
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.insert(kind.clone(), (Instant::now(), client.clone()));
        Ok(client)
    }
}
