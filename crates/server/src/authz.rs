//! The one authorizer. Every permission check in tollgate is a call to [`authorize`]; handlers
//! never compare role names.

use crate::error::ApiError;
use tollgate_core::Role;
use uuid::Uuid;

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    User(UserSubject),
    /// The chat daemon: chats, workspaces read/update, deployment config read, users' personal
    /// data read. Nothing else — in particular it cannot write limits, users or groups.
    Chatd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSubject {
    pub id: Uuid,
    pub roles: Vec<Role>,
    pub organization_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
}

/// What is acted on, with what the rules need to know about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// Every user of the deployment (listing, creating).
    Users,
    /// One user's account and personal data.
    User {
        id: Uuid,
    },
    /// One user's site roles.
    UserRoles {
        id: Uuid,
    },
    /// A user's API keys.
    ApiKey {
        owner: Uuid,
    },
    /// Every organization (creating, listing all).
    Organizations,
    Organization {
        id: Uuid,
    },
    OrganizationMember {
        organization: Uuid,
    },
    Group {
        organization: Uuid,
    },
    /// Deployment-wide settings, including spend limits and their overrides.
    DeploymentConfig,
    Chat {
        owner: Uuid,
    },
    Workspace {
        owner: Uuid,
    },
    /// Every user's workspaces (listing all).
    Workspaces,
}

impl Subject {
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Subject::User(u) => Some(u.id),
            Subject::Chatd => None,
        }
    }
}

/// `Ok` when `subject` may do `action` to `object`, else a 403.
pub fn authorize(subject: &Subject, action: Action, object: Object) -> Result<(), ApiError> {
    if allowed(subject, action, object) { Ok(()) } else { Err(ApiError::forbidden()) }
}

pub fn allowed(subject: &Subject, action: Action, object: Object) -> bool {
    match subject {
        Subject::Chatd => chatd_allows(action, object),
        Subject::User(user) => {
            user.roles.iter().any(|role| role_allows(*role, action, object))
                || member_allows(user, action, object)
        }
    }
}

fn chatd_allows(action: Action, object: Object) -> bool {
    use Action::*;
    match object {
        Object::Chat { .. } => true,
        Object::Workspace { .. } => matches!(action, Read | Update),
        Object::DeploymentConfig | Object::User { .. } | Object::Users => action == Read,
        _ => false,
    }
}

fn role_allows(role: Role, action: Action, object: Object) -> bool {
    use Action::*;
    match role {
        Role::Owner => true,
        Role::UserAdmin => {
            matches!(
                object,
                Object::Users
                    | Object::User { .. }
                    | Object::OrganizationMember { .. }
                    | Object::Group { .. }
            ) || (action == Read && matches!(object, Object::Organization { .. }))
        }
        Role::Auditor => {
            action == Read
                && matches!(
                    object,
                    Object::Users
                        | Object::User { .. }
                        | Object::Organization { .. }
                        | Object::Group { .. }
                        | Object::DeploymentConfig
                )
        }
        Role::TemplateAdmin => {
            action == Read
                && matches!(
                    object,
                    Object::Workspace { .. } | Object::Workspaces | Object::Group { .. }
                )
        }
    }
}

/// What every signed-in user may do: their own things, and read the organizations they are in.
fn member_allows(user: &UserSubject, action: Action, object: Object) -> bool {
    use Action::*;
    let in_org = |org: Uuid| user.organization_ids.contains(&org);
    match object {
        Object::User { id } => id == user.id && action == Read,
        Object::ApiKey { owner } | Object::Chat { owner } | Object::Workspace { owner } => {
            owner == user.id
        }
        Object::Organization { id } => action == Read && in_org(id),
        Object::Group { organization } => action == Read && in_org(organization),
        _ => false,
    }
}
