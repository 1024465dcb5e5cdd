//! Workspaces read back with their latest builds (and those builds' trees, when asked), in a
//! fixed number of queries (one for the latest builds, one per tree table) whatever the number
//! of workspaces.

use super::rows::{BuildRows, workspaces_from_rows};
use crate::db::{Db, Row, sql};
use crate::{StoreResult, Workspace};
use uuid::Uuid;

/// Joins that scope a child table to the builds in `$1`, ordered like each build's tree.
const AGENT_SCOPE: &str = "JOIN workspace_agents a ON a.id = t.agent_id
    JOIN workspace_resources r ON r.id = a.resource_id
    WHERE r.build_id {ANY $1} ORDER BY r.ordinal, a.ordinal, t.ordinal";

async fn fetch(db: &Db, sql_text: String, ids: &[Uuid]) -> StoreResult<Vec<Row>> {
    sql(sql_text).bind(ids).fetch_all(db).await
}

/// Whether a build is read with its resource tree or without (a summary, its `resources` empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tree {
    Full,
    Omitted,
}

/// The workspaces of `rows` with their latest builds, with or without the builds' trees.
pub(super) async fn load_workspaces(
    db: &Db,
    rows: Vec<Row>,
    tree: Tree,
) -> StoreResult<Vec<Workspace>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let workspaces = rows.iter().map(|row| row.uuid("id")).collect::<StoreResult<Vec<_>>>()?;
    let builds = fetch(
        db,
        "SELECT b.id, b.workspace_id, b.build_number, b.transition, b.document, b.has_ai_task,
                b.has_external_agent, b.created_at
         FROM workspace_builds b
         WHERE b.workspace_id {ANY $1}
           AND b.build_number = (SELECT max(l.build_number) FROM workspace_builds l
                                 WHERE l.workspace_id = b.workspace_id)"
            .to_owned(),
        &workspaces,
    )
    .await?;
    if tree == Tree::Omitted {
        return workspaces_from_rows(&rows, &builds, BuildRows::default());
    }
    let ids = builds.iter().map(|row| row.uuid("id")).collect::<StoreResult<Vec<_>>>()?;
    let resources = fetch(
        db,
        "SELECT * FROM workspace_resources WHERE build_id {ANY $1} ORDER BY ordinal".to_owned(),
        &ids,
    )
    .await?;
    let agents = fetch(
        db,
        "SELECT a.*, r.build_id FROM workspace_agents a
         JOIN workspace_resources r ON r.id = a.resource_id
         WHERE r.build_id {ANY $1} ORDER BY r.ordinal, a.ordinal"
            .to_owned(),
        &ids,
    )
    .await?;
    let child = |table: &str| format!("SELECT t.*, r.build_id FROM {table} t {AGENT_SCOPE}");
    let apps = fetch(db, child("workspace_apps"), &ids).await?;
    let scripts = fetch(db, child("workspace_agent_scripts"), &ids).await?;
    let envs = fetch(db, child("workspace_agent_envs"), &ids).await?;
    let devcontainers = fetch(db, child("workspace_agent_devcontainers"), &ids).await?;
    let tree = BuildRows { resources, agents, apps, scripts, envs, devcontainers };
    workspaces_from_rows(&rows, &builds, tree)
}
