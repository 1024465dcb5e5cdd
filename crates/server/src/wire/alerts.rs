//! Limit events and webhooks → wire types (limits-plus §6).

use super::limits::period;
use tollgate_api_types as api;
use tollgate_core::AlertKind;
use tollgate_store as store;

pub fn limit_event(e: &store::LimitEvent) -> api::ChatUsageLimitEvent {
    api::ChatUsageLimitEvent {
        id: e.id,
        event_type: match e.kind {
            AlertKind::ThresholdCrossed => api::ChatUsageLimitEventType::ThresholdCrossed,
            AlertKind::Exceeded => api::ChatUsageLimitEventType::Exceeded,
        },
        time: e.time,
        user_id: e.user_id,
        username: e.username.clone(),
        period: period(e.period),
        percent: e.percent,
        spent_micros: e.spent.get(),
        limit_micros: e.limit.get(),
        resets_at: e.resets_at,
    }
}

/// The URL is shown without the password of its user info (a credential sent once).
pub fn webhook(w: &store::WebhookRecord) -> api::ChatUsageLimitWebhook {
    api::ChatUsageLimitWebhook { id: w.id, url: without_password(&w.url), created_at: w.created_at }
}

fn without_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}
