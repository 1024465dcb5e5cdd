//! Chats, messages, the queue, providers and model configs: rows → records and the values
//! written for them; cost totals added up with checked arithmetic.

use crate::common::{parse, price_text};
use crate::db::Row;
use crate::{
    Chat, ChatMessage, CostSummary, CostTotals, ModelConfig, NewChatMessage, Provider,
    QueuedMessage, Refusal, Rule, StoreError, StoreResult, UserCost,
};
use tollgate_core::{
    Micros, Period, Price, Prices, TokenUsage, stored_amount, stored_tokens, total_from_parts,
};
use uuid::Uuid;

/// `kind` of a visible message row.
pub(crate) const KIND_MESSAGE: &str = "message";
/// `kind` of a title-generation call: hidden, but its cost is spend.
pub(crate) const KIND_TITLE: &str = "title";

/// Labels as stored: a JSON object.
pub(crate) fn stored_labels(labels: &serde_json::Value) -> StoreResult<serde_json::Value> {
    match labels {
        serde_json::Value::Object(_) => Ok(labels.clone()),
        serde_json::Value::Null => Ok(serde_json::json!({})),
        _ => Err(Rule::LabelsNotObject.into()),
    }
}

fn parse_price(s: Option<&str>) -> StoreResult<Option<Price>> {
    s.map(|s| parse::<Price>("price", s)).transpose()
}

/// The four price columns (input, output, cache read, cache write); `None` when all are NULL.
pub(crate) fn prices_from_columns(cols: [Option<&str>; 4]) -> StoreResult<Option<Prices>> {
    let [input, output, cache_read, cache_write] = cols.map(parse_price);
    let prices = Prices {
        input: input?,
        output: output?,
        cache_read: cache_read?,
        cache_write: cache_write?,
    };
    Ok((!prices.is_empty()).then_some(prices))
}

/// The price columns to write, in column order.
pub(crate) fn price_columns(prices: Option<Prices>) -> [Option<String>; 4] {
    let p = prices.unwrap_or_default();
    [p.input, p.output, p.cache_read, p.cache_write].map(price_text)
}

/// The usage columns (input, output, reasoning, cache read, cache creation); `None` when all are
/// NULL, a NULL inside a present usage reads as 0.
pub(crate) fn usage_from_columns(cols: [Option<i64>; 5]) -> StoreResult<Option<TokenUsage>> {
    if cols.iter().all(Option::is_none) {
        return Ok(None);
    }
    let [input, output, reasoning, cache_read, cache_write] = cols.map(|n| {
        u64::try_from(n.unwrap_or(0))
            .map_err(|_| StoreError::Database("stored token count is negative".to_owned()))
    });
    Ok(Some(TokenUsage {
        input: input?,
        output: output?,
        reasoning: reasoning?,
        cache_read: cache_read?,
        cache_write: cache_write?,
    }))
}

/// A message's values as written: usage columns (all NULL without usage) and the cost.
pub(crate) struct MessageValues {
    pub usage: [Option<i64>; 5],
    pub cost: Option<i64>,
}

impl MessageValues {
    pub fn of(msg: &NewChatMessage) -> StoreResult<Self> {
        let cost = msg.total_cost.map(stored_amount).transpose()?;
        let mut usage = [None; 5];
        if let Some(u) = msg.usage {
            let counts = [u.input, u.output, u.reasoning, u.cache_read, u.cache_write];
            for (slot, n) in usage.iter_mut().zip(counts) {
                *slot = Some(stored_tokens(n)?);
            }
        }
        Ok(MessageValues { usage, cost })
    }
}

/// A run's message or a title call must belong to the chat it is recorded for.
pub(crate) fn same_chat(chat: Uuid, msg: &NewChatMessage) -> StoreResult<()> {
    if msg.chat_id == chat { Ok(()) } else { Err(Rule::MessageOfAnotherChat.into()) }
}

fn add(a: i64, b: i64) -> StoreResult<i64> {
    a.checked_add(b).ok_or(StoreError::Overflow)
}

