//! The OpenAPI 3.1 document, generated from the handlers' annotations, so it cannot drift from
//! the code.

use crate::routes::{
    agents, builds, chat_messages, chat_stream, chats, costs, groups, health, limits,
    limits_alerts, limits_audit, limits_dry_run, limits_explain, models, orgs, templates, tokens,
    users, workspaces,
};
use crate::state::AppState;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, ResponseBuilder};
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
        .merge(limits_alerts::router())
        .merge(limits_audit::router())
        .merge(limits_dry_run::router())
        .merge(limits_explain::router())
        .merge(chats::router())
        .merge(chat_messages::router())
        .merge(chat_stream::router())
        .merge(models::router())
        .merge(costs::router())
        .merge(agents::router())
        .merge(workspaces::router(max_terraform_bytes))
        .merge(templates::router())
        .merge(builds::router())
        .merge(crate::gateway::router())
}

/// The routes and their document, with the error answers each operation can give.
pub fn split(max_terraform_bytes: usize) -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut api) = router(max_terraform_bytes).split_for_parts();
    for item in api.paths.paths.values_mut() {
        for (method, operation) in operations(item) {
            add_error_answers(method, operation);
        }
    }
    (routes, api)
}

/// The document as pretty JSON (for the committed snapshot and `tollgate openapi`).
pub fn openapi_json() -> String {
    let (_, api) = split(0);
    api.to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation.as_mut()?)))
}

/// Documents every error an operation can answer besides those it declares, from its shape:
/// any URL can be malformed or too long, anything can fail unexpectedly and the database can be
/// away; a secured operation can refuse its caller; an operation on a named thing can find
/// none; a body can be too large or not JSON; a write can conflict with what is stored. Every
/// one is a `Response`.
fn add_error_answers(method: &str, operation: &mut Operation) {
    let public = operation
        .security
        .as_ref()
        .is_some_and(|all| all.iter().all(|r| *r == SecurityRequirement::default()));
    let names_a_thing =
        operation.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Path);
    let answers = [
        (400, true, "The request is malformed: a parameter, the body or the URL."),
        (401, !public, "No valid session token was sent."),
        (403, !public, "The caller may not do this."),
        (404, names_a_thing, "Nothing of that name or id is visible to the caller."),
        (409, method != "get", "The change conflicts with what is stored."),
        (413, operation.request_body.is_some(), "The request body is too large."),
        (414, true, "The URL is too long."),
        (415, operation.request_body.is_some(), "The request body is not JSON."),
        (500, true, "An unexpected failure, logged; the answer names no table or host."),
        (503, true, "The database is unavailable; try again shortly."),
    ];
    for (status, applies, description) in answers {
        if applies {
            operation.responses.responses.entry(status.to_string()).or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("Response"))),
                    )
                    .into()
            });
        }
    }
}
