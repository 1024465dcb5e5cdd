//! What a store operation can fail with. No sqlx type crosses the trait, and no variant carries
//! prose for users: the server turns each variant into its HTTP answer in one place.

use std::fmt;
use thiserror::Error;
pub use tollgate_core::Rule;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The row the operation is about does not exist.
    #[error("{0} not found")]
    NotFound(Entity),
    /// A uniqueness rule was broken.
    #[error("{0} already exists")]
    Conflict(Unique),
    /// The operation breaks a rule of the data.
    #[error("rejected: {0}")]
    Rejected(Rule),
    /// A sum or an amount is beyond the money range (an i64 of micro-dollars).
    #[error("amount beyond the money range")]
    Overflow,
    /// The database could not be reached, or is too busy to answer in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database failed. Only the database's own message is kept: drivers put no bound values
    /// there, so no password or token hash can leak into an error or a log line.
    #[error("database error: {0}")]
    Database(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<Rule> for StoreError {
    fn from(rule: Rule) -> Self {
        StoreError::Rejected(rule)
    }
}

impl From<tollgate_core::MicrosError> for StoreError {
    fn from(_: tollgate_core::MicrosError) -> Self {
        StoreError::Overflow
    }
}

/// What was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    User,
    Organization,
    /// The user is not a member of the organization.
    OrganizationMember,
    Group,
    ApiKey,
    /// The user has no limit override.
    UserLimitOverride,
    /// The group has no limit.
    GroupLimitOverride,
    Provider,
    ModelConfig,
    Chat,
    ChatMessage,
    QueuedMessage,
    Workspace,
    Webhook,
    File,
    Template,
    TemplateVersion,
    ProvisionerJob,
    WorkspaceBuild,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::User => "user",
            Entity::Organization => "organization",
            Entity::OrganizationMember => "organization member",
            Entity::Group => "group",
            Entity::ApiKey => "API key",
            Entity::UserLimitOverride => "user limit override",
            Entity::GroupLimitOverride => "group limit override",
            Entity::Provider => "provider",
            Entity::ModelConfig => "model config",
            Entity::Chat => "chat",
            Entity::ChatMessage => "chat message",
            Entity::QueuedMessage => "queued message",
            Entity::Workspace => "workspace",
            Entity::Webhook => "webhook",
            Entity::File => "file",
            Entity::Template => "template",
            Entity::TemplateVersion => "template version",
            Entity::ProvisionerJob => "provisioner job",
            Entity::WorkspaceBuild => "workspace build",
        })
    }
}

/// Which uniqueness rule was broken. Each is one constraint of the schema, named identically on
/// both backends' migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unique {
    /// The deployment already has its first user.
    FirstUser,
    Username,
    Email,
    OrganizationName,
    /// Only one organization is the default.
    DefaultOrganization,
    /// Group names are unique within an organization (case-insensitively).
    GroupName,
    /// A user's token names are unique.
    TokenName,
    /// One provider row per provider kind.
    Provider,
    /// A row with this id (primary key) exists.
    Id,
    /// Workspace names are unique per owner (case-insensitively).
    WorkspaceName,
    /// An agent token belongs to one agent.
    AgentToken,
    /// Template names are unique per organization (case-insensitively).
    TemplateName,
}

impl Unique {
    /// The rule a constraint stands for, by its exact name.
    pub(crate) fn of_constraint(name: &str) -> Option<Unique> {
        Some(match name {
            "users_username_lower_key" => Unique::Username,
            "users_email_lower_key" => Unique::Email,
            "organizations_name_lower_key" => Unique::OrganizationName,
            "organizations_single_default_key" => Unique::DefaultOrganization,
            "groups_org_name_lower_key" => Unique::GroupName,
            "api_tokens_user_name_key" => Unique::TokenName,
            "chat_providers_provider_key" => Unique::Provider,
            "workspaces_owner_name_lower_key" => Unique::WorkspaceName,
            "workspace_agents_token_hash_key" => Unique::AgentToken,
            "templates_org_name_lower_key" => Unique::TemplateName,
            "users_pkey"
            | "organizations_pkey"
            | "groups_pkey"
            | "api_tokens_pkey"
            | "chat_providers_pkey"
            | "chat_model_configs_pkey"
            | "chats_pkey"
            | "workspaces_pkey"
            | "workspace_builds_pkey"
            | "workspace_resources_pkey"
            | "workspace_agents_pkey"
            | "workspace_apps_pkey"
            | "workspace_agent_scripts_pkey"
            | "workspace_agent_devcontainers_pkey" => Unique::Id,
            _ => return None,
        })
    }
}

impl fmt::Display for Unique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unique::FirstUser => "first user",
            Unique::Username => "username",
            Unique::Email => "email",
            Unique::OrganizationName => "organization name",
            Unique::DefaultOrganization => "default organization",
            Unique::GroupName => "group name",
            Unique::TokenName => "token name",
            Unique::Provider => "provider",
            Unique::Id => "id",
            Unique::WorkspaceName => "workspace name",
            Unique::AgentToken => "agent token",
            Unique::TemplateName => "template name",
        })
    }
}
