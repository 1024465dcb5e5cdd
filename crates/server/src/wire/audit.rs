//! The audit log of limit changes (limits-plus §4): its entries, and the API shapes its
//! `before`/`after` keep.

use super::limits::{group_override, limit_config, user_override};
use serde_json::Value;
use tollgate_api_types as api;
use tollgate_store::{self as store, LimitAuditAction, RenderLimits};

/// Renders changed limits as this API shows them.
pub struct WireRender;

impl RenderLimits for WireRender {
    fn config(&self, r: &store::LimitConfigRecord) -> Value {
        to_json(&limit_config(r))
    }
    fn user(&self, r: &store::UserLimit) -> Value {
        to_json(&user_override(r))
    }
    fn group(&self, r: &store::GroupLimitRecord) -> Value {
        to_json(&group_override(r))
    }
}

/// Wire types are plain data: serializing one to a JSON value cannot fail.
fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub fn audit_entry(e: &store::LimitAuditEntry) -> api::ChatUsageLimitAuditEntry {
    api::ChatUsageLimitAuditEntry {
        id: e.id,
        time: e.time,
        actor_id: e.actor_id,
        actor_username: e.actor_username.clone(),
        action: audit_action(e.action),
        target_id: e.target_id,
        target_name: e.target_name.clone(),
        before: e.before.clone(),
        after: e.after.clone(),
    }
}

fn audit_action(a: LimitAuditAction) -> api::ChatUsageLimitAuditAction {
    use api::ChatUsageLimitAuditAction as W;
    match a {
        LimitAuditAction::ConfigUpdate => W::ConfigUpdate,
        LimitAuditAction::OverrideSet => W::OverrideSet,
        LimitAuditAction::OverrideDelete => W::OverrideDelete,
        LimitAuditAction::GroupOverrideSet => W::GroupOverrideSet,
        LimitAuditAction::GroupOverrideDelete => W::GroupOverrideDelete,
    }
}
