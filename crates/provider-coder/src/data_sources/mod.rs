//! The data sources, with every attribute Coder's provider documents for them.

mod parameter;
pub mod parameter_rules;
mod preset;
mod workspace;

pub use parameter::{parameter_env, previous_parameter_env};

use crate::resource::DataSource;

/// Every data source this provider serves.
pub fn all() -> Vec<Box<dyn DataSource>> {
    vec![
        Box::new(parameter::ParameterSource),
        Box::new(workspace::Workspace),
        Box::new(workspace::WorkspaceOwner),
        Box::new(workspace::Provisioner),
        Box::new(workspace::ExternalAuth),
        Box::new(preset::Preset),
    ]
}
