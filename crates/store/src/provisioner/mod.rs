//! What tollgate's provisioner keeps (provisioner.md): uploaded files, templates and their
//! versions, and the job queue with its logs. The builds a job runs are in `workspace::jobs`.

pub mod jobs;
pub mod records;
mod templates;
