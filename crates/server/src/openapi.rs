//! The OpenAPI 3.1 document, generated from the handlers' annotations, so it cannot drift from
//! the code.

use crate::routes::{
    agents, chat_messages, chat_stream, chats, costs, groups, health, limits, models, orgs, tokens,
    users, workspaces,
};
use crate::state::AppState;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "tollgate", description = "LLM spend limits for AI coding agents, with a Coder-compatible API."),
    modifiers(&SessionToken)
)]
struct ApiDoc;

struct SessionToken;

/// The session token scheme, required by every operation unless it says otherwise (the few
/// public ones declare an empty requirement).
impl Modify for SessionToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = ApiKey::Header(ApiKeyValue::new(tollgate_api_types::SESSION_TOKEN_HEADER));
        components.add_security_scheme("session", SecurityScheme::ApiKey(scheme));
        openapi.security = Some(vec![SecurityRequirement::new("session", Vec::<String>::new())]);
    }
}

/// Every route: each area's router, merged.
pub fn router(max_terraform_bytes: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(orgs::router())
        .merge(groups::router())
        .merge(limits::router())
        .merge(chats::router())
        .merge(chat_messages::router())
        .merge(chat_stream::router())
        .merge(models::router())
        .merge(costs::router())
        .merge(agents::router())
        .merge(workspaces::router(max_terraform_bytes))
}

/// The document as pretty JSON (for the committed snapshot and `tollgate openapi`).
pub fn openapi_json() -> String {
    let (_, api) = router(0).split_for_parts();
    api.to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
