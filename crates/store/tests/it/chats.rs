//! Chats and messages: the ledger's writes and their errors.

use crate::fixtures::*;
use tollgate_core::Micros;
use tollgate_store::*;
use uuid::Uuid;

async fn chat_errors(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let err = store.create_chat(new_chat(Uuid::new_v4(), org)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    let err = store.create_chat(new_chat(u, Uuid::new_v4())).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Organization))), "{err:?}");
    let chat = new_chat(u, org);
    store.create_chat(chat.clone()).await.unwrap();
    let err = store.create_chat(chat).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::Id))), "{err:?}");
}

async fn message_ids_increase(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let (a, b) = (chat(store, u, org).await, chat(store, u, org).await);
    let mut last = 0;
    for chat in [a, b, a, b] {
        let id = store.append_chat_message(message(chat, None, june(2))).await.unwrap();
        assert!(id > last, "{id} after {last}");
        last = id;
    }
    let err = store.append_chat_message(message(Uuid::new_v4(), None, june(2))).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Chat))), "{err:?}");
}

async fn messages_reference_model_configs(store: &Store) {
    let org = org(store, "acme").await;
    let u = user(store, "ann", &[org]).await;
    let config = NewModelConfig {
        id: Uuid::new_v4(),
        provider: "anthropic".into(),
        model: "claude".into(),
        display_name: "Claude".into(),
        enabled: true,
        context_limit: 200_000,
        prices: None,
        created_at: june(1),
    };
    store.insert_model_config(config.clone(), false).await.unwrap();
    let err = store.insert_model_config(config.clone(), false).await;
    assert!(matches!(err, Err(StoreError::Conflict(Unique::Id))), "{err:?}");
    let chat = NewChat { model_config_id: Some(config.id), ..new_chat(u, org) };
    store.create_chat(chat.clone()).await.unwrap();
    let msg = NewChatMessage {
        model_config_id: Some(config.id),
        created_by: Some(u),
        usage: None,
        ..message(chat.id, Some(Micros::new(3)), june(2))
    };
    store.append_chat_message(msg).await.unwrap();
    let unknown =
        NewChatMessage { model_config_id: Some(Uuid::new_v4()), ..message(chat.id, None, june(2)) };
    let err = store.append_chat_message(unknown).await;
    assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");
}

conformance!(chat_errors, message_ids_increase, messages_reference_model_configs);
