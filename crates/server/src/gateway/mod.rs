//! The metered gateway (gateway.md): OpenAI- and Anthropic-compatible routes under `/v1`, for
//! any client holding a tollgate API key. Every request is authenticated, read, routed to a model
//! config, reserved for (`services::metered`), forwarded to the model's provider with its stored
//! key through the `llm` crate (which speaks either protocol, so a client of one reaches a
//! provider of the other), streamed back chunk by chunk, and settled.
//!
//! Checks run in the order of gateway.md §2: auth (401), body (400), model (404), limit (402).

mod answer;
mod anthropic;
mod embeddings;
mod errors;
mod models;
mod openai;
mod tools;

pub use errors::GatewayError;

use crate::auth::{Caller, authenticate};
use crate::state::AppState;
use axum::http::HeaderMap;
use tollgate_llm::{Message, Tools};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The protocol a client speaks, which fixes the shape of every answer it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    OpenAi,
    Anthropic,
}

/// The header naming the organization a request is billed to (id or name).
pub const ORGANIZATION_HEADER: &str = "x-tollgate-organization";
/// Sent when the budget lowered the request's `max_tokens`.
pub const MAX_TOKENS_LOWERED: &str = "x-tollgate-max-tokens-lowered";

/// A client's request in provider-neutral terms.
#[derive(Debug, Clone)]
pub struct Ask {
    /// The model as the client named it.
    pub model: String,
    pub messages: Vec<Message>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub stream: bool,
    pub tools: Tools,
    pub stop: Vec<String>,
}

/// The key a client presented: `Authorization: Bearer` (OpenAI SDKs), `x-api-key` (Anthropic
/// SDKs) or `Coder-Session-Token`.
fn presented_key(headers: &HeaderMap) -> Option<String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(key) = header("x-api-key").filter(|k| !k.is_empty()) {
        return Some(key.to_owned());
    }
    if let Some(key) = header(tollgate_api_types::SESSION_TOKEN_HEADER).filter(|k| !k.is_empty()) {
        return Some(key.to_owned());
    }
    let (scheme, key) = header("authorization")?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim().to_owned())
}

/// The signed-in key holder, or a 401 in the client's shape. The cause (unknown, expired,
/// suspended) is not told: the client only needs to know its key does not work here.
pub async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, GatewayError> {
    let key = presented_key(headers).ok_or_else(GatewayError::unauthorized)?;
    authenticate(state, &key).await.map_err(|e| {
        if e.status == axum::http::StatusCode::SERVICE_UNAVAILABLE {
            GatewayError::unavailable()
        } else {
            GatewayError::unauthorized()
        }
    })
}

/// The organization billed: the one `X-Tollgate-Organization` names (id or name), else the
/// default one; the key's owner must be a member.
async fn organization(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
) -> Result<Uuid, GatewayError> {
    let named = headers.get(ORGANIZATION_HEADER).map(|v| v.to_str().unwrap_or_default().trim());
    let org = match named {
        None => state.config.default_organization(&state.store).await?,
        Some(raw) => match Uuid::parse_str(raw) {
            Ok(id) => state.store.get_organization(id).await?,
            Err(_) => state.store.get_organization_by_name(raw).await?,
        },
    };
    let not_member = || {
        GatewayError::new(
            axum::http::StatusCode::FORBIDDEN,
            errors::Kind::Permission,
            "The key's owner is not a member of that organization.",
        )
    };
    let org = org.ok_or_else(not_member)?;
    if caller.user.organization_ids.contains(&org.id) { Ok(org.id) } else { Err(not_member()) }
}

/// Input bytes per message (its text, tool calls and results), and the tools' definitions as
/// one more, for the reservation's input bound.
fn input_bytes(ask: &Ask) -> Vec<usize> {
    let mut bytes: Vec<usize> = ask.messages.iter().map(Message::prompt_bytes).collect();
    if !ask.tools.tools.is_empty() {
        bytes.push(ask.tools.prompt_bytes());
    }
    bytes
}

/// The gateway's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(models::list_models))
        .routes(routes!(models::get_model))
        .routes(routes!(openai::chat_completions))
        .routes(routes!(embeddings::embeddings))
        .routes(routes!(anthropic::messages))
        .routes(routes!(anthropic::count_tokens))
}

/// A message's text: a string, or an array of text parts (both protocols name them
/// `{"type": "text", "text": …}`). Images and audio have no equivalent the gateway translates
/// yet: a 400 says so rather than dropping them.
fn text_content(content: &serde_json::Value) -> Result<String, GatewayError> {
    use serde_json::Value;
    match content {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Array(parts) => {
            let mut text = Vec::with_capacity(parts.len());
            for part in parts {
                match (part.get("type").and_then(Value::as_str), part.get("text")) {
                    (Some("text"), Some(Value::String(t))) => text.push(t.as_str()),
                    (kind, _) => {
                        return Err(GatewayError::invalid(format!(
                            "Content of type {:?} is not supported by the gateway: only text is \
                             translated.",
                            kind.unwrap_or("unknown")
                        )));
                    }
                }
            }
            Ok(text.join("\n"))
        }
        _ => {
            Err(GatewayError::invalid("A message's content must be a string or an array of parts."))
        }
    }
}

/// Refuses a feature the gateway does not translate (gateway.md §1: a 400 rather than a silent
/// change of meaning).
fn unsupported(present: bool, feature: &str) -> Result<(), GatewayError> {
    if present {
        return Err(GatewayError::invalid(format!(
            "{feature} is not supported by the gateway yet: it has no translation between providers."
        )));
    }
    Ok(())
}

/// Reads a JSON body, or a 400 in the client's shape.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, GatewayError> {
    serde_json::from_slice(body)
        .map_err(|e| GatewayError::invalid(format!("The request body is not valid: {e}.")))
}
