//! Files, templates, template versions and provisioner jobs (provisioner.md §2–§3).

use crate::Time;
use uuid::Uuid;

/// An uploaded archive. Its id is what Coder's API calls the file's `hash`.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: Uuid,
    pub sha256: String,
    pub created_by: Uuid,
    pub mimetype: String,
    pub data: Vec<u8>,
    pub created_at: Time,
}

impl std::fmt::Debug for StoredFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredFile")
            .field("id", &self.id)
            .field("sha256", &self.sha256)
            .field("bytes", &self.data.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    TemplateVersionImport,
    WorkspaceBuild,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::TemplateVersionImport => "template_version_import",
            JobKind::WorkspaceBuild => "workspace_build",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<JobKind> {
        Some(match text {
            "template_version_import" => JobKind::TemplateVersionImport,
            "workspace_build" => JobKind::WorkspaceBuild,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<JobStatus> {
        Some(match text {
            "pending" => JobStatus::Pending,
            "running" => JobStatus::Running,
            "succeeded" => JobStatus::Succeeded,
            "failed" => JobStatus::Failed,
            "canceled" => JobStatus::Canceled,
            _ => return None,
        })
    }

    /// Whether the job is over.
    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Canceled)
    }
}

/// A job to enqueue. `input` is the server's (what the runner needs: parameter values, the
/// transition, …); the store never reads into it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub initiator_id: Uuid,
    pub kind: JobKind,
    pub file_id: Uuid,
    pub input: serde_json::Value,
    pub created_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionerJob {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub initiator_id: Uuid,
    pub kind: JobKind,
    pub status: JobStatus,
    pub file_id: Uuid,
    pub input: serde_json::Value,
    pub worker_id: Option<String>,
    pub started_at: Option<Time>,
    pub completed_at: Option<Time>,
    pub canceled_at: Option<Time>,
    pub error: Option<String>,
    pub created_at: Time,
}

/// How a running job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeded,
    Failed(String),
    Canceled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJobLog {
    pub created_at: Time,
    pub source: String,
    pub level: String,
    pub stage: String,
    pub output: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLog {
    pub id: i64,
    pub created_at: Time,
    pub source: String,
    pub level: String,
    pub stage: String,
    pub output: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplateVersion {
    pub id: Uuid,
    pub template_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub name: String,
    pub file_id: Uuid,
    pub created_by: Uuid,
    pub created_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersion {
    pub id: Uuid,
    pub template_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub name: String,
    pub file_id: Uuid,
    pub created_by: Uuid,
    pub created_at: Time,
    /// What the import learned, in the server's shape; `None` until it succeeded.
    pub import_result: Option<serde_json::Value>,
    pub job: ProvisionerJob,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub active_version_id: Uuid,
    pub created_by: Uuid,
    pub created_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub active_version_id: Uuid,
    pub created_by: Uuid,
    pub created_at: Time,
    pub updated_at: Time,
}

/// A build a provisioner job runs: its row exists (without resources) from the moment it is
/// queued; the job fills its tree in when Terraform succeeded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJobBuild {
    pub build_id: Uuid,
    pub workspace_id: Uuid,
    pub transition: crate::BuildTransition,
    pub template_version_id: Uuid,
    pub parameters: serde_json::Value,
    pub created_at: Time,
    pub job: NewJob,
}

/// What a build job works from and with.
#[derive(Clone, PartialEq)]
pub struct JobBuild {
    pub build_id: Uuid,
    pub build_number: i32,
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub owner_id: Uuid,
    pub transition: crate::BuildTransition,
    pub template_version_id: Option<Uuid>,
    pub parameters: serde_json::Value,
    pub job_id: Option<Uuid>,
    /// The state the previous build of the workspace left, if any.
    pub previous_state: Option<Vec<u8>>,
}

impl std::fmt::Debug for JobBuild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobBuild")
            .field("build_id", &self.build_id)
            .field("workspace_id", &self.workspace_id)
            .field("transition", &self.transition)
            .field("job_id", &self.job_id)
            .finish_non_exhaustive()
    }
}

/// A workspace created from a template, with its first build (queued).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplateWorkspace {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub template_id: Uuid,
    pub build: NewJobBuild,
}

/// A build as the API shows it beside its job.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildInfo {
    pub build_id: Uuid,
    pub workspace_id: Uuid,
    pub owner_id: Uuid,
    pub build_number: i32,
    pub transition: crate::BuildTransition,
    pub template_version_id: Option<Uuid>,
    pub parameters: serde_json::Value,
    pub created_at: Time,
    pub job: Option<ProvisionerJob>,
}

/// What a succeeded build job hands back: the converted tree (its `id` is ignored: the queued
/// build keeps its own) and the state to keep. A failed or canceled job hands back nothing.
#[derive(Clone, PartialEq)]
pub struct BuildResult {
    pub tree: crate::WorkspaceBuild,
    pub state: Vec<u8>,
}