/// `a + b`, field by field, checked.
pub(crate) fn add_totals(a: &CostTotals, b: &CostTotals) -> StoreResult<CostTotals> {
    Ok(CostTotals {
        total_cost: a.total_cost.checked_add(b.total_cost)?,
        priced_message_count: add(a.priced_message_count, b.priced_message_count)?,
        unpriced_message_count: add(a.unpriced_message_count, b.unpriced_message_count)?,
        input_tokens: add(a.input_tokens, b.input_tokens)?,
        output_tokens: add(a.output_tokens, b.output_tokens)?,
        cache_read_tokens: add(a.cache_read_tokens, b.cache_read_tokens)?,
        cache_creation_tokens: add(a.cache_creation_tokens, b.cache_creation_tokens)?,
    })
}

/// Most expensive first, then by key.
pub(crate) fn sort_by_cost<K: Ord, L>(rows: &mut [(K, L, CostTotals)]) {
    rows.sort_by(|a, b| b.2.total_cost.cmp(&a.2.total_cost).then_with(|| a.0.cmp(&b.0)));
}

/// The grand total of groups that partition the rows.
pub(crate) fn grand_total<K, L>(rows: &[(K, L, CostTotals)]) -> StoreResult<CostTotals> {
    rows.iter().try_fold(CostTotals::default(), |acc, row| add_totals(&acc, &row.2))
}

/// `Invalid` for a non-positive page size where one is required.
pub(crate) fn page_size(limit: i64) -> StoreResult<i64> {
    if limit > 0 { Ok(limit) } else { Err(Rule::PageSizeNotPositive.into()) }
}

// --- rows → records ---------------------------------------------------------------------------

