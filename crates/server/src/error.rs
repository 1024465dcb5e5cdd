//! Every failure leaves the server as `{message, detail?, validations?}` with a 4xx or 5xx.

use crate::services::providers::ModelChoiceError;
use crate::services::spend::AdmissionRefused;
use crate::services::titles::TitleError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tollgate_api_types as api;
use tollgate_store::{Entity, MAX_QUEUED_MESSAGES, Rule, StoreError, Unique};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub detail: Option<String>,
    pub validations: Vec<api::ValidationError>,
    /// A body of another shape (the 409 of an exceeded limit); replaces the standard one.
    pub body: Option<serde_json::Value>,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u32>,
    /// The answer of an unavailable database ([`DatabaseUnavailable`] on the response).
    unavailable: bool,
}

/// Marks a response as the answer of an unavailable database, for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseUnavailable;

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            detail: None,
            validations: Vec::new(),
            body: None,
            retry_after: None,
            unavailable: false,
        }
    }

    /// Sends `Retry-After` with `wait` rounded up to whole seconds.
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.retry_after = Some(u32::try_from(secs).unwrap_or(u32::MAX));
        self
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
        period: Option<tollgate_core::Period>,
    ) -> Self {
        let body = api::ChatUsageLimitExceededResponse {
            message: "Chat usage limit exceeded.".to_owned(),
            spent_micros: spent,
            limit_micros: limit,
            resets_at,
            period: period.map(crate::wire::period),
        };
        let mut err = Self::conflict("Chat usage limit exceeded.");
        err.body = serde_json::to_value(body).ok();
        err
    }

    /// The database could not be reached (503); counted in the metrics by its marker.
    pub fn database_unavailable() -> Self {
        let mut err = Self::new(StatusCode::SERVICE_UNAVAILABLE, "Database unavailable.")
            .with_detail("The database could not be reached; try again shortly.")
            .with_retry_after(std::time::Duration::from_secs(1));
        err.unavailable = true;
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
        let retry_after =
            self.retry_after.map(|secs| [(axum::http::header::RETRY_AFTER, secs.to_string())]);
        let unavailable = self.unavailable;
        let mut response = (retry_after, self.body_response()).into_response();
        if unavailable {
            response.extensions_mut().insert(DatabaseUnavailable);
        }
        response
    }
}

impl ApiError {
    fn body_response(self) -> Response {
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

/// Store errors, mapped to Coder's answers in this one place. A store error carries no prose;
/// the few answers that name what the request created take it from [`ApiError::named`].
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::store(err, None)
    }
}

impl ApiError {
    /// A store error answered with `name` (what the request tried to create) in its message.
    pub fn named(err: StoreError, name: &str) -> Self {
        ApiError::store(err, Some(name))
    }

    /// A store error about ids the request body named (not its path): an unknown one is a 400.
    pub fn in_body(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(entity) => ApiError::bad_request(not_found_message(entity)),
            other => other.into(),
        }
    }

    fn store(err: StoreError, name: Option<&str>) -> Self {
        match err {
            StoreError::NotFound(entity) => ApiError::not_found(not_found_message(entity)),
            StoreError::Conflict(rule) => conflict(rule, name),
            StoreError::Rejected(rule) => rejected(rule),
            StoreError::Overflow => ApiError::bad_request("Amount out of range.")
                .with_detail("The total is beyond what tollgate can count (about $9.2 trillion)."),
            StoreError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                ApiError::database_unavailable()
            }
            StoreError::Database(cause) => ApiError::internal("database operation failed", cause),
        }
    }
}

fn not_found_message(entity: Entity) -> &'static str {
    match entity {
        Entity::User => "User not found.",
        Entity::Organization => "Organization not found.",
        Entity::OrganizationMember => "User is not a member of this organization.",
        Entity::Group => "Group not found.",
        Entity::ApiKey => "API key not found.",
        Entity::UserLimitOverride | Entity::GroupLimitOverride => {
            "Chat usage limit override not found."
        }
        Entity::Provider => "Chat provider not found.",
        Entity::ModelConfig => "Model config not found.",
        Entity::Chat => "Chat not found.",
        Entity::ChatMessage => "Chat message not found.",
        Entity::QueuedMessage => "Queued message not found.",
        Entity::Workspace => "Workspace not found.",
        Entity::Webhook => "Webhook not found.",
        Entity::File => "File not found.",
        Entity::Template => "Template not found.",
        Entity::TemplateVersion => "Template version not found.",
        Entity::ProvisionerJob => "Provisioner job not found.",
        Entity::WorkspaceBuild => "Workspace build not found.",
    }
}

