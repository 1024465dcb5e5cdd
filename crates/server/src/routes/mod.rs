//! The HTTP routes, one module per area. Each handler authenticates (through the `Caller`
//! extractor), authorizes through the one authorizer, then calls the store.

pub mod agents;
pub mod builds;
pub mod chat_messages;
pub mod chat_stream;
pub mod chats;
pub mod costs;
pub mod groups;
pub mod health;
pub mod limits;
pub mod limits_alerts;
pub mod limits_audit;
pub mod limits_dry_run;
pub mod limits_explain;
pub mod models;
pub mod orgs;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod workspaces;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_uuid;
use crate::state::AppState;
use tollgate_store::{Group, Organization, User};

/// `{user}` in a path: `me`, an id, or a username.
pub async fn find_user(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<User> {
    if raw == "me" {
        return Ok(caller.user.clone());
    }
    let found = match uuid::Uuid::parse_str(raw) {
        Ok(id) => state.store.get_user(id).await?,
        Err(_) => state.store.get_user_by_username(raw).await?,
    };
    found.ok_or_else(|| ApiError::not_found("User not found."))
}

/// `{organization}` in a path: an id or a name.
pub async fn find_organization(state: &AppState, raw: &str) -> ApiResult<Organization> {
    let found = match uuid::Uuid::parse_str(raw) {
        Ok(id) => state.store.get_organization(id).await?,
        Err(_) => state.store.get_organization_by_name(raw).await?,
    };
    found.ok_or_else(|| ApiError::not_found("Organization not found."))
}

pub async fn find_group(state: &AppState, raw: &str) -> ApiResult<Group> {
    let id = parse_uuid(raw)?;
    state.store.get_group(id).await?.ok_or_else(|| ApiError::not_found("Group not found."))
}

/// The requested organization, else the default one; `member` must belong to it.
pub async fn organization_for(
    state: &AppState,
    member: uuid::Uuid,
    requested: Option<uuid::Uuid>,
) -> ApiResult<uuid::Uuid> {
    let org = requested_organization(state, requested).await?;
    if !state.store.is_organization_member(org, member).await? {
        return Err(ApiError::bad_request("Invalid organization ID.")
            .with_detail("The owner is not a member of that organization."));
    }
    Ok(org)
}

/// The requested organization, else the default one (not checked to exist).
pub async fn requested_organization(
    state: &AppState,
    requested: Option<uuid::Uuid>,
) -> ApiResult<uuid::Uuid> {
    match requested {
        Some(org) => Ok(org),
        None => state
            .store
            .default_organization()
            .await?
            .map(|o| o.id)
            .ok_or_else(|| ApiError::bad_request("No default organization exists.")),
    }
}
