//! The chat daemon as a subject (spend-limits §9) and at shutdown.

use crate::support::{TestApp, test_settings};
use std::time::Duration;
use tollgate_core::FixedClock;
use tollgate_server::AppState;
use tollgate_server::authz::{Action, Object};
use tollgate_server::chatd::Daemon;
use uuid::Uuid;

/// The daemon holds the store only through the authorizer, as `chatd`: it may run chats and read
/// deployment config, and it is refused every write to limits, users and groups.
#[tokio::test]
async fn the_daemon_cannot_write_limits_users_or_groups() {
    let db = tollgate_store::testing::sqlite().await;
    let clock = std::sync::Arc::new(FixedClock::new(chrono::Utc::now()));
    let state = AppState::new(db.store.clone(), clock, test_settings());
    let acting = Daemon::new(&state).acting().clone();
    let (id, organization) = (Uuid::new_v4(), Uuid::new_v4());
    let refused = [
        (Action::Update, Object::DeploymentConfig),
        (Action::Create, Object::DeploymentConfig),
        (Action::Delete, Object::DeploymentConfig),
        (Action::Create, Object::Users),
        (Action::Update, Object::User { id, is_owner: false }),
        (Action::Delete, Object::User { id, is_owner: false }),
        (Action::Update, Object::UserRoles { id }),
        (Action::Create, Object::Group { organization }),
        (Action::Update, Object::Group { organization }),
        (Action::Delete, Object::Group { organization }),
        (Action::Update, Object::OrganizationMember { organization }),
        (Action::Create, Object::ApiKey { owner: id }),
    ];
    for (action, object) in refused {
        let err = acting.may(action, object).err();
        assert!(err.is_some(), "chatd may {action:?} {object:?}");
    }
    let allowed = [
        (Action::Update, Object::Chats),
        (Action::Update, Object::Chat { owner: id }),
        (Action::Read, Object::DeploymentConfig),
        (Action::Read, Object::User { id, is_owner: false }),
    ];
    for (action, object) in allowed {
        assert!(acting.may(action, object).is_ok(), "chatd may not {action:?} {object:?}");
    }
}

on_both!(shutdown_waits_for_the_run_in_flight);

/// A stop signal in the middle of a run: the server stops claiming, lets the run finish and save
/// its answer, and only then returns.
async fn shutdown_waits_for_the_run_in_flight(app: TestApp) {
    let app = app.restart_with(|s| s.chat.simulated_delta_delay = Duration::from_millis(40)).await;
    let (owner, _, _) = app.first_owner().await;
    app.offline_model().await;
    let chat = app.new_chat(&owner, "tell me a long story").await;
    let id = chat["id"].as_str().expect("chat id").to_owned();
    app.settle(&owner, &id, "running").await;
    let db = app.stop().await;
    let chat_id: Uuid = id.parse().expect("uuid");
    let saved = db.store.get_chat(chat_id).await.expect("read").expect("chat");
    assert_eq!(
        saved.status,
        tollgate_store::ChatStatus::Waiting,
        "the run finished before run() returned"
    );
    let history = db.store.messages_after(chat_id, 0).await.expect("history");
    assert_eq!(history.len(), 2, "the answer was saved: {history:?}");
    assert!(history[1].total_cost.is_some(), "and billed");
}
