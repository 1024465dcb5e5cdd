//! Workspace rows → records: workspaces, their latest builds and the builds' trees.

use super::columns::*;
use super::tree::LoadedBuild;
use crate::db::Row;
use crate::*;
use std::collections::HashMap;
use uuid::Uuid;

/// A workspace row (`id` already read, to load its latest build first) with that build.
pub(crate) fn workspace_from_row(
    row: &Row,
    id: Uuid,
    latest_build: WorkspaceBuild,
) -> StoreResult<Workspace> {
    Ok(Workspace {
        id,
        owner_id: row.uuid("owner_id")?,
        owner_name: row.text("owner_name")?,
        organization_id: row.uuid("organization_id")?,
        name: row.text("name")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
        latest_build,
    })
}

/// Workspaces (in the order of `workspaces`) from their rows, the rows of their latest builds
/// (each naming its `workspace_id`) and those builds' tables' rows (each naming its `build_id`).
pub(crate) fn workspaces_from_rows(
    workspaces: &[Row],
    builds: &[Row],
    tree: BuildRows,
) -> StoreResult<Vec<Workspace>> {
    let mut trees = tree.by_build()?;
    let mut latest = HashMap::with_capacity(builds.len());
    for row in builds {
        let id = row.uuid("id")?;
        let loaded = trees.remove(&id).unwrap_or_default().decode()?;
        latest.insert(row.uuid("workspace_id")?, build_from_row(row, id, loaded)?);
    }
    workspaces
        .iter()
        .map(|row| {
            let id = row.uuid("id")?;
            // Every workspace is created with its first build.
            let build = latest
                .remove(&id)
                .ok_or_else(|| StoreError::Database("expected row not found".to_owned()))?;
            workspace_from_row(row, id, build)
        })
        .collect()
}

/// A build row (`id` already read, to load its tree first) with its loaded rows.
pub(crate) fn build_from_row(
    row: &Row,
    id: Uuid,
    loaded: LoadedBuild,
) -> StoreResult<WorkspaceBuild> {
    Ok(WorkspaceBuild {
        id,
        build_number: row.int("build_number")?,
        transition: parse_transition(&row.text("transition")?)?,
        document: parse_document(&row.text("document")?)?,
        has_ai_task: row.flag("has_ai_task")?,
        has_external_agent: row.flag("has_external_agent")?,
        created_at: row.time("created_at")?,
        resources: super::tree::assemble(loaded),
    })
}

pub(crate) fn identity_from_row(row: &Row) -> StoreResult<AgentIdentity> {
    Ok(AgentIdentity {
        agent_id: row.uuid("agent_id")?,
        workspace_id: row.uuid("workspace_id")?,
        owner_id: row.uuid("owner_id")?,
    })
}

/// The rows of one build's tables (or of several builds', each row naming its `build_id`), as
/// each backend fetched them.
#[derive(Default)]
pub(crate) struct BuildRows {
    pub resources: Vec<Row>,
    pub agents: Vec<Row>,
    pub apps: Vec<Row>,
    pub scripts: Vec<Row>,
    pub envs: Vec<Row>,
    pub devcontainers: Vec<Row>,
}

impl BuildRows {
    /// Splits several builds' rows by their `build_id`, keeping each table's order.
    fn by_build(self) -> StoreResult<HashMap<Uuid, BuildRows>> {
        fn split(
            out: &mut HashMap<Uuid, BuildRows>,
            rows: Vec<Row>,
            table: fn(&mut BuildRows) -> &mut Vec<Row>,
        ) -> StoreResult<()> {
            for row in rows {
                table(out.entry(row.uuid("build_id")?).or_default()).push(row);
            }
            Ok(())
        }
        let mut out = HashMap::new();
        split(&mut out, self.resources, |b| &mut b.resources)?;
        split(&mut out, self.agents, |b| &mut b.agents)?;
        split(&mut out, self.apps, |b| &mut b.apps)?;
        split(&mut out, self.scripts, |b| &mut b.scripts)?;
        split(&mut out, self.envs, |b| &mut b.envs)?;
        split(&mut out, self.devcontainers, |b| &mut b.devcontainers)?;
        Ok(out)
    }

    pub(crate) fn decode(&self) -> StoreResult<LoadedBuild> {
        fn all<T>(rows: &[Row], f: fn(&Row) -> StoreResult<T>) -> StoreResult<Vec<T>> {
            rows.iter().map(f).collect()
        }
        Ok(LoadedBuild {
            resources: all(&self.resources, resource_from_row)?,
            agents: all(&self.agents, agent_from_row)?,
            apps: all(&self.apps, app_from_row)?,
            scripts: all(&self.scripts, script_from_row)?,
            envs: all(&self.envs, env_from_row)?,
            devcontainers: all(&self.devcontainers, devcontainer_from_row)?,
        })
    }
}

