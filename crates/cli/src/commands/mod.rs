//! Client commands: each turns flags into one or a few API calls and prints the answer for people.

pub mod chat;
pub mod identity;
pub mod limits;
pub mod models;

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

/// Money for people: cents from a dollar up; below that, enough decimals to see sub-cent chat
/// costs (`$0.00075`).
pub fn money(micros: i64) -> String {
    if micros.abs() >= 1_000_000 {
        return tollgate_core::Micros::new(micros).to_string();
    }
    let sign = if micros < 0 { "-" } else { "" };
    let digits = format!("{:06}", micros.abs());
    let trimmed = digits.trim_end_matches('0');
    let decimals = if trimmed.len() < 2 { &digits[..2] } else { trimmed };
    format!("{sign}$0.{decimals}")
}
