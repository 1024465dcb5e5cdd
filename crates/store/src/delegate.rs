//! The trait impls of both backends, generated from one list of method signatures: every
//! [`Store`](crate::Store), [`ChatStore`](crate::ChatStore) and
//! [`WorkspaceStore`](crate::WorkspaceStore) method calls the backend's inherent `<name>_impl`
//! method, so the backends hold only those. The trait docs stay on the traits.

/// One `#[async_trait]` impl of `$trait` for `$backend`: `$extra` items verbatim, then one
/// delegating method per `fn name(args) -> Ret => target;` line.
macro_rules! delegating_impl {
    (
        $trait:ident for $backend:ty { $($extra:tt)* }
        $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty => $target:ident;)*
    ) => {
        #[async_trait::async_trait]
        impl $trait for $backend {
            $($extra)*
            $(
                async fn $name(&self, $($arg: $ty),*) -> $ret {
                    self.$target($($arg),*).await
                }
            )*
        }
    };
}

/// `impl Store`, `impl ChatStore` and `impl WorkspaceStore` for `$backend`, whose
/// [`Backend`](crate::Backend) is `$kind`.
macro_rules! delegate_store {
    ($backend:ty, $kind:expr) => {
        // A const block scopes the imports the signatures need to the generated impls.
        const _: () = {
            use crate::*;
            use tollgate_core::{
                EffectiveLimit, LimitConfig, Micros, PeriodBounds, Role, SpendScope,
            };
            use uuid::Uuid;

            crate::delegate::delegating_impl! {
                Store for $backend {
                    fn backend(&self) -> Backend {
                        $kind
                    }
                }
                fn ping() -> StoreResult<()> => ping_impl;
                // users
                fn has_any_user() -> StoreResult<bool> => has_any_user_impl;
                fn create_first_user(user: NewUser, organization: NewOrganization)
                    -> StoreResult<(User, Organization)> => create_first_user_impl;
                fn create_user(user: NewUser) -> StoreResult<User> => create_user_impl;
                fn get_user(id: Uuid) -> StoreResult<Option<User>> => get_user_impl;
                fn get_user_by_username(username: &str) -> StoreResult<Option<User>>
                    => get_user_by_username_impl;
                fn get_credentials_by_email(email: &str) -> StoreResult<Option<Credentials>>
                    => get_credentials_by_email_impl;
                fn list_users(query: &UserQuery) -> StoreResult<(Vec<User>, i64)>
                    => list_users_impl;
                fn delete_user(id: Uuid) -> StoreResult<()> => delete_user_impl;
                fn set_user_roles(id: Uuid, roles: &[Role], at: Time) -> StoreResult<User>
                    => set_user_roles_impl;
                fn touch_user_last_seen(id: Uuid, at: Time) -> StoreResult<()>
                    => touch_user_last_seen_impl;
                // organizations
                fn create_organization(org: NewOrganization) -> StoreResult<Organization>
                    => create_organization_impl;
                fn get_organization(id: Uuid) -> StoreResult<Option<Organization>>
                    => get_organization_impl;
                fn get_organization_by_name(name: &str) -> StoreResult<Option<Organization>>
                    => get_organization_by_name_impl;
                fn default_organization() -> StoreResult<Option<Organization>>
                    => default_organization_impl;
                fn list_organizations(member: Option<Uuid>) -> StoreResult<Vec<Organization>>
                    => list_organizations_impl;
                fn add_organization_member(org: Uuid, user: Uuid, at: Time) -> StoreResult<()>
                    => add_organization_member_impl;
                fn remove_organization_member(org: Uuid, user: Uuid) -> StoreResult<()>
                    => remove_organization_member_impl;
                fn is_organization_member(org: Uuid, user: Uuid) -> StoreResult<bool>
                    => is_organization_member_impl;
                // groups
                fn create_group(group: NewGroup) -> StoreResult<Group> => create_group_impl;
                fn get_group(id: Uuid) -> StoreResult<Option<Group>> => get_group_impl;
                fn list_groups(org: Uuid) -> StoreResult<Vec<Group>> => list_groups_impl;
                fn update_group(id: Uuid, patch: GroupPatch, at: Time) -> StoreResult<Group>
                    => update_group_impl;
                fn delete_group(id: Uuid) -> StoreResult<()> => delete_group_impl;
                // API tokens
                fn create_api_token(token: ApiToken) -> StoreResult<ApiToken>
                    => create_api_token_impl;
                fn get_api_token(id: &str) -> StoreResult<Option<ApiToken>>
                    => get_api_token_impl;
                fn list_api_tokens(user: Uuid) -> StoreResult<Vec<ApiToken>>
                    => list_api_tokens_impl;
                fn delete_api_token(id: &str) -> StoreResult<()> => delete_api_token_impl;
                fn touch_api_token(id: &str, at: Time) -> StoreResult<()>
                    => touch_api_token_impl;
                // spend limits
                fn get_limit_config() -> StoreResult<LimitConfigRecord> => get_limit_config_impl;
                fn update_limit_config(config: LimitConfig, at: Time)
                    -> StoreResult<LimitConfigRecord> => update_limit_config_impl;
                fn upsert_user_limit(user: Uuid, limit: Micros, at: Time)
                    -> StoreResult<UserLimit> => upsert_user_limit_impl;
                fn delete_user_limit(user: Uuid) -> StoreResult<()> => delete_user_limit_impl;
                fn list_user_limits() -> StoreResult<Vec<UserLimit>> => list_user_limits_impl;
                fn upsert_group_limit(group: Uuid, limit: Micros, at: Time)
                    -> StoreResult<GroupLimitRecord> => upsert_group_limit_impl;
                fn delete_group_limit(group: Uuid) -> StoreResult<()> => delete_group_limit_impl;
                fn list_group_limits() -> StoreResult<Vec<GroupLimitRecord>>
                    => list_group_limits_impl;
                fn resolve_limit(user: Uuid, organization: Option<Uuid>)
                    -> StoreResult<EffectiveLimit> => resolve_limit_impl;
                fn spend(user: Uuid, scope: SpendScope, bounds: PeriodBounds)
                    -> StoreResult<Micros> => spend_impl;
                fn count_unpriced_models() -> StoreResult<i64> => count_unpriced_models_impl;
                // chats (the spend ledger's source)
                fn create_chat(chat: NewChat) -> StoreResult<()> => create_chat_impl;
                fn append_chat_message(message: NewChatMessage) -> StoreResult<i64>
                    => append_chat_message_impl;
            }

            crate::delegate::delegating_impl! {
                ChatStore for $backend {}
                // providers
                fn create_provider(provider: Provider) -> StoreResult<Provider>
                    => create_provider_impl;
                fn list_providers() -> StoreResult<Vec<Provider>> => list_providers_impl;
                fn get_provider(id: Uuid) -> StoreResult<Option<Provider>> => get_provider_impl;
                fn get_provider_by_kind(kind: &str) -> StoreResult<Option<Provider>>
                    => get_provider_by_kind_impl;
                fn update_provider(id: Uuid, patch: ProviderPatch, at: Time)
                    -> StoreResult<Provider> => update_provider_impl;
                fn delete_provider(id: Uuid) -> StoreResult<()> => delete_provider_impl;
                // model configs
                fn insert_model_config(config: NewModelConfig, is_default: bool)
                    -> StoreResult<ModelConfig> => insert_model_config_impl;
                fn list_model_configs(enabled_only: bool) -> StoreResult<Vec<ModelConfig>>
                    => list_model_configs_impl;
                fn get_model_config(id: Uuid) -> StoreResult<Option<ModelConfig>>
                    => get_model_config_impl;
                fn default_model_config() -> StoreResult<Option<ModelConfig>>
                    => default_model_config_impl;
                fn update_model_config(id: Uuid, patch: ModelConfigPatch, at: Time)
                    -> StoreResult<ModelConfig> => update_model_config_impl;
                fn delete_model_config(id: Uuid) -> StoreResult<()> => delete_model_config_impl;
                // chats
                fn create_chat_with_message(chat: NewChat, first: UserMessage)
                    -> StoreResult<(Chat, ChatMessage)> => create_chat_with_message_impl;
                fn get_chat(id: Uuid) -> StoreResult<Option<Chat>> => get_chat_impl;
                fn list_chats(owner: Uuid, archived: bool, limit: i64, offset: i64)
                    -> StoreResult<Vec<Chat>> => list_chats_impl;
                fn update_chat(id: Uuid, title: Option<String>, archived: Option<bool>, at: Time)
                    -> StoreResult<Chat> => update_chat_impl;
                fn list_messages(chat: Uuid, before_id: Option<i64>, limit: i64)
                    -> StoreResult<(Vec<ChatMessage>, bool)> => list_messages_impl;
                fn messages_after(chat: Uuid, after_id: i64) -> StoreResult<Vec<ChatMessage>>
                    => messages_after_impl;
                fn list_queued(chat: Uuid) -> StoreResult<Vec<QueuedMessage>>
                    => list_queued_impl;
                fn send_message(chat: Uuid, message: UserMessage) -> StoreResult<SendOutcome>
                    => send_message_impl;
                fn edit_message(chat: Uuid, message_id: i64, message: UserMessage)
                    -> StoreResult<ChatMessage> => edit_message_impl;
                fn delete_queued(chat: Uuid, queued_id: i64) -> StoreResult<()>
                    => delete_queued_impl;
                fn promote_queued(chat: Uuid, queued_id: i64, at: Time)
                    -> StoreResult<ChatMessage> => promote_queued_impl;
                fn interrupt_chat(chat: Uuid, at: Time) -> StoreResult<Chat>
                    => interrupt_chat_impl;
                fn record_title(chat: Uuid, title: &str, call: NewChatMessage)
                    -> StoreResult<Chat> => record_title_impl;
                // the daemon
                fn claim_chat(worker: &str, at: Time) -> StoreResult<Option<Chat>>
                    => claim_chat_impl;
                fn heartbeat(chat: Uuid, worker: &str, at: Time) -> StoreResult<bool>
                    => heartbeat_impl;
                fn requeue_stale_chats(stale_before: Time, at: Time) -> StoreResult<u64>
                    => requeue_stale_chats_impl;
                fn finish_run(
                    chat: Uuid,
                    worker: &str,
                    message: Option<NewChatMessage>,
                    outcome: RunOutcome,
                    at: Time
                ) -> StoreResult<FinishedRun> => finish_run_impl;
                // costs
                fn cost_summary(user: Uuid, start: Time, end: Time) -> StoreResult<CostSummary>
                    => cost_summary_impl;
                fn cost_by_user(
                    start: Time,
                    end: Time,
                    username: Option<&str>,
                    limit: i64,
                    offset: i64
                ) -> StoreResult<(Vec<UserCost>, i64)> => cost_by_user_impl;
            }

            crate::delegate::delegating_impl! {
                WorkspaceStore for $backend {}
                fn create_workspace(workspace: NewWorkspace) -> StoreResult<Workspace>
                    => create_workspace_impl;
                fn get_workspace(id: Uuid) -> StoreResult<Option<Workspace>>
                    => get_workspace_impl;
                fn list_workspaces(owner: Option<Uuid>) -> StoreResult<Vec<Workspace>>
                    => list_workspaces_impl;
                fn get_agent_by_token_hash(hash: &TokenHash)
                    -> StoreResult<Option<AgentIdentity>> => get_agent_by_token_hash_impl;
                fn agent_manifest(agent_id: Uuid) -> StoreResult<Option<AgentManifest>>
                    => agent_manifest_impl;
            }
        };
    };
}

pub(crate) use {delegate_store, delegating_impl};
