//! Workspaces created from a Terraform state or plan (`terraform show -json` plus
//! `terraform graph`), converted the way Coder's provisioner does. Agent tokens are stored only as
//! SHA-256 hashes and never returned. A workspace the caller may not read is a 403, as every
//! other object in tollgate's API (ids are random, so a 403 reveals nothing guessable).

use super::find_user;
use crate::auth::Caller;
use crate::authz::{Action, Object, allowed, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::paging::{PageParams, PageRule};
use crate::state::AppState;
use crate::terraform_input::{self, TerraformBody};
use crate::validate;
use crate::wire::workspaces as workspace_wire;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tollgate_api_types as api;
use tollgate_store::{self as store, NewWorkspace};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

#[utoipa::path(post, path = "/api/v2/users/{user}/workspaces", tag = "Workspaces",
    params(("user" = String, Path, description = "`me`, a user id or a username")),
    request_body = api::CreateWorkspaceRequest,
    responses((status = 201, body = api::Workspace), (status = 400, body = api::Response),
        (status = 403, body = api::Response), (status = 404, body = api::Response),
        (status = 409, body = api::Response), (status = 413, body = api::Response),
        (status = 503, body = api::Response)))]
pub async fn create_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: TerraformBody,
) -> ApiResult<Response> {
    if let Some(req) = body.template_request()? {
        return super::builds::create_from_template(state, caller, raw, req).await;
    }
    // Held until the answer is built: the build and the answer are what take the memory.
    let _slot = terraform_input::conversion_slot(&state).await?;
    let req = body.read().await?;
    let owner = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Create, Object::Workspace { owner: owner.id })?;
    workspace_name(&req.name)?;
    let organization_id = super::organization_for(&state, owner.id, req.organization_id).await?;
    let now = state.clock.now();
    let name = req.name.clone();
    let build = req.convert(now).await?;
    let (id, owner_id) = (Uuid::new_v4(), owner.id);
    let new =
        NewWorkspace { id, owner_id, organization_id, name: name.clone(), created_at: now, build };
    let created = state.store.create_workspace(new).await.map_err(|e| ApiError::named(e, &name))?;
    terraform_input::created(created).await
}

#[utoipa::path(get, path = "/api/v2/workspaces/{workspace}", tag = "Workspaces",
    params(("workspace" = Uuid, Path)),
    responses((status = 200, body = api::Workspace), (status = 403, body = api::Response),
        (status = 404, body = api::Response), (status = 410, body = api::Response)))]
pub async fn get_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<api::Workspace>> {
    let workspace = readable_workspace(&state, &caller, id).await?;
    Ok(Json(with_job(&state, &workspace).await?))
}

/// Summaries: each `latest_build` comes with `resources: []` (a build's tree can run to
/// megabytes); `GET /api/v2/workspaces/{workspace}` has the tree. `count` is the whole list's.
#[utoipa::path(get, path = "/api/v2/workspaces", tag = "Workspaces", params(PageParams),
    responses((status = 200, body = api::WorkspacesResponse)))]
pub async fn list_workspaces(
    State(state): State<AppState>,
    caller: Caller,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<api::WorkspacesResponse>> {
    let page = paging.page(PageRule::WHOLE)?;
    // Those who may read everyone's workspaces see all; everyone else sees their own.
    let owner = (!allowed(&caller.subject, Action::Read, Object::Workspaces)).then(|| caller.id());
    let (workspaces, count) = state.store.list_workspaces(owner, page).await?;
    let workspaces = workspaces.iter().map(workspace_wire::workspace).collect();
    Ok(Json(api::WorkspacesResponse { workspaces, count }))
}

/// The workspace `id` if the caller may read it: 404 when it does not exist, 403 when it is
/// someone else's and the caller may not read it.
pub async fn readable_workspace(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<store::Workspace> {
    let Some(workspace) = state.store.get_workspace(id).await? else {
        if state.store.workspace_deleted(id).await? {
            return Err(ApiError::new(StatusCode::GONE, "Workspace has been deleted."));
        }
        return Err(ApiError::not_found("Workspace not found."));
    };
    authorize(&caller.subject, Action::Read, Object::Workspace { owner: workspace.owner_id })?;
    Ok(workspace)
}

/// A workspace another object refers to (a chat's `workspace_id`): 400 when it does not
/// exist, 403 when the caller may not read it.
pub async fn check_workspace_reference(
    state: &AppState,
    caller: &Caller,
    id: Option<Uuid>,
) -> ApiResult<()> {
    let Some(id) = id else { return Ok(()) };
    let workspace = state
        .store
        .get_workspace(id)
        .await?
        .ok_or_else(|| ApiError::bad_request("Invalid workspace ID."))?;
    authorize(&caller.subject, Action::Read, Object::Workspace { owner: workspace.owner_id })
}

/// The workspace as the API shows it, its latest build with the job that runs it (if any).
pub async fn with_job(state: &AppState, workspace: &store::Workspace) -> ApiResult<api::Workspace> {
    let mut wire = workspace_wire::workspace(workspace);
    let info = state.store.get_build_info(workspace.latest_build.id).await?;
    wire.latest_build.job = info.and_then(|i| i.job).as_ref().map(crate::wire::provisioner::job);
    Ok(wire)
}

/// Coder's workspace-name rule (`codersdk.NameValid`): the username rule, minus the names that
/// would clash with routes.
pub fn workspace_name(name: &str) -> ApiResult<()> {
    validate::slug("name", name)?;
    if ["new", "create"].contains(&name) {
        return Err(ApiError::validation("name", format!("Cannot use {name:?} as a name.")));
    }
    Ok(())
}

/// This module's routes. Creating a workspace accepts bodies up to `max_terraform_bytes`
/// (Terraform states are routinely larger than the 1 MiB every other request is held to).
pub fn router(max_terraform_bytes: usize) -> OpenApiRouter<AppState> {
    let create = OpenApiRouter::new()
        .routes(routes!(create_workspace))
        .layer(axum::extract::DefaultBodyLimit::max(max_terraform_bytes));
    OpenApiRouter::new()
        .routes(routes!(list_workspaces))
        .routes(routes!(get_workspace))
        .merge(create)
}
