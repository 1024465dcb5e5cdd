//! Provider and model-config administration, and the model catalogue users pick from.

use crate::auth::Caller;
use crate::authz::{Action, Object, allowed, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query, parse_uuid};
use crate::paging::{PageParams, PageRule};
use crate::services::providers::SIMULATED;
use crate::state::AppState;
use crate::validate;
use crate::wire::chats as chat_wire;
use axum::extract::State;
use axum::http::StatusCode;
use tollgate_api_types as api;
use tollgate_llm::ProviderKind;
use tollgate_store::{ModelConfigPatch, NewModelConfig, Page, Provider, ProviderPatch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

fn admin(caller: &Caller) -> ApiResult<()> {
    authorize(&caller.subject, Action::Update, Object::DeploymentConfig)
}

/// The id in the path of an admin-only route.
fn admin_id(caller: &Caller, raw: &str) -> ApiResult<Uuid> {
    admin(caller)?;
    parse_uuid(raw)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn base_url(raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(url) = non_empty(raw) else { return Ok(None) };
    validate::http_url("base_url", &url)?;
    Ok(Some(url))
}

#[utoipa::path(get, path = "/api/experimental/chats/providers", tag = "Chat models",
    params(PageParams), responses((status = 200, body = Vec<api::ChatProviderConfig>)))]
pub async fn list_providers(
    State(state): State<AppState>,
    caller: Caller,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<Vec<api::ChatProviderConfig>>> {
    authorize(&caller.subject, Action::Read, Object::DeploymentConfig)?;
    let providers = state.store.list_providers(paging.page(PageRule::WHOLE)?).await?;
    Ok(Json(providers.iter().map(chat_wire::provider).collect()))
}

#[utoipa::path(post, path = "/api/experimental/chats/providers", tag = "Chat models",
    request_body = api::CreateChatProviderConfigRequest,
    responses((status = 201, body = api::ChatProviderConfig), (status = 400, body = api::Response), (status = 409, body = api::Response)))]
pub async fn create_provider(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<api::CreateChatProviderConfigRequest>,
) -> ApiResult<(StatusCode, Json<api::ChatProviderConfig>)> {
    admin(&caller)?;
    let kind: ProviderKind = req.provider.parse().map_err(|_| {
        ApiError::bad_request("Invalid provider.")
            .with_detail("Use one of: openai, openai-compat, openrouter, anthropic, simulated.")
    })?;
    let display_name = req.display_name.unwrap_or_else(|| kind.as_str().to_owned());
    validate::text("display_name", &display_name, 128)?;
    let now = state.clock.now();
    let provider = Provider {
        id: Uuid::new_v4(),
        provider: kind.as_str().to_owned(),
        display_name,
        enabled: req.enabled.unwrap_or(true),
        api_key_ciphertext: non_empty(req.api_key).map(|k| state.settings.secret_box.seal(&k)),
        base_url: base_url(req.base_url)?,
        created_at: now,
        updated_at: now,
    };
    let created = state.store.create_provider(provider).await?;
    state.config.invalidate();
    Ok((StatusCode::CREATED, Json(chat_wire::provider(&created))))
}

#[utoipa::path(patch, path = "/api/experimental/chats/providers/{provider}", tag = "Chat models",
    params(("provider" = Uuid, Path)), request_body = api::UpdateChatProviderConfigRequest,
    responses((status = 200, body = api::ChatProviderConfig), (status = 404, body = api::Response)))]
pub async fn update_provider(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::UpdateChatProviderConfigRequest>,
) -> ApiResult<Json<api::ChatProviderConfig>> {
    let id = admin_id(&caller, &raw)?;
    if let Some(name) = &req.display_name {
        validate::text("display_name", name, 128)?;
    }
    let patch = ProviderPatch {
        display_name: req.display_name,
        enabled: req.enabled,
        api_key_ciphertext: req
            .api_key
            .map(|k| non_empty(Some(k)).map(|k| state.settings.secret_box.seal(&k))),
        base_url: match req.base_url {
            Some(raw) => Some(base_url(Some(raw))?),
            None => None,
        },
    };
    let updated = state.store.update_provider(id, patch, state.clock.now()).await?;
    state.config.invalidate();
    Ok(Json(chat_wire::provider(&updated)))
}

#[utoipa::path(delete, path = "/api/experimental/chats/providers/{provider}", tag = "Chat models",
    params(("provider" = Uuid, Path)), responses((status = 204), (status = 404, body = api::Response)))]
pub async fn delete_provider(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.delete_provider(admin_id(&caller, &raw)?).await?;
    state.config.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// Owners see every config; everyone else the enabled ones.
#[utoipa::path(get, path = "/api/experimental/chats/model-configs", tag = "Chat models",
    params(PageParams), responses((status = 200, body = Vec<api::ChatModelConfig>)))]
pub async fn list_model_configs(
    State(state): State<AppState>,
    caller: Caller,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<Vec<api::ChatModelConfig>>> {
    let page = paging.page(PageRule::WHOLE)?;
    let all = allowed(&caller.subject, Action::Update, Object::DeploymentConfig);
    let configs = state.store.list_model_configs(!all, page).await?;
    Ok(Json(configs.iter().map(chat_wire::model_config).collect()))
}

#[utoipa::path(post, path = "/api/experimental/chats/model-configs", tag = "Chat models",
    request_body = api::CreateChatModelConfigRequest,
    responses((status = 201, body = api::ChatModelConfig), (status = 400, body = api::Response)))]
