//! Files, template versions and templates (provisioner.md §2): a template version is an
//! uploaded archive with its import job; a template names an active version.

use super::find_organization;
use crate::auth::Caller;
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::provisioner::ImportResult;
use crate::state::AppState;
use crate::validate;
use crate::wire::provisioner as wire;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tollgate_api_types as api;
use tollgate_store::{self as store, JobKind, NewJob, NewTemplate, NewTemplateVersion};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The largest template archive accepted (Coder's limit).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

#[utoipa::path(post, path = "/api/v2/files", tag = "Templates",
    request_body(content = Vec<u8>, content_type = "application/x-tar"),
    responses((status = 201, body = api::UploadResponse), (status = 200, body = api::UploadResponse),
        (status = 400, body = api::Response), (status = 413, body = api::Response),
        (status = 415, body = api::Response)))]
pub async fn upload_file(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    authorize(&caller.subject, Action::Create, Object::TemplateFiles)?;
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.split(';').next().unwrap_or("").trim() != "application/x-tar" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported content type header.",
        )
        .with_detail("Upload a tar archive with Content-Type: application/x-tar."));
    }
    if body.is_empty() {
        return Err(ApiError::bad_request("The file is empty."));
    }
    let file = store::StoredFile {
        id: Uuid::new_v4(),
        sha256: hex::encode(Sha256::digest(&body)),
        created_by: caller.id(),
        mimetype: "application/x-tar".to_owned(),
        data: body.to_vec(),
        created_at: state.clock.now(),
    };
    let (stored, created) = state.store.insert_file(file).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(api::UploadResponse { hash: stored.id })).into_response())
}

#[utoipa::path(get, path = "/api/v2/files/{id}", tag = "Templates", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/x-tar", body = Vec<u8>),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn get_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    authorize(&caller.subject, Action::Read, Object::TemplateFiles)?;
    let file =
        state.store.get_file(id).await?.ok_or_else(|| ApiError::not_found("File not found."))?;
    Ok(([(header::CONTENT_TYPE, file.mimetype)], file.data).into_response())
}

#[utoipa::path(post, path = "/api/v2/organizations/{organization}/templateversions",
    tag = "Templates", params(("organization" = String, Path)),
    request_body = api::CreateTemplateVersionRequest,
    responses((status = 201, body = api::TemplateVersion), (status = 400, body = api::Response),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn create_template_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    Json(req): Json<api::CreateTemplateVersionRequest>,
) -> ApiResult<(StatusCode, Json<api::TemplateVersion>)> {
    let org = find_organization(&state, &org).await?;
    authorize(&caller.subject, Action::Create, Object::Template { organization: org.id })?;
    let name = match req.name {
        Some(name) => {
            validate::slug("name", &name)?;
            name
        }
        None => format!("v-{}", &Uuid::new_v4().simple().to_string()[..8]),
    };
    let now = state.clock.now();
    let job = NewJob {
        id: Uuid::new_v4(),
        organization_id: org.id,
        initiator_id: caller.id(),
        kind: JobKind::TemplateVersionImport,
        file_id: req.file_id,
        input: serde_json::json!({}),
        created_at: now,
    };
    let version = NewTemplateVersion {
        id: Uuid::new_v4(),
        template_id: req.template_id,
        organization_id: org.id,
        name,
        file_id: req.file_id,
        created_by: caller.id(),
        created_at: now,
    };
    let created = state.store.create_template_version(version, job).await.map_err(|e| match e {
        store::StoreError::NotFound(store::Entity::File) => {
            ApiError::validation("file_id", "No file with this id was uploaded.")
        }
        store::StoreError::NotFound(store::Entity::Template) => {
            ApiError::validation("template_id", "No template with this id in the organization.")
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(wire::template_version(&created))))
}

/// The version `id` if the caller may read its organization's templates.
pub async fn readable_version(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<store::TemplateVersion> {
    let version = state
        .store
        .get_template_version(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Template version not found."))?;
    authorize(
        &caller.subject,
        Action::Read,
        Object::Template { organization: version.organization_id },
    )?;
    Ok(version)
}

/// What the version's import learned; empty until it succeeded.
pub fn import_result(version: &store::TemplateVersion) -> ImportResult {
    version.import_result.clone().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v2/templateversions/{id}", tag = "Templates",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = api::TemplateVersion), (status = 403, body = api::Response),
        (status = 404, body = api::Response)))]
pub async fn get_template_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<api::TemplateVersion>> {
    Ok(Json(wire::template_version(&readable_version(&state, &caller, id).await?)))
}

#[utoipa::path(get, path = "/api/v2/templateversions/{id}/rich-parameters", tag = "Templates",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<api::TemplateVersionParameter>),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn rich_parameters(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<api::TemplateVersionParameter>>> {
    Ok(Json(import_result(&readable_version(&state, &caller, id).await?).parameters))
}

#[utoipa::path(get, path = "/api/v2/templateversions/{id}/presets", tag = "Templates",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<api::Preset>), (status = 403, body = api::Response),
        (status = 404, body = api::Response)))]
pub async fn presets(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<api::Preset>>> {
    Ok(Json(import_result(&readable_version(&state, &caller, id).await?).presets))
}

#[utoipa::path(get, path = "/api/v2/templateversions/{id}/resources", tag = "Templates",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<api::WorkspaceResource>),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn resources(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<api::WorkspaceResource>>> {
    Ok(Json(import_result(&readable_version(&state, &caller, id).await?).resources))
}

