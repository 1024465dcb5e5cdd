//! The gateway's errors (gateway.md §3), each answered in the shape of the protocol the client
//! speaks: OpenAI's `{"error": {message, type, code, param}}` or Anthropic's
//! `{"type": "error", "error": {type, message}}`. Nothing answers in tollgate's own shape here:
//! an SDK reads only its own.

use super::Protocol;
use crate::services::metered::MeterError;
use crate::services::spend::AdmissionRefused;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tollgate_api_types as api;
use tollgate_llm::ProviderError;
use tollgate_store::{StoreError, Time};

/// What kind of refusal, which fixes both protocols' `type` (and OpenAI's `code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Auth,
    InvalidRequest,
    Permission,
    ModelNotFound,
    OverLimit,
    RateLimited,
    Upstream,
    Unavailable,
}

/// Over the limit: what the refusing window holds, its limit and when it resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Over {
    pub spent: i64,
    pub limit: i64,
    pub resets_at: Time,
}

#[derive(Debug, Clone)]
pub struct GatewayError {
    pub status: StatusCode,
    pub kind: Kind,
    pub message: String,
    pub over: Option<Over>,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl GatewayError {
    pub fn new(status: StatusCode, kind: Kind, message: impl Into<String>) -> Self {
        GatewayError { status, kind, message: message.into(), over: None, retry_after: None }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Kind::InvalidRequest, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            Kind::Auth,
            "Invalid API key: send a tollgate API key as `Authorization: Bearer KEY` or `x-api-key: KEY`.",
        )
    }

    pub fn model_not_found(model: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            Kind::ModelNotFound,
            format!("The model {model:?} does not exist or is disabled."),
        )
    }

    /// The database is away (503, retry in a second).
    pub fn unavailable() -> Self {
        let mut err = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Kind::Unavailable,
            "The database is unavailable; try again shortly.",
        );
        err.retry_after = Some(1);
        err
    }

    /// An unexpected failure: logged, never described (it may name tables or hosts).
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Kind::Upstream, "Internal error.")
    }

    /// `type` in OpenAI's shape.
    fn openai_type(&self) -> &'static str {
        match self.kind {
            Kind::Auth | Kind::InvalidRequest | Kind::ModelNotFound => "invalid_request_error",
            Kind::Permission => "permission_error",
            Kind::OverLimit => "insufficient_quota",
            Kind::RateLimited => "rate_limit_error",
            Kind::Upstream | Kind::Unavailable => "api_error",
        }
    }

    fn openai_code(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Auth => Some("invalid_api_key"),
            Kind::ModelNotFound => Some("model_not_found"),
            Kind::OverLimit => Some("usage_limit_exceeded"),
            _ => None,
        }
    }

    /// `error.type` in Anthropic's shape.
    fn anthropic_type(&self) -> &'static str {
        match self.kind {
            Kind::Auth => "authentication_error",
            Kind::InvalidRequest => "invalid_request_error",
            Kind::Permission => "permission_error",
            Kind::ModelNotFound => "not_found_error",
            Kind::OverLimit => "billing_error",
            Kind::RateLimited => "rate_limit_error",
            Kind::Upstream | Kind::Unavailable if self.status.as_u16() == 529 => "overloaded_error",
            Kind::Upstream | Kind::Unavailable => "api_error",
        }
    }

    /// The error's body in `protocol`'s shape.
    pub fn body(&self, protocol: Protocol) -> serde_json::Value {
        let value = match protocol {
            Protocol::OpenAi => serde_json::to_value(api::OpenAiErrorResponse {
                error: api::OpenAiError {
                    message: self.message.clone(),
                    kind: self.openai_type().to_owned(),
                    code: self.openai_code().map(str::to_owned),
                    param: None,
                    spent_micros: self.over.map(|o| o.spent),
                    limit_micros: self.over.map(|o| o.limit),
                    resets_at: self.over.map(|o| o.resets_at),
                },
            }),
            Protocol::Anthropic => serde_json::to_value(api::AnthropicErrorResponse {
                kind: "error",
                error: api::AnthropicError {
                    kind: self.anthropic_type().to_owned(),
                    message: self.message.clone(),
                    code: (self.kind == Kind::OverLimit).then(|| "usage_limit_exceeded".to_owned()),
                },
            }),
        };
        value.unwrap_or_default()
    }

    pub fn into_response(self, protocol: Protocol) -> Response {
        let mut response = (self.status, Json(self.body(protocol))).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<StoreError> for GatewayError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::unavailable(),
            other => Self::internal("gateway store operation failed", other),
        }
    }
}

impl From<AdmissionRefused> for GatewayError {
    fn from(refused: AdmissionRefused) -> Self {
        match refused {
            AdmissionRefused::OverLimit { spent, limit, resets_at, at, .. } => {
                let mut err = Self::new(
                    StatusCode::PAYMENT_REQUIRED,
                    Kind::OverLimit,
                    format!(
                        "Chat usage limit exceeded. Spent {spent} of {limit}; the limit resets at {}.",
                        resets_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ),
                );
                err.over = Some(Over { spent: spent.get(), limit: limit.get(), resets_at });
                // limits-plus §3: whole seconds until the reset, at least 1.
                let wait = (resets_at - at).num_seconds().max(1);
                err.retry_after = Some(u64::try_from(wait).unwrap_or(1));
                err
            }
            AdmissionRefused::CheckFailed => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Kind::Unavailable,
                "Usage limit check failed; try again shortly.",
            ),
        }
    }
}

impl From<MeterError> for GatewayError {
    fn from(e: MeterError) -> Self {
        match e {
            MeterError::Refused(refused) => refused.into(),
            MeterError::Store(e) => e.into(),
        }
    }
}

/// An upstream failure keeps its status (gateway.md §3); one without a status is a 502, or a
/// 504 when it timed out.
impl From<&ProviderError> for GatewayError {
    fn from(e: &ProviderError) -> Self {
        let status = match e {
            ProviderError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            other => other
                .status()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::BAD_GATEWAY),
        };
        let kind = match e {
            ProviderError::RateLimited { .. } => Kind::RateLimited,
            ProviderError::BadRequest { .. } => Kind::InvalidRequest,
            _ => Kind::Upstream,
        };
        let mut err = Self::new(status, kind, format!("Upstream {e}"));
        err.retry_after = e.retry_after().map(|d| d.as_secs().max(1));
        err
    }
}
