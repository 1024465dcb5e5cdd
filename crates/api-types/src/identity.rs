//! Users, organizations, groups and API keys, with Coder's shapes (identity-api.md).

use crate::ChatUsageLimitPeriod;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateFirstUserRequest {
    pub email: String,
    pub username: String,
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateFirstUserResponse {
    pub user_id: Uuid,
    pub organization_id: Uuid,
}

#[derive(Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct LoginWithPasswordRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct LoginWithPasswordResponse {
    pub session_token: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateUserRequest {
    pub email: String,
    pub username: String,
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub password: Option<String>,
    /// `password` (default) or `none` (API tokens only).
    #[serde(default)]
    #[ts(optional)]
    pub login_type: Option<String>,
    /// Defaults to the default organization.
    #[serde(default)]
    #[ts(optional)]
    pub organization_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Suspended,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct SlimRole {
    pub name: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub name: String,
    pub avatar_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_seen_at: Option<DateTime<Utc>>,
    pub status: UserStatus,
    pub login_type: String,
    pub organization_ids: Vec<Uuid>,
    pub roles: Vec<SlimRole>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct GetUsersResponse {
    pub users: Vec<User>,
    #[ts(type = "number")]
    pub count: i64,
}

/// The full set of site roles a user should have afterwards.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct UpdateRoles {
    pub roles: Vec<String>,
}

/// A new API key: the only time its secret is shown.
#[derive(Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct GenerateApiKeyResponse {
    pub key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateTokenRequest {
    pub token_name: String,
    /// Nanoseconds, as Go's `time.Duration` travels (Coder's clients send this). Default 30 days.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub lifetime: Option<i64>,
    /// tollgate: the key's own spend limit (gateway.md §2), enforced besides its owner's.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub spend_limit_micros: Option<i64>,
    /// The period of `spend_limit_micros`: `day`, `week` or `month` (the default).
    #[serde(default)]
    #[ts(optional)]
    pub period: Option<String>,
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct ApiKey {
    pub id: String,
    pub user_id: Uuid,
    pub token_name: String,
    pub last_used: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub login_type: String,
    pub scope: String,
    #[ts(type = "number")]
    pub lifetime_seconds: i64,
    /// tollgate: the key's own spend limit and its period, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub spend_limit_micros: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period: Option<ChatUsageLimitPeriod>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub icon: String,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateOrganizationRequest {
    pub name: String,
    #[serde(default)]
    #[ts(optional)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub description: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub icon: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct OrganizationMember {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub roles: Vec<SlimRole>,
}

/// A group member as Coder lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct ReducedUser {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub name: String,
    pub avatar_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub display_name: String,
    pub organization_id: Uuid,
    pub members: Vec<ReducedUser>,
    #[ts(type = "number")]
    pub total_member_count: i64,
    pub avatar_url: String,
    /// Always `user` in tollgate (Coder also has `oidc`).
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
pub struct CreateGroupRequest {
    pub name: String,
    #[serde(default)]
    #[ts(optional)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct PatchGroupRequest {
    pub add_users: Option<Vec<Uuid>>,
    pub remove_users: Option<Vec<Uuid>>,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

crate::debug_hiding!(CreateFirstUserRequest { email, username, name } hides password);

crate::debug_hiding!(LoginWithPasswordRequest { email } hides password);

crate::debug_hiding!(LoginWithPasswordResponse {  } hides session_token);

crate::debug_hiding!(CreateUserRequest { email, username, name, login_type, organization_ids } hides password);

crate::debug_hiding!(GenerateApiKeyResponse {  } hides key);
