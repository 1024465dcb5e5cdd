//! A new workspace, its first build and the build's whole resource tree, written in one
//! transaction: all of it or nothing.

use super::columns::*;
use super::tree::{ChildRow, FlatBuild};
use crate::db::{Arg, Tx, sql};
use crate::*;
use uuid::Uuid;

/// `Conflict(WorkspaceName)` when the owner has a live workspace of that name (case-insensitive);
/// `Conflict(AgentToken)` when an agent's token hash is already stored.
pub(super) async fn check_unique(
    tx: &mut Tx,
    ws: &NewWorkspace,
    flat: &FlatBuild<'_>,
) -> StoreResult<()> {
    check_name(tx, ws.owner_id, &ws.name).await?;
    check_tokens(tx, flat).await
}

/// `Conflict(WorkspaceName)` when the owner has a live workspace of that name (case-insensitive).
pub(super) async fn check_name(tx: &mut Tx, owner: Uuid, name: &str) -> StoreResult<()> {
    let taken = sql(
        "SELECT 1 FROM workspaces WHERE owner_id = $1 AND lower(name) = lower($2) AND NOT deleted",
    )
    .bind(owner)
    .bind(name)
    .exists(&mut *tx)
    .await?;
    if taken { Err(StoreError::Conflict(Unique::WorkspaceName)) } else { Ok(()) }
}

/// `Conflict(AgentToken)` when an agent's token hash is already stored, or repeats in the build.
pub(super) async fn check_tokens(tx: &mut Tx, flat: &FlatBuild<'_>) -> StoreResult<()> {
    let mut hashes: Vec<&str> =
        flat.agents.iter().filter_map(|a| auth_columns(&a.agent.auth).1).collect();
    hashes.sort_unstable();
    let unique_within = hashes.windows(2).all(|pair| pair[0] != pair[1]);
    for hash in &hashes {
        let stored = sql("SELECT 1 FROM workspace_agents WHERE auth_token_hash = $1")
            .bind(*hash)
            .exists(&mut *tx)
            .await?;
        if stored {
            return Err(StoreError::Conflict(Unique::AgentToken));
        }
    }
    if unique_within { Ok(()) } else { Err(StoreError::Conflict(Unique::AgentToken)) }
}

/// The owner's username; `NotFound(User)` when there is no such (live) user.
pub(super) async fn owner_name(tx: &mut Tx, owner: Uuid) -> StoreResult<String> {
    let row = sql("SELECT username FROM users WHERE id = $1 AND NOT deleted {FOR_SHARE}")
        .bind(owner)
        .fetch_optional(tx)
        .await?;
    row.ok_or(StoreError::NotFound(Entity::User))?.text("username")
}

