//! A dry run's outcome (limits-plus §5) → its wire type.

use super::limits::period;
use std::collections::HashMap;
use tollgate_api_types as api;
use tollgate_core::DryRun;
use uuid::Uuid;

pub fn dry_run(
    run: &DryRun,
    usernames: &HashMap<Uuid, String>,
) -> api::ChatUsageLimitDryRunResponse {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    api::ChatUsageLimitDryRunResponse {
        blocked_now: run
            .blocked_now
            .iter()
            .map(|b| api::ChatUsageLimitDryRunBlockedUser {
                user_id: b.user_id,
                username: usernames.get(&b.user_id).cloned().unwrap_or_default(),
                period: period(b.period),
                spent_micros: b.spent.get(),
                limit_micros: b.limit.get(),
            })
            .collect(),
        newly_blocked: count(run.newly_blocked),
        newly_unblocked: count(run.newly_unblocked),
        affected_users: count(run.affected_users),
    }
}
