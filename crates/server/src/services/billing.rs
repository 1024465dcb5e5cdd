//! What an LLM call cost, for every caller that records one (chat runs, titles, the gateway).

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

/// The call's cost at `model`'s prices; `None` when unpriced. `call` (a chat, a gateway
/// request's reservation) names it in the log. A cost that cannot be computed
/// (beyond the money range: unreachable with bounded prices and real token counts) is recorded
/// unpriced and counted, never wrapped and never dropped.
pub fn cost(
    metrics: &Metrics,
    model: &ModelConfig,
    usage: Option<&TokenUsage>,
    call: Uuid,
) -> Option<Micros> {
    match message_cost(model.prices.as_ref(), usage) {
        Ok(cost) => cost,
        Err(e) => {
            metrics.cost_errors.inc();
            tracing::error!(call_id = %call, error = %e, "call cost out of range; recorded unpriced");
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

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::{Price, Prices};

    fn model(prices: Option<Prices>) -> ModelConfig {
        ModelConfig {
            id: Uuid::new_v4(),
            provider: "simulated".into(),
            model: "m".into(),
            display_name: String::new(),
            enabled: true,
            is_default: false,
            context_limit: 1000,
            max_output_tokens: None,
            temperature: None,
            prices,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    /// An upstream reporting absurd usage cannot make a cost wrap: the call is recorded unpriced
    /// and counted.
    #[test]
    fn a_cost_beyond_range_is_unpriced_and_counted() {
        let metrics = Metrics::default();
        let top = "1000000".parse::<Price>().ok();
        let priced = model(Some(Prices { input: top, output: top, ..Prices::default() }));
        let huge = TokenUsage { input: u64::MAX, output: u64::MAX, ..TokenUsage::default() };
        assert_eq!(cost(&metrics, &priced, Some(&huge), Uuid::nil()), None);
        assert!(metrics.render().contains("tollgate_cost_errors_total 1"), "{}", metrics.render());
        let small = TokenUsage { input: 10, ..TokenUsage::default() };
        assert_eq!(
            cost(&metrics, &priced, Some(&small), Uuid::nil()),
            Some(Micros::new(10_000_000))
        );
        assert!(metrics.render().contains("tollgate_cost_errors_total 1"));
    }
}
