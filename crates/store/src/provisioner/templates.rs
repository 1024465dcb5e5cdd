//! Uploaded files, template versions (each with its import job) and templates.

use super::jobs::{JOB_COLUMNS, insert_job, job_from_row};
use super::records::*;
use crate::db::{Arg, Row, sql};
use crate::identity::require_org;
use crate::{Entity, Store, StoreError, StoreResult, Time, Unique};
use uuid::Uuid;

const VERSION_SELECT: &str = "SELECT v.id, v.template_id, v.organization_id, v.name, v.file_id,
    v.created_by, v.created_at, v.import_result, {JOB}
    FROM template_versions v JOIN provisioner_jobs j ON j.id = v.job_id";

const TEMPLATE_SELECT: &str = "SELECT id, organization_id, name, active_version_id, created_by,
    created_at, updated_at FROM templates";

fn version_sql(filter: &str) -> String {
    format!("{} {filter}", VERSION_SELECT.replace("{JOB}", JOB_COLUMNS))
}

fn version_from_row(row: &Row) -> StoreResult<TemplateVersion> {
    Ok(TemplateVersion {
        id: row.uuid("id")?,
        template_id: row.opt_uuid("template_id")?,
        organization_id: row.uuid("organization_id")?,
        name: row.text("name")?,
        file_id: row.uuid("file_id")?,
        created_by: row.uuid("created_by")?,
        created_at: row.time("created_at")?,
        import_result: row.opt_json("import_result")?,
        job: job_from_row(row)?,
    })
}

