//! Groups and their explicit members (the Everyone groups' members are implicit).

use super::orgs::require_org;
use super::rows::groups_from_rows;
use super::users::require_user;
use crate::db::{Ex, Tx, sql};
use crate::{
    Entity, Group, GroupPatch, NewGroup, Page, Rule, Store, StoreError, StoreResult, Time, Unique,
};
use uuid::Uuid;

/// Groups of one organization (`$2`) or one group (`$1`), Everyone first, then by name; one
/// page of them (`$3`, `$4`).
const GROUPS_SQL: &str = "SELECT id, name, display_name, organization_id, avatar_url FROM groups
    WHERE id = $1 OR organization_id = $2
    ORDER BY (id = organization_id) DESC, lower(name) {C}, name {C}, id LIMIT $3 OFFSET $4";

/// Members of the groups `$1`, system and deleted users excluded, by username.
const MEMBERS_SQL: &str = "SELECT gm.group_id, u.id, u.username, u.email, u.name, u.avatar_url
    FROM group_memberships gm
    JOIN users u ON u.id = gm.user_id
    WHERE gm.group_id {ANY $1} AND NOT u.deleted AND NOT u.is_system
    ORDER BY lower(u.username) {C}, u.username {C}, u.id";

/// Loads one group (`group`) or all of an organization's (`org`) with their members.
async fn fetch_groups(
    mut ex: Ex<'_>,
    group: Option<Uuid>,
    org: Option<Uuid>,
    page: Page,
) -> StoreResult<Vec<Group>> {
    let groups = sql(GROUPS_SQL)
        .bind(group)
        .bind(org)
        .bind(page.limit_arg())
        .bind(page.offset_arg())
        .fetch_all(ex.reborrow())
        .await?;
    let ids = groups.iter().map(|row| row.uuid("id")).collect::<StoreResult<Vec<_>>>()?;
    let members = sql(MEMBERS_SQL).bind(ids.as_slice()).fetch_all(ex).await?;
    groups_from_rows(&groups, &members)
}

async fn fetch_group(tx: &mut Tx, group: Uuid) -> StoreResult<Group> {
    let found = fetch_groups(tx.into(), Some(group), None, Page::ALL).await?.into_iter().next();
    found.ok_or(StoreError::NotFound(Entity::Group))
}

/// The group's organization, or `NotFound(Group)`. Locks the group row so concurrent patches
/// of one group apply one after the other.
async fn group_org(tx: &mut Tx, group: Uuid) -> StoreResult<Uuid> {
    let row = sql("SELECT organization_id FROM groups WHERE id = $1 {FOR_UPDATE}")
        .bind(group)
        .fetch_optional(tx)
        .await?;
    row.ok_or(StoreError::NotFound(Entity::Group))?.uuid("organization_id")
}

/// `Conflict(GroupName)` when another group of the organization has the name (case-insensitive).
async fn check_name_free<'a>(
    ex: impl Into<Ex<'a>>,
    org: Uuid,
    name: &str,
    except: Uuid,
) -> StoreResult<()> {
    let taken = sql(
        "SELECT 1 FROM groups WHERE organization_id = $1 AND lower(name) = lower($2) AND id <> $3",
    )
    .bind(org)
    .bind(name)
    .bind(except)
    .exists(ex)
    .await?;
    if taken { Err(StoreError::Conflict(Unique::GroupName)) } else { Ok(()) }
}

async fn add_member(tx: &mut Tx, group: Uuid, org: Uuid, user: Uuid, at: Time) -> StoreResult<()> {
    require_user(tx, user).await?;
    // FOR SHARE holds off a concurrent removal from the organization until we commit.
    let member = sql("SELECT 1 FROM organization_members WHERE organization_id = $1 AND user_id = $2 {FOR_SHARE}")
        .bind(org)
        .bind(user)
        .exists(&mut *tx)
        .await?;
    if !member {
        return Err(Rule::NotOrganizationMember.into());
    }
    sql("INSERT INTO group_members (group_id, user_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING")
    .bind(group)
    .bind(user)
    .bind(at)
    .execute(tx)
    .await
    .map(drop)
}

