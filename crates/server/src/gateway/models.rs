//! `GET /v1/models` and the model a request names: a model config's `model` name, or
//! `provider/model` (always accepted). A bare name two enabled configs share is ambiguous (400,
//! naming the `provider/model` forms); a disabled or unknown one is not found (404).

use super::{GatewayError, Protocol, caller};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use tollgate_api_types as api;
use tollgate_store::ModelConfig;

/// The enabled model configs, with the name each is listed under.
async fn enabled(state: &AppState) -> Result<Vec<(String, ModelConfig)>, GatewayError> {
    let all = state.config.enabled_models(&state.store).await?;
    let shared = |m: &ModelConfig| all.iter().filter(|o| o.model == m.model).count() > 1;
    Ok(all
        .iter()
        .map(|m| {
            let name =
                if shared(m) { format!("{}/{}", m.provider, m.model) } else { m.model.clone() };
            (name, m.clone())
        })
        .collect())
}

/// The enabled config `name` names.
pub async fn find_model(state: &AppState, name: &str) -> Result<ModelConfig, GatewayError> {
    let all = state.config.enabled_models(&state.store).await?;
    let qualified = |m: &&ModelConfig| {
        name.split_once('/').is_some_and(|(p, model)| p == m.provider && model == m.model)
    };
    if let Some(m) = all.iter().find(qualified) {
        return Ok(m.clone());
    }
    let bare: Vec<&ModelConfig> = all.iter().filter(|m| m.model == name).collect();
    match bare.as_slice() {
        [] => Err(GatewayError::model_not_found(name)),
        [one] => Ok((*one).clone()),
        several => {
            let forms: Vec<String> =
                several.iter().map(|m| format!("{}/{}", m.provider, m.model)).collect();
            Err(GatewayError::invalid(format!(
                "The model {name:?} is ambiguous: name one of {}.",
                forms.join(", ")
            )))
        }
    }
}

fn object(name: String, m: &ModelConfig) -> api::ModelObject {
    api::ModelObject {
        id: name,
        object: "model",
        created: m.created_at.timestamp(),
        owned_by: m.provider.clone(),
        kind: "model",
        display_name: if m.display_name.is_empty() {
            m.model.clone()
        } else {
            m.display_name.clone()
        },
        created_at: m.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// A client that sends `x-api-key` speaks Anthropic (its SDK lists models too).
fn protocol_of(headers: &HeaderMap) -> Protocol {
    if headers.contains_key("x-api-key") || headers.contains_key("anthropic-version") {
        Protocol::Anthropic
    } else {
        Protocol::OpenAi
    }
}

#[utoipa::path(get, path = "/v1/models", tag = "Gateway",
    responses((status = 200, body = api::ModelList),
        (status = 401, body = api::OpenAiErrorResponse)))]
pub async fn list_models(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let protocol = protocol_of(&headers);
    let listed = async {
        caller(&state, &headers).await?;
        let data = enabled(&state).await?.into_iter().map(|(name, m)| object(name, &m)).collect();
        Ok::<_, GatewayError>(api::ModelList { object: "list", data })
    };
    match listed.await {
        Ok(list) => Json(list).into_response(),
        Err(e) => e.into_response(protocol),
    }
}

#[utoipa::path(get, path = "/v1/models/{model}", tag = "Gateway",
    params(("model" = String, Path)),
    responses((status = 200, body = api::ModelObject),
        (status = 401, body = api::OpenAiErrorResponse),
        (status = 404, body = api::OpenAiErrorResponse)))]
pub async fn get_model(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(model): Path<String>,
) -> Response {
    let protocol = protocol_of(&headers);
    let found = async {
        caller(&state, &headers).await?;
        let m = find_model(&state, &model).await?;
        Ok::<_, GatewayError>(object(model.clone(), &m))
    };
    match found.await {
        Ok(m) => Json(m).into_response(),
        Err(e) => e.into_response(protocol),
    }
}
