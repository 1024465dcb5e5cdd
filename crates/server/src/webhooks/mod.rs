//! Delivers limit events to webhooks (limits-plus §6) from the store's outbox: at least once,
//! signed, with exponential backoff. The outbox lives in the database, so what a crash or
//! restart interrupts is sent again by this replica or another.

pub mod address;

use crate::state::{AppState, WebhookSettings};
use crate::wire;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::future::Future;
use std::time::Duration;
use tollgate_store::{DueDelivery, Time};

/// Deliveries sent at once per round.
const BATCH: i64 = 16;

/// `sha256=<hex HMAC-SHA256 of body with secret>`, the `X-Tollgate-Signature` header.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// When to try again after `attempts` failed attempts, or `None` once the event is older than
/// `give_up_after` by then.
pub fn next_attempt(
    settings: &WebhookSettings,
    now: Time,
    attempts: i32,
    written: Time,
) -> Option<Time> {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(30);
    let wait = settings.first_backoff.saturating_mul(2u32.saturating_pow(doublings));
    let wait = chrono::Duration::from_std(wait.min(settings.max_backoff)).ok()?;
    let give_up = chrono::Duration::from_std(settings.give_up_after).ok()?;
    let at = now + wait;
    (at <= written + give_up).then_some(at)
}

/// The HTTP client deliveries use: no redirects (a receiver cannot bounce a signed event
/// elsewhere), the attempt's time limit, and with `deny_private` a resolver that refuses
/// internal addresses.
pub fn client(settings: &WebhookSettings) -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout);
    let builder = match settings.deny_private {
        true => builder.dns_resolver(std::sync::Arc::new(address::PublicOnly)),
        false => builder,
    };
    builder.build().unwrap_or_else(|_| reqwest::Client::new())
}

/// Sends due deliveries until `stop` resolves.
pub async fn run_deliveries(state: AppState, stop: impl Future<Output = ()>) {
    let client = client(&state.settings.webhooks);
    tokio::pin!(stop);
    loop {
        let sent = deliver_due(&state, &client).await;
        if sent < BATCH as usize {
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(state.settings.webhooks.poll_interval) => {}
            }
        }
    }
}

/// One round: claims what is due and sends it; returns how many were claimed.
async fn deliver_due(state: &AppState, client: &reqwest::Client) -> usize {
    let settings = &state.settings.webhooks;
    let now = state.clock.now();
    // A sender that dies mid-attempt leaves the row due again after its lease.
    let lease =
        chrono::Duration::from_std(settings.timeout.saturating_mul(2) + Duration::from_secs(5))
            .unwrap_or(chrono::Duration::seconds(30));
    let due = match state.store.claim_deliveries(now, now + lease, BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the webhook outbox");
            return 0;
        }
    };
    let count = due.len();
    futures::future::join_all(due.into_iter().map(|d| deliver(state, client, d))).await;
    count
}

async fn deliver(state: &AppState, client: &reqwest::Client, d: DueDelivery) {
    let outcome = attempt(state, client, &d).await;
    let now = state.clock.now();
    let (webhook, event) = (d.webhook_id, d.event.id);
    let recorded = match outcome {
        Ok(()) => {
            state.metrics.webhook_delivery("delivered");
            state.store.delivery_succeeded(webhook, event, now).await
        }
        Err(error) => {
            let retry = next_attempt(&state.settings.webhooks, now, d.attempts + 1, d.event.time);
            let outcome = if retry.is_some() { "failed" } else { "abandoned" };
            state.metrics.webhook_delivery(outcome);
            tracing::warn!(%webhook, event, attempts = d.attempts + 1, %error, outcome,
                "webhook delivery failed");
            state.store.delivery_failed(webhook, event, &error, retry, now).await
        }
    };
    if let Err(e) = recorded {
        // The row stays leased and is sent again when the lease ends: at least once.
        tracing::warn!(%webhook, event, error = %e, "could not record a webhook delivery");
    }
}

/// One POST of the event; `Err` says why it did not count as delivered.
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    d: &DueDelivery,
) -> Result<(), String> {
    let secret = state
        .settings
        .secret_box
        .open(&d.secret_ciphertext)
        .map_err(|e| format!("the webhook's secret cannot be read: {e}"))?;
    let body = serde_json::to_vec(&wire::limit_event(&d.event)).map_err(|e| e.to_string())?;
    if state.settings.webhooks.deny_private {
        refuse_internal_literal(&d.url)?;
    }
    let answer = client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Tollgate-Signature", signature(&secret, &body))
        .header("X-Tollgate-Event-Id", d.event.id.to_string())
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {}", without_url(&e)))?;
    match answer.status() {
        s if s.is_success() => Ok(()),
        s => Err(format!("the receiver answered {s}")),
    }
}

/// A URL with an IP literal never meets the resolver, so it is checked here.
fn refuse_internal_literal(url: &str) -> Result<(), String> {
    let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned));
    match host.and_then(|h| h.trim_matches(['[', ']']).parse().ok()) {
        Some(ip) if address::is_internal(ip) => Err(format!("{ip} is an internal address")),
        _ => Ok(()),
    }
}

/// reqwest's message without the URL, which may carry credentials in its user info.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    match std::error::Error::source(e) {
        Some(source) => format!("{kind}: {source}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_signature_is_the_hmac_of_the_body() {
        // RFC 4231 test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_then_gives_up() {
        let settings = WebhookSettings::default();
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let wait =
            |attempts| next_attempt(&settings, t0, attempts, t0).map(|at| (at - t0).num_seconds());
        assert_eq!(
            [wait(1), wait(2), wait(3), wait(10), wait(11)],
            [Some(1), Some(2), Some(4), Some(512), Some(600)]
        );
        assert_eq!(wait(i32::MAX), Some(600));
        let late = t0 + chrono::Duration::hours(72);
        assert_eq!(next_attempt(&settings, late, 5, t0), None);
    }

    #[test]
    fn internal_literals_are_refused() {
        assert!(refuse_internal_literal("http://127.0.0.1:9/x").is_err());
        assert!(refuse_internal_literal("http://[::1]/x").is_err());
        assert!(refuse_internal_literal("https://hooks.example.com/x").is_ok());
    }
}
