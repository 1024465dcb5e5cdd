//! Providers and model configs.

use crate::chat_fixtures::*;
use crate::fixtures::*;
use tollgate_core::{Micros, Prices};
use tollgate_store::*;
use uuid::Uuid;

fn provider(kind: &str, key: Option<&[u8]>) -> Provider {
    Provider {
        id: Uuid::new_v4(),
        provider: kind.into(),
        display_name: format!("{kind} display"),
        enabled: true,
        api_key_ciphertext: key.map(<[u8]>::to_vec),
        base_url: None,
        created_at: june(1),
        updated_at: june(1),
    }
}

async fn providers_crud(store: &Store) {
    let openai = store.create_provider(provider("openai", Some(b"sealed-key"))).await.unwrap();
    let anthropic = store.create_provider(provider("anthropic", None)).await.unwrap();
    assert_eq!(openai.api_key_ciphertext.as_deref(), Some(&b"sealed-key"[..]));
    let kinds: Vec<_> =
        store.list_providers(Page::ALL).await.unwrap().into_iter().map(|p| p.provider).collect();
    assert_eq!(kinds, ["anthropic", "openai"]);
    assert_eq!(store.get_provider(openai.id).await.unwrap(), Some(openai.clone()));
    assert_eq!(store.get_provider_by_kind("anthropic").await.unwrap(), Some(anthropic.clone()));
    assert_eq!(store.get_provider_by_kind("simulated").await.unwrap(), None);
    assert_eq!(store.get_provider(Uuid::new_v4()).await.unwrap(), None);

    let patch = ProviderPatch {
        display_name: Some("OpenAI".into()),
        enabled: Some(false),
        api_key_ciphertext: Some(None),
        base_url: Some(Some("https://proxy.example".into())),
    };
    let updated = store.update_provider(openai.id, patch, june(3)).await.unwrap();
    assert_eq!(updated.display_name, "OpenAI");
    assert!(!updated.enabled);
    assert_eq!(updated.api_key_ciphertext, None);
    assert_eq!(updated.base_url.as_deref(), Some("https://proxy.example"));
    assert_eq!(updated.updated_at, june(3));
    assert_eq!(updated.created_at, june(1));
    // An empty patch changes nothing but the time.
    let same = store.update_provider(openai.id, ProviderPatch::default(), june(4)).await.unwrap();
    assert_eq!((same.display_name, same.base_url), (updated.display_name, updated.base_url));

    store.delete_provider(anthropic.id).await.unwrap();
    assert_eq!(store.list_providers(Page::ALL).await.unwrap().len(), 1);
    let err = store.delete_provider(anthropic.id).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Provider))), "{err:?}");
    let err = store.update_provider(anthropic.id, ProviderPatch::default(), june(4)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Provider))), "{err:?}");
}

async fn provider_conflict_and_secrecy(store: &Store) {
    store.create_provider(provider("openai", Some(b"top-secret-bytes"))).await.unwrap();
    let err = store.create_provider(provider("openai", Some(b"top-secret-bytes"))).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::Provider))), "{err:?}");
    let shown = format!("{err:?} {:?}", store.get_provider_by_kind("openai").await.unwrap());
    assert!(!shown.contains("top-secret") && !shown.contains("116, 111, 112"), "{shown}");
}

async fn first_model_is_default(store: &Store) {
    assert_eq!(store.default_model_config().await.unwrap(), None);
    let first = store.insert_model_config(new_model("a", None), false).await.unwrap();
    assert!(first.is_default, "the first config ever becomes the default");
    let second = store.insert_model_config(new_model("b", None), false).await.unwrap();
    assert!(!second.is_default);
    assert_eq!(store.default_model_config().await.unwrap().map(|m| m.id), Some(first.id));
    // `is_default` on a new config un-defaults the others.
    let third = store.insert_model_config(new_model("c", None), true).await.unwrap();
    assert!(third.is_default);
    let defaults: Vec<_> = store
        .list_model_configs(false, Page::ALL)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.is_default)
        .map(|m| m.id)
        .collect();
    assert_eq!(defaults, [third.id]);
    let err = store.insert_model_config(new_model("a", None), false).await;
    assert!(err.is_ok(), "names need not be unique: {err:?}");
    let dup = NewModelConfig { id: first.id, ..new_model("z", None) };
    let err = store.insert_model_config(dup, false).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::Id))), "{err:?}");
}

