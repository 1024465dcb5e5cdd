//! Domain records → the wire types of `tollgate_api_types`, and request input → domain values.
//! The one place where the two meet: handlers call these, nothing else converts.

pub mod alerts;
pub mod audit;
pub mod chats;
pub mod dry_run;
pub mod identity;
pub mod limits;
pub mod limits_explain;
pub mod provisioner;
pub mod workspaces;

pub use alerts::*;
pub use identity::*;
pub use limits::*;
