//! Workspaces built from templates and their builds (provisioner.md §2): parameter values are
//! resolved and validated before a job is queued; a build's logs are a JSON array, or a
//! WebSocket that streams them until the job ends; a running build can be canceled.

use super::templates::{import_result, template_for};
use super::workspaces::{readable_workspace, with_job, workspace_name};
use super::{find_user, organization_for};
use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::provisioner::params;
use crate::state::AppState;
use crate::wire::provisioner as wire;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tollgate_api_types as api;
use tollgate_store::{self as store, BuildTransition, JobKind, NewJob, NewJobBuild};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// `POST /api/v2/users/{user}/workspaces` with a `template_id`: the workspace and its first
/// build, queued with the template's active version and the validated parameter values.
pub async fn create_from_template(
    state: AppState,
    caller: Caller,
    raw_user: String,
    req: api::CreateWorkspaceRequest,
) -> ApiResult<Response> {
    let owner = find_user(&state, &caller, &raw_user).await?;
    authorize(&caller.subject, Action::Create, Object::Workspace { owner: owner.id })?;
    workspace_name(&req.name)?;
    let template_id =
        req.template_id.ok_or_else(|| ApiError::validation("template_id", "Required."))?;
    let template = template_for(&state, &caller, template_id, Action::Read).await.map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            ApiError::validation("template_id", "Template not found.")
        } else {
            e
        }
    })?;
    let org = organization_for(&state, owner.id, Some(template.organization_id)).await?;
    let version = state
        .store
        .get_template_version(template.active_version_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Template version not found."))?;
    let imported = import_result(&version);
    let mut given: Vec<api::WorkspaceBuildParameter> = Vec::new();
    if let Some(preset) = req.template_version_preset_id {
        let preset = imported.presets.iter().find(|p| p.id == preset).ok_or_else(|| {
            ApiError::validation(
                "template_version_preset_id",
                "No such preset in the template's active version.",
            )
        })?;
        given.extend(preset.parameters.iter().map(|p| api::WorkspaceBuildParameter {
            name: p.name.clone(),
            value: p.value.clone(),
        }));
    }
    for value in req.rich_parameter_values.unwrap_or_default() {
        given.retain(|g| g.name != value.name);
        given.push(value);
    }
    let values = params::resolve(&imported.parameters, &given, &[])?;
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let build = new_build(
        &caller,
        id,
        org,
        version.file_id,
        version.id,
        BuildTransition::Start,
        &values,
        now,
    );
    let new = store::NewTemplateWorkspace {
        id,
        owner_id: owner.id,
        organization_id: org,
        name: req.name.clone(),
        template_id: template.id,
        build,
    };
    state.store.create_template_workspace(new).await.map_err(|e| ApiError::named(e, &req.name))?;
    let workspace = readable_workspace(&state, &caller, id).await?;
    Ok((StatusCode::CREATED, Json(with_job(&state, &workspace).await?)).into_response())
}

#[allow(clippy::too_many_arguments)]
fn new_build(
    caller: &Caller,
    workspace: Uuid,
    org: Uuid,
    file: Uuid,
    version: Uuid,
    transition: BuildTransition,
    values: &[api::WorkspaceBuildParameter],
    now: store::Time,
) -> NewJobBuild {
    NewJobBuild {
        build_id: Uuid::new_v4(),
        workspace_id: workspace,
        transition,
        template_version_id: version,
        parameters: serde_json::to_value(values).unwrap_or_default(),
        created_at: now,
        job: NewJob {
            id: Uuid::new_v4(),
            organization_id: org,
            initiator_id: caller.id(),
            kind: JobKind::WorkspaceBuild,
            file_id: file,
            input: serde_json::json!({}),
            created_at: now,
        },
    }
}

#[utoipa::path(post, path = "/api/v2/workspaces/{workspace}/builds", tag = "Builds",
    params(("workspace" = Uuid, Path)), request_body = api::CreateWorkspaceBuildRequest,
    responses((status = 201, body = api::ProvisionedBuild), (status = 400, body = api::Response),
        (status = 403, body = api::Response), (status = 404, body = api::Response),
        (status = 409, body = api::Response), (status = 410, body = api::Response)))]
