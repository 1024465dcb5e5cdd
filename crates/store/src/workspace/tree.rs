//! A build's resource tree flattened into table rows for insertion (in an order that satisfies
//! every foreign key), and the rows assembled back into the tree.

use crate::*;
use std::collections::HashMap;
use uuid::Uuid;

// --- flattening --------------------------------------------------------------------------------

/// One agent row: `parent` is set for a devcontainer's sub-agent.
pub(crate) struct AgentRow<'a> {
    pub resource_id: Uuid,
    pub parent: Option<Uuid>,
    pub ordinal: i32,
    pub agent: &'a WorkspaceAgent,
}

pub(crate) struct ChildRow<'a, T> {
    pub agent_id: Uuid,
    pub ordinal: i32,
    pub item: &'a T,
}

/// A build's rows in an order that satisfies every foreign key: parents before sub-agents,
/// sub-agents before the devcontainers that point at them.
#[derive(Default)]
pub(crate) struct FlatBuild<'a> {
    pub resources: Vec<(i32, &'a WorkspaceResource)>,
    pub agents: Vec<AgentRow<'a>>,
    pub apps: Vec<ChildRow<'a, WorkspaceApp>>,
    pub scripts: Vec<ChildRow<'a, AgentScript>>,
    pub envs: Vec<ChildRow<'a, AgentEnv>>,
    pub devcontainers: Vec<ChildRow<'a, Devcontainer>>,
}

pub(crate) fn flatten(build: &WorkspaceBuild) -> StoreResult<FlatBuild<'_>> {
    let mut flat = FlatBuild::default();
    for (i, resource) in build.resources.iter().enumerate() {
        flat.resources.push((ordinal(i)?, resource));
        for (j, agent) in resource.agents.iter().enumerate() {
            flat.push_agent(resource.id, None, ordinal(j)?, agent)?;
        }
    }
    for resource in &build.resources {
        for agent in &resource.agents {
            for (k, dc) in agent.devcontainers.iter().enumerate() {
                if let Some(sub) = dc.subagent.as_deref() {
                    flat.push_agent(resource.id, Some(agent.id), 0, sub)?;
                }
                flat.devcontainers.push(ChildRow {
                    agent_id: agent.id,
                    ordinal: ordinal(k)?,
                    item: dc,
                });
            }
        }
    }
    Ok(flat)
}

impl<'a> FlatBuild<'a> {
    fn push_agent(
        &mut self,
        resource_id: Uuid,
        parent: Option<Uuid>,
        ordinal_: i32,
        agent: &'a WorkspaceAgent,
    ) -> StoreResult<()> {
        self.agents.push(AgentRow { resource_id, parent, ordinal: ordinal_, agent });
        let id = agent.id;
        for (i, item) in agent.apps.iter().enumerate() {
            self.apps.push(ChildRow { agent_id: id, ordinal: ordinal(i)?, item });
        }
        for (i, item) in agent.scripts.iter().enumerate() {
            self.scripts.push(ChildRow { agent_id: id, ordinal: ordinal(i)?, item });
        }
        for (i, item) in agent.extra_envs.iter().enumerate() {
            self.envs.push(ChildRow { agent_id: id, ordinal: ordinal(i)?, item });
        }
        Ok(())
    }
}

fn ordinal(i: usize) -> StoreResult<i32> {
    i32::try_from(i).map_err(|_| Rule::ListTooLong.into())
}

// --- assembling --------------------------------------------------------------------------------

/// Rows as loaded, each list ordered by its parent's position and then its own ordinal.
#[derive(Default)]
pub(crate) struct LoadedBuild {
    pub resources: Vec<WorkspaceResource>,
    /// `(resource id, parent agent id, agent)`; the agent's lists are still empty.
    pub agents: Vec<(Uuid, Option<Uuid>, WorkspaceAgent)>,
    pub apps: Vec<(Uuid, WorkspaceApp)>,
    pub scripts: Vec<(Uuid, AgentScript)>,
    pub envs: Vec<(Uuid, AgentEnv)>,
    /// `(agent id, sub-agent id, devcontainer)`; the devcontainer's sub-agent is still `None`.
    pub devcontainers: Vec<(Uuid, Option<Uuid>, Devcontainer)>,
}

/// Puts the rows back into their tree. Rows whose parent is missing are dropped.
pub(crate) fn assemble(loaded: LoadedBuild) -> Vec<WorkspaceResource> {
    let LoadedBuild { mut resources, agents, apps, scripts, envs, devcontainers } = loaded;
    let mut top_level = Vec::new();
    let mut by_id: HashMap<Uuid, WorkspaceAgent> = HashMap::new();
    for (resource_id, parent, agent) in agents {
        if parent.is_none() {
            top_level.push((resource_id, agent.id));
        }
        by_id.insert(agent.id, agent);
    }
    for (agent_id, app) in apps {
        by_id.entry(agent_id).and_modify(|a| a.apps.push(app));
    }
    for (agent_id, script) in scripts {
        by_id.entry(agent_id).and_modify(|a| a.scripts.push(script));
    }
    for (agent_id, env) in envs {
        by_id.entry(agent_id).and_modify(|a| a.extra_envs.push(env));
    }
    for (agent_id, subagent_id, mut dc) in devcontainers {
        dc.subagent = subagent_id.and_then(|id| by_id.remove(&id)).map(Box::new);
        by_id.entry(agent_id).and_modify(|a| a.devcontainers.push(dc));
    }
    let index: HashMap<Uuid, usize> =
        resources.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for (resource_id, agent_id) in top_level {
        if let (Some(i), Some(agent)) = (index.get(&resource_id), by_id.remove(&agent_id)) {
            resources[*i].agents.push(agent);
        }
    }
    resources
}

/// The agent with `id` in a build (sub-agents included), and its parent's id.
pub(crate) fn find_agent(
    build: &WorkspaceBuild,
    id: Uuid,
) -> Option<(WorkspaceAgent, Option<Uuid>)> {
    build.agents().into_iter().find(|(a, _)| a.id == id).map(|(a, parent)| (a.clone(), parent))
}
