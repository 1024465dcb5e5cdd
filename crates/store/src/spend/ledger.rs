//! The ledger and what is derived from it: every billed call is a row, written with the day
//! counter it adds to, under the user's spend lock; a window's spend is read from ≤ 31 counters
//! and the live reservations, so its cost does not grow with the ledger (accounting.md §7).
//! A cost that names an API key adds to that key's day counter too (its cap is a window).
//! A cost also writes the limit events it causes (limits-plus §6), in its transaction.

use super::alerts;
use crate::db::{Ex, Query, Tx, sql};
use crate::{LedgerEntry, Store, StoreResult};
use tollgate_core::{
    Micros, PeriodBounds, SpendScope, Window, counter_after, day_of, days_of, stored_amount,
    stored_tokens, total_from_parts,
};
use uuid::Uuid;

/// The sum in two halves that cannot overflow before the total does (see
/// [`total_from_parts`]); `CAST` raises SQLSTATE 22003 on PostgreSQL beyond bigint.
pub(crate) const MONEY_PARTS: &str =
    "CAST(coalesce(sum(m.total_cost_micros / 1000000), 0) AS BIGINT) AS dollars,
     CAST(coalesce(sum(m.total_cost_micros % 1000000), 0) AS BIGINT) AS micros";

/// Coder's spend: the messages' costs, summed over the raw history.
const CODER_SPEND_SQL: &str = "FROM chats c JOIN chat_messages m ON m.chat_id = c.id
    WHERE c.owner_id = $1 AND ($2 IS NULL OR c.organization_id = $2)
      AND m.created_at >= $3 AND m.created_at < $4";

/// Settled (counters of the window's days) and reserved (live reservations), each summed in two
/// halves. `$1` user, `$2` organization or NULL, `$3`/`$4` the window's days.
const WINDOW_SQL: &str = "
WITH c AS (
    SELECT CAST(coalesce(sum(spent_micros / 1000000), 0) AS BIGINT) AS d,
           CAST(coalesce(sum(spent_micros % 1000000), 0) AS BIGINT) AS m
    FROM spend_counters
    WHERE user_id = $1 AND ($2 IS NULL OR organization_id = $2) AND day >= $3 AND day < $4
), r AS (
    SELECT CAST(coalesce(sum(amount_micros / 1000000), 0) AS BIGINT) AS d,
           CAST(coalesce(sum(amount_micros % 1000000), 0) AS BIGINT) AS m
    FROM spend_reservations
    WHERE user_id = $1 AND ($2 IS NULL OR organization_id = $2)
)
SELECT c.d AS spent_dollars, c.m AS spent_micros, r.d AS reserved_dollars, r.m AS reserved_micros
FROM c, r";

fn scope_org(scope: SpendScope) -> Option<Uuid> {
    match scope {
        SpendScope::AllOrganizations => None,
        SpendScope::Organization(org) => Some(org),
    }
}

/// A window of `limit` as it stands: counters of its days and live reservations, in `scope`.
pub(crate) async fn window<'a>(
    ex: impl Into<Ex<'a>>,
    user: Uuid,
    scope: SpendScope,
    limit: Micros,
    bounds: PeriodBounds,
) -> StoreResult<Window> {
    let (first, end) = days_of(bounds);
    let row = sql(WINDOW_SQL)
        .bind(user)
        .bind(scope_org(scope))
        .bind(first)
        .bind(end)
        .fetch_one(ex)
        .await?;
    Ok(Window {
        limit,
        spent: total_from_parts(row.bigint("spent_dollars")?, row.bigint("spent_micros")?)?,
        reserved: total_from_parts(
            row.bigint("reserved_dollars")?,
            row.bigint("reserved_micros")?,
        )?,
        bounds,
    })
}

