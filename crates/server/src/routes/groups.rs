//! Groups within organizations, including each organization's implicit Everyone group.

use super::{find_group, find_organization};
use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::paging::{PageParams, PageRule};
use crate::state::AppState;
use crate::{validate, wire};
use axum::extract::State;
use axum::http::StatusCode;
use tollgate_api_types as api;
use tollgate_store::{Group, GroupPatch, NewGroup};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

#[utoipa::path(post, path = "/api/v2/organizations/{organization}/groups", tag = "Groups",
    params(("organization" = String, Path)), request_body = api::CreateGroupRequest,
    responses((status = 201, body = api::Group), (status = 409, body = api::Response)))]
pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::CreateGroupRequest>,
) -> ApiResult<(StatusCode, Json<api::Group>)> {
    let org = find_organization(&state, &raw).await?;
    authorize(&caller.subject, Action::Create, Object::Group { organization: org.id })?;
    validate::slug("name", &req.name)?;
    let display_name = req.display_name.unwrap_or_default();
    let avatar_url = req.avatar_url.unwrap_or_default();
    validate::text("display_name", &display_name, 64)?;
    validate::text("avatar_url", &avatar_url, 2048)?;
    let group = NewGroup {
        id: Uuid::new_v4(),
        organization_id: org.id,
        name: req.name,
        display_name,
        avatar_url,
        created_at: state.clock.now(),
    };
    let group = state.store.create_group(group).await?;
    Ok((StatusCode::CREATED, Json(wire::group(&group))))
}

#[utoipa::path(get, path = "/api/v2/organizations/{organization}/groups", tag = "Groups",
    params(("organization" = String, Path), PageParams),
    responses((status = 200, body = Vec<api::Group>)))]
pub async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<Vec<api::Group>>> {
    let page = paging.page(PageRule::WHOLE)?;
    let org = find_organization(&state, &raw).await?;
    authorize(&caller.subject, Action::Read, Object::Group { organization: org.id })?;
    let groups = state.store.list_groups(org.id, page).await?;
    Ok(Json(groups.iter().map(wire::group).collect()))
}

#[utoipa::path(get, path = "/api/v2/groups/{group}", tag = "Groups",
    params(("group" = Uuid, Path)), responses((status = 200, body = api::Group)))]
pub async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::Group>> {
    let group = group_for(&state, &caller, &raw, Action::Read).await?;
    Ok(Json(wire::group(&group)))
}

#[utoipa::path(patch, path = "/api/v2/groups/{group}", tag = "Groups",
    params(("group" = Uuid, Path)), request_body = api::PatchGroupRequest,
    responses((status = 200, body = api::Group)))]
pub async fn patch_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::PatchGroupRequest>,
) -> ApiResult<Json<api::Group>> {
    let group = group_for(&state, &caller, &raw, Action::Update).await?;
    if let Some(name) = &req.name {
        validate::slug("name", name)?;
    }
    if let Some(display_name) = &req.display_name {
        validate::text("display_name", display_name, 64)?;
    }
    if let Some(avatar_url) = &req.avatar_url {
        validate::text("avatar_url", avatar_url, 2048)?;
    }
    let patch = GroupPatch {
        name: req.name,
        display_name: req.display_name,
        avatar_url: req.avatar_url,
        add_users: req.add_users.unwrap_or_default(),
        remove_users: req.remove_users.unwrap_or_default(),
    };
    let updated = state.store.update_group(group.id, patch, state.clock.now()).await?;
    Ok(Json(wire::group(&updated)))
}

#[utoipa::path(delete, path = "/api/v2/groups/{group}", tag = "Groups",
    params(("group" = Uuid, Path)), responses((status = 200, body = api::Group)))]
pub async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::Group>> {
    let group = group_for(&state, &caller, &raw, Action::Delete).await?;
    if group.is_everyone() {
        return Err(ApiError::bad_request("The Everyone group cannot be deleted."));
    }
    state.store.delete_group(group.id, &super::limits::change(&state, &caller)).await?;
    Ok(Json(wire::group(&group)))
}

/// The group in the path, if the caller may do `action` to it.
async fn group_for(
    state: &AppState,
    caller: &Caller,
    raw: &str,
    action: Action,
) -> ApiResult<Group> {
    let group = find_group(state, raw).await?;
    authorize(&caller.subject, action, Object::Group { organization: group.organization_id })?;
    Ok(group)
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_group, list_groups)).routes(routes!(
        get_group,
        patch_group,
        delete_group
    ))
}
