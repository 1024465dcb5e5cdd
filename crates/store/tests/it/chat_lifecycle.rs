//! Chats as their owner sees them: create with a first message, read, list, rename/archive, the
//! visible history and its pages.

use crate::chat_fixtures::*;
use crate::fixtures::*;
use chrono::Duration;
use serde_json::json;
use tollgate_store::*;
use uuid::Uuid;

async fn create_chat_with_message(store: &Store) {
    let w = world(store).await;
    let new = NewChat { labels: json!({"team": "infra"}), ..chat_in(&w, june(2)) };
    let (chat, first) = store
        .create_chat_with_message(new.clone(), user_msg(&w, "hi there", june(2)))
        .await
        .unwrap();
    assert_eq!(chat.status, ChatStatus::Pending, "always created pending");
    assert_eq!((chat.id, chat.owner_id, chat.organization_id), (new.id, w.user, w.org));
    assert_eq!(chat.last_model_config_id, Some(w.model.id));
    assert_eq!((chat.parent_chat_id, chat.root_chat_id), (None, None));
    assert_eq!(chat.labels, json!({"team": "infra"}));
    assert_eq!((chat.worker_id.as_deref(), chat.heartbeat_at, chat.archived), (None, None, false));
    assert_eq!((chat.created_at, chat.updated_at), (june(2), june(2)));
    assert_eq!(first.role, MessageRole::User);
    assert_eq!((first.chat_id, first.created_by), (chat.id, Some(w.user)));
    assert_eq!((first.usage, first.total_cost), (None, None));
    assert_eq!(message_text(&first), "hi there");
    assert_eq!(store.get_chat(chat.id).await.unwrap(), Some(chat));
    assert_eq!(store.get_chat(Uuid::new_v4()).await.unwrap(), None);
}

async fn create_chat_errors_write_nothing(store: &Store) {
    let w = world(store).await;
    let first = user_msg(&w, "hi", june(2));
    let cases = [
        (NewChat { owner_id: Uuid::new_v4(), ..chat_in(&w, june(2)) }, Entity::User),
        (NewChat { organization_id: Uuid::new_v4(), ..chat_in(&w, june(2)) }, Entity::Organization),
        (NewChat { parent_chat_id: Some(Uuid::new_v4()), ..chat_in(&w, june(2)) }, Entity::Chat),
    ];
    for (chat, what) in cases {
        let err = store.create_chat_with_message(chat.clone(), first.clone()).await;
        assert!(matches!(err, Err(StoreError::NotFound(w)) if w == what), "{what:?}: {err:?}");
        assert_eq!(store.get_chat(chat.id).await.unwrap(), None);
    }
    let stranger = UserMessage { created_by: Uuid::new_v4(), ..first.clone() };
    let chat = chat_in(&w, june(2));
    let err = store.create_chat_with_message(chat.clone(), stranger).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::User))), "{err:?}");
    assert_eq!(store.get_chat(chat.id).await.unwrap(), None, "one transaction");
    let bad_labels = NewChat { labels: json!(["x"]), ..chat_in(&w, june(2)) };
    let err = store.create_chat_with_message(bad_labels, first).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::LabelsNotObject))), "{err:?}");
}

async fn sub_agent_chats_share_the_root(store: &Store) {
    let w = world(store).await;
    let root = pending_chat(store, &w, "root", june(2)).await;
    let child_new = NewChat { parent_chat_id: Some(root.id), ..chat_in(&w, june(3)) };
    let (child, _) =
        store.create_chat_with_message(child_new, user_msg(&w, "child", june(3))).await.unwrap();
    assert_eq!((child.parent_chat_id, child.root_chat_id), (Some(root.id), Some(root.id)));
    let grandchild_new = NewChat { parent_chat_id: Some(child.id), ..chat_in(&w, june(4)) };
    let (grandchild, _) =
        store.create_chat_with_message(grandchild_new, user_msg(&w, "gc", june(4))).await.unwrap();
    assert_eq!(grandchild.parent_chat_id, Some(child.id));
    assert_eq!(grandchild.root_chat_id, Some(root.id), "the parent's root, not the parent");
}

