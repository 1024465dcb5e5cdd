//! Per-key caps (gateway.md §2): an API key with its own limit is one more window of the
//! reservation — its day counters in the key's period plus its live reservations, against its
//! limit — read under its owner's spend lock, so a key's calls can no more overspend its cap
//! than its owner's limit, and the read costs the same whatever the key's history.

use super::standing::money_parts;
use crate::db::{Tx, sql};
use crate::{KeyLimit, StoreResult, Time};
use tollgate_core::{Period, Window, days_of, total_from_parts};

/// The window of `key`'s own limit at `at`. The caller holds the key owner's spend lock.
pub(crate) async fn key_window(
    tx: &mut Tx,
    key: &str,
    limit: KeyLimit,
    at: Time,
) -> StoreResult<(Period, Window)> {
    let bounds = limit.period.bounds(&at);
    let (first, end) = days_of(bounds);
    let spent = sql(format!(
        "SELECT {} FROM spend_key_counters WHERE api_key_id = $1 AND day >= $2 AND day < $3",
        money_parts("s", "spent_micros", "TRUE")
    ))
    .bind(key)
    .bind(first)
    .bind(end)
    .fetch_one(&mut *tx)
    .await?;
    let reserved = sql(format!(
        "SELECT {} FROM spend_reservations WHERE api_key_id = $1",
        money_parts("r", "amount_micros", "TRUE")
    ))
    .bind(key)
    .fetch_one(&mut *tx)
    .await?;
    let window = Window {
        limit: limit.limit,
        spent: total_from_parts(spent.bigint("s_d")?, spent.bigint("s_m")?)?,
        reserved: total_from_parts(reserved.bigint("r_d")?, reserved.bigint("r_m")?)?,
        bounds,
    };
    Ok((limit.period, window))
}
