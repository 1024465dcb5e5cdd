//! Builds run by provisioner jobs: queued with their job (the row exists, without resources,
//! from then on), filled in with the converted tree and the Terraform state when the job
//! succeeds — which revokes the agents of the builds it replaced and, for `delete`, deletes the
//! workspace.

use super::columns::parse_transition;
use super::tree;
use super::write;
use crate::db::{Arg, Row, Tx, sql};
use crate::identity::require_org;
use crate::provisioner::jobs::{JOB_COLUMNS, finish, insert_job, job_from_row};
use crate::*;
use uuid::Uuid;

const INFO_SELECT: &str = "SELECT b.id AS build_id, b.workspace_id, w.owner_id, b.build_number,
    b.transition, b.template_version_id, b.parameters, b.created_at AS build_created_at";

fn info_from_row(row: &Row, with_job: bool) -> StoreResult<BuildInfo> {
    let job =
        if with_job && row.opt_uuid("job_id")?.is_some() { Some(job_from_row(row)?) } else { None };
    Ok(BuildInfo {
        build_id: row.uuid("build_id")?,
        workspace_id: row.uuid("workspace_id")?,
        owner_id: row.uuid("owner_id")?,
        build_number: row.int("build_number")?,
        transition: parse_transition(&row.text("transition")?)?,
        template_version_id: row.opt_uuid("template_version_id")?,
        parameters: row.json("parameters")?,
        created_at: row.time("build_created_at")?,
        job,
    })
}

async fn insert_job_build(tx: &mut Tx, build: &NewJobBuild, number: i32) -> StoreResult<()> {
    insert_job(tx, &build.job).await?;
    sql("INSERT INTO workspace_builds (id, workspace_id, build_number, transition, document,
             created_at, job_id, template_version_id, parameters)
         VALUES ($1, $2, $3, $4, 'state', $5, $6, $7, $8)")
    .bind(build.build_id)
    .bind(build.workspace_id)
    .bind(number)
    .bind(build.transition.as_str())
    .bind(build.created_at)
    .bind(build.job.id)
    .bind(build.template_version_id)
    .bind(Arg::json(&build.parameters))
    .execute(tx)
    .await
    .map(drop)
}