/// Takes the user's spend lock until the transaction ends: reservations and settlements of one
/// user apply one after the other, so a standing read under it is exact.
pub(crate) async fn lock_spend(tx: &mut Tx, user: Uuid) -> StoreResult<()> {
    sql("INSERT INTO spend_locks (user_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    sql("SELECT user_id FROM spend_locks WHERE user_id = $1 {FOR_UPDATE}")
        .bind(user)
        .fetch_one(tx)
        .await?;
    Ok(())
}

/// Appends `entry` to the ledger and adds its cost to its day's counter. The caller holds the
/// user's spend lock, so the counter's read-add-write is exact (and checked, never wrapped).
pub(crate) async fn record(tx: &mut Tx, entry: &LedgerEntry) -> StoreResult<()> {
    let cost = entry.cost.map(stored_amount).transpose()?;
    let usage = entry.usage.map(|u| [u.input, u.output, u.reasoning, u.cache_read, u.cache_write]);
    let tokens = |i: usize| usage.map(|u| stored_tokens(u[i])).transpose();
    sql("INSERT INTO spend_ledger (user_id, organization_id, source, chat_id, message_id, api_key_id,
             model_config_id, input_tokens, output_tokens, reasoning_tokens, cache_read_tokens,
             cache_creation_tokens, cost_micros, estimated, overrun, reservation_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)")
    .bind(entry.user_id)
    .bind(entry.organization_id)
    .bind(entry.source.as_str())
    .bind(entry.chat_id)
    .bind(entry.message_id)
    .bind(entry.api_key_id.as_deref())
    .bind(entry.model_config_id)
    .bind(tokens(0)?)
    .bind(tokens(1)?)
    .bind(tokens(2)?)
    .bind(tokens(3)?)
    .bind(tokens(4)?)
    .bind(cost)
    .bind(entry.estimated)
    .bind(entry.overrun)
    .bind(entry.reservation_id)
    .bind(entry.created_at)
    .execute(&mut *tx)
    .await?;
    match entry.cost {
        Some(cost) if cost.is_positive() => {
            let day = day_of(entry.created_at);
            let owner = Counter::User { user: entry.user_id, organization: entry.organization_id };
            add_to_counter(tx, owner, day, cost).await?;
            if let Some(key) = entry.api_key_id.as_deref() {
                add_to_counter(tx, Counter::Key(key), day, cost).await?;
            }
            alerts::after_cost(tx, entry.user_id, entry.organization_id, entry.created_at).await
        }
        _ => Ok(()),
    }
}

/// A day counter a cost adds to: its user's in its organization, or its API key's.
#[derive(Clone, Copy)]
enum Counter<'a> {
    User { user: Uuid, organization: Uuid },
    Key(&'a str),
}

impl Counter<'_> {
    /// `SELECT` of its current value and the upsert of a new one; `day` and the value follow
    /// the owner's binds.
    fn statements(self) -> (&'static str, &'static str) {
        match self {
            Counter::User { .. } => (
                "SELECT spent_micros FROM spend_counters
                 WHERE user_id = $1 AND organization_id = $2 AND day = $3",
                "INSERT INTO spend_counters (user_id, organization_id, day, spent_micros)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, organization_id, day)
                 DO UPDATE SET spent_micros = excluded.spent_micros",
            ),
            Counter::Key(_) => (
                "SELECT spent_micros FROM spend_key_counters WHERE api_key_id = $1 AND day = $2",
                "INSERT INTO spend_key_counters (api_key_id, day, spent_micros) VALUES ($1, $2, $3)
                 ON CONFLICT (api_key_id, day) DO UPDATE SET spent_micros = excluded.spent_micros",
            ),
        }
    }

    fn bind_owner(self, query: Query) -> Query {
        match self {
            Counter::User { user, organization } => query.bind(user).bind(organization),
            Counter::Key(key) => query.bind(key),
        }
    }
}

