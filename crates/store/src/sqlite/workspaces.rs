//! Workspaces on SQLite: a build's whole tree written in one transaction, read back with one
//! query per table.

use super::orgs::require_org;
use super::users::require_user;
use super::{SqliteStore, Tx, get, get_time, get_uuid, id, opt_id};
use crate::common::{db_error, micros};
use crate::workspace_common::*;
use crate::*;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

const WORKSPACE_SELECT: &str = "SELECT w.id, w.owner_id, u.username AS owner_name,
    w.organization_id, w.name, w.created_at, w.updated_at
    FROM workspaces w JOIN users u ON u.id = w.owner_id";

fn opt_uuid(row: &SqliteRow, col: &str) -> StoreResult<Option<Uuid>> {
    get::<Option<String>>(row, col)?.as_deref().map(crate::common::parse_uuid).transpose()
}

impl SqliteStore {
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
        let row = sqlx::query(&format!("{WORKSPACE_SELECT} WHERE w.id = ?1 AND w.deleted = 0"))
            .bind(id(ws))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        match row {
            Some(row) => Ok(Some(self.workspace_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    pub(super) async fn list_workspaces_impl(
        &self,
        owner: Option<Uuid>,
    ) -> StoreResult<Vec<Workspace>> {
        let rows = sqlx::query(&format!(
            "{WORKSPACE_SELECT} WHERE w.deleted = 0 AND (?1 IS NULL OR w.owner_id = ?1)
             ORDER BY lower(u.username), lower(w.name), w.id"
        ))
        .bind(opt_id(owner))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.workspace_from_row(row).await?);
        }
        Ok(out)
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
             WHERE a.auth_token_hash = ?1 AND w.deleted = 0 AND u.deleted = 0",
        )
        .bind(hash.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.map(|row| {
            Ok(AgentIdentity {
                agent_id: get_uuid(&row, "agent_id")?,
                workspace_id: get_uuid(&row, "workspace_id")?,
                owner_id: get_uuid(&row, "owner_id")?,
            })
        })
        .transpose()
    }

    pub(super) async fn agent_manifest_impl(
        &self,
        agent: Uuid,
    ) -> StoreResult<Option<AgentManifest>> {
        let workspace: Option<String> = sqlx::query_scalar(
            "SELECT b.workspace_id FROM workspace_agents a
             JOIN workspace_resources r ON r.id = a.resource_id
             JOIN workspace_builds b ON b.id = r.build_id
             WHERE a.id = ?1",
        )
        .bind(id(agent))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(workspace) = workspace else { return Ok(None) };
        let Some(ws) = self.get_workspace_impl(crate::common::parse_uuid(&workspace)?).await?
        else {
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

impl SqliteStore {
    async fn workspace_from_row(&self, row: &SqliteRow) -> StoreResult<Workspace> {
        let ws = get_uuid(row, "id")?;
        let latest_build = self.latest_build(ws).await?;
        Ok(Workspace {
            id: ws,
            owner_id: get_uuid(row, "owner_id")?,
            owner_name: get(row, "owner_name")?,
            organization_id: get_uuid(row, "organization_id")?,
            name: get(row, "name")?,
            created_at: get_time(row, "created_at")?,
            updated_at: get_time(row, "updated_at")?,
            latest_build,
        })
    }

    async fn latest_build(&self, ws: Uuid) -> StoreResult<WorkspaceBuild> {
        let row = sqlx::query(
            "SELECT id, build_number, transition, document, has_ai_task, has_external_agent,
                    created_at
             FROM workspace_builds WHERE workspace_id = ?1 ORDER BY build_number DESC LIMIT 1",
        )
        .bind(id(ws))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        let build = get_uuid(&row, "id")?;
        let loaded = load_build(&self.pool, build).await?;
        Ok(WorkspaceBuild {
            id: build,
            build_number: get(&row, "build_number")?,
            transition: parse_transition(&get::<String>(&row, "transition")?)?,
            document: parse_document(&get::<String>(&row, "document")?)?,
            has_ai_task: get(&row, "has_ai_task")?,
            has_external_agent: get(&row, "has_external_agent")?,
            created_at: get_time(&row, "created_at")?,
            resources: assemble(loaded),
        })
    }
}

// --- writing -----------------------------------------------------------------------------------

async fn insert_workspace(tx: &mut Tx, ws: &NewWorkspace) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workspaces (id, owner_id, organization_id, name, deleted, created_at,
                                 updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)",
    )
    .bind(id(ws.id))
    .bind(id(ws.owner_id))
    .bind(id(ws.organization_id))
    .bind(&ws.name)
    .bind(micros(ws.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    Ok(())
}

async fn insert_build(tx: &mut Tx, ws: Uuid, build: &WorkspaceBuild) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workspace_builds (id, workspace_id, build_number, transition, document,
                                       has_ai_task, has_external_agent, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(id(build.id))
    .bind(id(ws))
    .bind(build.build_number)
    .bind(build.transition.as_str())
    .bind(build.document.as_str())
    .bind(build.has_ai_task)
    .bind(build.has_external_agent)
    .bind(micros(build.created_at))
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(id(r.id))
        .bind(id(build))
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20, ?21)",
        )
        .bind(id(a.id))
        .bind(id(row.resource_id))
        .bind(opt_id(row.parent))
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
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(id(row.agent_id))
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20)",
    )
    .bind(id(app.id))
    .bind(id(row.agent_id))
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .bind(id(s.id))
    .bind(id(row.agent_id))
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(id(dc.id))
    .bind(id(row.agent_id))
    .bind(row.ordinal)
    .bind(&dc.terraform_id)
    .bind(&dc.terraform_subagent_id)
    .bind(&dc.name)
    .bind(&dc.workspace_folder)
    .bind(&dc.config_path)
    .bind(opt_id(dc.subagent.as_ref().map(|s| s.id)))
    .execute(&mut **tx)
    .await
    .map_err(|e| WORKSPACE_ERRORS.map(e))?;
    Ok(())
}

