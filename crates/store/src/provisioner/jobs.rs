//! The job queue: claimed under the row lock (PostgreSQL: `SKIP LOCKED`, so replicas take
//! different jobs; SQLite: the write lock), held by heartbeats, failed — never re-run — when
//! its worker stops beating.

use super::records::*;
use crate::db::{Arg, Row, Tx, sql};
use crate::{Entity, Store, StoreError, StoreResult, Time};
use uuid::Uuid;

pub(crate) const JOB_COLUMNS: &str = "j.id AS job_id, j.organization_id AS job_organization_id,
    j.initiator_id, j.kind, j.status, j.file_id AS job_file_id, j.input, j.worker_id,
    j.started_at, j.completed_at, j.canceled_at, j.error, j.created_at AS job_created_at";

/// The error a job gets when its worker stopped heartbeating.
pub const STALE_JOB_ERROR: &str = "The provisioner stopped heartbeating (it was killed or lost the database): the job was \
     abandoned and is not run again.";

pub(crate) fn job_from_row(row: &Row) -> StoreResult<ProvisionerJob> {
    let bad = |col: &str| StoreError::Database(format!("stored job {col} is unknown"));
    Ok(ProvisionerJob {
        id: row.uuid("job_id")?,
        organization_id: row.uuid("job_organization_id")?,
        initiator_id: row.uuid("initiator_id")?,
        kind: JobKind::parse(&row.text("kind")?).ok_or_else(|| bad("kind"))?,
        status: JobStatus::parse(&row.text("status")?).ok_or_else(|| bad("status"))?,
        file_id: row.uuid("job_file_id")?,
        input: row.json("input")?,
        worker_id: row.opt_text("worker_id")?,
        started_at: row.opt_time("started_at")?,
        completed_at: row.opt_time("completed_at")?,
        canceled_at: row.opt_time("canceled_at")?,
        error: row.opt_text("error")?,
        created_at: row.time("job_created_at")?,
    })
}

pub(crate) async fn insert_job(tx: &mut Tx, job: &NewJob) -> StoreResult<()> {
    sql("INSERT INTO provisioner_jobs (id, organization_id, initiator_id, kind, status, file_id,
                                       input, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7)")
    .bind(job.id)
    .bind(job.organization_id)
    .bind(job.initiator_id)
    .bind(job.kind.as_str())
    .bind(job.file_id)
    .bind(Arg::json(&job.input))
    .bind(job.created_at)
    .execute(tx)
    .await
    .map(drop)
}

