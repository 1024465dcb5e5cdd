//! Groups and their explicit members (the Everyone groups' members are implicit).

use super::orgs::require_org;
use super::users::require_user;
use super::{SqliteStore, Tx, id, opt_id};
use crate::common::{ErrCtx, db_error, micros};
use crate::identity_rows::groups_from_rows;
use crate::{Group, GroupPatch, NewGroup, StoreError, StoreResult, Time};
use sqlx::SqliteConnection;
use uuid::Uuid;

const GROUP_CONFLICTS: ErrCtx =
    ErrCtx::new("group", "organization").with(&[("name", "group name")]);

/// Groups of one organization (`?2`) or one group (`?1`), Everyone first, then by name.
const GROUPS_SQL: &str = "SELECT id, name, display_name, organization_id, avatar_url FROM groups
    WHERE id = ?1 OR organization_id = ?2
    ORDER BY (id = organization_id) DESC, lower(name), name, id";

/// Members of the same groups, system and deleted users excluded, by username.
const MEMBERS_SQL: &str = "SELECT gm.group_id, u.id, u.username, u.email, u.name, u.avatar_url
    FROM group_memberships gm
    JOIN groups g ON g.id = gm.group_id
    JOIN users u ON u.id = gm.user_id
    WHERE (g.id = ?1 OR g.organization_id = ?2) AND u.deleted = 0 AND u.is_system = 0
    ORDER BY lower(u.username), u.username, u.id";

/// Loads one group (`group`) or all of an organization's (`org`) with their members.
async fn fetch_groups(
    conn: &mut SqliteConnection,
    group: Option<Uuid>,
    org: Option<Uuid>,
) -> StoreResult<Vec<Group>> {
    let rows = sqlx::query(MEMBERS_SQL)
        .bind(opt_id(group))
        .bind(opt_id(org))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    let group_rows = sqlx::query(GROUPS_SQL)
        .bind(opt_id(group))
        .bind(opt_id(org))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    groups_from_rows(&group_rows, &rows)
}

async fn fetch_group(conn: &mut SqliteConnection, group: Uuid) -> StoreResult<Option<Group>> {
    Ok(fetch_groups(conn, Some(group), None).await?.into_iter().next())
}

/// The group's organization, or `NotFound("group")`.
async fn group_org(tx: &mut Tx, group: Uuid) -> StoreResult<Uuid> {
    let org: Option<String> =
        sqlx::query_scalar("SELECT organization_id FROM groups WHERE id = ?1")
            .bind(id(group))
            .fetch_optional(&mut **tx)
            .await
            .map_err(db_error)?;
    let org = org.ok_or(StoreError::NotFound("group"))?;
    crate::common::parse_uuid(&org)
}

fn everyone_membership_error() -> StoreError {
    StoreError::Invalid(
        "the Everyone group's members are the organization's members; change those instead"
            .to_owned(),
    )
}

async fn add_member(tx: &mut Tx, group: Uuid, org: Uuid, user: Uuid, at: Time) -> StoreResult<()> {
    require_user(tx, user).await?;
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM organization_members WHERE organization_id = ?1 AND user_id = ?2)",
    )
    .bind(id(org))
    .bind(id(user))
    .fetch_one(&mut **tx)
    .await
    .map_err(db_error)?;
    if !member {
        return Err(StoreError::Invalid(format!(
            "user {user} is not a member of the group's organization"
        )));
    }
    sqlx::query(
        "INSERT INTO group_members (group_id, user_id, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )
    .bind(id(group))
    .bind(id(user))
    .bind(micros(at))
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

async fn remove_member(tx: &mut Tx, group: Uuid, user: Uuid) -> StoreResult<()> {
    require_user(tx, user).await?;
    sqlx::query("DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2")
        .bind(id(group))
        .bind(id(user))
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn update_fields(tx: &mut Tx, group: Uuid, patch: &GroupPatch, at: Time) -> StoreResult<()> {
    sqlx::query(
        "UPDATE groups SET name = coalesce(?2, name), display_name = coalesce(?3, display_name),
                avatar_url = coalesce(?4, avatar_url), updated_at = ?5
         WHERE id = ?1",
    )
    .bind(id(group))
    .bind(&patch.name)
    .bind(&patch.display_name)
    .bind(&patch.avatar_url)
    .bind(micros(at))
    .execute(&mut **tx)
    .await
    .map_err(|e| GROUP_CONFLICTS.map(e))?;
    Ok(())
}

impl SqliteStore {
    pub(super) async fn create_group_impl(&self, group: NewGroup) -> StoreResult<Group> {
        let mut tx = self.begin().await?;
        require_org(&mut tx, group.organization_id).await?;
        sqlx::query(
            "INSERT INTO groups (id, organization_id, name, display_name, avatar_url, created_at,
                                 updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )
        .bind(id(group.id))
        .bind(id(group.organization_id))
        .bind(&group.name)
        .bind(&group.display_name)
        .bind(&group.avatar_url)
        .bind(micros(group.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| GROUP_CONFLICTS.map(e))?;
        let created = fetch_group(&mut tx, group.id).await?.ok_or(StoreError::NotFound("group"))?;
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    pub(super) async fn get_group_impl(&self, group: Uuid) -> StoreResult<Option<Group>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        fetch_group(&mut conn, group).await
    }

    pub(super) async fn list_groups_impl(&self, org: Uuid) -> StoreResult<Vec<Group>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        fetch_groups(&mut conn, None, Some(org)).await
    }

    pub(super) async fn update_group_impl(
        &self,
        group: Uuid,
        patch: GroupPatch,
        at: Time,
    ) -> StoreResult<Group> {
        let mut tx = self.begin().await?;
        let org = group_org(&mut tx, group).await?;
        let everyone = org == group;
        if everyone && (!patch.add_users.is_empty() || !patch.remove_users.is_empty()) {
            return Err(everyone_membership_error());
        }
        if everyone && patch.name.as_deref().is_some_and(|n| n != "Everyone") {
            return Err(StoreError::Invalid("the Everyone group cannot be renamed".to_owned()));
        }
        update_fields(&mut tx, group, &patch, at).await?;
        for user in &patch.add_users {
            add_member(&mut tx, group, org, *user, at).await?;
        }
        for user in &patch.remove_users {
            remove_member(&mut tx, group, *user).await?;
        }
        let updated = fetch_group(&mut tx, group).await?.ok_or(StoreError::NotFound("group"))?;
        tx.commit().await.map_err(db_error)?;
        Ok(updated)
    }

    pub(super) async fn delete_group_impl(&self, group: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        if group_org(&mut tx, group).await? == group {
            return Err(StoreError::Invalid("the Everyone group cannot be deleted".to_owned()));
        }
        // The group's members and limit go with it (ON DELETE CASCADE).
        sqlx::query("DELETE FROM groups WHERE id = ?1")
            .bind(id(group))
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }
}
