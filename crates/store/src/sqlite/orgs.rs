//! Organizations, their Everyone groups and their members.

use super::users::{insert_membership, require_user};
use super::{SqliteStore, Tx, id};
use crate::common::{ErrCtx, db_error, micros, trunc_micros};
use crate::identity_rows::org_from_row;
use crate::{NewOrganization, Organization, StoreError, StoreResult, Time};
use uuid::Uuid;

const ORG_CONFLICTS: ErrCtx = ErrCtx::new("organization", "organization")
    .with(&[("default", "default organization"), ("name", "organization name")]);

const ORG_SELECT: &str = "SELECT id, name, display_name, description, icon, is_default,
    created_at, updated_at FROM organizations";

/// Inserts the organization and its Everyone group (id = the organization's id).
pub(super) async fn insert_organization(tx: &mut Tx, org: &NewOrganization) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO organizations (id, name, display_name, description, icon, is_default,
                                    created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(id(org.id))
    .bind(&org.name)
    .bind(&org.display_name)
    .bind(&org.description)
    .bind(&org.icon)
    .bind(org.is_default)
    .bind(micros(org.created_at))
    .bind(micros(org.updated_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| ORG_CONFLICTS.map(e))?;
    sqlx::query(
        "INSERT INTO groups (id, organization_id, name, display_name, avatar_url, created_at,
                             updated_at)
         VALUES (?1, ?1, 'Everyone', '', '', ?2, ?2)",
    )
    .bind(id(org.id))
    .bind(micros(org.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| ErrCtx::new("group", "organization").map(e))?;
    Ok(())
}

/// `NotFound("organization")` unless it exists.
pub(super) async fn require_org(tx: &mut Tx, org: Uuid) -> StoreResult<()> {
    let found: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1)")
            .bind(id(org))
            .fetch_one(&mut **tx)
            .await
            .map_err(db_error)?;
    if found { Ok(()) } else { Err(StoreError::NotFound("organization")) }
}

impl SqliteStore {
    pub(super) async fn create_organization_impl(
        &self,
        org: NewOrganization,
    ) -> StoreResult<Organization> {
        let org = Organization {
            created_at: trunc_micros(org.created_at),
            updated_at: trunc_micros(org.updated_at),
            ..org
        };
        let mut tx = self.begin().await?;
        insert_organization(&mut tx, &org).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(org)
    }

    async fn fetch_org(&self, filter: &str, value: String) -> StoreResult<Option<Organization>> {
        let row = sqlx::query(&format!("{ORG_SELECT} WHERE {filter}"))
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub(super) async fn get_organization_impl(
        &self,
        org: Uuid,
    ) -> StoreResult<Option<Organization>> {
        self.fetch_org("id = ?1", id(org)).await
    }

    pub(super) async fn get_organization_by_name_impl(
        &self,
        name: &str,
    ) -> StoreResult<Option<Organization>> {
        self.fetch_org("lower(name) = lower(?1)", name.to_owned()).await
    }

    pub(super) async fn default_organization_impl(&self) -> StoreResult<Option<Organization>> {
        let row = sqlx::query(&format!("{ORG_SELECT} WHERE is_default = 1"))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub(super) async fn list_organizations_impl(
        &self,
        member: Option<Uuid>,
    ) -> StoreResult<Vec<Organization>> {
        let sql = format!(
            "{ORG_SELECT} WHERE ?1 IS NULL OR id IN
                (SELECT organization_id FROM organization_members WHERE user_id = ?1)
             ORDER BY lower(name), name, id"
        );
        let rows =
            sqlx::query(&sql).bind(member.map(id)).fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter().map(org_from_row).collect()
    }

    pub(super) async fn add_organization_member_impl(
        &self,
        org: Uuid,
        user: Uuid,
        at: Time,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        require_org(&mut tx, org).await?;
        require_user(&mut tx, user).await?;
        insert_membership(&mut tx, org, user, at).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn remove_organization_member_impl(
        &self,
        org: Uuid,
        user: Uuid,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "DELETE FROM organization_members WHERE organization_id = ?1 AND user_id = ?2",
        )
        .bind(id(org))
        .bind(id(user))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("organization member"));
        }
        sqlx::query(
            "DELETE FROM group_members WHERE user_id = ?2
               AND group_id IN (SELECT id FROM groups WHERE organization_id = ?1)",
        )
        .bind(id(org))
        .bind(id(user))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn is_organization_member_impl(
        &self,
        org: Uuid,
        user: Uuid,
    ) -> StoreResult<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM organization_members om JOIN users u ON u.id = om.user_id
                            WHERE om.organization_id = ?1 AND om.user_id = ?2 AND u.deleted = 0)",
        )
        .bind(id(org))
        .bind(id(user))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)
    }
}