fn resource_from_row(row: &Row) -> StoreResult<WorkspaceResource> {
    Ok(WorkspaceResource {
        id: row.uuid("id")?,
        address: row.text("address")?,
        name: row.text("name")?,
        resource_type: row.text("type")?,
        module_path: row.text("module_path")?,
        instance_type: row.text("instance_type")?,
        hide: row.flag("hide")?,
        icon: row.text("icon")?,
        daily_cost: row.int("daily_cost")?,
        metadata: parse_resource_metadata(row.json("metadata")?)?,
        agents: Vec::new(),
    })
}

fn agent_from_row(row: &Row) -> StoreResult<(Uuid, Option<Uuid>, WorkspaceAgent)> {
    let auth = parse_auth(
        &row.text("auth_method")?,
        row.opt_text("auth_token_hash")?,
        row.opt_text("auth_instance_id")?,
    )?;
    let agent = WorkspaceAgent {
        id: row.uuid("id")?,
        terraform_id: row.text("terraform_id")?,
        name: row.text("name")?,
        auth,
        operating_system: row.text("operating_system")?,
        architecture: row.text("architecture")?,
        directory: row.text("directory")?,
        env: parse_env(row.json("env")?)?,
        connection_timeout_seconds: row.int("connection_timeout_seconds")?,
        troubleshooting_url: row.text("troubleshooting_url")?,
        motd_file: row.text("motd_file")?,
        display_apps: parse_display_apps(row.json("display_apps")?)?,
        metadata: parse_agent_metadata(row.json("metadata")?)?,
        resources_monitoring: parse_monitoring(row.json("resources_monitoring")?)?,
        api_key_scope: row.text("api_key_scope")?,
        order: row.bigint("display_order")?,
        scripts: Vec::new(),
        extra_envs: Vec::new(),
        apps: Vec::new(),
        devcontainers: Vec::new(),
    };
    Ok((row.uuid("resource_id")?, row.opt_uuid("parent_agent_id")?, agent))
}

fn app_from_row(row: &Row) -> StoreResult<(Uuid, WorkspaceApp)> {
    let app = WorkspaceApp {
        id: row.uuid("id")?,
        terraform_id: row.text("terraform_id")?,
        slug: row.text("slug")?,
        display_name: row.text("display_name")?,
        command: row.text("command")?,
        url: row.text("url")?,
        icon: row.text("icon")?,
        group: row.text("group_name")?,
        tooltip: row.text("tooltip")?,
        order: row.bigint("display_order")?,
        subdomain: row.flag("subdomain")?,
        external: row.flag("external")?,
        hidden: row.flag("hidden")?,
        sharing_level: parse_sharing(&row.text("sharing_level")?)?,
        open_in: parse_open_in(&row.text("open_in")?)?,
        healthcheck: healthcheck(
            row.opt_text("healthcheck_url")?,
            row.int("healthcheck_interval")?,
            row.int("healthcheck_threshold")?,
        ),
    };
    Ok((row.uuid("agent_id")?, app))
}

fn script_from_row(row: &Row) -> StoreResult<(Uuid, AgentScript)> {
    let script = AgentScript {
        id: row.uuid("id")?,
        display_name: row.text("display_name")?,
        icon: row.text("icon")?,
        script: row.text("script")?,
        cron: row.text("cron")?,
        log_path: row.text("log_path")?,
        run_on_start: row.flag("run_on_start")?,
        run_on_stop: row.flag("run_on_stop")?,
        start_blocks_login: row.flag("start_blocks_login")?,
        timeout_seconds: row.int("timeout_seconds")?,
    };
    Ok((row.uuid("agent_id")?, script))
}

fn env_from_row(row: &Row) -> StoreResult<(Uuid, AgentEnv)> {
    let env = AgentEnv {
        name: row.text("name")?,
        value: row.text("value")?,
        merge_strategy: row.text("merge_strategy")?,
    };
    Ok((row.uuid("agent_id")?, env))
}

fn devcontainer_from_row(row: &Row) -> StoreResult<(Uuid, Option<Uuid>, Devcontainer)> {
    let dc = Devcontainer {
        id: row.uuid("id")?,
        terraform_id: row.text("terraform_id")?,
        terraform_subagent_id: row.text("terraform_subagent_id")?,
        name: row.text("name")?,
        workspace_folder: row.text("workspace_folder")?,
        config_path: row.text("config_path")?,
        subagent: None,
    };
    Ok((row.uuid("agent_id")?, row.opt_uuid("subagent_id")?, dc))
}
