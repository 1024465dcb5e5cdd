//! Users, organizations, groups and API tokens as the store reads and writes them.

use crate::Time;
use tollgate_core::Role;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Suspended,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub name: String,
    pub avatar_url: String,
    pub status: UserStatus,
    /// "password" or "none"; kept as text because Coder has more kinds than tollgate.
    pub login_type: String,
    /// Internal accounts (never counted as group members).
    pub is_system: bool,
    pub created_at: Time,
    pub updated_at: Time,
    pub last_seen_at: Option<Time>,
    /// Sorted.
    pub organization_ids: Vec<Uuid>,
    /// Sorted; `member` is implicit and never stored.
    pub roles: Vec<Role>,
}

/// A user to create. `password_hash` is already hashed by the caller; the store never sees a
/// password.
#[derive(Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub login_type: String,
    pub roles: Vec<Role>,
    pub organization_ids: Vec<Uuid>,
    pub created_at: Time,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// A user with the hash to check a password against.
#[derive(Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user.id).finish_non_exhaustive()
    }
}

/// One page of a list, taken in SQL (`LIMIT`/`OFFSET`) so a page costs only its rows. Every
/// list orders by a total order (ending in the id) so consecutive pages neither skip nor repeat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    /// At most this many rows; 0 (or less) for all of them.
    pub limit: i64,
    /// Rows skipped first.
    pub offset: i64,
}

#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Case-insensitive substring of username, email or name.
    pub search: Option<String>,
    pub page: Page,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub icon: String,
    pub is_default: bool,
    pub created_at: Time,
    pub updated_at: Time,
}

pub type NewOrganization = Organization;

#[derive(Debug, Clone, PartialEq)]
pub struct GroupMember {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub name: String,
    pub avatar_url: String,
}

/// A group. The organization's implicit Everyone group has `id == organization_id` and its
/// members are the organization's members.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub display_name: String,
    pub organization_id: Uuid,
    pub avatar_url: String,
    /// Sorted by username; system users excluded.
    pub members: Vec<GroupMember>,
    pub total_member_count: i64,
}

impl Group {
    pub fn is_everyone(&self) -> bool {
        self.id == self.organization_id
    }
}

#[derive(Debug, Clone)]
pub struct NewGroup {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub display_name: String,
    pub avatar_url: String,
    pub created_at: Time,
}

#[derive(Debug, Clone, Default)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub add_users: Vec<Uuid>,
    pub remove_users: Vec<Uuid>,
}

/// An API token. Only the hash of its secret is kept.
#[derive(Clone, PartialEq)]
pub struct ApiToken {
    /// The public half of the token, also its primary key.
    pub id: String,
    pub user_id: Uuid,
    pub name: String,
    /// Hex SHA-256 of the secret half.
    pub secret_hash: String,
    pub created_at: Time,
    pub expires_at: Time,
    pub last_used_at: Option<Time>,
    /// The key's own spend limit (gateway.md §2), besides its owner's.
    pub spend_limit: Option<KeyLimit>,
}

/// What one API key may spend per period, whatever its owner may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLimit {
    pub limit: tollgate_core::Micros,
    pub period: tollgate_core::Period,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("secret_hash", &"***")
            .finish_non_exhaustive()
    }
}
