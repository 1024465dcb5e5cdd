//! Identity rows → records (users, organizations, groups, API tokens).

use crate::common::{parse_roles, parse_status, parse_uuid_list};
use crate::db::Row;
use crate::{ApiToken, Group, GroupMember, Organization, StoreError, StoreResult, User};
use std::collections::HashMap;
use uuid::Uuid;

/// A row of the backend's user columns (roles and organization ids aggregated as text).
pub(crate) fn user_from_row(row: &Row) -> StoreResult<User> {
    Ok(User {
        id: row.uuid("id")?,
        username: row.text("username")?,
        email: row.text("email")?,
        name: row.text("name")?,
        avatar_url: row.text("avatar_url")?,
        status: parse_status(&row.text("status")?)?,
        login_type: row.text("login_type")?,
        is_system: row.flag("is_system")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
        last_seen_at: row.opt_time("last_seen_at")?,
        organization_ids: parse_uuid_list(row.opt_text("organization_ids")?.as_deref())?,
        roles: parse_roles(row.opt_text("roles")?.as_deref())?,
    })
}

pub(crate) fn org_from_row(row: &Row) -> StoreResult<Organization> {
    Ok(Organization {
        id: row.uuid("id")?,
        name: row.text("name")?,
        display_name: row.text("display_name")?,
        description: row.text("description")?,
        icon: row.text("icon")?,
        is_default: row.flag("is_default")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn member_from_row(row: &Row) -> StoreResult<(Uuid, GroupMember)> {
    let member = GroupMember {
        id: row.uuid("id")?,
        username: row.text("username")?,
        email: row.text("email")?,
        name: row.text("name")?,
        avatar_url: row.text("avatar_url")?,
    };
    Ok((row.uuid("group_id")?, member))
}

fn group_from_row(row: &Row, members: &mut HashMap<Uuid, Vec<GroupMember>>) -> StoreResult<Group> {
    let group_id = row.uuid("id")?;
    let members = members.remove(&group_id).unwrap_or_default();
    Ok(Group {
        id: group_id,
        name: row.text("name")?,
        display_name: row.text("display_name")?,
        organization_id: row.uuid("organization_id")?,
        avatar_url: row.text("avatar_url")?,
        total_member_count: i64::try_from(members.len()).unwrap_or(i64::MAX),
        members,
    })
}

/// Groups (in the order of `group_rows`) with their members (`member_rows`, each naming its
/// `group_id`, in the order they are listed).
pub(crate) fn groups_from_rows(group_rows: &[Row], member_rows: &[Row]) -> StoreResult<Vec<Group>> {
    let mut members: HashMap<Uuid, Vec<GroupMember>> = HashMap::new();
    for row in member_rows {
        let (group_id, member) = member_from_row(row)?;
        members.entry(group_id).or_default().push(member);
    }
    group_rows.iter().map(|row| group_from_row(row, &mut members)).collect()
}

pub(crate) fn token_from_row(row: &Row) -> StoreResult<ApiToken> {
    token_from_prefixed_row(row, "")
}

/// A token whose columns are named `{prefix}id`, `{prefix}user_id`… (a join with its user).
pub(crate) fn token_from_prefixed_row(row: &Row, prefix: &str) -> StoreResult<ApiToken> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(ApiToken {
        id: row.text(&col("id"))?,
        user_id: row.uuid(&col("user_id"))?,
        name: row.text(&col("name"))?,
        secret_hash: row.text(&col("secret_hash"))?,
        created_at: row.time(&col("created_at"))?,
        expires_at: row.time(&col("expires_at"))?,
        last_used_at: row.opt_time(&col("last_used_at"))?,
        spend_limit: key_limit_from_row(row, prefix)?,
    })
}

fn key_limit_from_row(row: &Row, prefix: &str) -> StoreResult<Option<crate::KeyLimit>> {
    let (Some(limit), Some(period)) = (
        row.opt_bigint(&format!("{prefix}spend_limit_micros"))?,
        row.opt_text(&format!("{prefix}spend_period"))?,
    ) else {
        return Ok(None);
    };
    let period = period
        .parse()
        .map_err(|_| StoreError::Database("stored key period is not valid".into()))?;
    Ok(Some(crate::KeyLimit { limit: tollgate_core::Micros::new(limit), period }))
}
