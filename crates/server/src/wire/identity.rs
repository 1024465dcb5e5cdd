//! Domain records → wire types. Kept apart so handlers read as the steps they take.

use tollgate_api_types as api;
use tollgate_core::Role;
use tollgate_store as store;

pub fn user(u: &store::User) -> api::User {
    api::User {
        id: u.id,
        username: u.username.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        avatar_url: u.avatar_url.clone(),
        created_at: u.created_at,
        updated_at: u.updated_at,
        last_seen_at: u.last_seen_at,
        status: match u.status {
            store::UserStatus::Active => api::UserStatus::Active,
            store::UserStatus::Suspended => api::UserStatus::Suspended,
        },
        login_type: u.login_type.clone(),
        organization_ids: u.organization_ids.clone(),
        roles: u.roles.iter().map(|r| role(*r)).collect(),
    }
}

pub fn role(r: Role) -> api::SlimRole {
    api::SlimRole { name: r.as_str().to_owned(), display_name: r.display_name().to_owned() }
}

pub fn organization(o: &store::Organization) -> api::Organization {
    api::Organization {
        id: o.id,
        name: o.name.clone(),
        display_name: o.display_name.clone(),
        description: o.description.clone(),
        icon: o.icon.clone(),
        is_default: o.is_default,
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

pub fn group(g: &store::Group) -> api::Group {
    api::Group {
        id: g.id,
        name: g.name.clone(),
        display_name: g.display_name.clone(),
        organization_id: g.organization_id,
        members: g
            .members
            .iter()
            .map(|m| api::ReducedUser {
                id: m.id,
                username: m.username.clone(),
                email: m.email.clone(),
                name: m.name.clone(),
                avatar_url: m.avatar_url.clone(),
            })
            .collect(),
        total_member_count: g.total_member_count,
        avatar_url: g.avatar_url.clone(),
        source: "user".to_owned(),
    }
}

pub fn api_key(t: &store::ApiToken) -> api::ApiKey {
    api::ApiKey {
        id: t.id.clone(),
        user_id: t.user_id,
        token_name: t.name.clone(),
        last_used: t.last_used_at,
        expires_at: t.expires_at,
        created_at: t.created_at,
        updated_at: t.last_used_at.unwrap_or(t.created_at),
        login_type: "token".to_owned(),
        scope: "all".to_owned(),
        lifetime_seconds: (t.expires_at - t.created_at).num_seconds(),
        spend_limit_micros: t.spend_limit.map(|l| l.limit.get()),
        period: t.spend_limit.map(|l| super::limits::period(l.period)),
    }
}
