//! The [`Store`] trait, delegating to the per-area methods of [`SqliteStore`].

use super::SqliteStore;
use crate::common::db_error;
use crate::*;
use async_trait::async_trait;
use tollgate_core::{EffectiveLimit, LimitConfig, Micros, PeriodBounds, Role, SpendScope};
use uuid::Uuid;

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }

    async fn has_any_user(&self) -> StoreResult<bool> {
        self.has_any_user_impl().await
    }

    async fn create_first_user(
        &self,
        user: NewUser,
        organization: NewOrganization,
    ) -> StoreResult<(User, Organization)> {
        self.create_first_user_impl(user, organization).await
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.create_user_impl(user).await
    }

    async fn get_user(&self, id: Uuid) -> StoreResult<Option<User>> {
        self.get_user_impl(id).await
    }

    async fn get_user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.get_user_by_username_impl(username).await
    }

    async fn get_credentials_by_email(&self, email: &str) -> StoreResult<Option<Credentials>> {
        self.get_credentials_by_email_impl(email).await
    }

    async fn list_users(&self, query: &UserQuery) -> StoreResult<(Vec<User>, i64)> {
        self.list_users_impl(query).await
    }

    async fn delete_user(&self, id: Uuid) -> StoreResult<()> {
        self.delete_user_impl(id).await
    }

    async fn set_user_roles(&self, id: Uuid, roles: &[Role], at: Time) -> StoreResult<User> {
        self.set_user_roles_impl(id, roles, at).await
    }

    async fn touch_user_last_seen(&self, id: Uuid, at: Time) -> StoreResult<()> {
        self.touch_user_last_seen_impl(id, at).await
    }

    async fn create_organization(&self, org: NewOrganization) -> StoreResult<Organization> {
        self.create_organization_impl(org).await
    }

    async fn get_organization(&self, id: Uuid) -> StoreResult<Option<Organization>> {
        self.get_organization_impl(id).await
    }

    async fn get_organization_by_name(&self, name: &str) -> StoreResult<Option<Organization>> {
        self.get_organization_by_name_impl(name).await
    }

    async fn default_organization(&self) -> StoreResult<Option<Organization>> {
        self.default_organization_impl().await
    }

    async fn list_organizations(&self, member: Option<Uuid>) -> StoreResult<Vec<Organization>> {
        self.list_organizations_impl(member).await
    }

    async fn add_organization_member(&self, org: Uuid, user: Uuid, at: Time) -> StoreResult<()> {
        self.add_organization_member_impl(org, user, at).await
    }

    async fn remove_organization_member(&self, org: Uuid, user: Uuid) -> StoreResult<()> {
        self.remove_organization_member_impl(org, user).await
    }

    async fn is_organization_member(&self, org: Uuid, user: Uuid) -> StoreResult<bool> {
        self.is_organization_member_impl(org, user).await
    }

    async fn create_group(&self, group: NewGroup) -> StoreResult<Group> {
        self.create_group_impl(group).await
    }

    async fn get_group(&self, id: Uuid) -> StoreResult<Option<Group>> {
        self.get_group_impl(id).await
    }

    async fn list_groups(&self, org: Uuid) -> StoreResult<Vec<Group>> {
        self.list_groups_impl(org).await
    }

    async fn update_group(&self, id: Uuid, patch: GroupPatch, at: Time) -> StoreResult<Group> {
        self.update_group_impl(id, patch, at).await
    }

    async fn delete_group(&self, id: Uuid) -> StoreResult<()> {
        self.delete_group_impl(id).await
    }

    async fn create_api_token(&self, token: ApiToken) -> StoreResult<ApiToken> {
        self.create_api_token_impl(token).await
    }

    async fn get_api_token(&self, id: &str) -> StoreResult<Option<ApiToken>> {
        self.get_api_token_impl(id).await
    }

    async fn list_api_tokens(&self, user: Uuid) -> StoreResult<Vec<ApiToken>> {
        self.list_api_tokens_impl(user).await
    }

    async fn delete_api_token(&self, id: &str) -> StoreResult<()> {
        self.delete_api_token_impl(id).await
    }

    async fn touch_api_token(&self, id: &str, at: Time) -> StoreResult<()> {
        self.touch_api_token_impl(id, at).await
    }

    async fn get_limit_config(&self) -> StoreResult<LimitConfigRecord> {
        self.get_limit_config_impl().await
    }

    async fn update_limit_config(
        &self,
        config: LimitConfig,
        at: Time,
    ) -> StoreResult<LimitConfigRecord> {
        self.update_limit_config_impl(config, at).await
    }

    async fn upsert_user_limit(
        &self,
        user: Uuid,
        limit: Micros,
        at: Time,
    ) -> StoreResult<UserLimit> {
        self.upsert_user_limit_impl(user, limit, at).await
    }

    async fn delete_user_limit(&self, user: Uuid) -> StoreResult<()> {
        self.delete_user_limit_impl(user).await
    }

    async fn list_user_limits(&self) -> StoreResult<Vec<UserLimit>> {
        self.list_user_limits_impl().await
    }

    async fn upsert_group_limit(
        &self,
        group: Uuid,
        limit: Micros,
        at: Time,
    ) -> StoreResult<GroupLimitRecord> {
        self.upsert_group_limit_impl(group, limit, at).await
    }

    async fn delete_group_limit(&self, group: Uuid) -> StoreResult<()> {
        self.delete_group_limit_impl(group).await
    }

    async fn list_group_limits(&self) -> StoreResult<Vec<GroupLimitRecord>> {
        self.list_group_limits_impl().await
    }

    async fn resolve_limit(
        &self,
        user: Uuid,
        organization: Option<Uuid>,
    ) -> StoreResult<EffectiveLimit> {
        self.resolve_limit_impl(user, organization).await
    }

    async fn spend(
        &self,
        user: Uuid,
        scope: SpendScope,
        bounds: PeriodBounds,
    ) -> StoreResult<Micros> {
        self.spend_impl(user, scope, bounds).await
    }

    async fn count_unpriced_models(&self) -> StoreResult<i64> {
        self.count_unpriced_models_impl().await
    }

    async fn create_chat(&self, chat: NewChat) -> StoreResult<()> {
        self.create_chat_impl(chat).await
    }

    async fn append_chat_message(&self, message: NewChatMessage) -> StoreResult<i64> {
        self.append_chat_message_impl(message).await
    }
}
