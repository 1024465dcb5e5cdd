//! Organizations and their members.

use super::{find_organization, find_user};
use crate::auth::Caller;
use crate::authz::{Action, Object, allowed, authorize};
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use crate::paging::{PageParams, PageRule};
use crate::state::AppState;
use crate::{validate, wire};
use axum::extract::State;
use axum::http::StatusCode;
use tollgate_api_types as api;
use tollgate_store::NewOrganization;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

#[utoipa::path(get, path = "/api/v2/organizations", tag = "Organizations", params(PageParams),
    responses((status = 200, body = Vec<api::Organization>)))]
pub async fn list_organizations(
    State(state): State<AppState>,
    caller: Caller,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<Vec<api::Organization>>> {
    let page = paging.page(PageRule::WHOLE)?;
    let all = allowed(&caller.subject, Action::Read, Object::Organizations);
    let member = if all { None } else { Some(caller.id()) };
    let orgs = state.store.list_organizations(member, page).await?;
    Ok(Json(orgs.iter().map(wire::organization).collect()))
}

#[utoipa::path(post, path = "/api/v2/organizations", tag = "Organizations",
    request_body = api::CreateOrganizationRequest,
    responses((status = 201, body = api::Organization), (status = 409, body = api::Response)))]
pub async fn create_organization(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<api::CreateOrganizationRequest>,
) -> ApiResult<(StatusCode, Json<api::Organization>)> {
    authorize(&caller.subject, Action::Create, Object::Organizations)?;
    validate::slug("name", &req.name)?;
    let display_name = req.display_name.unwrap_or_else(|| req.name.clone());
    let description = req.description.unwrap_or_default();
    let icon = req.icon.unwrap_or_default();
    validate::text("display_name", &display_name, 64)?;
    validate::text("description", &description, 1024)?;
    validate::text("icon", &icon, 2048)?;
    let now = state.clock.now();
    let org = NewOrganization {
        id: Uuid::new_v4(),
        name: req.name,
        display_name,
        description,
        icon,
        is_default: false,
        created_at: now,
        updated_at: now,
    };
    let org = state.store.create_organization(org).await?;
    Ok((StatusCode::CREATED, Json(wire::organization(&org))))
}

#[utoipa::path(get, path = "/api/v2/organizations/{organization}", tag = "Organizations",
    params(("organization" = String, Path, description = "An id or a name")),
    responses((status = 200, body = api::Organization)))]
pub async fn get_organization(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::Organization>> {
    let org = find_organization(&state, &raw).await?;
    authorize(&caller.subject, Action::Read, Object::Organization { id: org.id })?;
    Ok(Json(wire::organization(&org)))
}

#[utoipa::path(post, path = "/api/v2/organizations/{organization}/members/{user}",
    tag = "Organizations", params(("organization" = String, Path), ("user" = String, Path)),
    responses((status = 200, body = api::OrganizationMember)))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw_org, raw_user)): Path<(String, String)>,
) -> ApiResult<Json<api::OrganizationMember>> {
    let org = find_organization(&state, &raw_org).await?;
    authorize(
        &caller.subject,
        Action::Create,
        Object::OrganizationMember { organization: org.id },
    )?;
    let user = find_user(&state, &caller, &raw_user).await?;
    let now = state.clock.now();
    state.store.add_organization_member(org.id, user.id, now).await?;
    Ok(Json(api::OrganizationMember {
        user_id: user.id,
        organization_id: org.id,
        created_at: now,
        updated_at: now,
        roles: vec![],
    }))
}

#[utoipa::path(delete, path = "/api/v2/organizations/{organization}/members/{user}",
    tag = "Organizations", params(("organization" = String, Path), ("user" = String, Path)),
    responses((status = 204)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw_org, raw_user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let org = find_organization(&state, &raw_org).await?;
    authorize(
        &caller.subject,
        Action::Delete,
        Object::OrganizationMember { organization: org.id },
    )?;
    let user = find_user(&state, &caller, &raw_user).await?;
    state.store.remove_organization_member(org.id, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organizations, create_organization))
        .routes(routes!(get_organization))
        .routes(routes!(add_member, remove_member))
}
