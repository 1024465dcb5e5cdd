//! The OpenAPI 3.1 document, generated from the handlers' annotations, so it cannot drift from
//! the code.

use crate::routes::{
    agents, chat_messages, chat_stream, chats, costs, groups, health, limits, models, orgs, tokens,
    users, workspaces,
};
use crate::state::AppState;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "tollgate", description = "LLM spend limits for AI coding agents, with a Coder-compatible API."),
    modifiers(&SessionToken)
)]
struct ApiDoc;

struct SessionToken;

impl Modify for SessionToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = ApiKey::Header(ApiKeyValue::new(tollgate_api_types::SESSION_TOKEN_HEADER));
        components.add_security_scheme("session", SecurityScheme::ApiKey(scheme));
    }
}

/// Every route; creating a workspace accepts bodies up to `max_terraform_bytes` (Terraform
/// states are routinely larger than the 1 MiB every other request is held to).
pub fn router(max_terraform_bytes: usize) -> OpenApiRouter<AppState> {
    let terraform = OpenApiRouter::new()
        .routes(routes!(workspaces::create_workspace))
        .layer(axum::extract::DefaultBodyLimit::max(max_terraform_bytes));
    routes().merge(terraform)
}

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(users::check_first_user, users::create_first_user))
        .routes(routes!(users::login))
        .routes(routes!(users::logout))
        .routes(routes!(users::create_user, users::list_users))
        .routes(routes!(users::get_user, users::delete_user))
        .routes(routes!(users::update_roles))
        .routes(routes!(tokens::create_session_key))
        .routes(routes!(tokens::create_token, tokens::list_tokens))
        .routes(routes!(tokens::delete_token))
        .routes(routes!(orgs::list_organizations, orgs::create_organization))
        .routes(routes!(orgs::get_organization))
        .routes(routes!(orgs::add_member, orgs::remove_member))
        .routes(routes!(groups::create_group, groups::list_groups))
        .routes(routes!(groups::get_group, groups::patch_group, groups::delete_group))
        .routes(routes!(limits::get_config, limits::update_config))
        .routes(routes!(limits::status))
        .routes(routes!(limits::upsert_user_override, limits::delete_user_override))
        .routes(routes!(limits::upsert_group_override, limits::delete_group_override))
        .routes(routes!(chats::create_chat, chats::list_chats))
        .routes(routes!(chats::get_chat, chats::update_chat))
        .routes(routes!(chats::list_messages, chat_messages::send_message))
        .routes(routes!(chat_messages::edit_message))
        .routes(routes!(chat_messages::delete_queued))
        .routes(routes!(chat_messages::promote_queued))
        .routes(routes!(chat_messages::interrupt))
        .routes(routes!(chat_messages::regenerate_title))
        .routes(routes!(chat_stream::stream))
        .routes(routes!(models::list_providers, models::create_provider))
        .routes(routes!(models::update_provider, models::delete_provider))
        .routes(routes!(models::list_model_configs, models::create_model_config))
        .routes(routes!(models::update_model_config, models::delete_model_config))
        .routes(routes!(models::list_models))
        .routes(routes!(costs::user_summary))
        .routes(routes!(costs::users_costs))
        .routes(routes!(workspaces::list_workspaces))
        .routes(routes!(workspaces::get_workspace))
        .routes(routes!(agents::agent_manifest))
}

/// The document as pretty JSON (for the committed snapshot and `tollgate openapi`).
pub fn openapi_json() -> String {
    let (_, api) = router(0).split_for_parts();
    api.to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
