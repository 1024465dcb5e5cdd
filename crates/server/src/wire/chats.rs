//! Chat records → wire types, and user input → message content.

use crate::error::ApiError;
use tollgate_api_types as api;
use tollgate_core::{Price, Prices};
use tollgate_store as store;

pub fn status(s: store::ChatStatus) -> api::ChatStatus {
    match s {
        store::ChatStatus::Waiting => api::ChatStatus::Waiting,
        store::ChatStatus::Pending => api::ChatStatus::Pending,
        store::ChatStatus::Running => api::ChatStatus::Running,
        store::ChatStatus::Error => api::ChatStatus::Error,
    }
}

pub fn chat(c: &store::Chat) -> api::Chat {
    api::Chat {
        id: c.id,
        owner_id: c.owner_id,
        organization_id: c.organization_id,
        workspace_id: c.workspace_id,
        parent_chat_id: c.parent_chat_id,
        root_chat_id: c.root_chat_id,
        last_model_config_id: c.last_model_config_id,
        title: c.title.clone(),
        status: status(c.status),
        last_error: c.last_error.clone(),
        usage_limit_exceeded: c.limit_refusal.map(|r| api::ChatUsageLimitExceededResponse {
            message: c.last_error.clone().unwrap_or_default(),
            spent_micros: r.spent.get(),
            limit_micros: r.limit.get(),
            resets_at: r.resets_at,
            period: r.period.map(super::limits::period),
        }),
        created_at: c.created_at,
        updated_at: c.updated_at,
        archived: c.archived,
        labels: if c.labels.is_object() { c.labels.clone() } else { serde_json::json!({}) },
    }
}

/// Stored content is a JSON list of parts; anything else shows as no parts.
pub fn parts(content: &serde_json::Value) -> Vec<api::ChatMessagePart> {
    serde_json::from_value(content.clone()).unwrap_or_default()
}

/// The text a model reads from stored content: its text parts (not reasoning), one per line.
pub fn text_of(content: &serde_json::Value) -> String {
    parts(content)
        .into_iter()
        .filter(|p| p.kind == "text")
        .map(|p| p.text)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn message(m: &store::ChatMessage, context_limit: i64) -> api::ChatMessage {
    api::ChatMessage {
        id: m.id,
        chat_id: m.chat_id,
        created_by: m.created_by,
        model_config_id: m.model_config_id,
        created_at: m.created_at,
        role: m.role.as_str().to_owned(),
        content: parts(&m.content),
        usage: m.usage.map(|u| usage(&u, context_limit)),
        total_cost_micros: m.total_cost.map(|c| c.get()),
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn usage(u: &tollgate_core::TokenUsage, context_limit: i64) -> api::ChatMessageUsage {
    let total =
        u.input.saturating_add(u.output).saturating_add(u.cache_read).saturating_add(u.cache_write);
    api::ChatMessageUsage {
        input_tokens: clamp(u.input),
        output_tokens: clamp(u.output),
        total_tokens: clamp(total),
        reasoning_tokens: clamp(u.reasoning),
        cache_creation_tokens: clamp(u.cache_write),
        cache_read_tokens: clamp(u.cache_read),
        context_limit,
    }
}

pub fn queued(q: &store::QueuedMessage) -> api::ChatQueuedMessage {
    api::ChatQueuedMessage {
        id: q.id,
        chat_id: q.chat_id,
        content: parts(&q.content),
        created_at: q.created_at,
    }
}

/// The text of a user's input: text parts only, trimmed, non-empty.
pub fn input_text(content: &[api::ChatInputPart]) -> Result<String, ApiError> {
    let mut texts = Vec::with_capacity(content.len());
    for part in content {
        if part.kind != "text" {
            return Err(ApiError::bad_request("Invalid input part.").with_detail(format!(
                "Unsupported part type {:?}: only \"text\" parts are accepted.",
                part.kind
            )));
        }
        let text = part.text.as_deref().map(str::trim).unwrap_or_default();
        if !text.is_empty() {
            texts.push(text.to_owned());
        }
    }
    if texts.is_empty() {
        return Err(ApiError::bad_request("Content is required."));
    }
    let text = texts.join("\n\n");
    if text.chars().count() > 100_000 {
        return Err(
            ApiError::bad_request("Content is too long.").with_detail("At most 100000 characters.")
        );
    }
    Ok(text)
}

/// One text part, as stored.
pub fn text_content(text: &str) -> serde_json::Value {
    serde_json::json!([{"type": "text", "text": text}])
}

pub fn provider(p: &store::Provider) -> api::ChatProviderConfig {
    api::ChatProviderConfig {
        id: p.id,
        provider: p.provider.clone(),
        display_name: p.display_name.clone(),
        enabled: p.enabled,
        has_api_key: p.api_key_ciphertext.is_some(),
        base_url: p.base_url.clone(),
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

pub fn model_config(m: &store::ModelConfig) -> api::ChatModelConfig {
    let price = |p: Option<Price>| p.map(|p| api::ExactDecimal(p.to_string()));
    let cost = m.prices.map(|p| api::ChatModelCost {
        input_price_per_million_tokens: price(p.input),
        output_price_per_million_tokens: price(p.output),
        cache_read_price_per_million_tokens: price(p.cache_read),
        cache_write_price_per_million_tokens: price(p.cache_write),
    });
    api::ChatModelConfig {
        id: m.id,
        provider: m.provider.clone(),
        model: m.model.clone(),
        display_name: m.display_name.clone(),
        enabled: m.enabled,
        is_default: m.is_default,
        context_limit: m.context_limit,
        model_config: Some(api::ChatModelCallConfig {
            max_output_tokens: m.max_output_tokens,
            temperature: m.temperature,
            cost,
            ..api::ChatModelCallConfig::default()
        }),
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Prices from a request: the `cost` object, else the legacy top-level keys. Each is a
/// decimal number or string, never negative. `None` when no price is given.
pub fn prices(config: &api::ChatModelCallConfig) -> Result<Option<Prices>, ApiError> {
    let legacy = api::ChatModelCost {
        input_price_per_million_tokens: config.input_price_per_million_tokens.clone(),
        output_price_per_million_tokens: config.output_price_per_million_tokens.clone(),
        cache_read_price_per_million_tokens: config.cache_read_price_per_million_tokens.clone(),
        cache_write_price_per_million_tokens: config.cache_write_price_per_million_tokens.clone(),
    };
    let cost = config.cost.as_ref().unwrap_or(&legacy);
    let prices = Prices {
        input: price(
            "input_price_per_million_tokens",
            cost.input_price_per_million_tokens.as_ref(),
        )?,
        output: price(
            "output_price_per_million_tokens",
            cost.output_price_per_million_tokens.as_ref(),
        )?,
        cache_read: price(
            "cache_read_price_per_million_tokens",
            cost.cache_read_price_per_million_tokens.as_ref(),
        )?,
        cache_write: price(
            "cache_write_price_per_million_tokens",
            cost.cache_write_price_per_million_tokens.as_ref(),
        )?,
    };
    Ok((!prices.is_empty()).then_some(prices))
}

fn price(field: &str, value: Option<&api::ExactDecimal>) -> Result<Option<Price>, ApiError> {
    let text = match value {
        None => return Ok(None),
        Some(d) if d.0.trim().is_empty() => return Ok(None),
        Some(d) => &d.0,
    };
    text.parse::<Price>().map(Some).map_err(|e| {
        let message = if matches!(e, tollgate_core::PriceError::Negative) {
            "Prices must not be negative."
        } else {
            "Invalid price."
        };
        ApiError::bad_request(message).with_detail(format!("{field}: {e}"))
    })
}
