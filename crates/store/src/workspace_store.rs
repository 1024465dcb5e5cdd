//! Workspaces and their builds' resource trees. Part of [`crate::Store`].

use crate::{AgentIdentity, AgentManifest, NewWorkspace, StoreResult, TokenHash, Workspace};
use async_trait::async_trait;
use uuid::Uuid;

#[async_trait]
pub trait WorkspaceStore: Send + Sync {
    /// Inserts the workspace, its first build and the build's whole resource tree in one
    /// transaction: all of it or nothing. `Conflict("workspace name")` when the owner already has
    /// a workspace of that name (case-insensitive); `Conflict("agent token")` when an agent's
    /// token hash is already stored (a token identifies exactly one agent); `NotFound("user")` /
    /// `NotFound("organization")`.
    async fn create_workspace(&self, workspace: NewWorkspace) -> StoreResult<Workspace>;

    /// The workspace with its latest build, resources in conversion order.
    async fn get_workspace(&self, id: Uuid) -> StoreResult<Option<Workspace>>;

    /// All workspaces, or only `owner`'s; ordered by owner username, then workspace name
    /// (case-insensitive), then id.
    async fn list_workspaces(&self, owner: Option<Uuid>) -> StoreResult<Vec<Workspace>>;

    /// The agent whose token hashes to `hash`.
    async fn get_agent_by_token_hash(&self, hash: &TokenHash)
    -> StoreResult<Option<AgentIdentity>>;

    /// The agent (a sub-agent too) with its workspace and owner.
    async fn agent_manifest(&self, agent_id: Uuid) -> StoreResult<Option<AgentManifest>>;
}