fn conflict(rule: Unique, name: Option<&str>) -> ApiError {
    let name = name.unwrap_or_default();
    match rule {
        Unique::FirstUser => ApiError::conflict("The initial user has already been created."),
        Unique::Username => ApiError::conflict("A user with this username already exists."),
        Unique::Email => ApiError::conflict("A user with this email already exists."),
        Unique::OrganizationName => {
            ApiError::conflict("Organization already exists with that name.")
        }
        Unique::DefaultOrganization => ApiError::conflict("A default organization already exists."),
        Unique::GroupName => ApiError::conflict("A group with that name already exists."),
        Unique::TokenName => {
            ApiError::conflict(format!("A token with name {name:?} already exists."))
        }
        Unique::Provider => ApiError::conflict("Chat provider already exists."),
        Unique::WorkspaceName => ApiError::conflict(format!("Workspace {name:?} already exists."))
            .with_detail("The owner already has a workspace with this name."),
        Unique::AgentToken => ApiError::conflict(
            "An agent with one of these tokens already exists.",
        )
        .with_detail(
            "Each agent token may belong to one agent: apply the template again for new tokens.",
        ),
        Unique::Id => ApiError::conflict("An object with this id already exists."),
        Unique::TemplateName => ApiError::conflict(format!("Template {name:?} already exists.")),
    }
}

fn rejected(rule: Rule) -> ApiError {
    match rule {
        Rule::QueueFull => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Message queue is full.")
            .with_detail(format!("Maximum {MAX_QUEUED_MESSAGES} messages can be queued.")),
        Rule::AlreadyArchived => ApiError::bad_request("Chat is already archived."),
        Rule::OnlyUserMessagesEditable => {
            ApiError::bad_request("Only user messages can be edited.")
        }
        Rule::LabelsNotObject => ApiError::validation("labels", "Labels must be a JSON object."),
        Rule::EveryoneGroupMembers => ApiError::bad_request(
            "The Everyone group's members are the organization's members; change those instead.",
        ),
        Rule::EveryoneGroupRename => ApiError::bad_request("The Everyone group cannot be renamed."),
        Rule::EveryoneGroupDelete => ApiError::bad_request("The Everyone group cannot be deleted."),
        Rule::NotOrganizationMember => ApiError::bad_request(
            "Only members of the group's organization can be added to the group.",
        ),
        Rule::LimitNotPositive => ApiError::bad_request("Invalid chat usage limit spend limit.")
            .with_detail("Spend limit must be greater than 0."),
        Rule::NegativeAmount => ApiError::bad_request("Amounts must not be negative."),
        Rule::BuildInProgress => ApiError::conflict("A workspace build is already active.")
            .with_detail("Wait for the latest build to end, or cancel it."),
        Rule::PageSizeNotPositive => ApiError::validation("limit", "Must be at least 1."),
        Rule::LastOwner => ApiError::conflict("The last active owner cannot be removed.")
            .with_detail(
                "Make another user an owner first: a deployment needs an owner to be administered.",
            ),
        Rule::MessageOfAnotherChat | Rule::TokenCountOutOfRange | Rule::ListTooLong => {
            ApiError::bad_request(capitalised(rule.describe()))
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    format!("{first}{}.", chars.as_str())
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

/// spend-limits §7: over the limit, with what was spent, the limit and when it resets; or the
/// lookup failed and the operator chose to fail closed.
impl From<AdmissionRefused> for ApiError {
    fn from(refused: AdmissionRefused) -> Self {
        match refused {
            AdmissionRefused::OverLimit { spent, limit, resets_at, at, period } => {
                // limits-plus §3: whole seconds until the reset, at least 1.
                let wait = (resets_at - at).to_std().unwrap_or_default();
                ApiError::limit_exceeded(spent.get(), limit.get(), resets_at, period)
                    .with_retry_after(wait.max(std::time::Duration::from_secs(1)))
            }
            AdmissionRefused::CheckFailed => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Usage limit check failed.")
                    .with_detail("The spend limit could not be checked; try again shortly.")
            }
        }
    }
}

impl From<ModelChoiceError> for ApiError {
    fn from(err: ModelChoiceError) -> Self {
        match err {
            ModelChoiceError::Invalid => ApiError::bad_request("Invalid model config ID."),
            ModelChoiceError::NoDefault => {
                ApiError::bad_request("No default chat model config is configured.")
            }
            ModelChoiceError::Store(e) => e.into(),
        }
    }
}

impl From<TitleError> for ApiError {
    fn from(err: TitleError) -> Self {
        match err {
            TitleError::Model(e) => e.into(),
            TitleError::Refused(refused) => refused.into(),
            TitleError::Provider(reason) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "Title generation failed.")
                    .with_detail(reason)
            }
            TitleError::Store(e) => e.into(),
        }
    }
}
