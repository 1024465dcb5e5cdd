//! Prometheus metrics at `GET /metrics`. One registry per server, so tests can run many servers
//! in one process without sharing counters.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

pub struct Metrics {
    registry: Registry,
    /// Limit lookups that failed (database error, missing user) at an admission point.
    pub limit_check_failures: Counter,
    /// Admission decisions: `allowed`, `blocked`, `failed_open`, `failed_closed`.
    pub admissions: Family<OutcomeLabel, Counter>,
    /// Finished chat runs: `succeeded`, `failed`, `interrupted`.
    pub runs: Family<OutcomeLabel, Counter>,
    /// Micro-dollars billed by chat runs and title generation.
    pub billed_micros: Counter,
    /// LLM calls whose cost could not be computed and were recorded unpriced.
    pub cost_errors: Counter,
    /// Requests answered 503 because the database could not be reached.
    pub database_unavailable: Counter,
    /// Webhook delivery attempts: `delivered`, `failed` (retried later), `abandoned`.
    pub webhook_deliveries: Family<OutcomeLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tollgate");
        let limit_check_failures = Counter::default();
        registry.register(
            "usage_limit_check_failures",
            "Spend-limit lookups that failed at an admission point",
            limit_check_failures.clone(),
        );
        let admissions = Family::<OutcomeLabel, Counter>::default();
        registry.register("chat_admissions", "Spend-limit admission decisions", admissions.clone());
        let runs = Family::<OutcomeLabel, Counter>::default();
        registry.register("chat_runs", "Chat runs by outcome", runs.clone());
        let billed_micros = Counter::default();
        registry.register(
            "billed_micros",
            "Micro-dollars billed by LLM calls",
            billed_micros.clone(),
        );
        let cost_errors = Counter::default();
        registry.register(
            "cost_errors",
            "LLM calls whose cost could not be computed, recorded unpriced",
            cost_errors.clone(),
        );
        let database_unavailable = Counter::default();
        registry.register(
            "database_unavailable_answers",
            "Requests answered 503 because the database could not be reached",
            database_unavailable.clone(),
        );
        let webhook_deliveries = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Limit-event webhook delivery attempts by outcome",
            webhook_deliveries.clone(),
        );
        Metrics {
            registry,
            webhook_deliveries,
            limit_check_failures,
            admissions,
            runs,
            billed_micros,
            cost_errors,
            database_unavailable,
        }
    }
}

impl Metrics {
    pub fn admission(&self, outcome: &str) {
        self.admissions.get_or_create(&OutcomeLabel { outcome: outcome.to_owned() }).inc();
    }

    pub fn webhook_delivery(&self, outcome: &str) {
        self.webhook_deliveries.get_or_create(&OutcomeLabel { outcome: outcome.to_owned() }).inc();
    }

    pub fn run(&self, outcome: &str) {
        self.runs.get_or_create(&OutcomeLabel { outcome: outcome.to_owned() }).inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        match prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            Ok(()) => out,
            Err(e) => format!("# encoding failed: {e}\n"),
        }
    }
}

/// `GET /metrics` in the Prometheus text format.
pub async fn serve_metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics.render(),
    )
}
