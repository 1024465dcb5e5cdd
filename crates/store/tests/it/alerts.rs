//! Limit events and their webhook outbox (limits-plus §6): each threshold of a window instance
//! fires once, in the transaction of the cost or refusal that caused it; each event waits in
//! the outbox of every webhook that existed when it was written until delivered or given up.

use crate::chat_fixtures::*;
use crate::fixtures::*;
use chrono::Duration;
use tollgate_core::{
    AlertKind, GroupPolicy, LimitConfig, Micros, Period, Thresholds, WindowChanges,
};
use tollgate_store::testing::by;
use tollgate_store::*;

/// A world with a deployment default of `limit` micros a day.
async fn daily_world(store: &Store, limit: i64) -> World {
    let w = world(store).await;
    let config = LimitConfig {
        enabled: true,
        default_limit: Micros::new(limit),
        period: Period::Day,
        group_policy: GroupPolicy::Lowest,
    };
    store.update_limit_config(config, &by(june(1))).await.unwrap();
    w
}

/// A cost recorded as it is (no reservation: what check mode and corrections write).
async fn spend(store: &Store, w: &World, micros: i64, at: Time) {
    let entry = LedgerEntry {
        user_id: w.user,
        organization_id: w.org,
        source: CostSource::Title,
        chat_id: None,
        message_id: None,
        api_key_id: None,
        model_config_id: None,
        usage: None,
        cost: Some(Micros::new(micros)),
        estimated: false,
        overrun: false,
        reservation_id: None,
        created_at: at,
    };
    store.settle_call(entry).await.unwrap();
}

fn kinds(events: &[LimitEvent]) -> Vec<(AlertKind, u8)> {
    events.iter().map(|e| (e.kind, e.percent)).collect()
}

async fn each_threshold_fires_once_per_window(store: &Store) {
    let w = daily_world(store, 1_000).await;
    let day = june(10);
    spend(store, &w, 500, day).await;
    assert!(store.list_limit_events(None, 50).await.unwrap().is_empty(), "50 % is no threshold");
    spend(store, &w, 300, day).await;
    spend(store, &w, 100, day).await; // 90 %: 80 fired already
    spend(store, &w, 60, day).await; // 96 %
    spend(store, &w, 40, day).await; // 100 %
    spend(store, &w, 40, day).await; // over: nothing new
    let events = store.list_limit_events(None, 50).await.unwrap();
    use AlertKind::*;
    assert_eq!(
        kinds(&events),
        vec![(ThresholdCrossed, 80), (ThresholdCrossed, 95), (Exceeded, 100)]
    );
    let first = &events[0];
    assert_eq!((first.user_id, first.username.as_str()), (w.user, "ann"));
    assert_eq!(
        (first.period, first.spent, first.limit),
        (Period::Day, Micros::new(800), Micros::new(1_000))
    );
    assert_eq!(
        first.resets_at,
        day.date_naive().succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc()
    );
    assert_eq!(events[2].spent, Micros::new(1_000));
    // The next day is a new window instance: its thresholds fire again.
    spend(store, &w, 850, day + Duration::days(1)).await;
    let next = store.list_limit_events(Some(events[2].id), 50).await.unwrap();
    assert_eq!(kinds(&next), vec![(ThresholdCrossed, 80)]);
}

async fn thresholds_are_configured_and_windows_alert_apart(store: &Store) {
    let w = daily_world(store, 1_000).await;
    let config = store.get_limit_config().await.unwrap();
    assert_eq!(config.notify_at_percent, Thresholds::default());
    let only_half = Thresholds::new(&[50]).unwrap();
    let updated = store
        .update_limit_config_windows(
            config.config,
            WindowChanges::default(),
            Some(&only_half),
            &by(june(2)),
        )
        .await
        .unwrap();
    assert_eq!(updated.notify_at_percent, only_half);
    // A month window beside the day's: each alerts on its own spend and limit.
    let mut month = WindowChanges::default();
    month.set(Period::Month, Some(Some(Micros::new(4_000))));
    store.update_limit_config_windows(updated.config, month, None, &by(june(2))).await.unwrap();
    assert_eq!(store.get_limit_config().await.unwrap().notify_at_percent, only_half, "kept");
    spend(store, &w, 600, june(10)).await; // day 60 %, month 15 %
    spend(store, &w, 900, june(11)).await; // day 90 %, month 37.5 %
    spend(store, &w, 600, june(12)).await; // day 60 %, month 52.5 %
    let events = store.list_limit_events(None, 50).await.unwrap();
    let seen: Vec<_> = events.iter().map(|e| (e.period, e.percent, e.spent.get())).collect();
    assert_eq!(
        seen,
        vec![
            (Period::Day, 50, 600),
            (Period::Day, 50, 900),
            (Period::Day, 50, 600),
            (Period::Month, 50, 2_100)
        ]
    );
}

