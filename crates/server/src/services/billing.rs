//! What an LLM call cost, for every caller that records one (chat runs, titles).

use crate::metrics::Metrics;
use tollgate_core::{Micros, TokenUsage, message_cost};
use tollgate_llm::Usage;
use tollgate_store::ModelConfig;
use uuid::Uuid;

pub fn token_usage(u: Usage) -> TokenUsage {
    TokenUsage {
        input: u.input_tokens,
        output: u.output_tokens,
        reasoning: u.reasoning_tokens,
        cache_read: u.cache_read_tokens,
        cache_write: u.cache_creation_tokens,
    }
}

/// The call's cost at `model`'s prices; `None` when unpriced. A cost that cannot be computed
/// (beyond the money range: unreachable with bounded prices and real token counts) is recorded
/// unpriced and counted, never wrapped and never dropped.
pub fn cost(
    metrics: &Metrics,
    model: &ModelConfig,
    usage: Option<&TokenUsage>,
    chat: Uuid,
) -> Option<Micros> {
    match message_cost(model.prices.as_ref(), usage) {
        Ok(cost) => cost,
        Err(e) => {
            metrics.cost_errors.inc();
            tracing::error!(chat_id = %chat, error = %e, "call cost out of range; recorded unpriced");
            None
        }
    }
}

/// Adds a recorded cost to `tollgate_billed_micros_total`.
pub fn count_billed(metrics: &Metrics, cost: Option<Micros>) {
    if let Some(cost) = cost {
        metrics.billed_micros.inc_by(u64::try_from(cost.get()).unwrap_or(0));
    }
}