pub(crate) fn chat_from_row(row: &Row) -> StoreResult<Chat> {
    Ok(Chat {
        id: row.uuid("id")?,
        owner_id: row.uuid("owner_id")?,
        organization_id: row.uuid("organization_id")?,
        workspace_id: row.opt_uuid("workspace_id")?,
        parent_chat_id: row.opt_uuid("parent_chat_id")?,
        root_chat_id: row.opt_uuid("root_chat_id")?,
        last_model_config_id: row.opt_uuid("last_model_config_id")?,
        title: row.text("title")?,
        status: parse("chat status", &row.text("status")?)?,
        last_error: row.opt_text("last_error")?,
        worker_id: row.opt_text("worker_id")?,
        heartbeat_at: row.opt_time("heartbeat_at")?,
        generation: row.bigint("generation")?,
        limit_refusal: row.opt_json("last_error_detail")?.map(refusal_from_json).transpose()?,
        archived: row.flag("archived")?,
        labels: row.json("labels")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub(crate) fn message_from_row(row: &Row) -> StoreResult<ChatMessage> {
    let usage = usage_from_columns([
        row.opt_bigint("input_tokens")?,
        row.opt_bigint("output_tokens")?,
        row.opt_bigint("reasoning_tokens")?,
        row.opt_bigint("cache_read_tokens")?,
        row.opt_bigint("cache_creation_tokens")?,
    ])?;
    Ok(ChatMessage {
        id: row.bigint("id")?,
        chat_id: row.uuid("chat_id")?,
        created_by: row.opt_uuid("created_by")?,
        model_config_id: row.opt_uuid("model_config_id")?,
        role: parse("message role", &row.text("role")?)?,
        content: row.json("content")?,
        usage,
        total_cost: row.opt_bigint("total_cost_micros")?.map(tollgate_core::Micros::new),
        created_at: row.time("created_at")?,
    })
}

pub(crate) fn queued_from_row(row: &Row) -> StoreResult<QueuedMessage> {
    Ok(QueuedMessage {
        id: row.bigint("id")?,
        chat_id: row.uuid("chat_id")?,
        content: row.json("content")?,
        created_by: row.opt_uuid("created_by")?,
        model_config_id: row.opt_uuid("model_config_id")?,
        created_at: row.time("created_at")?,
    })
}

pub(crate) fn provider_from_row(row: &Row) -> StoreResult<Provider> {
    Ok(Provider {
        id: row.uuid("id")?,
        provider: row.text("provider")?,
        display_name: row.text("display_name")?,
        enabled: row.flag("enabled")?,
        api_key_ciphertext: row.opt_bytes("api_key_ciphertext")?,
        base_url: row.opt_text("base_url")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub(crate) fn model_from_row(row: &Row) -> StoreResult<ModelConfig> {
    let prices = [
        row.opt_text("input_price")?,
        row.opt_text("output_price")?,
        row.opt_text("cache_read_price")?,
        row.opt_text("cache_write_price")?,
    ];
    Ok(ModelConfig {
        id: row.uuid("id")?,
        provider: row.text("provider")?,
        model: row.text("model")?,
        display_name: row.text("display_name")?,
        enabled: row.flag("enabled")?,
        is_default: row.flag("is_default")?,
        context_limit: row.bigint("context_limit")?,
        max_output_tokens: row.opt_bigint("max_output_tokens")?,
        temperature: row.opt_float("temperature")?,
        prices: prices_from_columns(prices.each_ref().map(Option::as_deref))?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn totals_from_row(row: &Row) -> StoreResult<CostTotals> {
    Ok(CostTotals {
        total_cost: total_from_parts(row.bigint("dollars")?, row.bigint("micros")?)?,
        priced_message_count: row.bigint("priced")?,
        unpriced_message_count: row.bigint("unpriced")?,
        input_tokens: row.bigint("input_tokens")?,
        output_tokens: row.bigint("output_tokens")?,
        cache_read_tokens: row.bigint("cache_read_tokens")?,
        cache_creation_tokens: row.bigint("cache_creation_tokens")?,
    })
}

/// The summary of the per-model rows (`key` a model config id or NULL) and the per-chat rows
/// (`key` a chat id) and the per-source rows (`label` a source), each with its totals: groups
/// most expensive first, the grand total summed over the sources (every row has one).
pub(crate) fn cost_summary_from_rows(
    models: &[Row],
    chats: &[Row],
    sources: &[Row],
) -> StoreResult<CostSummary> {
    let mut by_model = models
        .iter()
        .map(|row| Ok((row.opt_uuid("key")?, row.text("label")?, totals_from_row(row)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    let mut by_chat = chats
        .iter()
        .map(|row| Ok((row.uuid("key")?, row.text("label")?, totals_from_row(row)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    let mut by_source = sources
        .iter()
        .map(|row| Ok((row.text("label")?, (), totals_from_row(row)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    sort_by_cost(&mut by_model);
    sort_by_cost(&mut by_chat);
    sort_by_cost(&mut by_source);
    let totals = grand_total(&by_source)?;
    let by_source = by_source
        .into_iter()
        .map(|(source, (), t)| Ok((source.parse().map_err(StoreError::Database)?, t)))
        .collect::<StoreResult<_>>()?;
    Ok(CostSummary { totals, by_model, by_chat, by_source })
}

pub(crate) fn user_cost_from_row(row: &Row) -> StoreResult<UserCost> {
    Ok(UserCost {
        user_id: row.uuid("user_id")?,
        username: row.text("username")?,
        name: row.text("name")?,
        avatar_url: row.text("avatar_url")?,
        totals: totals_from_row(row)?,
    })
}

/// A refusal as kept in `last_error_detail`.
pub(crate) fn refusal_json(r: &Refusal) -> serde_json::Value {
    serde_json::json!({
        "period": r.period.map(Period::as_str),
        "spent_micros": r.spent.get(),
        "limit_micros": r.limit.get(),
        "resets_at": r.resets_at.timestamp_micros(),
    })
}

fn refusal_from_json(v: serde_json::Value) -> StoreResult<Refusal> {
    let int = |key: &str| v.get(key).and_then(serde_json::Value::as_i64);
    let (Some(spent), Some(limit), Some(resets)) =
        (int("spent_micros"), int("limit_micros"), int("resets_at"))
    else {
        return Err(StoreError::Database("stored limit refusal is not valid".to_owned()));
    };
    let period = v.get("period").and_then(serde_json::Value::as_str).and_then(|p| p.parse().ok());
    Ok(Refusal {
        period,
        spent: Micros::new(spent),
        limit: Micros::new(limit),
        resets_at: crate::common::from_micros(resets)?,
    })
}
