//! What a fresh deployment needs to be useful offline.

use std::sync::Arc;
use tollgate_core::{Clock, Price, Prices};
use tollgate_store::{NewModelConfig, Page, Store, StoreResult};
use uuid::Uuid;

/// On a deployment with no model configs, adds the offline `simulated` model — priced like a
/// mid-range model ($3 in / $15 out per 1M tokens) so spend and limits are visible at once.
/// Returns whether it added one.
pub async fn ensure_offline_model(store: &Arc<Store>, clock: &Arc<dyn Clock>) -> StoreResult<bool> {
    if !store.list_model_configs(false, Page { limit: 1, offset: 0 }).await?.is_empty() {
        return Ok(false);
    }
    let price = |s: &str| s.parse::<Price>().ok();
    let config = NewModelConfig {
        id: Uuid::new_v4(),
        provider: "simulated".to_owned(),
        model: "simulated-1".to_owned(),
        display_name: "Simulated (offline)".to_owned(),
        enabled: true,
        context_limit: 128_000,
        prices: Some(Prices {
            input: price("3"),
            output: price("15"),
            cache_read: price("0.3"),
            cache_write: price("3.75"),
        }),
        created_at: clock.now(),
    };
    store.insert_model_config(config, true).await?;
    Ok(true)
}
