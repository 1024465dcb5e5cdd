//! Workspaces on PostgreSQL: a build's whole tree written in one transaction, read back with one
//! query per table.

use super::orgs::require_org;
use super::users::require_user;
use super::{PostgresStore, Tx, ts};
use crate::common::db_error;
use crate::row::ReadRow;
use crate::workspace_common::*;
use crate::workspace_rows::*;
use crate::*;
use sqlx::PgPool;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const WORKSPACE_SELECT: &str = "SELECT w.id, w.owner_id, u.username AS owner_name,
    w.organization_id, w.name, w.created_at, w.updated_at
    FROM workspaces w JOIN users u ON u.id = w.owner_id";

impl PostgresStore {
    pub(super) async fn create_workspace_impl(&self, ws: NewWorkspace) -> StoreResult<Workspace> {
        let flat = flatten(&ws.build)?;
        let mut tx = self.begin().await?;
        require_user(&mut tx, ws.owner_id).await?;
        require_org(&mut tx, ws.organization_id).await?;
        insert_workspace(&mut tx, &ws).await?;
        insert_build(&mut tx, ws.id, &ws.build).await?;
        insert_resources(&mut tx, ws.build.id, &flat).await?;
        insert_agents(&mut tx, &flat).await?;
        insert_children(&mut tx, &flat).await?;
        tx.commit().await.map_err(db_error)?;
        self.get_workspace_impl(ws.id)
            .await?
            .ok_or_else(|| StoreError::Database("the new workspace could not be read".to_owned()))
    }

    pub(super) async fn get_workspace_impl(&self, ws: Uuid) -> StoreResult<Option<Workspace>> {
        let row = sqlx::query(&format!("{WORKSPACE_SELECT} WHERE w.id = $1 AND NOT w.deleted"))
            .bind(ws)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(load_workspaces(&self.pool, vec![row]).await?.pop())
    }

    pub(super) async fn list_workspaces_impl(
        &self,
        owner: Option<Uuid>,
    ) -> StoreResult<Vec<Workspace>> {
        let rows = sqlx::query(&format!(
            "{WORKSPACE_SELECT} WHERE NOT w.deleted AND ($1::uuid IS NULL OR w.owner_id = $1)
             ORDER BY lower(u.username) COLLATE \"C\", lower(w.name) COLLATE \"C\", w.id"
        ))
        .bind(owner)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        load_workspaces(&self.pool, rows).await
    }

