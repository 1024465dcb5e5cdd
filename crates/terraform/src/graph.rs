//! The dependency graph of `terraform graph` and the searches the conversion runs on it
//! (spec §2, §6.1). An edge `A -> B` means A depends on B.

use std::collections::{HashMap, HashSet};

/// Which way a candidate search walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards dependents (sources of edges pointing at the node): hosts of an agent.
    Up,
    /// Towards dependencies: the resource a `coder_metadata` describes.
    Down,
}

/// A parsed graph. Node ids are kept exactly as written (quotes and escapes included).
#[derive(Debug, Clone, Default)]
pub struct Graph {
    ids: Vec<Box<str>>,
    by_id: HashMap<Box<str>, usize>,
    labels: Vec<Option<Box<str>>>,
    edges: Vec<(usize, usize)>,
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    by_label: HashMap<Box<str>, usize>,
    /// Edges between `(expand)` nodes, keyed by the id tails after their last `"] "`.
    expand_edges: HashMap<(Box<str>, Box<str>), Vec<usize>>,
}

impl Graph {
    /// The node with this exact id, created if new.
    pub(crate) fn node(&mut self, id: &str) -> usize {
        if let Some(&n) = self.by_id.get(id) {
            return n;
        }
        let n = self.ids.len();
        self.ids.push(id.into());
        self.by_id.insert(id.into(), n);
        self.labels.push(None);
        n
    }

    /// Set a node's raw `label` attribute (later statements override earlier ones).
    pub(crate) fn set_label(&mut self, node: usize, raw: &str) {
        if let Some(slot) = self.labels.get_mut(node) {
            *slot = Some(raw.trim_matches('"').into());
        }
    }

    pub(crate) fn edge(&mut self, from: usize, to: usize) {
        self.edges.push((from, to));
    }

    /// Build the adjacency lists and indexes once all statements are read.
    pub(crate) fn finish(&mut self) {
        let n = self.ids.len();
        self.up = vec![Vec::new(); n];
        self.down = vec![Vec::new(); n];
        for (i, &(from, to)) in self.edges.iter().enumerate() {
            push_unique(&mut self.down[from], to);
            push_unique(&mut self.up[to], from);
            if let (Some(a), Some(b)) = (expand_tail(&self.ids[from]), expand_tail(&self.ids[to])) {
                self.expand_edges.entry((a.into(), b.into())).or_default().push(i);
            }
        }
        for (node, label) in self.labels.iter().enumerate() {
            if let Some(label) = label {
                // Terraform labels are unique; keep the first node for a repeated one.
                self.by_label.entry(label.clone()).or_insert(node);
            }
        }
    }

    pub fn node_count(&self) -> usize {
        self.ids.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The first node whose label equals `label`.
    pub fn find_by_label(&self, label: &str) -> Option<usize> {
        self.by_label.get(label).copied()
    }

    /// Every node label (quotes trimmed).
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().filter_map(|l| l.as_deref())
    }

    /// The closest node, walking `direction` from `start`, whose label `is_candidate` accepts;
    /// ties at equal distance go to the smallest label (byte order). Neighbours of `start`
    /// are at depth 0. Equivalent to Coder's exhaustive DFS, but a breadth-first search that
    /// stops after the first depth holding a candidate.
    pub fn closest(
        &self,
        start: usize,
        direction: Direction,
        mut is_candidate: impl FnMut(&str) -> bool,
    ) -> Option<&str> {
        let adjacency = match direction {
            Direction::Up => &self.up,
            Direction::Down => &self.down,
        };
        // A set, not a per-node array: the cost stays proportional to what is explored,
        // which keeps conversion linear when there are many agents.
        let mut seen: HashSet<usize> = HashSet::new();
        let mut frontier: Vec<usize> = Vec::new();
        for &n in adjacency.get(start)? {
            if seen.insert(n) {
                frontier.push(n);
            }
        }
        while !frontier.is_empty() {
            let mut best: Option<&str> = None;
            let mut next = Vec::new();
            for n in frontier.drain(..) {
                if let Some(label) = self.labels[n].as_deref()
                    && best.is_none_or(|b| label < b)
                    && is_candidate(label)
                {
                    best = Some(label);
                }
                for &m in &adjacency[n] {
                    if seen.insert(m) {
                        next.push(m);
                    }
                }
            }
            if best.is_some() {
                return best;
            }
            frontier = next;
        }
        None
    }

    /// Whether an edge runs from a node whose id ends with `] <from> (expand)"` to one whose
    /// id ends with `] <to> (expand)"` (spec §6.1, plan-mode matching).
    pub fn has_expand_edge(&self, from: &str, to: &str) -> bool {
        let want_from = format!("] {from} (expand)\"");
        let want_to = format!("] {to} (expand)\"");
        let (Some(a), Some(b)) = (expand_tail(&want_from), expand_tail(&want_to)) else {
            return false;
        };
        let Some(edges) = self.expand_edges.get(&(Box::from(a), Box::from(b))) else {
            return false;
        };
        edges.iter().any(|&i| {
            let (f, t) = self.edges[i];
            self.ids[f].ends_with(&want_from) && self.ids[t].ends_with(&want_to)
        })
    }
}

/// The part of an `(expand)` node id after its last `"] "`. Any id ending with
/// `"] X (expand)\""` shares this tail with that suffix, so it is an exact index key.
fn expand_tail(id: &str) -> Option<&str> {
    if !id.ends_with(" (expand)\"") {
        return None;
    }
    id.rfind("] ").map(|i| &id[i + 2..])
}

fn push_unique(list: &mut Vec<usize>, n: usize) {
    // Duplicate edges are rare and short-lived here; the BFS ignores repeats anyway.
    if list.last() != Some(&n) {
        list.push(n);
    }
}