/// Adds `cost` to `counter`'s row of `day`: read, checked add, write — exact under the
/// owner's spend lock.
async fn add_to_counter(
    tx: &mut Tx,
    counter: Counter<'_>,
    day: i64,
    cost: Micros,
) -> StoreResult<()> {
    let (select, upsert) = counter.statements();
    let current = counter
        .bind_owner(sql(select))
        .bind(day)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.bigint("spent_micros"))
        .transpose()?
        .map_or(Micros::ZERO, Micros::new);
    let next = counter_after(current, cost)?;
    counter.bind_owner(sql(upsert)).bind(day).bind(next.get()).execute(tx).await.map(drop)
}

impl Store {
    /// Coder's spend (spend-limits §5): the non-null `total_cost_micros` of messages created in
    /// `[start, end)` in chats the user owns (archived, sub-agent and soft-deleted messages
    /// included), within `scope`, summed over the raw history. tollgate reads counters instead
    /// ([`Store::window_spend`]); this is the reference they are checked against and the query
    /// the admission benchmark compares with. `Overflow` beyond the money range.
    pub async fn spend(
        &self,
        user: Uuid,
        scope: SpendScope,
        bounds: PeriodBounds,
    ) -> StoreResult<Micros> {
        let row = sql(format!("SELECT {MONEY_PARTS} {CODER_SPEND_SQL}"))
            .bind(user)
            .bind(scope_org(scope))
            .bind(bounds.start)
            .bind(bounds.end)
            .fetch_one(&self.db)
            .await?;
        Ok(total_from_parts(row.bigint("dollars")?, row.bigint("micros")?)?)
    }

    /// What the counters say `user` spent in the whole days of `bounds`, within `scope`.
    pub async fn window_spend(
        &self,
        user: Uuid,
        scope: SpendScope,
        bounds: PeriodBounds,
    ) -> StoreResult<Micros> {
        Ok(window(&self.db, user, scope, Micros::ZERO, bounds).await?.spent)
    }

    /// The user's spend on each UTC day of `[first, end)` (day numbers) that has any, every
    /// organization together: the day counters the limits read, so one read of at most a row
    /// per organization and day, however long the history.
    pub async fn daily_spend(
        &self,
        user: Uuid,
        days: (i64, i64),
    ) -> StoreResult<Vec<(i64, Micros)>> {
        let rows = sql("SELECT day, spent_micros FROM spend_counters
                        WHERE user_id = $1 AND day >= $2 AND day < $3 ORDER BY day")
        .bind(user)
        .bind(days.0)
        .bind(days.1)
        .fetch_all(&self.db)
        .await?;
        let mut spent: Vec<(i64, Micros)> = Vec::new();
        for row in rows {
            let (day, amount) = (row.bigint("day")?, Micros::new(row.bigint("spent_micros")?));
            match spent.last_mut() {
                Some((last, total)) if *last == day => *total = total.checked_add(amount)?,
                _ => spent.push((day, amount)),
            }
        }
        Ok(spent)
    }

    /// Everything the ledger records as billed: the starting value of
    /// `tollgate_billed_micros_total`, which then grows with every row this process writes.
    pub async fn ledger_total(&self) -> StoreResult<Micros> {
        let row = sql("SELECT CAST(coalesce(sum(cost_micros / 1000000), 0) AS BIGINT) AS dollars,
                              CAST(coalesce(sum(cost_micros % 1000000), 0) AS BIGINT) AS micros
                       FROM spend_ledger")
        .fetch_one(&self.db)
        .await?;
        Ok(total_from_parts(row.bigint("dollars")?, row.bigint("micros")?)?)
    }

    /// Enabled model configs that have neither an input nor an output price.
    pub async fn count_unpriced_models(&self) -> StoreResult<i64> {
        sql("SELECT count(*) AS n FROM chat_model_configs
             WHERE enabled AND input_price IS NULL AND output_price IS NULL")
        .fetch_one(&self.db)
        .await?
        .bigint("n")
    }
}
