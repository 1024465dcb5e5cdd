//! Client commands: each turns flags into one or a few API calls and prints the answer for
//! people (or, with `--output json`, for scripts). Every object is named by name or by id.

pub mod chat;
pub mod groups;
pub mod limits;
pub mod limits_alerts;
pub mod limits_explain;
pub mod limits_plus;
pub mod limits_windows;
pub mod models;
pub mod session;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod workspaces;

use crate::client::Client;
use anyhow::{Context, Result, bail};
use tollgate_api_types as api;
use uuid::Uuid;

/// A user given as `me`, an id or a username.
pub async fn user(client: &Client, user: &str) -> Result<api::User> {
    client
        .get(&format!("/api/v2/users/{}", path_segment(user)))
        .await
        .with_context(|| format!("user {user:?} (`tollgate users list` shows them)"))
}

/// An organization given by name or id, or the default organization.
pub async fn organization(client: &Client, org: Option<&str>) -> Result<api::Organization> {
    match org {
        Some(org) => client
            .get(&format!("/api/v2/organizations/{}", path_segment(org)))
            .await
            .with_context(|| format!("organization {org:?} (`tollgate orgs list` shows them)")),
        None => {
            let orgs: Vec<api::Organization> = client.list("/api/v2/organizations").await?;
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
        client.list(&format!("/api/v2/organizations/{}/groups", org.id)).await?;
    let names = |gs: &[api::Group]| gs.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    let known = names(&groups);
    groups.into_iter().find(|g| g.name.eq_ignore_ascii_case(group)).with_context(|| {
        format!("no group {group:?} in organization {}{}", org.name, known_list(&known))
    })
}

/// A model config given by id, model name (`simulated-1`), display name or `provider:model`.
pub async fn model(client: &Client, model: &str) -> Result<api::ChatModelConfig> {
    let configs: Vec<api::ChatModelConfig> =
        client.list("/api/experimental/chats/model-configs").await?;
    pick(
        configs,
        "model",
        model,
        |c| {
            let full = format!("{}:{}", c.provider, c.model);
            c.id.to_string() == model
                || [&c.model, &c.display_name, &full].iter().any(|n| n.eq_ignore_ascii_case(model))
        },
        |c| format!("{} ({}, {})", c.model, c.provider, c.id),
    )
}

/// One item out of `items` that `matches`, or an error naming what there is.
pub fn pick<T>(
    items: Vec<T>,
    what: &str,
    query: &str,
    matches: impl Fn(&T) -> bool,
    label: impl Fn(&T) -> String,
) -> Result<T> {
    let known: Vec<String> = items.iter().map(&label).collect();
    let mut found: Vec<T> = items.into_iter().filter(|i| matches(i)).collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!("no {what} {query:?}{}", known_list(&known)),
        _ => {
            let all: Vec<String> = found.iter().map(label).collect();
            bail!("{query:?} names several {what}s: {}; use the id", all.join(", "))
        }
    }
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() { String::new() } else { format!(" (there are: {})", known.join(", ")) }
}

/// A name or id safe inside a URL path.
pub fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A serde enum value's wire name (`"week"`).
pub fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_finds_one_or_says_what_exists() {
        let items = vec!["alpha", "beta", "alphabet"];
        let label = |s: &&str| s.to_string();
        assert_eq!(
            pick(items.clone(), "model", "beta", |s| *s == "beta", label).ok(),
            Some("beta")
        );
        let none = pick(items.clone(), "model", "gamma", |s| *s == "gamma", label);
        assert_eq!(
            none.map_err(|e| e.to_string()).err().as_deref(),
            Some("no model \"gamma\" (there are: alpha, beta, alphabet)")
        );
        let many = pick(items, "model", "alp", |s| s.starts_with("alp"), label);
        assert_eq!(
            many.map_err(|e| e.to_string()).err().as_deref(),
            Some("\"alp\" names several models: alpha, alphabet; use the id")
        );
    }
}