async fn a_refused_claim_writes_exceeded_once(store: &Store) {
    let w = daily_world(store, 1_000).await;
    let refusal = Refusal {
        period: Some(Period::Day),
        spent: Micros::new(990),
        limit: Micros::new(1_000),
        resets_at: june(11),
    };
    store.note_limit_refusal(w.user, &refusal, june(10)).await.unwrap();
    store.note_limit_refusal(w.user, &refusal, june(10) + Duration::hours(1)).await.unwrap();
    let events = store.list_limit_events(None, 50).await.unwrap();
    assert_eq!(kinds(&events), vec![(AlertKind::Exceeded, 100)]);
    assert_eq!(events[0].spent, Micros::new(990), "strict spend stops short of the limit");
    // Reaching the limit later in the same window adds no second `exceeded`.
    spend(store, &w, 1_000, june(10) + Duration::hours(2)).await;
    let events = store.list_limit_events(None, 50).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == AlertKind::Exceeded).count(), 1);
}

async fn webhooks_receive_events_written_after_them(store: &Store) {
    let w = daily_world(store, 1_000).await;
    spend(store, &w, 800, june(10)).await; // before any webhook
    let hook = store
        .create_webhook("http://127.0.0.1:9/hook", vec![1, 2, 3], w.user, june(10))
        .await
        .unwrap();
    assert_eq!(store.pending_deliveries().await.unwrap(), 0);
    spend(store, &w, 200, june(10)).await; // 95 % and exceeded
    assert_eq!(store.pending_deliveries().await.unwrap(), 2);
    let listed = store.list_webhooks(Page::default()).await.unwrap();
    assert_eq!(listed, vec![hook.clone()]);

    let now = june(10) + Duration::minutes(1);
    let due = store.claim_deliveries(now, now + Duration::seconds(30), 10).await.unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(
        (due[0].url.as_str(), due[0].secret_ciphertext.as_slice(), due[0].attempts),
        (hook.url.as_str(), &[1u8, 2, 3][..], 0)
    );
    assert!(store.claim_deliveries(now, now, 10).await.unwrap().is_empty(), "leased");

    let (first, second) = (&due[0].event, &due[1].event);
    store.delivery_succeeded(hook.id, first.id, now).await.unwrap();
    let retry_at = now + Duration::seconds(2);
    store.delivery_failed(hook.id, second.id, "HTTP 500", Some(retry_at), now).await.unwrap();
    assert_eq!(store.pending_deliveries().await.unwrap(), 1);
    assert!(store.claim_deliveries(now, now, 10).await.unwrap().is_empty(), "not yet due");
    let again = store.claim_deliveries(retry_at, retry_at, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts, again[0].event.id), (1, 1, second.id));
    store.delivery_failed(hook.id, second.id, "HTTP 500", None, retry_at).await.unwrap();
    assert_eq!(store.pending_deliveries().await.unwrap(), 0, "given up");

    store.delete_webhook(hook.id).await.unwrap();
    assert!(matches!(
        store.delete_webhook(hook.id).await,
        Err(StoreError::NotFound(Entity::Webhook))
    ));
    assert!(store.list_webhooks(Page::default()).await.unwrap().is_empty());
}

conformance!(
    each_threshold_fires_once_per_window,
    thresholds_are_configured_and_windows_alert_apart,
    a_refused_claim_writes_exceeded_once,
    webhooks_receive_events_written_after_them,
);