// --- reading -----------------------------------------------------------------------------------

/// Joins that scope a child table to one build, ordered like the tree.
const AGENT_SCOPE: &str = "JOIN workspace_agents a ON a.id = t.agent_id
    JOIN workspace_resources r ON r.id = a.resource_id
    WHERE r.build_id = ?1 ORDER BY r.ordinal, a.ordinal, t.ordinal";

async fn fetch(pool: &SqlitePool, sql: &str, build: Uuid) -> StoreResult<Vec<SqliteRow>> {
    sqlx::query(sql).bind(id(build)).fetch_all(pool).await.map_err(db_error)
}

async fn load_build(pool: &SqlitePool, build: Uuid) -> StoreResult<LoadedBuild> {
    let resources = fetch(
        pool,
        "SELECT * FROM workspace_resources WHERE build_id = ?1 ORDER BY ordinal",
        build,
    )
    .await?;
    let agents = fetch(
        pool,
        "SELECT a.* FROM workspace_agents a JOIN workspace_resources r ON r.id = a.resource_id
         WHERE r.build_id = ?1 ORDER BY r.ordinal, a.ordinal",
        build,
    )
    .await?;
    let apps =
        fetch(pool, &format!("SELECT t.* FROM workspace_apps t {AGENT_SCOPE}"), build).await?;
    let scripts =
        fetch(pool, &format!("SELECT t.* FROM workspace_agent_scripts t {AGENT_SCOPE}"), build)
            .await?;
    let envs = fetch(pool, &format!("SELECT t.* FROM workspace_agent_envs t {AGENT_SCOPE}"), build)
        .await?;
    let devcontainers = fetch(
        pool,
        &format!("SELECT t.* FROM workspace_agent_devcontainers t {AGENT_SCOPE}"),
        build,
    )
    .await?;
    Ok(LoadedBuild {
        resources: resources.iter().map(resource_from_row).collect::<StoreResult<_>>()?,
        agents: agents.iter().map(agent_from_row).collect::<StoreResult<_>>()?,
        apps: apps.iter().map(app_from_row).collect::<StoreResult<_>>()?,
        scripts: scripts.iter().map(script_from_row).collect::<StoreResult<_>>()?,
        envs: envs.iter().map(env_from_row).collect::<StoreResult<_>>()?,
        devcontainers: devcontainers
            .iter()
            .map(devcontainer_from_row)
            .collect::<StoreResult<_>>()?,
    })
}

fn resource_from_row(row: &SqliteRow) -> StoreResult<WorkspaceResource> {
    Ok(WorkspaceResource {
        id: get_uuid(row, "id")?,
        address: get(row, "address")?,
        name: get(row, "name")?,
        resource_type: get(row, "type")?,
        module_path: get(row, "module_path")?,
        instance_type: get(row, "instance_type")?,
        hide: get(row, "hide")?,
        icon: get(row, "icon")?,
        daily_cost: get(row, "daily_cost")?,
        metadata: parse_resource_metadata(&get::<String>(row, "metadata")?)?,
        agents: Vec::new(),
    })
}