fn template_from_row(row: &Row) -> StoreResult<Template> {
    Ok(Template {
        id: row.uuid("id")?,
        organization_id: row.uuid("organization_id")?,
        name: row.text("name")?,
        active_version_id: row.uuid("active_version_id")?,
        created_by: row.uuid("created_by")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

impl Store {
    /// Stores `file` unless the same bytes are stored: the stored file, and whether it is new.
    pub async fn insert_file(&self, file: StoredFile) -> StoreResult<(StoredFile, bool)> {
        let mut tx = self.db.begin().await?;
        let row = sql("SELECT id FROM files WHERE sha256 = $1")
            .bind(&file.sha256)
            .fetch_optional(&mut tx)
            .await?;
        if let Some(row) = row {
            let id = row.uuid("id")?;
            drop(tx);
            let stored = self.get_file(id).await?.ok_or(StoreError::NotFound(Entity::File))?;
            return Ok((stored, false));
        }
        sql("INSERT INTO files (id, sha256, created_by, mimetype, data, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(file.id)
        .bind(&file.sha256)
        .bind(file.created_by)
        .bind(&file.mimetype)
        .bind(file.data.clone())
        .bind(file.created_at)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok((file, true))
    }

    pub async fn get_file(&self, id: Uuid) -> StoreResult<Option<StoredFile>> {
        let row = sql("SELECT id, sha256, created_by, mimetype, data, created_at FROM files
             WHERE id = $1")
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        row.map(|r| {
            Ok(StoredFile {
                id: r.uuid("id")?,
                sha256: r.text("sha256")?,
                created_by: r.uuid("created_by")?,
                mimetype: r.text("mimetype")?,
                data: r.opt_bytes("data")?.unwrap_or_default(),
                created_at: r.time("created_at")?,
            })
        })
        .transpose()
    }

    /// A template version with its pending import job. `NotFound(File)`,
    /// `NotFound(Organization)`, `NotFound(Template)` (not in that organization).
    pub async fn create_template_version(
        &self,
        version: NewTemplateVersion,
        job: NewJob,
    ) -> StoreResult<TemplateVersion> {
        let mut tx = self.db.begin().await?;
        require_org(&mut tx, version.organization_id).await?;
        let file = sql("SELECT 1 FROM files WHERE id = $1").bind(version.file_id);
        if !file.exists(&mut tx).await? {
            return Err(StoreError::NotFound(Entity::File));
        }
        if let Some(template) = version.template_id {
            let found = sql("SELECT 1 FROM templates WHERE id = $1 AND organization_id = $2")
                .bind(template)
                .bind(version.organization_id);
            if !found.exists(&mut tx).await? {
                return Err(StoreError::NotFound(Entity::Template));
            }
        }
        insert_job(&mut tx, &job).await?;
        sql("INSERT INTO template_versions (id, template_id, organization_id, name, file_id, job_id,
                                            created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(version.id)
        .bind(version.template_id)
        .bind(version.organization_id)
        .bind(&version.name)
        .bind(version.file_id)
        .bind(job.id)
        .bind(version.created_by)
        .bind(version.created_at)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        self.get_template_version(version.id)
            .await?
            .ok_or(StoreError::NotFound(Entity::TemplateVersion))
    }

    pub async fn get_template_version(&self, id: Uuid) -> StoreResult<Option<TemplateVersion>> {
        let row = sql(version_sql("WHERE v.id = $1")).bind(id).fetch_optional(&self.db).await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// The template version whose import job is `job`.
    pub async fn template_version_of_job(&self, job: Uuid) -> StoreResult<Option<TemplateVersion>> {
        let row =
            sql(version_sql("WHERE v.job_id = $1")).bind(job).fetch_optional(&self.db).await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// Ends a running import of `worker`: what it learned (on success) and the job's outcome, in
    /// one transaction. `Ok(false)` when the job was no longer the worker's.
    pub async fn finish_import(
        &self,
        job: Uuid,
        worker: &str,
        result: Option<&serde_json::Value>,
        outcome: &JobOutcome,
        at: Time,
    ) -> StoreResult<bool> {
        let mut tx = self.db.begin().await?;
        if !super::jobs::finish(&mut tx, job, worker, outcome, at).await? {
            return Ok(false);
        }
        if let Some(result) = result {
            sql("UPDATE template_versions SET import_result = $2 WHERE job_id = $1")
                .bind(job)
                .bind(Arg::json(result))
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A template whose active version is `active_version_id` (which then belongs to it).
    /// `Conflict(TemplateName)` when the organization has one of that name (case-insensitive);
    /// `NotFound(TemplateVersion)` when the version is not the organization's or has a template.
    pub async fn create_template(&self, t: NewTemplate) -> StoreResult<Template> {
        let mut tx = self.db.begin().await?;
        let taken =
            sql("SELECT 1 FROM templates WHERE organization_id = $1 AND lower(name) = lower($2)")
                .bind(t.organization_id)
                .bind(&t.name);
        if taken.exists(&mut tx).await? {
            return Err(StoreError::Conflict(Unique::TemplateName));
        }
        let claimed = sql("UPDATE template_versions SET template_id = $2
             WHERE id = $1 AND organization_id = $3 AND (template_id IS NULL OR template_id = $2)")
        .bind(t.active_version_id)
        .bind(t.id)
        .bind(t.organization_id);
        sql("INSERT INTO templates (id, organization_id, name, active_version_id, created_by,
                                    created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)")
        .bind(t.id)
        .bind(t.organization_id)
        .bind(&t.name)
        .bind(t.active_version_id)
        .bind(t.created_by)
        .bind(t.created_at)
        .execute(&mut tx)
        .await?;
        if claimed.execute(&mut tx).await? != 1 {
            return Err(StoreError::NotFound(Entity::TemplateVersion));
        }
        tx.commit().await?;
        self.get_template(t.id).await?.ok_or(StoreError::NotFound(Entity::Template))
    }

    pub async fn get_template(&self, id: Uuid) -> StoreResult<Option<Template>> {
        let row = sql(format!("{TEMPLATE_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(template_from_row).transpose()
    }

    /// The organization's templates by name (case-insensitive), then id.
    pub async fn list_templates(&self, organization: Uuid) -> StoreResult<Vec<Template>> {
        let rows = sql(format!(
            "{TEMPLATE_SELECT} WHERE organization_id = $1 ORDER BY lower(name) {{C}}, id"
        ))
        .bind(organization)
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(template_from_row).collect()
    }

    /// Makes `version` (the template's, or one without a template) the template's active version.
    pub async fn set_active_version(
        &self,
        template: Uuid,
        version: Uuid,
        at: Time,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let claimed = sql("UPDATE template_versions SET template_id = $2
             WHERE id = $1 AND (template_id IS NULL OR template_id = $2)
               AND organization_id = (SELECT organization_id FROM templates WHERE id = $2)")
        .bind(version)
        .bind(template)
        .execute(&mut tx)
        .await?;
        if claimed != 1 {
            return Err(StoreError::NotFound(Entity::TemplateVersion));
        }
        sql("UPDATE templates SET active_version_id = $2, updated_at = $3 WHERE id = $1")
            .bind(template)
            .bind(version)
            .bind(at)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }
}