impl Store {
    /// A workspace from a template with its first build queued. `Conflict(WorkspaceName)`,
    /// `NotFound(User)`, `NotFound(Organization)`.
    pub async fn create_template_workspace(&self, ws: NewTemplateWorkspace) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        write::owner_name(&mut tx, ws.owner_id).await?;
        require_org(&mut tx, ws.organization_id).await?;
        write::check_name(&mut tx, ws.owner_id, &ws.name).await?;
        sql("INSERT INTO workspaces (id, owner_id, organization_id, name, deleted, created_at,
                                     updated_at, template_id)
             VALUES ($1, $2, $3, $4, FALSE, $5, $5, $6)")
        .bind(ws.id)
        .bind(ws.owner_id)
        .bind(ws.organization_id)
        .bind(&ws.name)
        .bind(ws.build.created_at)
        .bind(ws.template_id)
        .execute(&mut tx)
        .await?;
        insert_job_build(&mut tx, &ws.build, 1).await?;
        tx.commit().await
    }

    /// Queues the workspace's next build. `Rejected(BuildInProgress)` while the latest build's
    /// job has not ended; `NotFound(Workspace)`.
    pub async fn create_job_build(&self, build: NewJobBuild) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let ws = sql("SELECT id FROM workspaces WHERE id = $1 AND NOT deleted {FOR_UPDATE}")
            .bind(build.workspace_id);
        if ws.fetch_optional(&mut tx).await?.is_none() {
            return Err(StoreError::NotFound(Entity::Workspace));
        }
        let busy =
            sql("SELECT 1 FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
             WHERE b.workspace_id = $1 AND j.status IN ('pending', 'running')")
            .bind(build.workspace_id);
        if busy.exists(&mut tx).await? {
            return Err(StoreError::Rejected(Rule::BuildInProgress));
        }
        let next = sql(
            "SELECT CAST(coalesce(max(build_number), 0) + 1 AS BIGINT) AS n FROM workspace_builds
             WHERE workspace_id = $1",
        )
        .bind(build.workspace_id)
        .fetch_one(&mut tx)
        .await?
        .bigint("n")?;
        let number = i32::try_from(next).map_err(|_| StoreError::Overflow)?;
        insert_job_build(&mut tx, &build, number).await?;
        tx.commit().await
    }

    /// The Terraform state build `build` left (it holds the agents' tokens: never answered by
    /// the API). `None` for a build without one.
    pub async fn build_terraform_state(&self, build: Uuid) -> StoreResult<Option<Vec<u8>>> {
        let row = sql("SELECT terraform_state FROM workspace_builds WHERE id = $1")
            .bind(build)
            .fetch_optional(&self.db)
            .await?;
        Ok(row.map(|r| r.opt_bytes("terraform_state")).transpose()?.flatten())
    }

    /// Whether workspace `id` existed and was deleted (a delete build succeeded).
    pub async fn workspace_deleted(&self, id: Uuid) -> StoreResult<bool> {
        sql("SELECT 1 FROM workspaces WHERE id = $1 AND deleted").bind(id).exists(&self.db).await
    }

    /// The build with its job (if a job ran it).
    pub async fn get_build_info(&self, build: Uuid) -> StoreResult<Option<BuildInfo>> {
        self.build_info("b.id = $1", build).await
    }

    /// The workspace's latest build with its job.
    pub async fn latest_build_info(&self, workspace: Uuid) -> StoreResult<Option<BuildInfo>> {
        self.build_info(
            "b.workspace_id = $1 AND b.build_number = (SELECT max(l.build_number)
                 FROM workspace_builds l WHERE l.workspace_id = b.workspace_id)",
            workspace,
        )
        .await
    }

    async fn build_info(&self, filter: &str, id: Uuid) -> StoreResult<Option<BuildInfo>> {
        let row = sql(format!(
            "{INFO_SELECT}, b.job_id, {JOB_COLUMNS} FROM workspace_builds b
             JOIN workspaces w ON w.id = b.workspace_id
             LEFT JOIN provisioner_jobs j ON j.id = b.job_id WHERE {filter}"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        row.as_ref().map(|r| info_from_row(r, true)).transpose()
    }

    /// What build job `job` works on, with the state the workspace's previous build left.
    pub async fn job_build(&self, job: Uuid) -> StoreResult<Option<JobBuild>> {
        let row = sql(format!(
            "{INFO_SELECT}, b.job_id, w.name AS workspace_name FROM workspace_builds b
             JOIN workspaces w ON w.id = b.workspace_id WHERE b.job_id = $1"
        ))
        .bind(job)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let info = info_from_row(&row, false)?;
        let previous = sql("SELECT terraform_state FROM workspace_builds
             WHERE workspace_id = $1 AND build_number < $2 AND terraform_state IS NOT NULL
             ORDER BY build_number DESC LIMIT 1")
        .bind(info.workspace_id)
        .bind(info.build_number)
        .fetch_optional(&self.db)
        .await?;
        Ok(Some(JobBuild {
            build_id: info.build_id,
            build_number: info.build_number,
            workspace_id: info.workspace_id,
            workspace_name: row.text("workspace_name")?,
            owner_id: info.owner_id,
            transition: info.transition,
            template_version_id: info.template_version_id,
            parameters: info.parameters,
            job_id: Some(job),
            previous_state: previous.map(|r| r.opt_bytes("terraform_state")).transpose()?.flatten(),
        }))
    }

    /// Ends a running build job of `worker` in one transaction: on success the tree and state
    /// are stored under the queued build, the agents of the workspace's earlier builds are
    /// revoked (their tokens no longer authenticate), and a `delete` deletes the workspace.
    /// `Ok(false)` when the job was no longer the worker's; `Conflict(AgentToken)`.
    pub async fn finish_build(
        &self,
        job: Uuid,
        worker: &str,
        result: Option<&BuildResult>,
        outcome: &JobOutcome,
        at: Time,
    ) -> StoreResult<bool> {
        let info =
            self.job_build(job).await?.ok_or(StoreError::NotFound(Entity::WorkspaceBuild))?;
        let mut tx = self.db.begin().await?;
        if !finish(&mut tx, job, worker, outcome, at).await? {
            return Ok(false);
        }
        if let (Some(result), JobOutcome::Succeeded) = (result, outcome) {
            store_tree(&mut tx, &info, result).await?;
            revoke_earlier_agents(&mut tx, &info).await?;
            if info.transition == BuildTransition::Delete {
                sql("UPDATE workspaces SET deleted = TRUE, updated_at = $2 WHERE id = $1")
                    .bind(info.workspace_id)
                    .bind(at)
                    .execute(&mut tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}

async fn store_tree(tx: &mut Tx, info: &JobBuild, result: &BuildResult) -> StoreResult<()> {
    let flat = tree::flatten(&result.tree)?;
    write::check_tokens(tx, &flat).await?;
    write::insert_resources(tx, info.build_id, &flat).await?;
    write::insert_agents(tx, &flat).await?;
    write::insert_children(tx, &flat).await?;
    sql("UPDATE workspace_builds SET document = $2, has_ai_task = $3, has_external_agent = $4,
             terraform_state = $5
         WHERE id = $1")
    .bind(info.build_id)
    .bind(result.tree.document.as_str())
    .bind(result.tree.has_ai_task)
    .bind(result.tree.has_external_agent)
    .bind(result.state.clone())
    .execute(tx)
    .await
    .map(drop)
}

async fn revoke_earlier_agents(tx: &mut Tx, info: &JobBuild) -> StoreResult<()> {
    sql("UPDATE workspace_agents SET auth_token_hash = NULL WHERE resource_id IN (
             SELECT r.id FROM workspace_resources r JOIN workspace_builds b ON b.id = r.build_id
             WHERE b.workspace_id = $1 AND b.build_number < $2)")
    .bind(info.workspace_id)
    .bind(info.build_number)
    .execute(tx)
    .await
    .map(drop)
}