pub async fn create_build(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<api::CreateWorkspaceBuildRequest>,
) -> ApiResult<(StatusCode, Json<api::ProvisionedBuild>)> {
    let workspace = readable_workspace(&state, &caller, id).await?;
    authorize(&caller.subject, Action::Update, Object::Workspace { owner: workspace.owner_id })?;
    let latest = state
        .store
        .latest_build_info(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Workspace not found."))?;
    let version_id = latest.template_version_id.ok_or_else(|| {
        ApiError::bad_request("This workspace was imported: it has no template to build.")
    })?;
    let version = state
        .store
        .get_template_version(version_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Template version not found."))?;
    let previous: Vec<api::WorkspaceBuildParameter> =
        serde_json::from_value(latest.parameters.clone()).unwrap_or_default();
    let transition = match req.transition {
        api::WorkspaceTransition::Start => BuildTransition::Start,
        api::WorkspaceTransition::Stop => BuildTransition::Stop,
        api::WorkspaceTransition::Delete => BuildTransition::Delete,
    };
    let given = req.rich_parameter_values.unwrap_or_default();
    let values = params::resolve(&import_result(&version).parameters, &given, &previous)?;
    let now = state.clock.now();
    let build = new_build(
        &caller,
        id,
        workspace.organization_id,
        version.file_id,
        version.id,
        transition,
        &values,
        now,
    );
    let build_id = build.build_id;
    state.store.create_job_build(build).await?;
    let info = state
        .store
        .get_build_info(build_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Workspace build not found."))?;
    Ok((StatusCode::CREATED, Json(wire::build(&info))))
}

/// The build `id` if the caller may do `action` to its workspace.
async fn build_for(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> ApiResult<store::BuildInfo> {
    let info = state
        .store
        .get_build_info(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Workspace build not found."))?;
    authorize(&caller.subject, action, Object::Workspace { owner: info.owner_id })?;
    Ok(info)
}

#[utoipa::path(get, path = "/api/v2/workspacebuilds/{build}", tag = "Builds",
    params(("build" = Uuid, Path)),
    responses((status = 200, body = api::ProvisionedBuild), (status = 403, body = api::Response),
        (status = 404, body = api::Response)))]
pub async fn get_build(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<api::ProvisionedBuild>> {
    Ok(Json(wire::build(&build_for(&state, &caller, id, Action::Read).await?)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// Stream the logs over a WebSocket until the job ends.
    #[serde(default)]
    pub follow: bool,
    /// Only lines with a larger id.
    #[serde(default)]
    pub after: Option<i64>,
}

#[utoipa::path(get, path = "/api/v2/workspacebuilds/{build}/logs", tag = "Builds",
    params(("build" = Uuid, Path), LogParams),
    responses((status = 200, body = Vec<api::ProvisionerJobLog>),
        (status = 101, description = "With `follow=true`: a WebSocket of log lines, one JSON object a message"),
        (status = 400, body = api::Response), (status = 403, body = api::Response),
        (status = 404, body = api::Response)))]
pub async fn build_logs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(params): Query<LogParams>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let info = build_for(&state, &caller, id, Action::Read).await?;
    let after = params.after.unwrap_or(0).max(0);
    let Some(job) = info.job else {
        return Ok(Json(Vec::<api::ProvisionerJobLog>::new()).into_response());
    };
    if !params.follow {
        let logs = state.store.job_logs(job.id, after).await?;
        return Ok(Json(logs.iter().map(wire::log).collect::<Vec<_>>()).into_response());
    }
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::bad_request(
            "With follow=true this endpoint is a WebSocket: connect with a WebSocket client.",
        )
        .with_detail(rejection.body_text())
    })?;
    Ok(upgrade.on_upgrade(move |socket| follow(state, job.id, after, socket)))
}

/// Sends every new line as it is stored (the job may run on another replica, so the database
/// is polled), then closes once the job has ended and its last lines are sent.
async fn follow(state: AppState, job: Uuid, mut after: i64, mut socket: WebSocket) {
    loop {
        let ended = matches!(state.store.get_job(job).await, Ok(Some(j)) if j.status.is_final());
        let Ok(logs) = state.store.job_logs(job, after).await else { return };
        for log in &logs {
            after = log.id;
            let frame = serde_json::to_string(&wire::log(log)).unwrap_or_default();
            if socket.send(Message::Text(frame.into())).await.is_err() {
                return;
            }
        }
        if ended {
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[utoipa::path(patch, path = "/api/v2/workspacebuilds/{build}/cancel", tag = "Builds",
    params(("build" = Uuid, Path)),
    responses((status = 200, body = api::Response), (status = 400, body = api::Response),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn cancel_build(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<api::Response>> {
    let info = build_for(&state, &caller, id, Action::Update).await?;
    let job =
        info.job.ok_or_else(|| ApiError::bad_request("This build was imported: it has no job."))?;
    if !state.store.cancel_job(job.id, state.clock.now()).await? {
        return Err(ApiError::bad_request("Job has already completed."));
    }
    Ok(Json(api::Response {
        message: "Job has been marked as canceled...".to_owned(),
        detail: None,
        validations: Vec::new(),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_build))
        .routes(routes!(get_build))
        .routes(routes!(build_logs))
        .routes(routes!(cancel_build))
}
