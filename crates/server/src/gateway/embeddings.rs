//! `POST /v1/embeddings` (OpenAI's shape): reserved for the input's bound, settled from the
//! tokens the provider billed. A provider without embeddings (Anthropic) answers 400.

use super::answer::{Head, Prepared, prepare};
use super::{GatewayError, Protocol, caller, parse};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tollgate_api_types as api;
use tollgate_llm::{EmbeddingRequest, StopReason, StreamEvent, Usage};

#[utoipa::path(post, path = "/v1/embeddings", tag = "Gateway",
    request_body = api::EmbeddingsRequest,
    responses((status = 200, body = api::EmbeddingsResponse),
        (status = 400, body = api::OpenAiErrorResponse,
            description = "Bad input, or the model's provider offers no embeddings."),
        (status = 401, body = api::OpenAiErrorResponse),
        (status = 402, body = api::OpenAiErrorResponse),
        (status = 403, body = api::OpenAiErrorResponse),
        (status = 404, body = api::OpenAiErrorResponse),
        (status = 429, body = api::OpenAiErrorResponse),
        (status = 502, body = api::OpenAiErrorResponse),
        (status = 504, body = api::OpenAiErrorResponse)))]
pub async fn embeddings(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match embed(&state, &headers, &body).await {
        Ok(response) => response,
        Err(e) => e.into_response(Protocol::OpenAi),
    }
}

async fn embed(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, GatewayError> {
    let caller = caller(state, headers).await?;
    let req: api::EmbeddingsRequest = parse(body)?;
    let input = inputs(&req.input)?;
    if req.encoding_format.as_deref().is_some_and(|f| f != "float") {
        return Err(GatewayError::invalid(
            "Only `encoding_format: float` is supported by the gateway.",
        ));
    }
    let bytes = input.iter().map(String::len).collect();
    let Prepared { model, provider, mut metered, wanted } =
        prepare(state, &caller, headers, &req.model, bytes, Some(0)).await?;
    let call = EmbeddingRequest { model: model.model.clone(), input, dimensions: req.dimensions };
    let answer = match provider.embed(call).await {
        Ok(answer) => answer,
        Err(e) => {
            metered.release().await;
            return Err(GatewayError::from(&e));
        }
    };
    let usage = Usage { input_tokens: answer.input_tokens, ..Usage::default() };
    metered.observe(&StreamEvent::Usage(usage));
    metered.observe(&StreamEvent::Done { stop_reason: StopReason::EndTurn });
    let head = Head::of(&metered, wanted);
    metered.finish().await;
    let data = answer
        .vectors
        .into_iter()
        .enumerate()
        .map(|(index, embedding)| api::EmbeddingObject { object: "embedding", index, embedding })
        .collect();
    let tokens = answer.input_tokens;
    let usage = api::EmbeddingsUsage { prompt_tokens: tokens, total_tokens: tokens };
    let response = api::EmbeddingsResponse { object: "list", data, model: req.model, usage };
    Ok(head.apply(Json(response).into_response()))
}

/// `input` as texts: a string or an array of strings.
fn inputs(input: &Value) -> Result<Vec<String>, GatewayError> {
    let invalid = || {
        GatewayError::invalid(
            "`input` must be a string or an array of strings (token arrays are not supported).",
        )
    };
    match input {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(|i| i.as_str().map(str::to_owned).ok_or_else(invalid)).collect()
        }
        _ => Err(invalid()),
    }
}
