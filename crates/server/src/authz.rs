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
    /// One user's account and personal data; whether they are a site owner (only owners may
    /// change or delete an owner).
    User {
        id: Uuid,
        is_owner: bool,
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
    /// One organization: read by its members (and owners).
    Organization {
        id: Uuid,
    },
    /// The membership of `organization`: managed by owners, and by user-admins within their own
    /// organizations (else a user-admin could join any organization and read it).
    OrganizationMember {
        organization: Uuid,
    },
    /// A group of `organization` (its answers list member emails): members only, unless owner.
    Group {
        organization: Uuid,
    },
    /// Deployment-wide settings, including spend limits and their overrides.
    DeploymentConfig,
    /// The log of limit changes (limits-plus §4): owners and auditors read it; the store alone
    /// appends to it, so no subject's action writes it.
    LimitAudit,
    /// Limit events (limits-plus §6): owners and auditors read them; the store alone writes them.
    LimitEvents,
    /// Webhooks receiving limit events: owners only (a webhook sees every user's spend).
    Webhooks,
    /// Why `user`'s spend limits are what they are (limits-plus §2): read by the user, and by
    /// those who read the deployment's limits.
    LimitExplanation {
        user: Uuid,
    },
    /// An existing chat: its owner's, wherever their memberships went since.
    Chat {
        owner: Uuid,
    },
    /// A chat about to be created for `owner` in `organization`.
    NewChat {
        owner: Uuid,
        organization: Uuid,
    },
    /// Every chat (the daemon claims and requeues them).
    Chats,
    Workspace {
        owner: Uuid,
    },
    /// Every user's workspaces (listing all).
    Workspaces,
    /// A template of `organization` and its versions: template admins (and owners) author
    /// them; the organization's members read them to create workspaces.
    Template {
        organization: Uuid,
    },
    /// Uploaded template archives: their authors' (template admins and owners).
    TemplateFiles,
}

impl Object {
    /// `user` as the object of an action, with whether they are an owner.
    pub fn user(user: &tollgate_store::User) -> Object {
        Object::User { id: user.id, is_owner: user.roles.contains(&Role::Owner) }
    }
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
            user.roles.iter().any(|role| role_allows(user, *role, action, object))
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

/// What a site role adds. Only owners reach into organizations they are not in; what every
/// member may do in their own organizations is in [`member_allows`].
fn role_allows(user: &UserSubject, role: Role, action: Action, object: Object) -> bool {
    use Action::*;
    let in_org = |org: Uuid| user.organization_ids.contains(&org);
    match role {
        Role::Owner => {
            !matches!(object, Object::LimitAudit | Object::LimitEvents) || action == Read
        }
        Role::UserAdmin => match object {
            Object::Users => true,
            // Only an owner changes, suspends or deletes an owner.
            Object::User { is_owner, .. } => action == Read || !is_owner,
            Object::OrganizationMember { organization } | Object::Group { organization } => {
                in_org(organization)
            }
            _ => false,
        },
        Role::Auditor => {
            action == Read
                && matches!(
                    object,
                    Object::Users
                        | Object::User { .. }
                        | Object::DeploymentConfig
                        | Object::LimitAudit
                        | Object::LimitEvents
                        | Object::LimitExplanation { .. }
                )
        }
        Role::TemplateAdmin => match object {
            Object::Template { .. } | Object::TemplateFiles => true,
            Object::Workspace { .. } | Object::Workspaces => action == Read,
            _ => false,
        },
    }
}

/// What every signed-in user may do: their own things, read the organizations they are in and
/// those organizations' groups, and create chats there.
fn member_allows(user: &UserSubject, action: Action, object: Object) -> bool {
    use Action::*;
    let in_org = |org: Uuid| user.organization_ids.contains(&org);
    match object {
        Object::User { id, .. } | Object::LimitExplanation { user: id } => {
            id == user.id && action == Read
        }
        Object::ApiKey { owner } | Object::Chat { owner } | Object::Workspace { owner } => {
            owner == user.id
        }
        Object::NewChat { owner, organization } => {
            action == Create && owner == user.id && in_org(organization)
        }
        Object::Organization { id } => action == Read && in_org(id),
        Object::Group { organization } | Object::Template { organization } => {
            action == Read && in_org(organization)
        }
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
