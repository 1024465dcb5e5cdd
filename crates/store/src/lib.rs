//! tollgate's persistence. One [`Store`] trait with two implementations, SQLite (the embedded
//! default) and PostgreSQL (production, several replicas on one database), each owning its
//! migrations.
//!
//! Architecture invariant: only this crate speaks SQL, and no sqlx type crosses the trait.

mod chat_common;
mod chat_records;
mod chat_store;
mod common;
mod delegate;
mod error;
mod identity_rows;
mod records;
mod row;
#[cfg(feature = "testing")]
pub mod testing;
mod workspace_common;
mod workspace_records;
mod workspace_rows;
mod workspace_store;

use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{EffectiveLimit, LimitConfig, Micros, PeriodBounds, Role, SpendScope};
use uuid::Uuid;

pub use chat_records::*;
pub use chat_store::{ChatStore, MAX_QUEUED_MESSAGES};
pub use error::{StoreError, StoreResult};
pub use postgres::PostgresStore;
pub use records::*;
pub use sqlite::SqliteStore;
pub use workspace_records::*;
pub use workspace_store::WorkspaceStore;

/// Which database is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait]
pub trait Store: ChatStore + WorkspaceStore + Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Cheap round trip to the database, for health checks.
    async fn ping(&self) -> StoreResult<()>;

    // --- users ---------------------------------------------------------------------------

    async fn has_any_user(&self) -> StoreResult<bool>;

    /// Creates the deployment's first user, the default organization (with its Everyone group)
    /// and the membership, atomically. `Conflict("first user")` if any user already exists.
    async fn create_first_user(
        &self,
        user: NewUser,
        organization: NewOrganization,
    ) -> StoreResult<(User, Organization)>;

    /// `Conflict("username")` / `Conflict("email")` (case-insensitive); `NotFound("organization")`
    /// if an organization id does not exist.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn get_user(&self, id: Uuid) -> StoreResult<Option<User>>;
    /// Case-insensitive.
    async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// Case-insensitive; for login.
    async fn get_credentials_by_email(&self, email: &str) -> StoreResult<Option<Credentials>>;
    /// Ordered by username; the count ignores limit and offset.
    async fn list_users(&self, query: &UserQuery) -> StoreResult<(Vec<User>, i64)>;
    /// Deletes the user with their limit override, memberships and tokens. Their chats and spend
    /// history are kept (the ledger is append-only). `NotFound("user")`.
    async fn delete_user(&self, id: Uuid) -> StoreResult<()>;
    /// Replaces the user's whole set of site roles. `NotFound("user")`.
    async fn set_user_roles(&self, id: Uuid, roles: &[Role], at: Time) -> StoreResult<User>;
    async fn touch_user_last_seen(&self, id: Uuid, at: Time) -> StoreResult<()>;

    // --- organizations -------------------------------------------------------------------

    /// Creates the organization and its Everyone group. `Conflict("organization name")`.
    async fn create_organization(&self, org: NewOrganization) -> StoreResult<Organization>;
    async fn get_organization(&self, id: Uuid) -> StoreResult<Option<Organization>>;
    /// Case-insensitive.
    async fn get_organization_by_name(&self, name: &str) -> StoreResult<Option<Organization>>;
    async fn default_organization(&self) -> StoreResult<Option<Organization>>;
    /// All organizations, or only those `member` belongs to; ordered by name.
    async fn list_organizations(&self, member: Option<Uuid>) -> StoreResult<Vec<Organization>>;
    /// Idempotent. `NotFound("organization")` / `NotFound("user")`.
    async fn add_organization_member(&self, org: Uuid, user: Uuid, at: Time) -> StoreResult<()>;
    /// Also removes the user from the organization's groups. `NotFound("organization member")`.
    async fn remove_organization_member(&self, org: Uuid, user: Uuid) -> StoreResult<()>;
    async fn is_organization_member(&self, org: Uuid, user: Uuid) -> StoreResult<bool>;

    // --- groups --------------------------------------------------------------------------

    /// `Conflict("group name")` within the organization (including "Everyone");
    /// `NotFound("organization")`.
    async fn create_group(&self, group: NewGroup) -> StoreResult<Group>;
    async fn get_group(&self, id: Uuid) -> StoreResult<Option<Group>>;
    /// The organization's groups, Everyone first, then by name.
    async fn list_groups(&self, org: Uuid) -> StoreResult<Vec<Group>>;
    /// Applies the whole patch in one transaction. `Invalid` when adding a user who is not a
    /// member of the group's organization or when changing the Everyone group's membership;
    /// `NotFound("group")`; `NotFound("user")` for an unknown user id; `Conflict("group name")`.
    async fn update_group(&self, id: Uuid, patch: GroupPatch, at: Time) -> StoreResult<Group>;
    /// Deletes the group and its limit. `Invalid` for the Everyone group; `NotFound("group")`.
    async fn delete_group(&self, id: Uuid) -> StoreResult<()>;

    // --- API tokens ----------------------------------------------------------------------

    /// `NotFound("user")`; `Conflict("token name")` for a user's duplicate name.
    async fn create_api_token(&self, token: ApiToken) -> StoreResult<ApiToken>;
    async fn get_api_token(&self, id: &str) -> StoreResult<Option<ApiToken>>;
    /// A user's tokens, newest first.
    async fn list_api_tokens(&self, user: Uuid) -> StoreResult<Vec<ApiToken>>;
    /// `NotFound("API key")`.
    async fn delete_api_token(&self, id: &str) -> StoreResult<()>;
    async fn touch_api_token(&self, id: &str, at: Time) -> StoreResult<()>;

    // --- spend limits --------------------------------------------------------------------

    /// The deployment's limit config; it always exists (seeded disabled by the migration).
    async fn get_limit_config(&self) -> StoreResult<LimitConfigRecord>;
    async fn update_limit_config(
        &self,
        config: LimitConfig,
        at: Time,
    ) -> StoreResult<LimitConfigRecord>;
    /// Sets or replaces the user's override. `NotFound("user")`.
    async fn upsert_user_limit(
        &self,
        user: Uuid,
        limit: Micros,
        at: Time,
    ) -> StoreResult<UserLimit>;
    /// `NotFound("user")`, or `NotFound("override")` when the user has none.
    async fn delete_user_limit(&self, user: Uuid) -> StoreResult<()>;
    /// Ordered by username.
    async fn list_user_limits(&self) -> StoreResult<Vec<UserLimit>>;
    /// Sets or replaces the group's limit. `NotFound("group")`.
    async fn upsert_group_limit(
        &self,
        group: Uuid,
        limit: Micros,
        at: Time,
    ) -> StoreResult<GroupLimitRecord>;
    /// `NotFound("group")`, or `NotFound("override")` when the group has none.
    async fn delete_group_limit(&self, group: Uuid) -> StoreResult<()>;
    /// Ordered by group name.
    async fn list_group_limits(&self) -> StoreResult<Vec<GroupLimitRecord>>;

    /// The user's effective limit (spend-limits §3), resolved in one SQL statement: override,
    /// else the group policy over the user's groups (those of `organization` when given,
    /// Everyone groups included), else the default. `NotFound("user")` for an unknown user.
    async fn resolve_limit(
        &self,
        user: Uuid,
        organization: Option<Uuid>,
    ) -> StoreResult<EffectiveLimit>;

    /// Sum of the non-null `total_cost_micros` of messages created in `[start, end)` in chats
    /// the user owns (archived, sub-agent and soft-deleted messages included), within `scope`.
    async fn spend(
        &self,
        user: Uuid,
        scope: SpendScope,
        bounds: PeriodBounds,
    ) -> StoreResult<Micros>;

    /// Enabled model configs that have neither an input nor an output price.
    async fn count_unpriced_models(&self) -> StoreResult<i64>;

    // --- chats (the spend ledger's source) -----------------------------------------------

    /// `NotFound("user")` / `NotFound("organization")`.
    async fn create_chat(&self, chat: NewChat) -> StoreResult<()>;
    /// Returns the message's id (increasing). `NotFound("chat")`.
    async fn append_chat_message(&self, message: NewChatMessage) -> StoreResult<i64>;
}

/// Opens the database at `url` (`sqlite://PATH`, `sqlite::memory:`, `postgres://…`) and runs its
/// migrations.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::connect(url).await?))
    } else {
        Err(StoreError::Invalid(format!(
            "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
            redact_url(url)
        )))
    }
}

/// A database URL with its password replaced, safe to print.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

mod postgres;
mod sqlite;
