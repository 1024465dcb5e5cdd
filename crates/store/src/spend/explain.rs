//! What an explanation of a user's limits reads (limits-plus §2): every limit considered, and
//! where every period's window stands. Deciding the order of the candidates is `core`'s.

use super::limits::fetch_config;
use super::standing::every_window_in;
use crate::common::parse_period;
use crate::db::{Row, sql};
use crate::{LimitConfigRecord, Store, StoreResult, Time};
use tollgate_core::{EffectiveLimit, Micros, Period, PeriodLimits, Window};
use uuid::Uuid;

/// A group of the user with a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCandidate {
    pub group_id: Uuid,
    pub name: String,
    pub windows: PeriodLimits,
}

/// Every limit considered for a user and every period's window as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitExplanation {
    pub config: LimitConfigRecord,
    /// The user's override, when they have one.
    pub user: Option<PeriodLimits>,
    /// Their groups with a limit (those of the organization, when one was given).
    pub groups: Vec<GroupCandidate>,
    /// Day, week, month; a period without a limit has a window of limit 0.
    pub windows: Vec<(EffectiveLimit, Window)>,
}

const CFG_PERIOD: &str = "(SELECT period FROM chat_usage_limit_config WHERE id = 1) AS cfg_period";

/// A tier's limits by period from a row with `spend_limit_micros`, the period columns and
/// `cfg_period`.
fn limits_of(row: &Row) -> StoreResult<PeriodLimits> {
    let deployment = parse_period(&row.text("cfg_period")?)?;
    let mut limits = PeriodLimits::default();
    for period in Period::ALL {
        let column = match period == deployment {
            true => "spend_limit_micros".to_owned(),
            false => format!("{}_limit_micros", period.as_str()),
        };
        limits.set(period, row.opt_bigint(&column)?.map(Micros::new));
    }
    Ok(limits)
}

impl Store {
    /// The facts behind a user's limits in `organization` (when given) at `now`.
    /// `NotFound(User)` for an unknown user.
    pub async fn explain_limits(
        &self,
        user: Uuid,
        organization: Option<Uuid>,
        now: Time,
    ) -> StoreResult<LimitExplanation> {
        let (_, windows) = every_window_in(&self.db, user, organization, now).await?;
        let config = fetch_config(&self.db).await?;
        let user_row = sql(format!(
            "SELECT spend_limit_micros, day_limit_micros, week_limit_micros, month_limit_micros,
                    {CFG_PERIOD}
             FROM chat_usage_limit_overrides WHERE user_id = $1"
        ))
        .bind(user)
        .fetch_optional(&self.db)
        .await?;
        let group_rows = sql(format!(
            "SELECT g.id AS group_id, g.name, gl.spend_limit_micros, gl.day_limit_micros,
                    gl.week_limit_micros, gl.month_limit_micros, {CFG_PERIOD}
             FROM chat_usage_limit_group_overrides gl
             JOIN groups g ON g.id = gl.group_id
             JOIN group_memberships gm ON gm.group_id = g.id AND gm.user_id = $1
             WHERE $2 IS NULL OR g.organization_id = $2
             ORDER BY g.id"
        ))
        .bind(user)
        .bind(organization)
        .fetch_all(&self.db)
        .await?;
        let mut groups = Vec::new();
        for row in &group_rows {
            groups.push(GroupCandidate {
                group_id: row.uuid("group_id")?,
                name: row.text("name")?,
                windows: limits_of(row)?,
            });
        }
        let user = user_row.as_ref().map(limits_of).transpose()?;
        Ok(LimitExplanation { config, user, groups, windows })
    }
}
