//! The managed resources, with Coder's attribute names, defaults and checks.

mod agent;
mod app;
mod misc;

pub use app::APP_SLUG_REGEX;

use crate::resource::Resource;

/// Every resource this provider serves.
pub fn all() -> Vec<Box<dyn Resource>> {
    vec![
        Box::new(agent::Agent),
        Box::new(agent::AgentInstance),
        Box::new(app::App),
        Box::new(misc::Script),
        Box::new(misc::Env),
        Box::new(misc::Metadata),
        Box::new(misc::Devcontainer),
        Box::new(misc::AiTask),
        Box::new(misc::ExternalAgent),
    ]
}