    pub(super) async fn get_agent_by_token_hash_impl(
        &self,
        hash: &TokenHash,
    ) -> StoreResult<Option<AgentIdentity>> {
        let row = sqlx::query(
            "SELECT a.id AS agent_id, w.id AS workspace_id, w.owner_id
             FROM workspace_agents a
             JOIN workspace_resources r ON r.id = a.resource_id
             JOIN workspace_builds b ON b.id = r.build_id
             JOIN workspaces w ON w.id = b.workspace_id
             JOIN users u ON u.id = w.owner_id
             WHERE a.auth_token_hash = $1 AND NOT w.deleted AND NOT u.deleted",
        )
        .bind(hash.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(identity_from_row).transpose()
    }

    pub(super) async fn agent_manifest_impl(
        &self,
        agent: Uuid,
    ) -> StoreResult<Option<AgentManifest>> {
        let workspace: Option<Uuid> = sqlx::query_scalar(
            "SELECT b.workspace_id FROM workspace_agents a
             JOIN workspace_resources r ON r.id = a.resource_id
             JOIN workspace_builds b ON b.id = r.build_id
             WHERE a.id = $1",
        )
        .bind(agent)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(workspace) = workspace else { return Ok(None) };
        let Some(ws) = self.get_workspace_impl(workspace).await? else {
            return Ok(None);
        };
        Ok(find_agent(&ws.latest_build, agent).map(|(agent, parent_agent_id)| AgentManifest {
            workspace_id: ws.id,
            workspace_name: ws.name.clone(),
            owner_id: ws.owner_id,
            owner_name: ws.owner_name.clone(),
            parent_agent_id,
            agent,
        }))
    }
}

// --- writing -----------------------------------------------------------------------------------

async fn insert_workspace(tx: &mut Tx, ws: &NewWorkspace) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workspaces (id, owner_id, organization_id, name, deleted, created_at,
                                 updated_at)
         VALUES ($1, $2, $3, $4, false, $5, $5)",
    )
    .bind(ws.id)
    .bind(ws.owner_id)
    .bind(ws.organization_id)
    .bind(&ws.name)
    .bind(ts(ws.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    Ok(())
}

async fn insert_build(tx: &mut Tx, ws: Uuid, build: &WorkspaceBuild) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workspace_builds (id, workspace_id, build_number, transition, document,
                                       has_ai_task, has_external_agent, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(build.id)
    .bind(ws)
    .bind(build.build_number)
    .bind(build.transition.as_str())
    .bind(build.document.as_str())
    .bind(build.has_ai_task)
    .bind(build.has_external_agent)
    .bind(ts(build.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    Ok(())
}

async fn insert_resources(tx: &mut Tx, build: Uuid, flat: &FlatBuild<'_>) -> StoreResult<()> {
    for (ordinal, r) in &flat.resources {
        sqlx::query(
            "INSERT INTO workspace_resources (id, build_id, ordinal, address, name, type,
                 module_path, instance_type, hide, icon, daily_cost, metadata)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)",
        )
        .bind(r.id)
        .bind(build)
        .bind(*ordinal)
        .bind(&r.address)
        .bind(&r.name)
        .bind(&r.resource_type)
        .bind(&r.module_path)
        .bind(&r.instance_type)
        .bind(r.hide)
        .bind(&r.icon)
        .bind(r.daily_cost)
        .bind(resource_metadata_json(&r.metadata)?)
        .execute(&mut **tx)
        .await
        .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    }
    Ok(())
}

async fn insert_agents(tx: &mut Tx, flat: &FlatBuild<'_>) -> StoreResult<()> {
    for row in &flat.agents {
        let a = row.agent;
        let (method, hash, instance) = auth_columns(&a.auth);
        sqlx::query(
            "INSERT INTO workspace_agents (id, resource_id, parent_agent_id, ordinal, terraform_id,
                 name, auth_method, auth_token_hash, auth_instance_id, operating_system,
                 architecture, directory, env, connection_timeout_seconds, troubleshooting_url,
                 motd_file, display_apps, metadata, resources_monitoring, api_key_scope,
                 display_order)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15,
                     $16, $17::jsonb, $18::jsonb, $19::jsonb, $20, $21)",
        )
        .bind(a.id)
        .bind(row.resource_id)
        .bind(row.parent)
        .bind(row.ordinal)
        .bind(&a.terraform_id)
        .bind(&a.name)
        .bind(method)
        .bind(hash)
        .bind(instance)
        .bind(&a.operating_system)
        .bind(&a.architecture)
        .bind(&a.directory)
        .bind(env_json(&a.env)?)
        .bind(a.connection_timeout_seconds)
        .bind(&a.troubleshooting_url)
        .bind(&a.motd_file)
        .bind(display_apps_json(&a.display_apps)?)
        .bind(agent_metadata_json(&a.metadata)?)
        .bind(monitoring_json(&a.resources_monitoring)?)
        .bind(&a.api_key_scope)
        .bind(a.order)
        .execute(&mut **tx)
        .await
        .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    }
    Ok(())
}

async fn insert_children(tx: &mut Tx, flat: &FlatBuild<'_>) -> StoreResult<()> {
    for row in &flat.apps {
        insert_app(tx, row).await?;
    }
    for row in &flat.scripts {
        insert_script(tx, row).await?;
    }
    for row in &flat.envs {
        sqlx::query(
            "INSERT INTO workspace_agent_envs (agent_id, ordinal, name, value, merge_strategy)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(row.agent_id)
        .bind(row.ordinal)
        .bind(&row.item.name)
        .bind(&row.item.value)
        .bind(&row.item.merge_strategy)
        .execute(&mut **tx)
        .await
        .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    }
    for row in &flat.devcontainers {
        insert_devcontainer(tx, row).await?;
    }
    Ok(())
}

async fn insert_app(tx: &mut Tx, row: &ChildRow<'_, WorkspaceApp>) -> StoreResult<()> {
    let app = row.item;
    let health = app.healthcheck.as_ref();
    sqlx::query(
        "INSERT INTO workspace_apps (id, agent_id, ordinal, terraform_id, slug, display_name,
             command, url, icon, group_name, tooltip, display_order, subdomain, external, hidden,
             sharing_level, open_in, healthcheck_url, healthcheck_interval, healthcheck_threshold)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $20)",
    )
    .bind(app.id)
    .bind(row.agent_id)
    .bind(row.ordinal)
    .bind(&app.terraform_id)
    .bind(&app.slug)
    .bind(&app.display_name)
    .bind(&app.command)
    .bind(&app.url)
    .bind(&app.icon)
    .bind(&app.group)
    .bind(&app.tooltip)
    .bind(app.order)
    .bind(app.subdomain)
    .bind(app.external)
    .bind(app.hidden)
    .bind(app.sharing_level.as_str())
    .bind(app.open_in.as_str())
    .bind(health.map(|h| h.url.as_str()))
    .bind(health.map_or(0, |h| h.interval))
    .bind(health.map_or(0, |h| h.threshold))
    .execute(&mut **tx)
    .await
    .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    Ok(())
}

