//! The rows the store reads and writes, as plain domain structs (no sqlx, no serde for the wire).

use chrono::{DateTime, Utc};
use tollgate_core::{LimitConfig, Micros, Prices, Role, TokenUsage};
use uuid::Uuid;

pub type Time = DateTime<Utc>;

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

#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Case-insensitive substring of username, email or name.
    pub search: Option<String>,
    pub limit: i64,
    pub offset: i64,
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

#[derive(Debug, Clone, PartialEq)]
pub struct LimitConfigRecord {
    pub config: LimitConfig,
    pub updated_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserLimit {
    pub user_id: Uuid,
    pub username: String,
    pub name: String,
    pub avatar_url: String,
    pub limit: Micros,
    pub updated_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupLimitRecord {
    pub group_id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub display_name: String,
    pub avatar_url: String,
    /// System users excluded.
    pub member_count: i64,
    pub limit: Micros,
    pub updated_at: Time,
}

/// What a chat is doing; see chats.md §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatStatus {
    Waiting,
    Pending,
    Running,
    Error,
}

impl ChatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatStatus::Waiting => "waiting",
            ChatStatus::Pending => "pending",
            ChatStatus::Running => "running",
            ChatStatus::Error => "error",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewChat {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    pub workspace_id: Option<Uuid>,
    pub parent_chat_id: Option<Uuid>,
    pub model_config_id: Option<Uuid>,
    /// A JSON object (`{}` when none); `Invalid` otherwise.
    pub labels: serde_json::Value,
    pub title: String,
    pub status: ChatStatus,
    pub created_at: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRole {
    System,
    User,
    Assistant,
    Tool,
}

impl MessageRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::System => "system",
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
            MessageRole::Tool => "tool",
        }
    }
}

/// A message to append to a chat. Costed messages are the spend ledger: append-only.
#[derive(Debug, Clone)]
pub struct NewChatMessage {
    pub chat_id: Uuid,
    pub created_by: Option<Uuid>,
    pub model_config_id: Option<Uuid>,
    pub role: MessageRole,
    /// The message parts, as JSON (`[{"type":"text","text":"…"}]`).
    pub content: serde_json::Value,
    pub usage: Option<TokenUsage>,
    /// `None` = unpriced.
    pub total_cost: Option<Micros>,
    pub created_at: Time,
}

#[derive(Debug, Clone)]
pub struct NewModelConfig {
    pub id: Uuid,
    pub provider: String,
    pub model: String,
    pub display_name: String,
    pub enabled: bool,
    pub context_limit: i64,
    pub prices: Option<Prices>,
    pub created_at: Time,
}
