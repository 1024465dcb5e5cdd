//! Coder's `ConvertState` (spec §1–§11). Steps run in Coder's order, so the first error is the
//! same one Coder reports: agents → devcontainers → agent instances → apps → envs → scripts →
//! metadata → resources → parameters → presets → AI tasks → external auth.

mod agents;
mod attach;
mod extras;
mod index;
mod items;
mod metadata;
mod params;
mod resources;

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, ErrorKind};
use crate::graph::Graph;
use crate::model::{Agent, State};
use crate::state::{StateModule, StateResource};

use index::Index;
pub use index::label_of;
use metadata::LabelMetadata;

/// Convert state modules and their graph into workspace resources.
///
/// `new_app_id` supplies an id for apps that have none (plans); Coder uses a random UUIDv4.
pub fn convert_modules(
    modules: &[&StateModule],
    graph: &Graph,
    new_app_id: &mut dyn FnMut() -> String,
) -> Result<State, Error> {
    let mut conv = Converter {
        index: Index::build(modules),
        graph,
        agents: Vec::new(),
        resource_agents: BTreeMap::new(),
        attached: Vec::new(),
        metadata: HashMap::new(),
        new_app_id,
    };
    conv.agents()?;
    conv.devcontainers()?;
    conv.agent_instances();
    let targets = attach::Targets::build(&conv.agents, &conv.attached);
    conv.apps(&targets)?;
    conv.envs(&targets)?;
    conv.scripts(&targets)?;
    conv.metadata()?;
    let resources = conv.resources();
    let parameters = conv.parameters()?;
    let presets = conv.presets()?;
    let ai_tasks = conv.ai_tasks()?;
    let external_auth_providers = conv.external_auth()?;
    Ok(State {
        resources,
        parameters,
        presets,
        external_auth_providers,
        has_ai_tasks: !ai_tasks.is_empty(),
        ai_tasks,
        has_external_agents: conv.has_external_agents(),
    })
}

/// The conversion's working state. Agents live in an arena because, as in Coder, every
/// instance of a host label shares the same agent objects.
struct Converter<'a, 'f> {
    index: Index<'a>,
    graph: &'a Graph,
    agents: Vec<Agent>,
    /// Host label → agent arena indices, in agent address order.
    resource_agents: BTreeMap<&'a str, Vec<usize>>,
    /// All attached agents in the order matching loops visit them (by host label).
    attached: Vec<usize>,
    metadata: HashMap<&'a str, LabelMetadata>,
    new_app_id: &'f mut dyn FnMut() -> String,
}

/// Wrap a mapstructure error as `decode <kind> attributes: …`, pointing at the resource.
fn decode_error<'r>(
    kind: &'static str,
    res: &'r StateResource,
) -> impl FnOnce(String) -> Error + 'r {
    move |detail| Error::from(ErrorKind::Decode { kind, detail }).at(&res.address)
}
