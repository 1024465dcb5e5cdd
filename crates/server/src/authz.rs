//! The one authorizer. Every permission check in tollgate is a call to [`authorize`]; handlers
//! never compare role names.

use crate::error::ApiError;
use std::sync::Arc;
use tollgate_core::Role;
use tollgate_store::Store;
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
    /// Every chat (the daemon claims and requeues them).
    Chats,
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
        Object::Chats => matches!(action, Read | Update),
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

/// The store as a subject may use it: every call goes through [`Acting::may`], so the subject's
/// rights are checked by the one authorizer before the store is touched. The chat daemon holds
/// only this, as [`Subject::Chatd`].
#[derive(Clone)]
pub struct Acting {
    store: Arc<Store>,
    subject: Subject,
}

/// The subject may not do that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{action:?} on {object:?} is not allowed for this subject")]
pub struct Forbidden {
    pub action: Action,
    pub object: Object,
}

impl Acting {
    pub fn new(store: Arc<Store>, subject: Subject) -> Self {
        Acting { store, subject }
    }

    /// The store, for `action` on `object`, if the subject may do it.
    pub fn may(&self, action: Action, object: Object) -> Result<&Store, Forbidden> {
        if allowed(&self.subject, action, object) {
            Ok(&self.store)
        } else {
            Err(Forbidden { action, object })
        }
    }
}
