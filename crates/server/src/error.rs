//! Every failure leaves the server as `{message, detail?, validations?}` with a 4xx or 5xx.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tollgate_api_types as api;
use tollgate_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub detail: Option<String>,
    pub validations: Vec<api::ValidationError>,
    /// A body of another shape (the 409 of an exceeded limit); replaces the standard one.
    pub body: Option<serde_json::Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            detail: None,
            validations: Vec::new(),
            body: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden.")
            .with_detail("You do not have permission to perform this action.")
    }

    /// A request field failed validation.
    pub fn validation(field: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let mut err = Self::bad_request("Validation failed.").with_detail(detail.clone());
        err.validations.push(api::ValidationError { field: field.to_owned(), detail });
        err
    }

    /// spend-limits §7: over the limit, with what was spent, the limit and when it resets.
    pub fn limit_exceeded(
        spent: i64,
        limit: i64,
        resets_at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let body = api::ChatUsageLimitExceededResponse {
            message: "Chat usage limit exceeded.".to_owned(),
            spent_micros: spent,
            limit_micros: limit,
            resets_at,
        };
        let mut err = Self::conflict("Chat usage limit exceeded.");
        err.body = serde_json::to_value(body).ok();
        err
    }

    /// An unexpected failure. The cause is logged, never sent: it may name tables or hosts.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error.")
            .with_detail(context.to_owned())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(body) = self.body {
            return (self.status, axum::Json(body)).into_response();
        }
        let body = api::Response {
            message: self.message,
            detail: self.detail,
            validations: self.validations,
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// Store errors a handler did not translate itself.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => {
                ApiError::not_found(format!("{} not found.", capital(what)))
            }
            StoreError::Conflict(what) => {
                ApiError::conflict(format!("A {what} like this already exists."))
            }
            StoreError::Invalid(msg) => ApiError::bad_request(msg),
            StoreError::Database(msg) => ApiError::internal("database operation failed", msg),
        }
    }
}

fn capital(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        let message = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large.",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "Request body must be JSON (Content-Type: application/json)."
            }
            _ => "Request body is not valid JSON for this endpoint.",
        };
        ApiError::new(status, message).with_detail(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request("Invalid path parameter.").with_detail(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("Invalid query parameters.").with_detail(rejection.body_text())
    }
}
