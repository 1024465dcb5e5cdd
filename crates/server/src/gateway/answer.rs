//! One gateway call, whatever the protocol: organization, model, provider, reservation, the
//! upstream call with `max_tokens` at what the reservation pays for, then the answer — whole, or
//! streamed chunk by chunk as the provider sends them (never buffered) — and the settlement.

use super::models::find_model;
use super::{Ask, GatewayError, MAX_TOKENS_LOWERED, Protocol, input_bytes, organization};
use crate::auth::Caller;
use crate::services::metered::{self, CallFor, Metered};
use crate::spend_headers::SpendHeaders;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::sync::Arc;
use tollgate_llm::{Completion, CompletionRequest, CompletionStream, Provider, StreamEvent};
use tollgate_store::ModelConfig;

/// What every answer of one call names: its id, the model as the client named it, its time.
pub struct Ctx {
    pub id: String,
    pub model: String,
    pub created: i64,
}

/// How a protocol renders an answer.
pub trait Shape: Send + 'static {
    const PROTOCOL: Protocol;

    /// The whole answer of a call that was not streamed.
    fn whole(&self, ctx: &Ctx, completion: &Completion) -> serde_json::Value;

    /// What the client is sent for one upstream event (possibly nothing).
    fn event(&mut self, ctx: &Ctx, event: &StreamEvent, out: &mut String);

    /// The stream's last events, once the provider finished.
    fn end(&mut self, ctx: &Ctx, completion: &Completion, out: &mut String);

    /// An error event that ends a started stream.
    fn error(&mut self, err: &GatewayError, out: &mut String);
}

/// Serves `ask` for `caller`: the answer, or an error in the shape of `S`.
pub async fn serve<S: Shape>(
    state: AppState,
    caller: Caller,
    headers: &HeaderMap,
    ask: Ask,
    shape: S,
) -> Response {
    match call(&state, &caller, headers, ask, shape).await {
        Ok(response) => response,
        Err(e) => e.into_response(S::PROTOCOL),
    }
}

/// What every metered call has before its upstream is called: the model, its provider, the
/// reservation, and the output tokens the client asked for.
pub struct Prepared {
    pub model: ModelConfig,
    pub provider: Arc<dyn Provider>,
    pub metered: Metered,
    pub wanted: u32,
}

/// The organization, the model and its provider, then the reservation (gateway.md §2's order:
/// model 404 before limit 402).
pub async fn prepare(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    model_name: &str,
    input_bytes: Vec<usize>,
    asked: Option<u32>,
) -> Result<Prepared, GatewayError> {
    let organization_id = organization(state, caller, headers).await?;
    let (model, provider) = model_and_provider(state, model_name).await?;
    let wanted = wanted_tokens(state, &model, asked);
    let call = CallFor {
        user_id: caller.user.id,
        organization_id,
        api_key_id: caller.token_id.clone(),
        key_limit: caller.key_limit,
        model: model.clone(),
        input_bytes,
        max_output_tokens: wanted,
    };
    let metered = metered::reserve(state, call).await?;
    Ok(Prepared { model, provider, metered, wanted })
}

/// The model a client named and a client for its provider (404 unknown, 502 unusable).
pub async fn model_and_provider(
    state: &AppState,
    name: &str,
) -> Result<(ModelConfig, Arc<dyn Provider>), GatewayError> {
    let model = find_model(state, name).await?;
    let provider = state.config.provider_for(&state.providers, &state.store, &model).await;
    let provider = provider.map_err(|reason| {
        GatewayError::new(StatusCode::BAD_GATEWAY, super::errors::Kind::Upstream, reason)
    })?;
    Ok((model, provider))
}

