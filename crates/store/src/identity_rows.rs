//! Identity and spend-limit rows → records (users, organizations, groups, API tokens, limits),
//! shared by both backends: each backend runs its SQL and decodes its own column encodings
//! through [`ReadRow`]; the field mapping and parsing live here once.

use crate::common::{parse_period, parse_policy, parse_roles, parse_status, parse_uuid_list};
use crate::row::ReadRow;
use crate::{
    ApiToken, Group, GroupLimitRecord, GroupMember, LimitConfigRecord, Organization, StoreError,
    StoreResult, User, UserLimit,
};
use std::collections::HashMap;
use tollgate_core::{EffectiveLimit, LimitConfig, LimitSource, Micros};
use uuid::Uuid;

/// A row of the backend's user columns (roles and organization ids aggregated as text).
pub(crate) fn user_from_row(row: &impl ReadRow) -> StoreResult<User> {
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

pub(crate) fn org_from_row(row: &impl ReadRow) -> StoreResult<Organization> {
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

fn member_from_row(row: &impl ReadRow) -> StoreResult<(Uuid, GroupMember)> {
    let member = GroupMember {
        id: row.uuid("id")?,
        username: row.text("username")?,
        email: row.text("email")?,
        name: row.text("name")?,
        avatar_url: row.text("avatar_url")?,
    };
    Ok((row.uuid("group_id")?, member))
}

fn group_from_row(
    row: &impl ReadRow,
    members: &mut HashMap<Uuid, Vec<GroupMember>>,
) -> StoreResult<Group> {
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
pub(crate) fn groups_from_rows<R: ReadRow>(
    group_rows: &[R],
    member_rows: &[R],
) -> StoreResult<Vec<Group>> {
    let mut members: HashMap<Uuid, Vec<GroupMember>> = HashMap::new();
    for row in member_rows {
        let (group_id, member) = member_from_row(row)?;
        members.entry(group_id).or_default().push(member);
    }
    group_rows.iter().map(|row| group_from_row(row, &mut members)).collect()
}

pub(crate) fn token_from_row(row: &impl ReadRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: row.text("id")?,
        user_id: row.uuid("user_id")?,
        name: row.text("name")?,
        secret_hash: row.text("secret_hash")?,
        created_at: row.time("created_at")?,
        expires_at: row.time("expires_at")?,
        last_used_at: row.opt_time("last_used_at")?,
    })
}

pub(crate) fn user_limit_from_row(row: &impl ReadRow) -> StoreResult<UserLimit> {
    Ok(UserLimit {
        user_id: row.uuid("user_id")?,
        username: row.text("username")?,
        name: row.text("name")?,
        avatar_url: row.text("avatar_url")?,
        limit: Micros::new(row.bigint("spend_limit_micros")?),
        updated_at: row.time("updated_at")?,
    })
}

pub(crate) fn group_limit_from_row(row: &impl ReadRow) -> StoreResult<GroupLimitRecord> {
    Ok(GroupLimitRecord {
        group_id: row.uuid("group_id")?,
        organization_id: row.uuid("organization_id")?,
        name: row.text("name")?,
        display_name: row.text("display_name")?,
        avatar_url: row.text("avatar_url")?,
        member_count: row.bigint("member_count")?,
        limit: Micros::new(row.bigint("spend_limit_micros")?),
        updated_at: row.time("updated_at")?,
    })
}

fn source_from_str(s: &str) -> StoreResult<LimitSource> {
    match s {
        "disabled" => Ok(LimitSource::Disabled),
        "user" => Ok(LimitSource::User),
        "group" => Ok(LimitSource::Group),
        "default" => Ok(LimitSource::Default),
        other => Err(StoreError::Database(format!("unexpected limit source {other:?}"))),
    }
}

/// The row of the backend's limit resolution (`user_found`, `period`, `source`, `lim`,
/// `group_id`).
pub(crate) fn effective_from_row(row: &impl ReadRow) -> StoreResult<EffectiveLimit> {
    if !row.flag("user_found")? {
        return Err(StoreError::NotFound("user"));
    }
    let period = parse_period(&row.text("period")?)?;
    let source = source_from_str(&row.text("source")?)?;
    if source == LimitSource::Disabled {
        return Ok(EffectiveLimit::unlimited(period));
    }
    let group_id = row.opt_uuid("group_id")?;
    let limit = row.opt_bigint("lim")?.map(Micros::new);
    Ok(EffectiveLimit { source, limit, group_id, period })
}

pub(crate) fn limit_config_from_row(row: &impl ReadRow) -> StoreResult<LimitConfigRecord> {
    Ok(LimitConfigRecord {
        config: LimitConfig {
            enabled: row.flag("enabled")?,
            default_limit: Micros::new(row.bigint("default_limit_micros")?),
            period: parse_period(&row.text("period")?)?,
            group_policy: parse_policy(&row.text("group_policy")?)?,
        },
        updated_at: row.time("updated_at")?,
    })
}