async fn list_and_update_chats(store: &Store) {
    let w = world(store).await;
    let other = user(store, "bob", &[w.org]).await;
    let a = pending_chat(store, &w, "a", june(2)).await;
    let b = pending_chat(store, &w, "b", june(3)).await;
    let c = pending_chat(store, &w, "c", june(4)).await;
    store.create_chat(new_chat(other, w.org)).await.unwrap();
    let ids = |chats: Vec<Chat>| chats.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_chats(w.user, false, Page { limit: 50, offset: 0 }).await.unwrap()),
        [c.id, b.id, a.id]
    );
    assert_eq!(
        ids(store.list_chats(w.user, false, Page { limit: 1, offset: 1 }).await.unwrap()),
        [b.id]
    );
    let renamed = store.update_chat(a.id, Some("Renamed".into()), None, june(5)).await.unwrap();
    assert_eq!((renamed.title.as_str(), renamed.updated_at), ("Renamed", june(5)));
    assert_eq!(
        ids(store.list_chats(w.user, false, Page { limit: 50, offset: 0 }).await.unwrap()),
        [a.id, c.id, b.id]
    );
    let archived = store.update_chat(b.id, None, Some(true), june(6)).await.unwrap();
    assert!(archived.archived);
    assert_eq!(archived.title, "fixture chat", "title untouched");
    assert_eq!(
        ids(store.list_chats(w.user, true, Page { limit: 50, offset: 0 }).await.unwrap()),
        [b.id]
    );
    assert_eq!(
        ids(store.list_chats(w.user, false, Page { limit: 50, offset: 0 }).await.unwrap()),
        [a.id, c.id]
    );
    let err = store.update_chat(b.id, None, Some(true), june(7)).await;
    assert!(matches!(&err, Err(StoreError::Rejected(Rule::AlreadyArchived))), "{err:?}");
    assert!(!store.update_chat(b.id, None, Some(false), june(7)).await.unwrap().archived);
    let err = store.update_chat(Uuid::new_v4(), None, None, june(7)).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Chat))), "{err:?}");
}

async fn message_pages(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "m0", june(2)).await;
    store.interrupt_chat(chat.id, june(2)).await.unwrap();
    for i in 1..5 {
        let at = june(2) + Duration::minutes(i);
        let sent = store.send_message(chat.id, user_msg(&w, &format!("m{i}"), at)).await.unwrap();
        assert!(matches!(sent, SendOutcome::Sent(_)), "{sent:?}");
        store.interrupt_chat(chat.id, at).await.unwrap();
    }
    let texts = |ms: &[ChatMessage]| ms.iter().map(message_text).collect::<Vec<_>>();
    let (page, more) = store.list_messages(chat.id, None, 2).await.unwrap();
    assert_eq!((texts(&page), more), (vec!["m4".to_owned(), "m3".to_owned()], true));
    let (page, more) = store.list_messages(chat.id, Some(page[1].id), 2).await.unwrap();
    assert_eq!((texts(&page), more), (vec!["m2".to_owned(), "m1".to_owned()], true));
    let (page, more) = store.list_messages(chat.id, Some(page[1].id), 2).await.unwrap();
    assert_eq!((texts(&page), more), (vec!["m0".to_owned()], false));
    let (all, more) = store.list_messages(chat.id, None, 5).await.unwrap();
    assert_eq!((all.len(), more), (5, false), "exactly a page left: no more");
    let after = store.messages_after(chat.id, all[2].id).await.unwrap();
    assert_eq!(texts(&after), ["m3", "m4"], "oldest first");
    let err = store.list_messages(chat.id, None, 0).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::PageSizeNotPositive))), "{err:?}");
    let (none, more) = store.list_messages(Uuid::new_v4(), None, 10).await.unwrap();
    assert!(none.is_empty() && !more);
}

async fn title_calls_are_hidden_but_spent(store: &Store) {
    let w = world(store).await;
    let chat = pending_chat(store, &w, "hello", june(2)).await;
    let call = answer(chat.id, Some(1_500), june(3));
    let (titled, recorded) =
        store.record_title(chat.id, "A better title", call, None).await.unwrap();
    assert_eq!(recorded, tollgate_core::Micros::new(1_500), "the call is in the ledger");
    assert_eq!((titled.title.as_str(), titled.updated_at), ("A better title", june(3)));
    assert_eq!(titled.status, ChatStatus::Pending, "status untouched");
    assert_eq!(history(store, chat.id).await, ["hello"], "the call is not in the history");
    let (page, _) = store.list_messages(chat.id, None, 50).await.unwrap();
    assert_eq!(page.len(), 1);
    let spent = store.spend(w.user, tollgate_core::SpendScope::AllOrganizations, june_bounds());
    assert_eq!(spent.await.unwrap(), tollgate_core::Micros::new(1_500), "its cost is spend");
    let err = store.record_title(Uuid::new_v4(), "x", answer(chat.id, None, june(3)), None).await;
    assert!(matches!(err, Err(StoreError::Rejected(Rule::MessageOfAnotherChat))), "{err:?}");
    let missing = Uuid::new_v4();
    let err = store.record_title(missing, "x", answer(missing, None, june(3)), None).await;
    assert!(matches!(err, Err(StoreError::NotFound(Entity::Chat))), "{err:?}");
}

conformance!(
    create_chat_with_message,
    create_chat_errors_write_nothing,
    sub_agent_chats_share_the_root,
    list_and_update_chats,
    message_pages,
    title_calls_are_hidden_but_spent,
);
