//! Limit events (limits-plus §6): written in the transaction of the cost or refusal that caused
//! them, once per (user, window instance, kind, threshold) by a unique key, each with an outbox
//! row for every webhook existing then (see [`super::webhooks`] for their delivery).

use super::standing::standing_in;
use crate::common::parse_period;
use crate::db::{Ex, Row, Tx, sql};
use crate::{Refusal, Store, StoreError, StoreResult, Time};
use tollgate_core::{Alert, AlertKind, Micros, Period, Thresholds, reached};
use uuid::Uuid;

/// An event as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitEvent {
    pub id: i64,
    pub kind: AlertKind,
    pub time: Time,
    pub user_id: Uuid,
    pub username: String,
    pub period: Period,
    /// The threshold crossed; 100 for `Exceeded`.
    pub percent: u8,
    pub spent: Micros,
    pub limit: Micros,
    pub resets_at: Time,
}

pub(super) const EVENT_COLUMNS: &str = "e.id, e.type, e.time, e.user_id, u.username, e.period,
    e.percent, e.spent_micros, e.limit_micros, e.resets_at";

pub(super) fn event_from_row(row: &Row) -> StoreResult<LimitEvent> {
    let raw_kind = row.text("type")?;
    let kind = AlertKind::parse(&raw_kind)
        .ok_or_else(|| StoreError::Database(format!("unknown limit event type {raw_kind:?}")))?;
    let percent = u8::try_from(row.int("percent")?)
        .map_err(|_| StoreError::Database("limit event percent out of range".into()))?;
    Ok(LimitEvent {
        id: row.bigint("id")?,
        kind,
        time: row.time("time")?,
        user_id: row.uuid("user_id")?,
        username: row.text("username")?,
        period: parse_period(&row.text("period")?)?,
        percent,
        spent: Micros::new(row.bigint("spent_micros")?),
        limit: Micros::new(row.bigint("limit_micros")?),
        resets_at: row.time("resets_at")?,
    })
}

pub(super) async fn thresholds<'a>(ex: impl Into<Ex<'a>>) -> StoreResult<Thresholds> {
    let raw = sql("SELECT notify_at_percent FROM chat_usage_limit_config WHERE id = 1")
        .fetch_one(ex)
        .await?
        .text("notify_at_percent")?;
    Thresholds::parse_stored(&raw)
        .map_err(|e| StoreError::Database(format!("notify_at_percent: {e}")))
}

/// One window instance an alert is about.
struct AlertWindow {
    user: Uuid,
    period: Period,
    start: Time,
    resets_at: Time,
    spent: Micros,
    limit: Micros,
}

/// Writes `alert` for `window` unless it fired before; a new event gets an outbox row per
/// webhook. Returns whether it was new.
async fn fire(tx: &mut Tx, window: &AlertWindow, alert: Alert, at: Time) -> StoreResult<bool> {
    let row = sql("INSERT INTO spend_limit_events (type, time, user_id, period, window_start,
                       percent, spent_micros, limit_micros, resets_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                   ON CONFLICT (user_id, period, window_start, type, percent) DO NOTHING
                   RETURNING id")
    .bind(alert.kind.as_str())
    .bind(at)
    .bind(window.user)
    .bind(window.period.as_str())
    .bind(window.start)
    .bind(i32::from(alert.percent))
    .bind(window.spent.get())
    .bind(window.limit.get())
    .bind(window.resets_at)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    sql("INSERT INTO spend_webhook_deliveries (webhook_id, event_id, next_attempt_at)
         SELECT id, $1, $2 FROM spend_webhooks")
    .bind(row.bigint("id")?)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(true)
}

/// After a cost was recorded for `user` in `organization` (under the user's spend lock, in its
/// transaction): the alerts every limited window's settled spend has now reached.
pub(crate) async fn after_cost(
    tx: &mut Tx,
    user: Uuid,
    organization: Uuid,
    at: Time,
) -> StoreResult<()> {
    let thresholds = thresholds(&mut *tx).await?;
    let windows = match standing_in(&mut *tx, user, Some(organization), at).await {
        Ok((_, windows)) => windows,
        // A window whose spend is beyond the money range cannot be stated in an event; the
        // cost itself is recorded (the ledger and verify_ledger report such sums).
        Err(StoreError::Overflow) => return Ok(()),
        Err(e) => return Err(e),
    };
    for (limit, window) in windows {
        let alerted = AlertWindow {
            user,
            period: limit.period,
            start: window.bounds.start,
            resets_at: window.bounds.end,
            spent: window.spent,
            limit: window.limit,
        };
        for alert in reached(window.limit, window.spent, &thresholds) {
            fire(tx, &alerted, alert, at).await?;
        }
    }
    Ok(())
}

/// Work for `user` was refused by `refusal`'s window (in its transaction): that window is
/// exhausted, even if strict enforcement stopped its spend short of the limit.
pub(crate) async fn after_refusal(
    tx: &mut Tx,
    user: Uuid,
    refusal: &Refusal,
    at: Time,
) -> StoreResult<()> {
    let Some(period) = refusal.period else { return Ok(()) };
    let window = AlertWindow {
        user,
        period,
        start: period.bounds(&at).start,
        resets_at: refusal.resets_at,
        spent: refusal.spent,
        limit: refusal.limit,
    };
    fire(tx, &window, Alert::EXCEEDED, at).await.map(drop)
}

impl Store {
    /// Records that admission refused `user` by `refusal`'s window at `at` (an `exceeded`
    /// event the first time in that window). A read first, so refusals repeated by a client
    /// cost no write.
    pub async fn note_limit_refusal(
        &self,
        user: Uuid,
        refusal: &Refusal,
        at: Time,
    ) -> StoreResult<()> {
        let Some(period) = refusal.period else { return Ok(()) };
        let known = sql("SELECT 1 FROM spend_limit_events
                         WHERE user_id = $1 AND period = $2 AND window_start = $3 AND type = $4")
        .bind(user)
        .bind(period.as_str())
        .bind(period.bounds(&at).start)
        .bind(AlertKind::Exceeded.as_str())
        .exists(&self.db)
        .await?;
        if known {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        after_refusal(&mut tx, user, refusal, at).await?;
        tx.commit().await
    }

    /// Up to `limit` events after `after_id`, oldest first.
    pub async fn list_limit_events(
        &self,
        after_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<LimitEvent>> {
        let rows = sql(format!(
            "SELECT {EVENT_COLUMNS} FROM spend_limit_events e JOIN users u ON u.id = e.user_id
             WHERE $1 IS NULL OR e.id > $1 ORDER BY e.id LIMIT $2"
        ))
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}