async fn remove_member(tx: &mut Tx, group: Uuid, user: Uuid) -> StoreResult<()> {
    require_user(tx, user).await?;
    sql("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group)
        .bind(user)
        .execute(tx)
        .await
        .map(drop)
}

async fn update_fields(
    tx: &mut Tx,
    group: Uuid,
    org: Uuid,
    patch: &GroupPatch,
    at: Time,
) -> StoreResult<()> {
    if let Some(name) = &patch.name {
        check_name_free(&mut *tx, org, name, group).await?;
    }
    sql("UPDATE groups SET name = coalesce($2, name), display_name = coalesce($3, display_name),
            avatar_url = coalesce($4, avatar_url), updated_at = $5
         WHERE id = $1")
    .bind(group)
    .bind(&patch.name)
    .bind(&patch.display_name)
    .bind(&patch.avatar_url)
    .bind(at)
    .execute(tx)
    .await
    .map(drop)
}

/// The Everyone group's members are the organization's, and it keeps its name.
fn check_everyone_patch(patch: &GroupPatch) -> StoreResult<()> {
    if !patch.add_users.is_empty() || !patch.remove_users.is_empty() {
        return Err(Rule::EveryoneGroupMembers.into());
    }
    if patch.name.as_deref().is_some_and(|n| n != "Everyone") {
        return Err(Rule::EveryoneGroupRename.into());
    }
    Ok(())
}

impl Store {
    /// `Conflict(GroupName)` within the organization (including "Everyone");
    /// `NotFound(Organization)`.
    pub async fn create_group(&self, group: NewGroup) -> StoreResult<Group> {
        let mut tx = self.db.begin().await?;
        require_org(&mut tx, group.organization_id).await?;
        check_name_free(&mut tx, group.organization_id, &group.name, group.id).await?;
        sql("INSERT INTO groups (id, organization_id, name, display_name, avatar_url, created_at,
                                 updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)")
        .bind(group.id)
        .bind(group.organization_id)
        .bind(&group.name)
        .bind(&group.display_name)
        .bind(&group.avatar_url)
        .bind(group.created_at)
        .execute(&mut tx)
        .await?;
        let created = fetch_group(&mut tx, group.id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn get_group(&self, group: Uuid) -> StoreResult<Option<Group>> {
        let found = fetch_groups((&self.db).into(), Some(group), None, Page::ALL).await?;
        Ok(found.into_iter().next())
    }

    /// The organization's groups, Everyone first, then by name.
    pub async fn list_groups(&self, org: Uuid, page: Page) -> StoreResult<Vec<Group>> {
        fetch_groups((&self.db).into(), None, Some(org), page).await
    }

    /// Applies the whole patch in one transaction. `Rejected(NotOrganizationMember)` when adding
    /// a user who is not a member of the group's organization, `Rejected(EveryoneGroupMembers)`
    /// / `Rejected(EveryoneGroupRename)` for the Everyone group; `NotFound(Group)`;
    /// `NotFound(User)` for an unknown user id; `Conflict(GroupName)`.
    pub async fn update_group(
        &self,
        group: Uuid,
        patch: GroupPatch,
        at: Time,
    ) -> StoreResult<Group> {
        let mut tx = self.db.begin().await?;
        let org = group_org(&mut tx, group).await?;
        if org == group {
            check_everyone_patch(&patch)?;
        }
        update_fields(&mut tx, group, org, &patch, at).await?;
        for user in &patch.add_users {
            add_member(&mut tx, group, org, *user, at).await?;
        }
        for user in &patch.remove_users {
            remove_member(&mut tx, group, *user).await?;
        }
        let updated = fetch_group(&mut tx, group).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Deletes the group with its members and limit. `Rejected(EveryoneGroupDelete)`;
    /// `NotFound(Group)`.
    pub async fn delete_group(&self, group: Uuid, by: &crate::LimitChange<'_>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        if group_org(&mut tx, group).await? == group {
            return Err(Rule::EveryoneGroupDelete.into());
        }
        // Its limit goes with it (ON DELETE CASCADE): logged as a removal.
        crate::spend::log_group_limit_removal(&mut tx, group, by).await?;
        sql("DELETE FROM groups WHERE id = $1").bind(group).execute(&mut tx).await?;
        tx.commit().await
    }
}
