//! A user's standing in one round trip (accounting.md §7): the limit's resolution, the counters
//! of every period's days and the live reservations, each in both scopes, read by one statement.
//! Which period and scope apply is decided in Rust from the resolved limit (`core`), so the SQL
//! holds no rule; the admission check then costs one statement whatever the ledger's size.

use super::resolve::RESOLVE_SQL;
use super::rows::{effective_at, effective_from_row};
use crate::db::{Ex, Row, sql};
use crate::{StoreResult, Time};
use std::sync::LazyLock;
use tollgate_core::{
    EffectiveLimit, Micros, Period, SpendScope, Window, days_of, total_from_parts,
};
use uuid::Uuid;

/// Columns `<prefix>_d` and `<prefix>_m`: the sum of `column` over the rows `filter` keeps, in
/// two halves that cannot overflow before the total does.
pub(super) fn money_parts(prefix: &str, column: &str, filter: &str) -> String {
    format!(
        "CAST(coalesce(sum(CASE WHEN {filter} THEN {column} / 1000000 END), 0) AS BIGINT) AS {prefix}_d,
         CAST(coalesce(sum(CASE WHEN {filter} THEN {column} % 1000000 END), 0) AS BIGINT) AS {prefix}_m"
    )
}

/// `$1` user, `$2` organization or NULL; `$3..$8` the first and end days of the day, week and
/// month windows; `$9`/`$10` the span of days covering all three.
static STANDING_SQL: LazyLock<String> = LazyLock::new(|| {
    let mut counters = Vec::new();
    for (i, period) in Period::ALL.iter().enumerate() {
        let days = format!("day >= ${} AND day < ${}", 3 + 2 * i, 4 + 2 * i);
        let name = period.as_str();
        counters.push(money_parts(&format!("{name}_all"), "spent_micros", &days));
        counters.push(money_parts(
            &format!("{name}_org"),
            "spent_micros",
            &format!("{days} AND organization_id = $2"),
        ));
    }
    format!(
        "WITH lim AS ({}),
         c AS (SELECT {} FROM spend_counters WHERE user_id = $1 AND day >= $9 AND day < $10),
         r AS (SELECT {}, {} FROM spend_reservations WHERE user_id = $1)
         SELECT * FROM lim, c, r",
        RESOLVE_SQL.as_str(),
        counters.join(",\n"),
        money_parts("held_all", "amount_micros", "TRUE"),
        money_parts("held_org", "amount_micros", "organization_id = $2"),
    )
});

/// The effective limit of `user` (in `organization`, when given) at the deployment period, and
/// every window with a limit as it stands at `now`, shortest period first.
pub(crate) async fn standing_in<'a>(
    ex: impl Into<Ex<'a>>,
    user: Uuid,
    organization: Option<Uuid>,
    now: Time,
) -> StoreResult<(EffectiveLimit, Vec<(EffectiveLimit, Window)>)> {
    let (deployment, all) = every_window_in(ex, user, organization, now).await?;
    Ok((deployment, all.into_iter().filter(|(l, _)| l.limit.is_some()).collect()))
}

/// As [`standing_in`], with every period: a period without a limit has a window of limit 0
/// counting the spend of all the user's organizations.
pub(crate) async fn every_window_in<'a>(
    ex: impl Into<Ex<'a>>,
    user: Uuid,
    organization: Option<Uuid>,
    now: Time,
) -> StoreResult<(EffectiveLimit, Vec<(EffectiveLimit, Window)>)> {
    let spans = Period::ALL.map(|p| days_of(p.bounds(&now)));
    let first = spans.iter().map(|s| s.0).min().unwrap_or_default();
    let end = spans.iter().map(|s| s.1).max().unwrap_or_default();
    let mut query = sql(STANDING_SQL.as_str()).bind(user).bind(organization);
    for (start, stop) in spans {
        query = query.bind(start).bind(stop);
    }
    let row = query.bind(first).bind(end).fetch_one(ex).await?;
    let deployment = effective_from_row(&row)?;
    let mut windows = Vec::new();
    for period in Period::ALL {
        let limit = effective_at(&row, period)?;
        let scope = match limit.spend_scope(organization) {
            SpendScope::AllOrganizations => "all",
            SpendScope::Organization(_) => "org",
        };
        let window = Window {
            limit: limit.limit.unwrap_or(Micros::ZERO),
            spent: money(&row, &format!("{}_{scope}", period.as_str()))?,
            reserved: money(&row, &format!("held_{scope}"))?,
            bounds: period.bounds(&now),
        };
        windows.push((limit, window));
    }
    Ok((deployment, windows))
}

pub(super) fn money(row: &Row, prefix: &str) -> StoreResult<Micros> {
    Ok(total_from_parts(row.bigint(&format!("{prefix}_d"))?, row.bigint(&format!("{prefix}_m"))?)?)
}
