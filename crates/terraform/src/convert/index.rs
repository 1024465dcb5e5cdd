//! Indexing the state modules once (spec §1.2): resources by address, label and type, plus the
//! discovery-order lists, so later steps never rescan every resource per item.

use std::collections::{HashMap, HashSet};

use crate::state::{StateModule, StateResource};

/// `address` cut at the first `[` (quirk kept: `module.m[0].x.y` → `module.m`).
pub fn label_of(address: &str) -> &str {
    address.split('[').next().unwrap_or(address)
}

/// Whether a resource may host an agent or carry metadata: managed, and not a Coder
/// resource other than `coder_external_agent`.
fn can_host(res: &StateResource) -> bool {
    res.is_managed() && (!res.type_.starts_with("coder_") || res.type_ == "coder_external_agent")
}

#[derive(Default)]
pub struct Index<'a> {
    /// One resource per address (a later module wins), sorted by address.
    pub resources: Vec<&'a StateResource>,
    by_type: HashMap<&'a str, Vec<&'a StateResource>>,
    host_labels: HashSet<&'a str>,
    pub parameters: Vec<&'a StateResource>,
    pub presets: Vec<&'a StateResource>,
    pub ai_tasks: Vec<&'a StateResource>,
}

impl<'a> Index<'a> {
    pub fn build(modules: &[&'a StateModule]) -> Self {
        let mut index = Index::default();
        let mut by_address: HashMap<&'a str, &'a StateResource> = HashMap::new();
        for module in modules {
            walk(module, |res| {
                match res.type_.as_str() {
                    "coder_parameter" => index.parameters.push(res),
                    "coder_workspace_preset" => index.presets.push(res),
                    "coder_ai_task" => index.ai_tasks.push(res),
                    _ => {}
                }
                by_address.insert(res.address.as_str(), res);
            });
        }
        let mut resources: Vec<_> = by_address.into_values().collect();
        resources.sort_by(|a, b| a.address.cmp(&b.address));
        for &res in &resources {
            index.by_type.entry(res.type_.as_str()).or_default().push(res);
            if can_host(res) {
                index.host_labels.insert(label_of(&res.address));
            }
        }
        index.resources = resources;
        index
    }

    /// Resources of one type, in address order.
    pub fn of_type(&self, type_: &str) -> &[&'a StateResource] {
        self.by_type.get(type_).map_or(&[], Vec::as_slice)
    }

    /// Whether a graph label names a resource that can host agents or metadata.
    pub fn is_host_label(&self, label: &str) -> bool {
        self.host_labels.contains(label)
    }
}

/// Depth-first, child modules before the module's own resources, without recursion.
fn walk<'a>(root: &'a StateModule, mut visit: impl FnMut(&'a StateResource)) {
    let mut stack: Vec<(&'a StateModule, usize)> = vec![(root, 0)];
    while let Some((module, next_child)) = stack.pop() {
        if let Some(child) = module.child_modules.get(next_child) {
            stack.push((module, next_child + 1));
            stack.push((child, 0));
        } else {
            module.resources.iter().for_each(&mut visit);
        }
    }
}
