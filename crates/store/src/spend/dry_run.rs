//! The facts a dry run of proposed limits needs (limits-plus §5), in five statements whatever
//! the number of users: the current limits (every tier's windows), the members of every limited
//! (or named) group, and each user's spend in the current day, week and month from the day
//! counters.

use super::limits::{cfg_period, fetch_config};
use super::rows::tier_windows;
use super::standing::{money, money_parts};
use crate::db::{Row, sql};
use crate::{Store, StoreResult, Time};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use tollgate_core::{LimitSet, Micros, Period, PeriodLimits, UserSpend, days_of};
use uuid::Uuid;

/// The current limits and every (not deleted) user's groups and spend.
#[derive(Debug, Clone)]
pub struct LimitFacts {
    pub current: LimitSet,
    /// Ordered by username.
    pub users: Vec<UserSpend>,
    pub usernames: HashMap<Uuid, String>,
    /// The groups asked about that exist, and every group with a limit.
    pub groups: HashSet<Uuid>,
}

/// A tier's limits: at the deployment period and (its windows) at the others.
macro_rules! tier_columns {
    () => {
        concat!(
            "spend_limit_micros, day_limit_micros, week_limit_micros, month_limit_micros, ",
            cfg_period!()
        )
    };
}

/// `$1..$6` the first and end days of the day, week and month windows; `$7`/`$8` their span.
static USER_SPEND_SQL: LazyLock<String> = LazyLock::new(|| {
    let counters: Vec<String> = Period::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let days = format!("c.day >= ${} AND c.day < ${}", 1 + 2 * i, 2 + 2 * i);
            money_parts(p.as_str(), "c.spent_micros", &days)
        })
        .collect();
    format!(
        "SELECT u.id, u.username, {}
         FROM users u LEFT JOIN spend_counters c ON c.user_id = u.id AND c.day >= $7 AND c.day < $8
         WHERE NOT u.deleted
         GROUP BY u.id, u.username ORDER BY lower(u.username) {{C}}, u.username {{C}}, u.id",
        counters.join(",\n")
    )
});

impl Store {
    /// The facts for a dry run at `now`; `groups` are the groups a proposal names.
    pub async fn limit_facts(&self, groups: &[Uuid], now: Time) -> StoreResult<LimitFacts> {
        let config = fetch_config(&self.db).await?;
        let overrides = limits(
            self,
            concat!(
                "SELECT user_id AS id, ",
                tier_columns!(),
                "
             FROM chat_usage_limit_overrides"
            ),
        )
        .await?;
        let group_limits = limits(
            self,
            concat!(
                "SELECT group_id AS id, ",
                tier_columns!(),
                "
             FROM chat_usage_limit_group_overrides"
            ),
        )
        .await?;
        let (memberships, known) = self.memberships(groups).await?;
        let mut users = Vec::new();
        let mut usernames = HashMap::new();
        for row in self.user_spend(now).await? {
            let user_id = row.uuid("id")?;
            let spent = [money(&row, "day")?, money(&row, "week")?, money(&row, "month")?];
            let groups = memberships.get(&user_id).cloned().unwrap_or_default();
            usernames.insert(user_id, row.text("username")?);
            users.push(UserSpend { user_id, groups, spent });
        }
        let current =
            LimitSet { config: config.config, default: config.windows, overrides, group_limits };
        Ok(LimitFacts { current, users, usernames, groups: known })
    }

    /// Each user's groups among the limited groups and `extra`, and which
    /// of those groups exist.
    async fn memberships(
        &self,
        extra: &[Uuid],
    ) -> StoreResult<(HashMap<Uuid, Vec<Uuid>>, HashSet<Uuid>)> {
        let rows = sql("SELECT g.id, gm.user_id
             FROM groups g LEFT JOIN group_memberships gm ON gm.group_id = g.id
             WHERE g.id IN (SELECT group_id FROM chat_usage_limit_group_overrides)
                OR g.id {ANY $1}")
        .bind(extra)
        .fetch_all(&self.db)
        .await?;
        let (mut by_user, mut known) = (HashMap::<Uuid, Vec<_>>::new(), HashSet::new());
        for row in rows {
            let group = row.uuid("id")?;
            known.insert(group);
            if let Some(user) = row.opt_uuid("user_id")? {
                by_user.entry(user).or_default().push(group);
            }
        }
        Ok((by_user, known))
    }

    async fn user_spend(&self, now: Time) -> StoreResult<Vec<Row>> {
        let spans = Period::ALL.map(|p| days_of(p.bounds(&now)));
        let first = spans.iter().map(|s| s.0).min().unwrap_or_default();
        let end = spans.iter().map(|s| s.1).max().unwrap_or_default();
        let mut query = sql(USER_SPEND_SQL.as_str());
        for (start, stop) in spans {
            query = query.bind(start).bind(stop);
        }
        query.bind(first).bind(end).fetch_all(&self.db).await
    }
}

/// `id → limits by period` from a statement selecting `id` and [`tier_columns`].
async fn limits(
    store: &Store,
    statement: &'static str,
) -> StoreResult<HashMap<Uuid, PeriodLimits>> {
    let rows = sql(statement).fetch_all(&store.db).await?;
    rows.iter()
        .map(|row| {
            let main = Micros::new(row.bigint("spend_limit_micros")?);
            Ok((row.uuid("id")?, tier_windows(row, Some(main))?))
        })
        .collect()
}
