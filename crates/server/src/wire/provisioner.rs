//! Provisioner records → wire types.

use super::workspaces::transition;
use tollgate_api_types as api;
use tollgate_store as store;

pub fn job(j: &store::ProvisionerJob) -> api::ProvisionerJob {
    api::ProvisionerJob {
        id: j.id,
        created_at: j.created_at,
        started_at: j.started_at,
        completed_at: j.completed_at,
        canceled_at: j.canceled_at,
        error: j.error.clone().unwrap_or_default(),
        status: status(j),
        file_id: j.file_id,
        organization_id: j.organization_id,
        job_type: j.kind.as_str().to_owned(),
    }
}

/// Coder's status: a running job asked to stop is `canceling`.
pub fn status(j: &store::ProvisionerJob) -> api::ProvisionerJobStatus {
    match j.status {
        store::JobStatus::Pending => api::ProvisionerJobStatus::Pending,
        store::JobStatus::Running if j.canceled_at.is_some() => {
            api::ProvisionerJobStatus::Canceling
        }
        store::JobStatus::Running => api::ProvisionerJobStatus::Running,
        store::JobStatus::Succeeded => api::ProvisionerJobStatus::Succeeded,
        store::JobStatus::Failed => api::ProvisionerJobStatus::Failed,
        store::JobStatus::Canceled => api::ProvisionerJobStatus::Canceled,
    }
}

pub fn log(l: &store::JobLog) -> api::ProvisionerJobLog {
    api::ProvisionerJobLog {
        id: l.id,
        created_at: l.created_at,
        log_source: l.source.clone(),
        log_level: l.level.clone(),
        stage: l.stage.clone(),
        output: l.output.clone(),
    }
}

pub fn template_version(v: &store::TemplateVersion) -> api::TemplateVersion {
    api::TemplateVersion {
        id: v.id,
        template_id: v.template_id,
        organization_id: v.organization_id,
        name: v.name.clone(),
        created_at: v.created_at,
        created_by: v.created_by,
        job: job(&v.job),
    }
}

pub fn template(t: &store::Template) -> api::Template {
    api::Template {
        id: t.id,
        organization_id: t.organization_id,
        name: t.name.clone(),
        active_version_id: t.active_version_id,
        created_by_id: t.created_by,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

pub fn build(b: &store::BuildInfo) -> api::ProvisionedBuild {
    api::ProvisionedBuild {
        id: b.build_id,
        workspace_id: b.workspace_id,
        workspace_owner_id: b.owner_id,
        build_number: b.build_number,
        transition: transition(b.transition),
        template_version_id: b.template_version_id,
        created_at: b.created_at,
        // An imported build never ran: it is what it converted.
        status: b.job.as_ref().map_or(api::ProvisionerJobStatus::Succeeded, status),
        job: b.job.as_ref().map(job),
    }
}
