//! Templates, template versions, provisioner jobs and workspace builds run by tollgate's
//! provisioner, in Coder's shapes (a subset of their fields).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /api/v2/files`: the file's id (Coder calls it `hash`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct UploadResponse {
    pub hash: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum ProvisionerJobStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    Canceling,
    Canceled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ProvisionerJob {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    /// Why the job failed (empty when it did not).
    pub error: String,
    pub status: ProvisionerJobStatus,
    pub file_id: Uuid,
    pub organization_id: Uuid,
    /// `template_version_import` or `workspace_build`.
    #[serde(rename = "type")]
    pub job_type: String,
}

/// One line a job printed (Coder's `ProvisionerJobLog`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ProvisionerJobLog {
    #[ts(type = "number")]
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// `provisioner` (Terraform's output) or `provisioner_daemon` (the runner's own lines).
    pub log_source: String,
    /// `info` (standard output) or `error` (standard error).
    pub log_level: String,
    pub stage: String,
    pub output: String,
}

/// `POST /api/v2/organizations/{org}/templateversions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateTemplateVersionRequest {
    pub file_id: Uuid,
    /// Defaults to a random name.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub template_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct TemplateVersion {
    pub id: Uuid,
    pub template_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub job: ProvisionerJob,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct TemplateVersionParameterOption {
    pub name: String,
    pub description: String,
    pub value: String,
    pub icon: String,
}

/// A `coder_parameter` of a template version (Coder's `TemplateVersionParameter`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct TemplateVersionParameter {
    pub name: String,
    pub display_name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub param_type: String,
    pub form_type: String,
    pub mutable: bool,
    pub default_value: String,
    pub icon: String,
    pub options: Vec<TemplateVersionParameterOption>,
    pub validation_error: String,
    pub validation_regex: String,
    pub validation_min: Option<i32>,
    pub validation_max: Option<i32>,
    pub validation_monotonic: String,
    pub required: bool,
    pub ephemeral: bool,
    #[ts(type = "number")]
    pub order: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "PascalCase")]
pub struct PresetParameter {
    pub name: String,
    pub value: String,
}

/// A `coder_workspace_preset` (Coder's JSON: `ID`, `Name`, `Parameters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "PascalCase")]
pub struct Preset {
    #[serde(rename = "ID")]
    pub id: Uuid,
    pub name: String,
    pub parameters: Vec<PresetParameter>,
    pub default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct TemplateVersionExternalAuth {
    pub id: String,
    pub optional: bool,
}

/// `POST /api/v2/organizations/{org}/templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateTemplateRequest {
    pub name: String,
    pub template_version_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct Template {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub active_version_id: Uuid,
    pub created_by_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `PATCH /api/v2/templates/{id}/versions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct UpdateActiveTemplateVersion {
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct WorkspaceBuildParameter {
    pub name: String,
    pub value: String,
}

/// `POST /api/v2/workspaces/{id}/builds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateWorkspaceBuildRequest {
    pub transition: crate::WorkspaceTransition,
    /// Values that change; the others keep the previous build's.
    #[serde(default)]
    #[ts(optional)]
    pub rich_parameter_values: Option<Vec<WorkspaceBuildParameter>>,
}

/// A build run by the provisioner, with its job (`GET /api/v2/workspacebuilds/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ProvisionedBuild {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub workspace_owner_id: Uuid,
    pub build_number: i32,
    pub transition: crate::WorkspaceTransition,
    pub template_version_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Coder's `job.status`, repeated as the build's status.
    pub status: ProvisionerJobStatus,
    pub job: Option<ProvisionerJob>,
}