async fn call<S: Shape>(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    ask: Ask,
    shape: S,
) -> Result<Response, GatewayError> {
    let bytes = input_bytes(&ask);
    let Prepared { model, provider, metered, wanted } =
        prepare(state, caller, headers, &ask.model, bytes, ask.max_tokens).await?;
    let granted = metered.max_output_tokens();
    let request = CompletionRequest {
        model: model.model.clone(),
        messages: ask.messages,
        max_output_tokens: Some(granted),
        temperature: ask.temperature.or(model.temperature.map(|t| t as f32)),
        tools: ask.tools,
        stop: ask.stop,
    };
    let upstream = match provider.stream(request).await {
        Ok(stream) => stream,
        Err(e) => {
            // Refused before answering: nothing was billed.
            metered.release().await;
            return Err(GatewayError::from(&e));
        }
    };
    let ctx = Ctx {
        id: metered.id().simple().to_string(),
        model: ask.model,
        created: state.clock.now().timestamp(),
    };
    let head = Head::of(&metered, wanted);
    if ask.stream {
        Ok(head.apply(streamed(upstream, metered, shape, ctx)))
    } else {
        whole(upstream, metered, shape, ctx).await.map(|r| head.apply(r))
    }
}

/// The output tokens asked for: the request's, else the model's maximum, never above it.
fn wanted_tokens(state: &AppState, model: &tollgate_store::ModelConfig, asked: Option<u32>) -> u32 {
    let model_max = model.max_output_tokens.and_then(|n| u32::try_from(n).ok());
    let wanted = asked.or(model_max).unwrap_or(state.settings.chat.default_max_output_tokens);
    model_max.map_or(wanted, |max| wanted.min(max))
}

/// The headers of an admitted call's answer (limits-plus §3, gateway.md §2).
pub struct Head {
    spend: SpendHeaders,
    lowered: Option<u32>,
}

impl Head {
    /// The spend left after `metered`'s reservation, and whether the budget lowered `wanted`.
    pub fn of(metered: &Metered, wanted: u32) -> Head {
        let granted = metered.max_output_tokens();
        Head {
            spend: SpendHeaders(metered.headroom()),
            lowered: (granted < wanted).then_some(granted),
        }
    }

    pub fn apply(self, response: Response) -> Response {
        let mut response = (self.spend, response).into_response();
        if let Some(n) = self.lowered {
            response.headers_mut().insert(MAX_TOKENS_LOWERED, HeaderValue::from(n));
        }
        response
    }
}

/// Reads the whole answer, settles, then answers.
async fn whole<S: Shape>(
    mut upstream: CompletionStream,
    mut metered: Metered,
    shape: S,
    ctx: Ctx,
) -> Result<Response, GatewayError> {
    let mut failed = None;
    while let Some(item) = upstream.next().await {
        match item {
            Ok(event) => metered.observe(&event),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let completion = metered.completion().clone();
    metered.finish().await;
    match failed {
        Some(e) => Err(GatewayError::from(&e)),
        None => Ok(axum::Json(shape.whole(&ctx, &completion)).into_response()),
    }
}

/// Where a streamed answer is.
struct Streaming<S> {
    upstream: CompletionStream,
    /// `None` once settled.
    metered: Option<Metered>,
    shape: S,
    ctx: Ctx,
}

/// Forwards each upstream event as it arrives. The body owns the call: a client that goes away
/// drops it, which cancels the upstream call and settles what was streamed.
fn streamed<S: Shape>(
    upstream: CompletionStream,
    metered: Metered,
    shape: S,
    ctx: Ctx,
) -> Response {
    let state = Streaming { upstream, metered: Some(metered), shape, ctx };
    let body = futures::stream::unfold(state, |mut s| async move {
        let mut metered = s.metered.take()?;
        loop {
            let mut out = String::new();
            match s.upstream.next().await {
                Some(Ok(event)) => {
                    metered.observe(&event);
                    s.shape.event(&s.ctx, &event, &mut out);
                    if out.is_empty() {
                        continue;
                    }
                    s.metered = Some(metered);
                }
                Some(Err(e)) => {
                    metered.finish().await;
                    s.shape.error(&GatewayError::from(&e), &mut out);
                }
                None => {
                    let completion = metered.completion().clone();
                    // Settled before the last event, so a client that read the end sees its cost.
                    metered.finish().await;
                    s.shape.end(&s.ctx, &completion, &mut out);
                }
            }
            return Some((Ok::<_, std::convert::Infallible>(Bytes::from(out)), s));
        }
    });
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
