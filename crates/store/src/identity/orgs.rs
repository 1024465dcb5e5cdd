//! Organizations, their Everyone groups and their members.

use super::rows::org_from_row;
use super::users::{insert_membership, require_user};
use crate::common::trunc_micros;
use crate::db::{Tx, sql};
use crate::{
    Entity, NewOrganization, Organization, Page, Store, StoreError, StoreResult, Time, Unique,
};
use uuid::Uuid;

const ORG_SELECT: &str = "SELECT id, name, display_name, description, icon, is_default,
    created_at, updated_at FROM organizations";

/// The organization as it reads back: times at the microseconds both backends keep.
pub(crate) fn stored(org: NewOrganization) -> Organization {
    Organization {
        created_at: trunc_micros(org.created_at),
        updated_at: trunc_micros(org.updated_at),
        ..org
    }
}

/// Inserts the organization and its Everyone group (id = the organization's id).
/// `Conflict(OrganizationName)` (case-insensitive) or `Conflict(DefaultOrganization)`.
pub(crate) async fn insert_organization(tx: &mut Tx, org: &NewOrganization) -> StoreResult<()> {
    let taken = sql("SELECT 1 FROM organizations WHERE lower(name) = lower($1)")
        .bind(&org.name)
        .exists(&mut *tx)
        .await?;
    if taken {
        return Err(StoreError::Conflict(Unique::OrganizationName));
    }
    if org.is_default
        && sql("SELECT 1 FROM organizations WHERE is_default").exists(&mut *tx).await?
    {
        return Err(StoreError::Conflict(Unique::DefaultOrganization));
    }
    sql("INSERT INTO organizations (id, name, display_name, description, icon, is_default,
                                    created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
    .bind(org.id)
    .bind(&org.name)
    .bind(&org.display_name)
    .bind(&org.description)
    .bind(&org.icon)
    .bind(org.is_default)
    .bind(org.created_at)
    .bind(org.updated_at)
    .execute(&mut *tx)
    .await?;
    sql("INSERT INTO groups (id, organization_id, name, display_name, avatar_url, created_at,
                             updated_at)
         VALUES ($1, $1, 'Everyone', '', '', $2, $2)")
    .bind(org.id)
    .bind(org.created_at)
    .execute(tx)
    .await
    .map(drop)
}

/// `NotFound(Organization)` unless it exists.
pub(crate) async fn require_org(tx: &mut Tx, org: Uuid) -> StoreResult<()> {
    let found =
        sql("SELECT 1 FROM organizations WHERE id = $1 {FOR_SHARE}").bind(org).exists(tx).await?;
    if found { Ok(()) } else { Err(StoreError::NotFound(Entity::Organization)) }
}

impl Store {
    /// Creates the organization and its Everyone group. `Conflict(OrganizationName)`.
    pub async fn create_organization(&self, org: NewOrganization) -> StoreResult<Organization> {
        let org = stored(org);
        let mut tx = self.db.begin().await?;
        insert_organization(&mut tx, &org).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn get_organization(&self, org: Uuid) -> StoreResult<Option<Organization>> {
        let row =
            sql(format!("{ORG_SELECT} WHERE id = $1")).bind(org).fetch_optional(&self.db).await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// Case-insensitive.
    pub async fn get_organization_by_name(&self, name: &str) -> StoreResult<Option<Organization>> {
        let row = sql(format!("{ORG_SELECT} WHERE lower(name) = lower($1)"))
            .bind(name)
            .fetch_optional(&self.db)
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub async fn default_organization(&self) -> StoreResult<Option<Organization>> {
        let row = sql(format!("{ORG_SELECT} WHERE is_default")).fetch_optional(&self.db).await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// All organizations, or only those `member` belongs to; ordered by name.
    pub async fn list_organizations(
        &self,
        member: Option<Uuid>,
        page: Page,
    ) -> StoreResult<Vec<Organization>> {
        let rows = sql(format!(
            "{ORG_SELECT} WHERE $1 IS NULL OR id IN
                (SELECT organization_id FROM organization_members WHERE user_id = $1)
             ORDER BY lower(name) {{C}}, name {{C}}, id LIMIT $2 OFFSET $3"
        ))
        .bind(member)
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// Idempotent. `NotFound(Organization)` / `NotFound(User)`.
    pub async fn add_organization_member(
        &self,
        org: Uuid,
        user: Uuid,
        at: Time,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        require_org(&mut tx, org).await?;
        require_user(&mut tx, user).await?;
        insert_membership(&mut tx, org, user, at).await?;
        tx.commit().await
    }

    /// Also removes the user from the organization's groups. `NotFound(OrganizationMember)`.
    pub async fn remove_organization_member(&self, org: Uuid, user: Uuid) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let removed =
            sql("DELETE FROM organization_members WHERE organization_id = $1 AND user_id = $2")
                .bind(org)
                .bind(user)
                .execute(&mut tx)
                .await?;
        if removed == 0 {
            return Err(StoreError::NotFound(Entity::OrganizationMember));
        }
        sql("DELETE FROM group_members WHERE user_id = $2
               AND group_id IN (SELECT id FROM groups WHERE organization_id = $1)")
        .bind(org)
        .bind(user)
        .execute(&mut tx)
        .await?;
        tx.commit().await
    }

    pub async fn is_organization_member(&self, org: Uuid, user: Uuid) -> StoreResult<bool> {
        sql("SELECT 1 FROM organization_members om JOIN users u ON u.id = om.user_id
             WHERE om.organization_id = $1 AND om.user_id = $2 AND NOT u.deleted")
        .bind(org)
        .bind(user)
        .exists(&self.db)
        .await
    }
}