fn agent_from_row(row: &SqliteRow) -> StoreResult<(Uuid, Option<Uuid>, WorkspaceAgent)> {
    let auth = parse_auth(
        &get::<String>(row, "auth_method")?,
        get(row, "auth_token_hash")?,
        get(row, "auth_instance_id")?,
    )?;
    let agent = WorkspaceAgent {
        id: get_uuid(row, "id")?,
        terraform_id: get(row, "terraform_id")?,
        name: get(row, "name")?,
        auth,
        operating_system: get(row, "operating_system")?,
        architecture: get(row, "architecture")?,
        directory: get(row, "directory")?,
        env: parse_env(&get::<String>(row, "env")?)?,
        connection_timeout_seconds: get(row, "connection_timeout_seconds")?,
        troubleshooting_url: get(row, "troubleshooting_url")?,
        motd_file: get(row, "motd_file")?,
        display_apps: parse_display_apps(&get::<String>(row, "display_apps")?)?,
        metadata: parse_agent_metadata(&get::<String>(row, "metadata")?)?,
        resources_monitoring: parse_monitoring(&get::<String>(row, "resources_monitoring")?)?,
        api_key_scope: get(row, "api_key_scope")?,
        order: get(row, "display_order")?,
        scripts: Vec::new(),
        extra_envs: Vec::new(),
        apps: Vec::new(),
        devcontainers: Vec::new(),
    };
    Ok((get_uuid(row, "resource_id")?, opt_uuid(row, "parent_agent_id")?, agent))
}

fn app_from_row(row: &SqliteRow) -> StoreResult<(Uuid, WorkspaceApp)> {
    let app = WorkspaceApp {
        id: get_uuid(row, "id")?,
        terraform_id: get(row, "terraform_id")?,
        slug: get(row, "slug")?,
        display_name: get(row, "display_name")?,
        command: get(row, "command")?,
        url: get(row, "url")?,
        icon: get(row, "icon")?,
        group: get(row, "group_name")?,
        tooltip: get(row, "tooltip")?,
        order: get(row, "display_order")?,
        subdomain: get(row, "subdomain")?,
        external: get(row, "external")?,
        hidden: get(row, "hidden")?,
        sharing_level: parse_sharing(&get::<String>(row, "sharing_level")?)?,
        open_in: parse_open_in(&get::<String>(row, "open_in")?)?,
        healthcheck: healthcheck(
            get(row, "healthcheck_url")?,
            get(row, "healthcheck_interval")?,
            get(row, "healthcheck_threshold")?,
        ),
    };
    Ok((get_uuid(row, "agent_id")?, app))
}

fn script_from_row(row: &SqliteRow) -> StoreResult<(Uuid, AgentScript)> {
    let script = AgentScript {
        id: get_uuid(row, "id")?,
        display_name: get(row, "display_name")?,
        icon: get(row, "icon")?,
        script: get(row, "script")?,
        cron: get(row, "cron")?,
        log_path: get(row, "log_path")?,
        run_on_start: get(row, "run_on_start")?,
        run_on_stop: get(row, "run_on_stop")?,
        start_blocks_login: get(row, "start_blocks_login")?,
        timeout_seconds: get(row, "timeout_seconds")?,
    };
    Ok((get_uuid(row, "agent_id")?, script))
}

fn env_from_row(row: &SqliteRow) -> StoreResult<(Uuid, AgentEnv)> {
    let env = AgentEnv {
        name: get(row, "name")?,
        value: get(row, "value")?,
        merge_strategy: get(row, "merge_strategy")?,
    };
    Ok((get_uuid(row, "agent_id")?, env))
}

fn devcontainer_from_row(row: &SqliteRow) -> StoreResult<(Uuid, Option<Uuid>, Devcontainer)> {
    let dc = Devcontainer {
        id: get_uuid(row, "id")?,
        terraform_id: get(row, "terraform_id")?,
        terraform_subagent_id: get(row, "terraform_subagent_id")?,
        name: get(row, "name")?,
        workspace_folder: get(row, "workspace_folder")?,
        config_path: get(row, "config_path")?,
        subagent: None,
    };
    Ok((get_uuid(row, "agent_id")?, opt_uuid(row, "subagent_id")?, dc))
}
