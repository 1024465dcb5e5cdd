//! Users, organizations, groups and API tokens (identity-api.md): who may act, and the groups
//! whose limits apply to them.

mod groups;
mod orgs;
pub mod records;
mod rows;
mod tokens;
mod users;

pub(crate) use orgs::require_org;
pub(crate) use users::require_user;
