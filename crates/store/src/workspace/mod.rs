//! Workspaces and their builds' resource trees (the Terraform conversion's output), with the
//! agents' hashed tokens.

mod columns;
mod jobs;
mod read;
pub mod records;
mod rows;
mod tree;
mod write;

use crate::common::trunc_micros;
use crate::db::sql;
use crate::identity::require_org;
use crate::*;
use read::Tree;
use rows::identity_from_row;
use uuid::Uuid;

const WORKSPACE_SELECT: &str = "SELECT w.id, w.owner_id, u.username AS owner_name,
    w.organization_id, w.name, w.created_at, w.updated_at
    FROM workspaces w JOIN users u ON u.id = w.owner_id";

impl Store {
    /// Inserts the workspace, its first build and the build's whole resource tree in one
    /// transaction: all of it or nothing. `Conflict(WorkspaceName)` when the owner already has a
    /// workspace of that name (case-insensitive); `Conflict(AgentToken)` when an agent's token
    /// hash is already stored (a token identifies exactly one agent); `NotFound(User)` /
    /// `NotFound(Organization)`.
    pub async fn create_workspace(&self, ws: NewWorkspace) -> StoreResult<Workspace> {
        let flat = tree::flatten(&ws.build)?;
        let mut tx = self.db.begin().await?;
        let owner_name = write::owner_name(&mut tx, ws.owner_id).await?;
        require_org(&mut tx, ws.organization_id).await?;
        write::check_unique(&mut tx, &ws, &flat).await?;
        write::insert_workspace(&mut tx, &ws).await?;
        write::insert_resources(&mut tx, ws.build.id, &flat).await?;
        write::insert_agents(&mut tx, &flat).await?;
        write::insert_children(&mut tx, &flat).await?;
        tx.commit().await?;
        drop(flat);
        // What was written, as reading it back would give it (times at the stored precision):
        // a big build's tree is not read a second time into memory.
        let created_at = trunc_micros(ws.created_at);
        let mut build = ws.build;
        build.created_at = trunc_micros(build.created_at);
        Ok(Workspace {
            id: ws.id,
            owner_id: ws.owner_id,
            owner_name,
            organization_id: ws.organization_id,
            name: ws.name,
            created_at,
            updated_at: created_at,
            latest_build: build,
        })
    }

    /// The workspace with its latest build, resources in conversion order.
    pub async fn get_workspace(&self, ws: Uuid) -> StoreResult<Option<Workspace>> {
        let row = sql(format!("{WORKSPACE_SELECT} WHERE w.id = $1 AND NOT w.deleted"))
            .bind(ws)
            .fetch_optional(&self.db)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(read::load_workspaces(&self.db, vec![row], Tree::Full).await?.pop())
    }

    /// One page of all workspaces, or of `owner`'s, as summaries: each latest build without its
    /// resource tree (`resources` empty; a tree can run to megabytes, `get_workspace` reads it).
    /// Ordered by owner username, then workspace name (case-insensitive), then id; the count
    /// ignores the page.
    pub async fn list_workspaces(
        &self,
        owner: Option<Uuid>,
        page: Page,
    ) -> StoreResult<(Vec<Workspace>, i64)> {
        const FILTER: &str = "NOT w.deleted AND ($1 IS NULL OR w.owner_id = $1)";
        let count = sql(format!(
            "SELECT count(*) AS n FROM workspaces w JOIN users u ON u.id = w.owner_id
             WHERE {FILTER}"
        ))
        .bind(owner)
        .fetch_one(&self.db)
        .await?
        .bigint("n")?;
        let rows = sql(format!(
            "{WORKSPACE_SELECT} WHERE {FILTER}
             ORDER BY lower(u.username) {{C}}, lower(w.name) {{C}}, w.id LIMIT $2 OFFSET $3"
        ))
        .bind(owner)
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        Ok((read::load_workspaces(&self.db, rows, Tree::Omitted).await?, count))
    }

    /// The agent whose token hashes to `hash`.
    pub async fn get_agent_by_token_hash(
        &self,
        hash: &TokenHash,
    ) -> StoreResult<Option<AgentIdentity>> {
        let row = sql("SELECT a.id AS agent_id, w.id AS workspace_id, w.owner_id
             FROM workspace_agents a
             JOIN workspace_resources r ON r.id = a.resource_id
             JOIN workspace_builds b ON b.id = r.build_id
             JOIN workspaces w ON w.id = b.workspace_id
             JOIN users u ON u.id = w.owner_id
             WHERE a.auth_token_hash = $1 AND NOT w.deleted AND NOT u.deleted")
        .bind(hash.as_str())
        .fetch_optional(&self.db)
        .await?;
        row.as_ref().map(identity_from_row).transpose()
    }

    /// The agent (a sub-agent too) with its workspace and owner.
    pub async fn agent_manifest(&self, agent: Uuid) -> StoreResult<Option<AgentManifest>> {
        let row = sql("SELECT b.workspace_id FROM workspace_agents a
             JOIN workspace_resources r ON r.id = a.resource_id
             JOIN workspace_builds b ON b.id = r.build_id
             WHERE a.id = $1")
        .bind(agent)
        .fetch_optional(&self.db)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(ws) = self.get_workspace(row.uuid("workspace_id")?).await? else {
            return Ok(None);
        };
        Ok(tree::find_agent(&ws.latest_build, agent).map(|(agent, parent_agent_id)| {
            AgentManifest {
                workspace_id: ws.id,
                workspace_name: ws.name.clone(),
                owner_id: ws.owner_id,
                owner_name: ws.owner_name.clone(),
                parent_agent_id,
                agent,
            }
        }))
    }
}
