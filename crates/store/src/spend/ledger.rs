//! What the ledger (the costed chat messages) says a user spent (spend-limits §5).

use crate::db::sql;
use crate::{Store, StoreResult};
use tollgate_core::{Micros, PeriodBounds, SpendScope, total_from_parts};
use uuid::Uuid;

/// The sum in two halves that cannot overflow before the total does (see
/// [`total_from_parts`]); `CAST` raises SQLSTATE 22003 on PostgreSQL beyond bigint.
pub(crate) const MONEY_PARTS: &str =
    "CAST(coalesce(sum(m.total_cost_micros / 1000000), 0) AS BIGINT) AS dollars,
     CAST(coalesce(sum(m.total_cost_micros % 1000000), 0) AS BIGINT) AS micros";

const SPEND_SQL: &str = "FROM chats c JOIN chat_messages m ON m.chat_id = c.id
    WHERE c.owner_id = $1 AND ($2 IS NULL OR c.organization_id = $2)
      AND m.created_at >= $3 AND m.created_at < $4";

impl Store {
    /// Sum of the non-null `total_cost_micros` of messages created in `[start, end)` in chats
    /// the user owns (archived, sub-agent and soft-deleted messages included), within `scope`.
    /// `Overflow` beyond the money range.
    pub async fn spend(
        &self,
        user: Uuid,
        scope: SpendScope,
        bounds: PeriodBounds,
    ) -> StoreResult<Micros> {
        let org = match scope {
            SpendScope::AllOrganizations => None,
            SpendScope::Organization(org) => Some(org),
        };
        let row = sql(format!("SELECT {MONEY_PARTS} {SPEND_SQL}"))
            .bind(user)
            .bind(org)
            .bind(bounds.start)
            .bind(bounds.end)
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