#[utoipa::path(get, path = "/api/v2/templateversions/{id}/logs", tag = "Templates",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<api::ProvisionerJobLog>),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn version_logs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<api::ProvisionerJobLog>>> {
    let version = readable_version(&state, &caller, id).await?;
    let logs = state.store.job_logs(version.job.id, 0).await?;
    Ok(Json(logs.iter().map(wire::log).collect()))
}

#[utoipa::path(post, path = "/api/v2/organizations/{organization}/templates", tag = "Templates",
    params(("organization" = String, Path)), request_body = api::CreateTemplateRequest,
    responses((status = 201, body = api::Template), (status = 400, body = api::Response),
        (status = 403, body = api::Response), (status = 404, body = api::Response),
        (status = 409, body = api::Response)))]
pub async fn create_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    Json(req): Json<api::CreateTemplateRequest>,
) -> ApiResult<(StatusCode, Json<api::Template>)> {
    let org = find_organization(&state, &org).await?;
    authorize(&caller.subject, Action::Create, Object::Template { organization: org.id })?;
    validate::slug("name", &req.name)?;
    usable_version(&state, req.template_version_id, org.id).await?;
    let new = NewTemplate {
        id: Uuid::new_v4(),
        organization_id: org.id,
        name: req.name.clone(),
        active_version_id: req.template_version_id,
        created_by: caller.id(),
        created_at: state.clock.now(),
    };
    let created =
        state.store.create_template(new).await.map_err(|e| ApiError::named(e, &req.name))?;
    Ok((StatusCode::CREATED, Json(wire::template(&created))))
}

/// A version that may become active: the organization's, and imported successfully.
async fn usable_version(state: &AppState, id: Uuid, org: Uuid) -> ApiResult<()> {
    let version = state.store.get_template_version(id).await?;
    match version {
        Some(v) if v.organization_id == org && v.job.status == store::JobStatus::Succeeded => {
            Ok(())
        }
        Some(v) if v.organization_id == org => Err(ApiError::validation(
            "template_version_id",
            format!("The version's import has not succeeded (it is {}).", v.job.status.as_str()),
        )),
        _ => Err(ApiError::validation(
            "template_version_id",
            "No such template version in the organization.",
        )),
    }
}

#[utoipa::path(get, path = "/api/v2/organizations/{organization}/templates", tag = "Templates",
    params(("organization" = String, Path)),
    responses((status = 200, body = Vec<api::Template>), (status = 403, body = api::Response),
        (status = 404, body = api::Response)))]
pub async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> ApiResult<Json<Vec<api::Template>>> {
    let org = find_organization(&state, &org).await?;
    authorize(&caller.subject, Action::Read, Object::Template { organization: org.id })?;
    let templates = state.store.list_templates(org.id).await?;
    Ok(Json(templates.iter().map(wire::template).collect()))
}

/// The template `id` if the caller may do `action` to its organization's templates.
pub async fn template_for(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> ApiResult<store::Template> {
    let template = state
        .store
        .get_template(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Template not found."))?;
    authorize(
        &caller.subject,
        action,
        Object::Template { organization: template.organization_id },
    )?;
    Ok(template)
}

#[utoipa::path(get, path = "/api/v2/templates/{id}", tag = "Templates", params(("id" = Uuid, Path)),
    responses((status = 200, body = api::Template), (status = 403, body = api::Response),
        (status = 404, body = api::Response)))]
pub async fn get_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<api::Template>> {
    Ok(Json(wire::template(&template_for(&state, &caller, id, Action::Read).await?)))
}

#[utoipa::path(patch, path = "/api/v2/templates/{id}/versions", tag = "Templates",
    params(("id" = Uuid, Path)), request_body = api::UpdateActiveTemplateVersion,
    responses((status = 200, body = api::Response), (status = 400, body = api::Response),
        (status = 403, body = api::Response), (status = 404, body = api::Response)))]
pub async fn set_active_version(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<api::UpdateActiveTemplateVersion>,
) -> ApiResult<Json<api::Response>> {
    let template = template_for(&state, &caller, id, Action::Update).await?;
    usable_version(&state, req.id, template.organization_id).await?;
    state.store.set_active_version(template.id, req.id, state.clock.now()).await.map_err(|e| {
        match e {
            store::StoreError::NotFound(store::Entity::TemplateVersion) => {
                ApiError::validation("id", "The version belongs to another template.")
            }
            other => other.into(),
        }
    })?;
    Ok(Json(api::Response {
        message: "Updated the active template version!".to_owned(),
        detail: None,
        validations: Vec::new(),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    let upload = OpenApiRouter::new()
        .routes(routes!(upload_file))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FILE_BYTES));
    OpenApiRouter::new()
        .routes(routes!(get_file))
        .routes(routes!(create_template_version))
        .routes(routes!(get_template_version))
        .routes(routes!(rich_parameters))
        .routes(routes!(presets))
        .routes(routes!(resources))
        .routes(routes!(version_logs))
        .routes(routes!(create_template, list_templates))
        .routes(routes!(get_template))
        .routes(routes!(set_active_version))
        .merge(upload)
}
