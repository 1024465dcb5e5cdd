//! Which agent or devcontainer an app, env or script belongs to (spec §6.1, §6.2).
//!
//! Coder loops over every attached agent and, per agent, over its devcontainers, and takes the
//! first match. With an id to match (states) the first match is found through id indexes
//! instead, which gives the same answer in constant time. Without one (plans), matching is
//! by direct `(expand)` graph edges and the loop is kept.

use std::collections::HashMap;

use crate::graph::Graph;
use crate::model::Agent;
use crate::state::StateResource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// An agent, by arena index.
    Agent(usize),
    /// A devcontainer: the agent's arena index and the devcontainer's position.
    Devcontainer(usize, usize),
}

pub(super) struct Targets {
    order: Vec<usize>,
    /// Agent id → first position in `order` with that id.
    agent_by_id: HashMap<String, usize>,
    /// Sub-agent id → first (position in `order`, devcontainer position).
    devcontainer_by_subagent: HashMap<String, (usize, usize)>,
}

impl Targets {
    pub(super) fn build(agents: &[Agent], attached: &[usize]) -> Self {
        let mut agent_by_id = HashMap::new();
        let mut devcontainer_by_subagent = HashMap::new();
        for (pos, &a) in attached.iter().enumerate() {
            let Some(agent) = agents.get(a) else { continue };
            agent_by_id.entry(agent.id.clone()).or_insert(pos);
            for (d, dc) in agent.devcontainers.iter().enumerate() {
                devcontainer_by_subagent.entry(dc.subagent_id.clone()).or_insert((pos, d));
            }
        }
        Self { order: attached.to_vec(), agent_by_id, devcontainer_by_subagent }
    }

    /// The first agent (or, failing it, one of its devcontainers) that `res`, whose
    /// `agent_id` is `rid`, depends on.
    pub(super) fn find(
        &self,
        agents: &[Agent],
        graph: &Graph,
        rid: &str,
        res: &StateResource,
    ) -> Option<Target> {
        if rid.is_empty() {
            return self.find_by_graph(agents, graph, res);
        }
        let agent = self.agent_by_id.get(rid).copied();
        let dc = self.devcontainer_by_subagent.get(rid).copied();
        // At the same position Coder checks the agent before its devcontainers.
        let target = match (agent, dc) {
            (Some(p), Some((q, _))) if p <= q => Target::Agent(self.order[p]),
            (_, Some((q, d))) => Target::Devcontainer(self.order[q], d),
            (Some(p), None) => Target::Agent(self.order[p]),
            (None, None) => return None,
        };
        Some(target)
    }

    fn find_by_graph(
        &self,
        agents: &[Agent],
        graph: &Graph,
        res: &StateResource,
    ) -> Option<Target> {
        let from = format!("{}.{}", res.type_, res.name);
        for &a in &self.order {
            let agent = agents.get(a)?;
            if agent.id.is_empty()
                && graph.has_expand_edge(&from, &format!("coder_agent.{}", agent.name))
            {
                return Some(Target::Agent(a));
            }
            for (d, dc) in agent.devcontainers.iter().enumerate() {
                if dc.subagent_id.is_empty()
                    && graph.has_expand_edge(&from, &format!("coder_devcontainer.{}", dc.name))
                {
                    return Some(Target::Devcontainer(a, d));
                }
            }
        }
        None
    }
}
