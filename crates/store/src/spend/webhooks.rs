//! Webhooks for limit events and their outbox (limits-plus §6). A delivery row is written with
//! its event; replicas claim due rows by pushing their next attempt past a lease, so a row is
//! sent by one replica at a time and again after a crash (at-least-once).

use super::alerts::{EVENT_COLUMNS, LimitEvent, event_from_row};
use crate::db::{Row, sql};
use crate::{Entity, Page, Store, StoreError, StoreResult, Time};
use uuid::Uuid;

/// A webhook as listed (its secret is never read back through the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: Uuid,
    pub url: String,
    pub created_at: Time,
}

/// A delivery claimed for sending.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub webhook_id: Uuid,
    pub url: String,
    /// Sealed with the deployment's secret key.
    pub secret_ciphertext: Vec<u8>,
    /// Attempts made before this one.
    pub attempts: i32,
    pub event: LimitEvent,
}

fn webhook_from_row(row: &Row) -> StoreResult<WebhookRecord> {
    Ok(WebhookRecord {
        id: row.uuid("id")?,
        url: row.text("url")?,
        created_at: row.time("created_at")?,
    })
}

fn due_from_row(row: &Row) -> StoreResult<DueDelivery> {
    Ok(DueDelivery {
        webhook_id: row.uuid("webhook_id")?,
        url: row.text("url")?,
        secret_ciphertext: row
            .opt_bytes("secret_ciphertext")?
            .ok_or_else(|| StoreError::Database("webhook without a secret".into()))?,
        attempts: row.int("attempts")?,
        event: event_from_row(row)?,
    })
}

impl Store {
    /// A webhook that receives the events written from now on.
    pub async fn create_webhook(
        &self,
        url: &str,
        secret_ciphertext: Vec<u8>,
        created_by: Uuid,
        at: Time,
    ) -> StoreResult<WebhookRecord> {
        let id = Uuid::new_v4();
        sql("INSERT INTO spend_webhooks (id, url, secret_ciphertext, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(url)
        .bind(secret_ciphertext)
        .bind(created_by)
        .bind(at)
        .execute(&self.db)
        .await?;
        Ok(WebhookRecord { id, url: url.to_owned(), created_at: crate::common::trunc_micros(at) })
    }

    /// Oldest first.
    pub async fn list_webhooks(&self, page: Page) -> StoreResult<Vec<WebhookRecord>> {
        let rows = sql("SELECT id, url, created_at FROM spend_webhooks
                        ORDER BY created_at, id LIMIT $1 OFFSET $2")
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    /// `NotFound(Webhook)`. Its undelivered events go with it.
    pub async fn delete_webhook(&self, id: Uuid) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        sql("DELETE FROM spend_webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let deleted =
            sql("DELETE FROM spend_webhooks WHERE id = $1").bind(id).execute(&mut tx).await?;
        if deleted == 0 {
            return Err(StoreError::NotFound(Entity::Webhook));
        }
        tx.commit().await
    }

    /// Up to `max` deliveries due at `now`, oldest first, each held until `lease_until` (when it
    /// is due again if its sender never reports).
    pub async fn claim_deliveries(
        &self,
        now: Time,
        lease_until: Time,
        max: i64,
    ) -> StoreResult<Vec<DueDelivery>> {
        let mut tx = self.db.begin().await?;
        let rows = sql(format!(
            "SELECT d.webhook_id, w.url, w.secret_ciphertext, d.attempts, {EVENT_COLUMNS}
             FROM (SELECT webhook_id, event_id, attempts, next_attempt_at
                   FROM spend_webhook_deliveries
                   WHERE delivered_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= $1
                   ORDER BY next_attempt_at, event_id LIMIT $2 {{SKIP_LOCKED}}) d
             JOIN spend_webhooks w ON w.id = d.webhook_id
             JOIN spend_limit_events e ON e.id = d.event_id
             JOIN users u ON u.id = e.user_id
             ORDER BY d.next_attempt_at, d.event_id"
        ))
        .bind(now)
        .bind(max)
        .fetch_all(&mut tx)
        .await?;
        let due: Vec<DueDelivery> = rows.iter().map(due_from_row).collect::<StoreResult<_>>()?;
        for d in &due {
            sql("UPDATE spend_webhook_deliveries SET next_attempt_at = $3
                 WHERE webhook_id = $1 AND event_id = $2")
            .bind(d.webhook_id)
            .bind(d.event.id)
            .bind(lease_until)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(due)
    }

    /// The receiver answered 2xx.
    pub async fn delivery_succeeded(&self, webhook: Uuid, event: i64, at: Time) -> StoreResult<()> {
        sql("UPDATE spend_webhook_deliveries SET delivered_at = $3, attempts = attempts + 1,
                last_error = NULL
             WHERE webhook_id = $1 AND event_id = $2")
        .bind(webhook)
        .bind(event)
        .bind(at)
        .execute(&self.db)
        .await
        .map(drop)
    }

    /// An attempt failed with `error`: tried again at `retry_at`, or given up on at `at` when
    /// `retry_at` is `None`.
    pub async fn delivery_failed(
        &self,
        webhook: Uuid,
        event: i64,
        error: &str,
        retry_at: Option<Time>,
        at: Time,
    ) -> StoreResult<()> {
        sql("UPDATE spend_webhook_deliveries
             SET attempts = attempts + 1, last_error = $3,
                 next_attempt_at = coalesce($4, next_attempt_at),
                 abandoned_at = CASE WHEN $4 IS NULL THEN $5 END
             WHERE webhook_id = $1 AND event_id = $2")
        .bind(webhook)
        .bind(event)
        .bind(error)
        .bind(retry_at)
        .bind(at)
        .execute(&self.db)
        .await
        .map(drop)
    }

    /// Deliveries not yet made nor given up on (for tests and operators).
    pub async fn pending_deliveries(&self) -> StoreResult<i64> {
        sql("SELECT count(*) AS n FROM spend_webhook_deliveries
             WHERE delivered_at IS NULL AND abandoned_at IS NULL")
        .fetch_one(&self.db)
        .await?
        .bigint("n")
    }
}
