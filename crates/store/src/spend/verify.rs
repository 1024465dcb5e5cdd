//! `tollgate admin verify-ledger` (accounting.md §7): every counter (users' and API keys')
//! recomputed from the ledger, every reservation checked against the call it belongs to; with
//! repair, counters are set to what the ledger says and orphan reservations are settled as
//! abandoned (never released).

use super::reservations::{Held, find, settle_abandoned};
use crate::db::{Row, Tx, sql};
use crate::{
    CounterMismatch, KeyCounterMismatch, LedgerReport, OrphanReservation, Store, StoreResult, Time,
};
use std::collections::BTreeMap;
use tollgate_core::{Micros, total_from_parts};
use uuid::Uuid;

type Key = (Uuid, Uuid, i64);

const LEDGER_BY_DAY: &str = "SELECT user_id, organization_id, {DAY created_at} AS day,
    CAST(sum(cost_micros / 1000000) AS BIGINT) AS dollars,
    CAST(sum(cost_micros % 1000000) AS BIGINT) AS micros
    FROM spend_ledger WHERE cost_micros > 0
    GROUP BY user_id, organization_id, {DAY created_at}";

/// What the API keys' day counters should hold.
const LEDGER_BY_KEY_DAY: &str = "SELECT api_key_id, {DAY created_at} AS day,
    CAST(sum(cost_micros / 1000000) AS BIGINT) AS dollars,
    CAST(sum(cost_micros % 1000000) AS BIGINT) AS micros
    FROM spend_ledger WHERE cost_micros > 0 AND api_key_id IS NOT NULL
    GROUP BY api_key_id, {DAY created_at}";

type KeyDay = (String, i64);

/// Reservations that belong to no live call: their lease ran out, or the chat run they were
/// taken for is no longer the chat's latest claim.
const ORPHANS: &str = "SELECT r.id, r.user_id, r.organization_id, r.chat_id, r.generation,
    r.model_config_id, r.api_key_id, r.amount_micros, r.progress_micros,
    CASE WHEN r.lease_expires_at < $1 THEN 'lease expired'
         ELSE 'taken over' END AS why
    FROM spend_reservations r LEFT JOIN chats c ON c.id = r.chat_id
    WHERE r.lease_expires_at < $1
       OR (r.chat_id IS NOT NULL AND (c.id IS NULL OR c.generation <> r.generation))
    ORDER BY r.created_at, r.id";

fn key(row: &Row) -> StoreResult<Key> {
    Ok((row.uuid("user_id")?, row.uuid("organization_id")?, row.bigint("day")?))
}

impl Store {
    /// Recomputes every counter from the ledger and checks every reservation against live runs
    /// at `now`; with `repair`, fixes what it found (in one transaction).
    pub async fn verify_ledger(&self, repair: bool, now: Time) -> StoreResult<LedgerReport> {
        // One snapshot: a settle committing between the two sums would look like a mismatch.
        let mut tx = self.db.begin().await?;
        tx.snapshot().await?;
        let mut report = LedgerReport::default();
        let expected = sums(&mut tx, LEDGER_BY_DAY, key).await?;
        let counters = counters(&mut tx).await?;
        report.counter_mismatches = mismatches(&expected, &counters)
            .into_iter()
            .map(|((user_id, organization_id, day), counter, ledger)| CounterMismatch {
                user_id,
                organization_id,
                day,
                counter,
                ledger,
            })
            .collect();
        let expected = sums(&mut tx, LEDGER_BY_KEY_DAY, key_day).await?;
        let key_counters = key_counters(&mut tx).await?;
        report.key_counter_mismatches = mismatches(&expected, &key_counters)
            .into_iter()
            .map(|((api_key_id, day), counter, ledger)| KeyCounterMismatch {
                api_key_id,
                day,
                counter,
                ledger,
            })
            .collect();
        report.counters_checked =
            u64::try_from(counters.len() + key_counters.len()).unwrap_or(u64::MAX);
        let orphans = orphans(&mut tx, now).await?;
        report.orphan_reservations = orphans
            .iter()
            .map(|(held, why)| OrphanReservation {
                id: held.id,
                user_id: held.user_id,
                amount: held.amount,
                why,
            })
            .collect();
        if repair && !report.is_consistent() {
            repair_in(&mut tx, &report, &orphans, now).await?;
            report.repaired = true;
        }
        tx.commit().await?;
        Ok(report)
    }
}