async fn switching_the_default(store: &Store) {
    let a = store.insert_model_config(new_model("a", None), false).await.unwrap();
    let b = store.insert_model_config(new_model("b", None), false).await.unwrap();
    let patch = ModelConfigPatch { is_default: Some(true), ..ModelConfigPatch::default() };
    let b2 = store.update_model_config(b.id, patch, june(5)).await.unwrap();
    assert!(b2.is_default);
    assert_eq!(b2.updated_at, june(5));
    assert!(!store.get_model_config(a.id).await.unwrap().expect("a").is_default);
    assert_eq!(store.default_model_config().await.unwrap().map(|m| m.id), Some(b.id));
    // A disabled default is no default.
    let off = ModelConfigPatch { enabled: Some(false), ..ModelConfigPatch::default() };
    store.update_model_config(b.id, off, june(6)).await.unwrap();
    assert_eq!(store.default_model_config().await.unwrap(), None);
    let err = store.update_model_config(Uuid::new_v4(), ModelConfigPatch::default(), june(6)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::ModelConfig))), "{err:?}");
}

async fn model_fields_and_prices(store: &Store) {
    let priced = Prices { cache_read: Some(price("0.3")), ..prices("3", "15.75") };
    let m = store.insert_model_config(new_model("m", Some(priced)), false).await.unwrap();
    assert_eq!(m.prices, Some(priced));
    assert_eq!((m.max_output_tokens, m.temperature), (None, None));
    let patch = ModelConfigPatch {
        display_name: Some("Renamed".into()),
        context_limit: Some(1000),
        max_output_tokens: Some(Some(512)),
        temperature: Some(Some(0.25)),
        prices: Some(None),
        ..ModelConfigPatch::default()
    };
    let m = store.update_model_config(m.id, patch, june(2)).await.unwrap();
    assert_eq!(m.display_name, "Renamed");
    assert_eq!(
        (m.context_limit, m.max_output_tokens, m.temperature),
        (1000, Some(512), Some(0.25))
    );
    assert_eq!(m.prices, None, "all four prices NULL reads as no prices");
    let patch = ModelConfigPatch {
        max_output_tokens: Some(None),
        prices: Some(Some(Prices { cache_write: Some(price("3.75")), ..Prices::default() })),
        ..ModelConfigPatch::default()
    };
    let m = store.update_model_config(m.id, patch, june(3)).await.unwrap();
    assert_eq!(m.max_output_tokens, None);
    assert_eq!(m.temperature, Some(0.25), "untouched");
    assert_eq!(m.prices.and_then(|p| p.cache_write), Some(price("3.75")));
    assert_eq!(store.get_model_config(m.id).await.unwrap(), Some(m));
}

async fn enabled_only_and_order(store: &Store) {
    let mut b = new_model("b", None);
    b.provider = "openai".into();
    let mut off = new_model("a", None);
    off.enabled = false;
    store.insert_model_config(b, false).await.unwrap();
    store.insert_model_config(off, false).await.unwrap();
    store.insert_model_config(new_model("c", None), false).await.unwrap();
    let names = |ms: Vec<ModelConfig>| ms.into_iter().map(|m| m.model).collect::<Vec<_>>();
    assert_eq!(names(store.list_model_configs(false, Page::ALL).await.unwrap()), ["a", "c", "b"]);
    assert_eq!(names(store.list_model_configs(true, Page::ALL).await.unwrap()), ["c", "b"]);
}

async fn delete_model_keeps_costs(store: &Store) {
    let w = world(store).await;
    let chat = answered_chat(store, &w, june(10)).await;
    let spent = store.spend(w.user, tollgate_core::SpendScope::AllOrganizations, june_bounds());
    assert_eq!(spent.await.unwrap(), Micros::new(7));
    store.delete_model_config(w.model.id).await.unwrap();
    assert_eq!(store.get_model_config(w.model.id).await.unwrap(), None);
    let messages = store.messages_after(chat.id, 0).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m.model_config_id.is_none()), "{messages:?}");
    assert_eq!(messages[1].total_cost, Some(Micros::new(7)));
    assert_eq!(store.get_chat(chat.id).await.unwrap().expect("chat").last_model_config_id, None);
    let spent = store.spend(w.user, tollgate_core::SpendScope::AllOrganizations, june_bounds());
    assert_eq!(spent.await.unwrap(), Micros::new(7), "the ledger keeps its rows");
    let err = store.delete_model_config(w.model.id).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::ModelConfig))), "{err:?}");
}

conformance!(
    providers_crud,
    provider_conflict_and_secrecy,
    first_model_is_default,
    switching_the_default,
    model_fields_and_prices,
    enabled_only_and_order,
    delete_model_keeps_costs,
);