pub(super) async fn insert_workspace(tx: &mut Tx, ws: &NewWorkspace) -> StoreResult<()> {
    sql("INSERT INTO workspaces (id, owner_id, organization_id, name, deleted, created_at, updated_at)
         VALUES ($1, $2, $3, $4, FALSE, $5, $5)")
    .bind(ws.id)
    .bind(ws.owner_id)
    .bind(ws.organization_id)
    .bind(&ws.name)
    .bind(ws.created_at)
    .execute(&mut *tx)
    .await?;
    let build = &ws.build;
    sql("INSERT INTO workspace_builds (id, workspace_id, build_number, transition, document,
                                       has_ai_task, has_external_agent, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
    .bind(build.id)
    .bind(ws.id)
    .bind(build.build_number)
    .bind(build.transition.as_str())
    .bind(build.document.as_str())
    .bind(build.has_ai_task)
    .bind(build.has_external_agent)
    .bind(build.created_at)
    .execute(tx)
    .await
    .map(drop)
}

/// Rows per multi-row `INSERT` of resources. One statement per resource made a state of 200k
/// resources hold the write lock (SQLite's, for every writer) many times longer; but SQLite
/// finds a `$n` parameter by a linear scan of the statement's names, so a statement's binding
/// costs the square of its parameters: 32 rows (384 parameters) is past the per-statement
/// overhead and well before that cost.
const RESOURCES_PER_INSERT: usize = 32;

pub(super) async fn insert_resources(
    tx: &mut Tx,
    build: Uuid,
    flat: &FlatBuild<'_>,
) -> StoreResult<()> {
    for chunk in flat.resources.chunks(RESOURCES_PER_INSERT) {
        let mut query = sql(format!(
            "INSERT INTO workspace_resources (id, build_id, ordinal, address, name, type,
                 module_path, instance_type, hide, icon, daily_cost, metadata)
             VALUES {}",
            placeholders(chunk.len(), 12)
        ));
        for (ordinal, r) in chunk {
            query = query
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
                .bind(Arg::json(&resource_metadata_json(&r.metadata)?));
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// `($1, …, $columns), (…)` for `rows` rows.
fn placeholders(rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let params: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
        format!("({})", params.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

pub(super) async fn insert_agents(tx: &mut Tx, flat: &FlatBuild<'_>) -> StoreResult<()> {
    for row in &flat.agents {
        let a = row.agent;
        let (method, hash, instance) = auth_columns(&a.auth);
        sql(
            "INSERT INTO workspace_agents (id, resource_id, parent_agent_id, ordinal, terraform_id,
                 name, auth_method, auth_token_hash, auth_instance_id, operating_system,
                 architecture, directory, env, connection_timeout_seconds, troubleshooting_url,
                 motd_file, display_apps, metadata, resources_monitoring, api_key_scope,
                 display_order)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                     $16, $17, $18, $19, $20, $21)",
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
        .bind(Arg::json(&env_json(&a.env)?))
        .bind(a.connection_timeout_seconds)
        .bind(&a.troubleshooting_url)
        .bind(&a.motd_file)
        .bind(Arg::json(&display_apps_json(&a.display_apps)?))
        .bind(Arg::json(&agent_metadata_json(&a.metadata)?))
        .bind(Arg::json(&monitoring_json(&a.resources_monitoring)?))
        .bind(&a.api_key_scope)
        .bind(a.order)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn insert_children(tx: &mut Tx, flat: &FlatBuild<'_>) -> StoreResult<()> {
    for row in &flat.apps {
        insert_app(tx, row).await?;
    }
    for row in &flat.scripts {
        insert_script(tx, row).await?;
    }
    for row in &flat.envs {
        sql("INSERT INTO workspace_agent_envs (agent_id, ordinal, name, value, merge_strategy)
             VALUES ($1, $2, $3, $4, $5)")
        .bind(row.agent_id)
        .bind(row.ordinal)
        .bind(&row.item.name)
        .bind(&row.item.value)
        .bind(&row.item.merge_strategy)
        .execute(&mut *tx)
        .await?;
    }
    for row in &flat.devcontainers {
        insert_devcontainer(tx, row).await?;
    }
    Ok(())
}

async fn insert_app(tx: &mut Tx, row: &ChildRow<'_, WorkspaceApp>) -> StoreResult<()> {
    let app = row.item;
    let health = app.healthcheck.as_ref();
    sql("INSERT INTO workspace_apps (id, agent_id, ordinal, terraform_id, slug, display_name,
             command, url, icon, group_name, tooltip, display_order, subdomain, external, hidden,
             sharing_level, open_in, healthcheck_url, healthcheck_interval, healthcheck_threshold)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $20)")
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
    .execute(tx)
    .await
    .map(drop)
}

async fn insert_script(tx: &mut Tx, row: &ChildRow<'_, AgentScript>) -> StoreResult<()> {
    let s = row.item;
    sql("INSERT INTO workspace_agent_scripts (id, agent_id, ordinal, display_name, icon, script,
             cron, log_path, run_on_start, run_on_stop, start_blocks_login, timeout_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
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
    .execute(tx)
    .await
    .map(drop)
}

async fn insert_devcontainer(tx: &mut Tx, row: &ChildRow<'_, Devcontainer>) -> StoreResult<()> {
    let dc = row.item;
    sql("INSERT INTO workspace_agent_devcontainers (id, agent_id, ordinal, terraform_id,
             terraform_subagent_id, name, workspace_folder, config_path, subagent_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
    .bind(dc.id)
    .bind(row.agent_id)
    .bind(row.ordinal)
    .bind(&dc.terraform_id)
    .bind(&dc.terraform_subagent_id)
    .bind(&dc.name)
    .bind(&dc.workspace_folder)
    .bind(&dc.config_path)
    .bind(dc.subagent.as_ref().map(|s| s.id))
    .execute(tx)
    .await
    .map(drop)
}