impl Store {
    pub async fn get_job(&self, id: Uuid) -> StoreResult<Option<ProvisionerJob>> {
        let row = sql(format!("SELECT {JOB_COLUMNS} FROM provisioner_jobs j WHERE j.id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// The oldest pending job, now `running` for `worker`; `None` when none waits.
    pub async fn claim_job(&self, worker: &str, at: Time) -> StoreResult<Option<ProvisionerJob>> {
        let mut tx = self.db.begin().await?;
        let row = sql("SELECT id FROM provisioner_jobs WHERE status = 'pending'
             ORDER BY created_at, id LIMIT 1 {SKIP_LOCKED}")
        .fetch_optional(&mut tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id = row.uuid("id")?;
        sql("UPDATE provisioner_jobs SET status = 'running', worker_id = $2, started_at = $3,
                 heartbeat_at = $3
             WHERE id = $1")
        .bind(id)
        .bind(worker)
        .bind(at)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        self.get_job(id).await
    }

    /// Records that `worker` still runs job `id`. `Ok(false)` when the job is no longer its
    /// (it was failed as stale); the answer's job tells whether a cancel was asked for.
    pub async fn heartbeat_job(
        &self,
        id: Uuid,
        worker: &str,
        at: Time,
    ) -> StoreResult<Option<ProvisionerJob>> {
        let n = sql("UPDATE provisioner_jobs SET heartbeat_at = $3
             WHERE id = $1 AND worker_id = $2 AND status = 'running'")
        .bind(id)
        .bind(worker)
        .bind(at)
        .execute(&self.db)
        .await?;
        if n == 0 { Ok(None) } else { self.get_job(id).await }
    }

    /// Appends log lines in order.
    pub async fn append_job_logs(&self, job: Uuid, logs: &[NewJobLog]) -> StoreResult<()> {
        if logs.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        for log in logs {
            sql("INSERT INTO provisioner_job_logs (job_id, created_at, source, level, stage, output)
                 VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(job)
            .bind(log.created_at)
            .bind(&log.source)
            .bind(&log.level)
            .bind(&log.stage)
            .bind(&log.output)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await
    }

    /// The job's log lines with an id above `after`, in order.
    pub async fn job_logs(&self, job: Uuid, after: i64) -> StoreResult<Vec<JobLog>> {
        let rows = sql("SELECT id, created_at, source, level, stage, output
             FROM provisioner_job_logs WHERE job_id = $1 AND id > $2 ORDER BY id")
        .bind(job)
        .bind(after)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobLog {
                    id: r.bigint("id")?,
                    created_at: r.time("created_at")?,
                    source: r.text("source")?,
                    level: r.text("level")?,
                    stage: r.text("stage")?,
                    output: r.text("output")?,
                })
            })
            .collect()
    }

    /// Ends a running job of `worker`. `Ok(false)` when it was not (any longer) the worker's.
    pub async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
        at: Time,
    ) -> StoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let done = finish(&mut tx, id, worker, outcome, at).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Asks for a job to stop: a pending job is canceled at once, a running one is marked and
    /// its worker interrupts Terraform at its next heartbeat. `Ok(false)` when it had ended.
    pub async fn cancel_job(&self, id: Uuid, at: Time) -> StoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let row = sql("SELECT status FROM provisioner_jobs WHERE id = $1 {FOR_UPDATE}")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound(Entity::ProvisionerJob))?;
        let status = row.text("status")?;
        let sql_text = match status.as_str() {
            "pending" => {
                "UPDATE provisioner_jobs SET status = 'canceled', canceled_at = $2,
                     completed_at = $2, error = 'Canceled before it started.' WHERE id = $1"
            }
            "running" => "UPDATE provisioner_jobs SET canceled_at = $2 WHERE id = $1",
            _ => return Ok(false),
        };
        sql(sql_text).bind(id).bind(at).execute(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Fails every running job whose heartbeat is older than `stale_before` with
    /// [`STALE_JOB_ERROR`]; the ids failed.
    pub async fn fail_stale_jobs(&self, stale_before: Time, at: Time) -> StoreResult<Vec<Uuid>> {
        let mut tx = self.db.begin().await?;
        let rows = sql("SELECT id FROM provisioner_jobs
             WHERE status = 'running' AND heartbeat_at < $1 {SKIP_LOCKED}")
        .bind(stale_before)
        .fetch_all(&mut tx)
        .await?;
        let ids = rows.iter().map(|r| r.uuid("id")).collect::<StoreResult<Vec<_>>>()?;
        for id in &ids {
            sql("UPDATE provisioner_jobs SET status = 'failed', error = $2, completed_at = $3
                 WHERE id = $1")
            .bind(*id)
            .bind(STALE_JOB_ERROR)
            .bind(at)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(ids)
    }
}

/// Ends job `id` if `worker` still runs it.
pub(crate) async fn finish(
    tx: &mut Tx,
    id: Uuid,
    worker: &str,
    outcome: &JobOutcome,
    at: Time,
) -> StoreResult<bool> {
    let (status, error) = match outcome {
        JobOutcome::Succeeded => (JobStatus::Succeeded, None),
        JobOutcome::Failed(error) => (JobStatus::Failed, Some(error.clone())),
        JobOutcome::Canceled => (JobStatus::Canceled, Some("Canceled.".to_owned())),
    };
    let n = sql("UPDATE provisioner_jobs SET status = $3, error = $4, completed_at = $5
         WHERE id = $1 AND worker_id = $2 AND status = 'running'")
    .bind(id)
    .bind(worker)
    .bind(status.as_str())
    .bind(error)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(n == 1)
}
