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

pub fn webhook(w: &store::WebhookRecord) -> api::ChatUsageLimitWebhook {
    api::ChatUsageLimitWebhook { id: w.id, url: w.url.clone(), created_at: w.created_at }
}