pub async fn create_model_config(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<api::CreateChatModelConfigRequest>,
) -> ApiResult<(StatusCode, Json<api::ChatModelConfig>)> {
    admin(&caller)?;
    let kind: ProviderKind =
        req.provider.parse().map_err(|_| ApiError::bad_request("Invalid provider."))?;
    let model = req.model.trim().to_owned();
    if model.is_empty() {
        return Err(ApiError::validation("model", "A model name is required."));
    }
    validate::text("model", &model, 256)?;
    let context_limit = match req.context_limit {
        Some(n) if n > 0 => n,
        _ => {
            return Err(ApiError::bad_request("Context limit is required.")
                .with_detail("context_limit must be a positive number of tokens."));
        }
    };
    let call = req.model_config.unwrap_or_default();
    let display_name = req.display_name.unwrap_or_else(|| model.clone());
    validate::text("display_name", &display_name, 128)?;
    let config = NewModelConfig {
        id: Uuid::new_v4(),
        provider: kind.as_str().to_owned(),
        model,
        display_name,
        enabled: req.enabled.unwrap_or(true),
        context_limit,
        prices: chat_wire::prices(&call)?,
        created_at: state.clock.now(),
    };
    let mut created =
        state.store.insert_model_config(config, req.is_default.unwrap_or(false)).await?;
    if call.max_output_tokens.is_some() || call.temperature.is_some() {
        let patch = ModelConfigPatch {
            max_output_tokens: Some(valid_max_tokens(call.max_output_tokens)?),
            temperature: Some(valid_temperature(call.temperature)?),
            ..Default::default()
        };
        created = state.store.update_model_config(created.id, patch, state.clock.now()).await?;
    }
    state.config.invalidate();
    Ok((StatusCode::CREATED, Json(chat_wire::model_config(&created))))
}

fn valid_max_tokens(n: Option<i64>) -> ApiResult<Option<i64>> {
    match n {
        Some(n) if !(1..=1_000_000).contains(&n) => {
            Err(ApiError::validation("max_output_tokens", "Must be between 1 and 1000000."))
        }
        other => Ok(other),
    }
}

fn valid_temperature(t: Option<f64>) -> ApiResult<Option<f64>> {
    match t {
        Some(t) if !(0.0..=2.0).contains(&t) => {
            Err(ApiError::validation("temperature", "Must be between 0 and 2."))
        }
        other => Ok(other),
    }
}

#[utoipa::path(patch, path = "/api/experimental/chats/model-configs/{model_config}", tag = "Chat models",
    params(("model_config" = Uuid, Path)), request_body = api::UpdateChatModelConfigRequest,
    responses((status = 200, body = api::ChatModelConfig), (status = 404, body = api::Response)))]
pub async fn update_model_config(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::UpdateChatModelConfigRequest>,
) -> ApiResult<Json<api::ChatModelConfig>> {
    let id = admin_id(&caller, &raw)?;
    if req.context_limit.is_some_and(|n| n <= 0) {
        return Err(ApiError::bad_request("Context limit is required.")
            .with_detail("context_limit must be a positive number of tokens."));
    }
    if let Some(name) = &req.display_name {
        validate::text("display_name", name, 128)?;
    }
    let mut patch = ModelConfigPatch {
        display_name: req.display_name,
        enabled: req.enabled,
        is_default: req.is_default,
        context_limit: req.context_limit,
        ..Default::default()
    };
    if let Some(call) = req.model_config {
        patch.prices = Some(chat_wire::prices(&call)?);
        patch.max_output_tokens = Some(valid_max_tokens(call.max_output_tokens)?);
        patch.temperature = Some(valid_temperature(call.temperature)?);
    }
    let updated = state.store.update_model_config(id, patch, state.clock.now()).await?;
    state.config.invalidate();
    Ok(Json(chat_wire::model_config(&updated)))
}

#[utoipa::path(delete, path = "/api/experimental/chats/model-configs/{model_config}", tag = "Chat models",
    params(("model_config" = Uuid, Path)), responses((status = 204), (status = 404, body = api::Response)))]
pub async fn delete_model_config(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.delete_model_config(admin_id(&caller, &raw)?).await?;
    state.config.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// The catalogue: every provider kind that has enabled models, whether it can be called now.
/// One document grouped by provider, not a list to page: it holds every enabled config (an
/// owner's short list).
#[utoipa::path(get, path = "/api/experimental/chats/models", tag = "Chat models",
    responses((status = 200, body = api::ChatModelsResponse)))]
pub async fn list_models(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<api::ChatModelsResponse>> {
    let configs = state.store.list_model_configs(true, Page::ALL).await?;
    let mut kinds: Vec<String> = configs.iter().map(|c| c.provider.clone()).collect();
    if !kinds.iter().any(|k| k == SIMULATED) {
        kinds.push(SIMULATED.to_owned());
    }
    kinds.sort();
    kinds.dedup();
    let mut providers = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let models: Vec<_> = configs.iter().filter(|c| c.provider == kind).collect();
        let availability = match models.first() {
            Some(m) => state.providers.provider_for(&state.store, m).await.map(drop),
            None => Ok(()),
        };
        providers.push(api::ChatModelProvider {
            provider: kind.clone(),
            available: availability.is_ok(),
            unavailable_reason: availability.err(),
            models: models
                .iter()
                .map(|m| api::ChatModel {
                    id: format!("{}:{}", m.provider, m.model),
                    provider: m.provider.clone(),
                    model: m.model.clone(),
                    display_name: m.display_name.clone(),
                })
                .collect(),
        });
    }
    Ok(Json(api::ChatModelsResponse { providers }))
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_providers, create_provider))
        .routes(routes!(update_provider, delete_provider))
        .routes(routes!(list_model_configs, create_model_config))
        .routes(routes!(update_model_config, delete_model_config))
        .routes(routes!(list_models))
}
