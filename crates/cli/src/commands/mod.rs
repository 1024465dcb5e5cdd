//! Client commands: each turns flags into one or a few API calls and prints the answer for people.

pub mod identity;
pub mod limits;

use crate::client::Client;
use anyhow::{Context, Result};
use tollgate_api_types as api;
use uuid::Uuid;

/// A user given as an id, a username or `me`.
pub async fn user_id(client: &Client, user: &str) -> Result<Uuid> {
    let user: api::User = client
        .get(&format!("/api/v2/users/{user}"))
        .await
        .with_context(|| format!("user {user}"))?;
    Ok(user.id)
}

/// An organization given by id or name, or the default organization.
pub async fn organization(client: &Client, org: Option<&str>) -> Result<api::Organization> {
    match org {
        Some(org) => client
            .get(&format!("/api/v2/organizations/{org}"))
            .await
            .with_context(|| format!("organization {org}")),
        None => {
            let orgs: Vec<api::Organization> = client.get("/api/v2/organizations").await?;
            orgs.into_iter()
                .find(|o| o.is_default)
                .context("no default organization is visible to you: pass --org")
        }
    }
}

/// A group given by id, or by name within `org` (default: the default organization).
pub async fn group(client: &Client, group: &str, org: Option<&str>) -> Result<api::Group> {
    if let Ok(id) = group.parse::<Uuid>() {
        return client.get(&format!("/api/v2/groups/{id}")).await;
    }
    let org = organization(client, org).await?;
    let groups: Vec<api::Group> =
        client.get(&format!("/api/v2/organizations/{}/groups", org.id)).await?;
    groups
        .into_iter()
        .find(|g| g.name.eq_ignore_ascii_case(group))
        .with_context(|| format!("no group {group:?} in organization {}", org.name))
}