async fn insert_script(tx: &mut Tx, row: &ChildRow<'_, AgentScript>) -> StoreResult<()> {
    let s = row.item;
    sqlx::query(
        "INSERT INTO workspace_agent_scripts (id, agent_id, ordinal, display_name, icon, script,
             cron, log_path, run_on_start, run_on_stop, start_blocks_login, timeout_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(s.id)
    .bind(row.agent_id)
    .bind(row.ordinal)
    .bind(&s.display_name)
    .bind(&s.icon)
    .bind(&s.script)
    .bind(&s.cron)
    .bind(&s.log_path)
    .bind(s.run_on_start)
    .bind(s.run_on_stop)
    .bind(s.start_blocks_login)
    .bind(s.timeout_seconds)
    .execute(&mut **tx)
    .await
    .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    Ok(())
}

async fn insert_devcontainer(tx: &mut Tx, row: &ChildRow<'_, Devcontainer>) -> StoreResult<()> {
    let dc = row.item;
    sqlx::query(
        "INSERT INTO workspace_agent_devcontainers (id, agent_id, ordinal, terraform_id,
             terraform_subagent_id, name, workspace_folder, config_path, subagent_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(dc.id)
    .bind(row.agent_id)
    .bind(row.ordinal)
    .bind(&dc.terraform_id)
    .bind(&dc.terraform_subagent_id)
    .bind(&dc.name)
    .bind(&dc.workspace_folder)
    .bind(&dc.config_path)
    .bind(dc.subagent.as_ref().map(|s| s.id))
    .execute(&mut **tx)
    .await
    .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    Ok(())
}

// --- reading -----------------------------------------------------------------------------------

/// The jsonb columns are read as text (their JSON).
const RESOURCE_COLUMNS: &str = "id, address, name, type, module_path, instance_type, hide, icon,
    daily_cost, metadata::text AS metadata";
const AGENT_COLUMNS: &str = "a.id, a.resource_id, a.parent_agent_id, a.terraform_id, a.name,
    a.auth_method, a.auth_token_hash, a.auth_instance_id, a.operating_system, a.architecture,
    a.directory, a.env::text AS env, a.connection_timeout_seconds, a.troubleshooting_url,
    a.motd_file, a.display_apps::text AS display_apps, a.metadata::text AS metadata,
    a.resources_monitoring::text AS resources_monitoring, a.api_key_scope, a.display_order";

/// Joins that scope a child table to the builds in `$1`, ordered like each build's tree.
const AGENT_SCOPE: &str = "JOIN workspace_agents a ON a.id = t.agent_id
    JOIN workspace_resources r ON r.id = a.resource_id
    WHERE r.build_id = ANY($1) ORDER BY r.ordinal, a.ordinal, t.ordinal";

async fn fetch(pool: &PgPool, sql: &str, ids: &[Uuid]) -> StoreResult<Vec<PgRow>> {
    sqlx::query(sql).bind(ids).fetch_all(pool).await.map_err(db_error)
}

/// The workspaces of `rows` with their latest builds' trees, in a fixed number of queries (one
/// for the latest builds, one per tree table) whatever the number of workspaces.
async fn load_workspaces(pool: &PgPool, rows: Vec<PgRow>) -> StoreResult<Vec<Workspace>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let workspaces = rows.iter().map(|row| row.uuid("id")).collect::<StoreResult<Vec<_>>>()?;
    let builds = fetch(
        pool,
        "SELECT DISTINCT ON (workspace_id) id, workspace_id, build_number, transition, document,
                has_ai_task, has_external_agent, created_at
         FROM workspace_builds WHERE workspace_id = ANY($1)
         ORDER BY workspace_id, build_number DESC",
        &workspaces,
    )
    .await?;
    let ids = builds.iter().map(|row| row.uuid("id")).collect::<StoreResult<Vec<_>>>()?;
    let resources = fetch(
        pool,
        &format!(
            "SELECT {RESOURCE_COLUMNS}, build_id FROM workspace_resources
             WHERE build_id = ANY($1) ORDER BY ordinal"
        ),
        &ids,
    )
    .await?;
    let agents = fetch(
        pool,
        &format!(
            "SELECT {AGENT_COLUMNS}, r.build_id FROM workspace_agents a
             JOIN workspace_resources r ON r.id = a.resource_id
             WHERE r.build_id = ANY($1) ORDER BY r.ordinal, a.ordinal"
        ),
        &ids,
    )
    .await?;
    let child = |table: &str| format!("SELECT t.*, r.build_id FROM {table} t {AGENT_SCOPE}");
    let apps = fetch(pool, &child("workspace_apps"), &ids).await?;
    let scripts = fetch(pool, &child("workspace_agent_scripts"), &ids).await?;
    let envs = fetch(pool, &child("workspace_agent_envs"), &ids).await?;
    let devcontainers = fetch(pool, &child("workspace_agent_devcontainers"), &ids).await?;
    let tree = BuildRows { resources, agents, apps, scripts, envs, devcontainers };
    workspaces_from_rows(&rows, &builds, tree)
}