/// The ledger's sums by the key `key_of` reads from each row of `query`.
async fn sums<K: Ord>(
    tx: &mut Tx,
    query: &'static str,
    key_of: fn(&Row) -> StoreResult<K>,
) -> StoreResult<BTreeMap<K, Micros>> {
    let rows = sql(query).fetch_all(tx).await?;
    rows.iter()
        .map(|row| {
            Ok((key_of(row)?, total_from_parts(row.bigint("dollars")?, row.bigint("micros")?)?))
        })
        .collect()
}

fn key_day(row: &Row) -> StoreResult<KeyDay> {
    Ok((row.text("api_key_id")?, row.bigint("day")?))
}

async fn key_counters(tx: &mut Tx) -> StoreResult<BTreeMap<KeyDay, Micros>> {
    let rows =
        sql("SELECT api_key_id, day, spent_micros FROM spend_key_counters").fetch_all(tx).await?;
    rows.iter().map(|row| Ok((key_day(row)?, Micros::new(row.bigint("spent_micros")?)))).collect()
}

async fn counters(tx: &mut Tx) -> StoreResult<BTreeMap<Key, Micros>> {
    let rows = sql("SELECT user_id, organization_id, day, spent_micros FROM spend_counters")
        .fetch_all(tx)
        .await?;
    rows.iter().map(|row| Ok((key(row)?, Micros::new(row.bigint("spent_micros")?)))).collect()
}

async fn orphans(tx: &mut Tx, now: Time) -> StoreResult<Vec<(Held, &'static str)>> {
    let rows = sql(ORPHANS).bind(now).fetch_all(tx).await?;
    rows.iter()
        .map(|row| {
            let why =
                if row.text("why")? == "lease expired" { "lease expired" } else { "taken over" };
            Ok((super::reservations::held_from_row(row)?, why))
        })
        .collect()
}

async fn repair_in(
    tx: &mut Tx,
    report: &LedgerReport,
    orphans: &[(Held, &'static str)],
    now: Time,
) -> StoreResult<()> {
    for m in &report.key_counter_mismatches {
        sql("INSERT INTO spend_key_counters (api_key_id, day, spent_micros) VALUES ($1, $2, $3)
                 ON CONFLICT (api_key_id, day) DO UPDATE SET spent_micros = excluded.spent_micros")
        .bind(m.api_key_id.as_str())
        .bind(m.day)
        .bind(m.ledger.get())
        .execute(&mut *tx)
        .await?;
    }
    for m in &report.counter_mismatches {
        sql("INSERT INTO spend_counters (user_id, organization_id, day, spent_micros) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, organization_id, day) DO UPDATE SET spent_micros = excluded.spent_micros")
            .bind(m.user_id)
            .bind(m.organization_id)
            .bind(m.day)
            .bind(m.ledger.get())
            .execute(&mut *tx)
            .await?;
    }
    for (held, _) in orphans {
        if find(&mut *tx, held.id).await?.is_some() {
            settle_abandoned(&mut *tx, held, now).await?;
        }
    }
    Ok(())
}

/// Every key (a user's organization and day, or an API key's day) where the counter and the
/// ledger disagree, with (counter, ledger); a missing side counts as zero.
fn mismatches<K: Ord + Clone>(
    ledger: &BTreeMap<K, Micros>,
    counters: &BTreeMap<K, Micros>,
) -> Vec<(K, Micros, Micros)> {
    let keys: std::collections::BTreeSet<&K> = ledger.keys().chain(counters.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let l = ledger.get(k).copied().unwrap_or_default();
            let c = counters.get(k).copied().unwrap_or_default();
            (l != c).then(|| (k.clone(), c, l))
        })
        .collect()
}
