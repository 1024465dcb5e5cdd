//! A workspace-creation body turned into a build with bounded memory. The Terraform document
//! stays the request's own bytes (never a generic JSON tree, never copied), conversions run
//! off the async threads, and at most `Settings::terraform_conversions` run at once: a request
//! that gets no slot within `Settings::terraform_wait` is answered 503 with `Retry-After`.

use crate::error::{ApiError, ApiResult};
use crate::extract::json_object_body;
use crate::state::AppState;
use crate::wire::workspaces as workspace_wire;
use crate::workspace_build;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use tokio::sync::OwnedSemaphorePermit;
use tollgate_store as store;
use uuid::Uuid;

/// The body of `POST /users/{user}/workspaces` (`api::CreateWorkspaceRequest`), unparsed.
pub struct TerraformBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for TerraformBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        json_object_body(req, state).await.map(TerraformBody)
    }
}

/// `api::CreateWorkspaceRequest` as read here: the state borrowed as text.
#[derive(Deserialize)]
struct Envelope<'a> {
    name: String,
    #[serde(default)]
    organization_id: Option<Uuid>,
    #[serde(borrow)]
    terraform_state: &'a RawValue,
    #[serde(borrow)]
    terraform_graph: Cow<'a, str>,
}

/// A creation request whose document is still text (a view of the request body).
pub struct CreateInput {
    pub name: String,
    pub organization_id: Option<Uuid>,
    state: Bytes,
    graph: String,
}

/// Waits up to `terraform_wait` for a conversion slot, held until the response is built.
pub async fn conversion_slot(state: &AppState) -> ApiResult<OwnedSemaphorePermit> {
    let wait = state.settings.terraform_wait;
    match tokio::time::timeout(wait, state.conversions.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many workspaces are being created at once.",
        )
        .with_detail("Every Terraform conversion slot is busy; try again shortly.")
        .with_retry_after(wait.max(std::time::Duration::from_secs(1)))),
    }
}

/// Only whether a creation request names a template.
#[derive(Deserialize)]
struct TemplateProbe {
    #[serde(default)]
    template_id: Option<Uuid>,
}

impl TerraformBody {
    /// The request, when it creates the workspace from a template (`template_id`) rather than
    /// from an import body.
    pub fn template_request(
        &self,
    ) -> ApiResult<Option<tollgate_api_types::CreateWorkspaceRequest>> {
        let bad = |e: serde_json::Error| {
            ApiError::bad_request("Request body is not valid JSON for this endpoint.").with_detail(
                format!("Failed to deserialize the JSON body into the target type: {e}"),
            )
        };
        let probe: TemplateProbe = match serde_json::from_slice(&self.0) {
            Ok(probe) => probe,
            // Not even the probe parses: the import path reports why.
            Err(_) => return Ok(None),
        };
        if probe.template_id.is_none() {
            return Ok(None);
        }
        serde_json::from_slice(&self.0).map(Some).map_err(bad)
    }

    /// Reads the envelope (a scan of the whole body, so off the async threads).
    pub async fn read(self) -> ApiResult<CreateInput> {
        blocking(move || parse_envelope(self.0)).await?
    }
}

fn parse_envelope(body: Bytes) -> ApiResult<CreateInput> {
    let envelope: Envelope = serde_json::from_slice(&body).map_err(|e| {
        let detail = match e.classify() {
            serde_json::error::Category::Data => {
                format!("Failed to deserialize the JSON body into the target type: {e}")
            }
            _ => format!("Failed to parse the request body as JSON: {e}"),
        };
        ApiError::bad_request("Request body is not valid JSON for this endpoint.")
            .with_detail(detail)
    })?;
    if !envelope.terraform_state.get().starts_with('{') {
        return Err(ApiError::validation(
            "terraform_state",
            "Must be a JSON object: the output of `terraform show -json` for a state or a plan.",
        ));
    }
    Ok(CreateInput {
        state: body.slice_ref(envelope.terraform_state.get().as_bytes()),
        graph: envelope.terraform_graph.into_owned(),
        name: envelope.name,
        organization_id: envelope.organization_id,
    })
}

impl CreateInput {
    /// Converts the document and graph into the build the store keeps; any failure is the
    /// caller's input (400). The document's text and its parse are gone when this returns.
    pub async fn convert(self, now: store::Time) -> ApiResult<store::WorkspaceBuild> {
        let CreateInput { state, graph, .. } = self;
        let built = blocking(move || {
            // The envelope parse read the document from this text: it is UTF-8.
            let json = std::str::from_utf8(&state).map_err(|e| e.to_string())?;
            let conversion =
                tollgate_terraform::convert(json, &graph).map_err(|e| e.to_string())?;
            drop((state, graph));
            workspace_build::build(&conversion, now)
        })
        .await?;
        built.map_err(|detail| {
            ApiError::bad_request("The Terraform state and graph cannot be converted.")
                .with_detail(detail)
        })
    }
}

/// The 201 of a created workspace, built off the async threads (a big build's answer is tens of
/// MiB of JSON); the store's copy of the tree is gone before the JSON is written.
pub async fn created(workspace: store::Workspace) -> ApiResult<Response> {
    let json = blocking(move || {
        let answer = workspace_wire::workspace(&workspace);
        drop(workspace);
        serde_json::to_vec(&answer)
    })
    .await?
    .map_err(|e| ApiError::internal("encode the workspace", e))?;
    Ok((StatusCode::CREATED, [(CONTENT_TYPE, "application/json")], json).into_response())
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal("terraform conversion task failed", e))
}
