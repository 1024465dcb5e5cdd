//! `limits` (deployment spend limits and overrides) and `usage` (my own standing).

use super::{group, user_id};
use crate::client::Client;
use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use tollgate_api_types as api;
use tollgate_core::Micros;

const BASE: &str = "/api/experimental/chats/usage-limits";

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PeriodArg {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    Lowest,
    Highest,
}

#[derive(Debug, Subcommand)]
pub enum LimitsCommand {
    /// Show the default limit, group limits and user overrides.
    Show,
    /// Enable limits with a default per user: `$12.50`, `12.5`, `12` or `12500000micros`.
    Set {
        amount: String,
        #[arg(long, value_enum, default_value = "month")]
        period: PeriodArg,
        /// How several group limits combine (default: keep the current policy).
        #[arg(long, value_enum)]
        group_policy: Option<PolicyArg>,
    },
    /// Turn limits off (overrides are kept).
    Disable,
    /// Per-user overrides.
    #[command(subcommand)]
    Override(OverrideCommand),
    /// Per-group limits.
    #[command(subcommand)]
    Group(GroupLimitCommand),
}

#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    Set { user: String, amount: String },
    Rm { user: String },
}

#[derive(Debug, Subcommand)]
pub enum GroupLimitCommand {
    Set {
        group: String,
        amount: String,
        #[arg(long)]
        org: Option<String>,
    },
    Rm {
        group: String,
        #[arg(long)]
        org: Option<String>,
    },
}

fn amount(raw: &str) -> Result<i64> {
    let micros: Micros = raw.parse()?;
    if !micros.is_positive() {
        bail!("the amount must be greater than $0");
    }
    Ok(micros.get())
}

fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub async fn limits(cmd: LimitsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        LimitsCommand::Show => show(&client).await?,
        LimitsCommand::Set { amount: raw, period, group_policy } => {
            let req = api::UpdateChatUsageLimitConfigRequest {
                spend_limit_micros: Some(amount(&raw)?),
                period: Some(name_of(&period_wire(period))),
                group_policy: group_policy.map(|p| format!("{p:?}").to_lowercase()),
            };
            let c: api::ChatUsageLimitConfig = client.put(BASE, &req).await?;
            println!(
                "Limits enabled: {} per user per {}.",
                Micros::new(c.spend_limit_micros.unwrap_or(0)),
                name_of(&c.period)
            );
        }
        LimitsCommand::Disable => {
            let current: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
            let req = api::UpdateChatUsageLimitConfigRequest {
                spend_limit_micros: None,
                period: Some(name_of(&current.config.period)),
                group_policy: None,
            };
            let _: api::ChatUsageLimitConfig = client.put(BASE, &req).await?;
            println!(
                "Limits disabled. Overrides are kept and apply again when limits are enabled."
            );
        }
        LimitsCommand::Override(OverrideCommand::Set { user, amount: raw }) => {
            let id = user_id(&client, &user).await?;
            let req =
                api::UpsertChatUsageLimitOverrideRequest { spend_limit_micros: amount(&raw)? };
            let o: api::ChatUsageLimitOverride =
                client.put(&format!("{BASE}/overrides/{id}"), &req).await?;
            println!(
                "{} may spend {} per period.",
                o.username,
                Micros::new(o.spend_limit_micros.unwrap_or(0))
            );
        }
        LimitsCommand::Override(OverrideCommand::Rm { user }) => {
            let id = user_id(&client, &user).await?;
            client.delete(&format!("{BASE}/overrides/{id}")).await?;
            println!("Removed {user}'s override.");
        }
        LimitsCommand::Group(GroupLimitCommand::Set { group: name, amount: raw, org }) => {
            let g = group(&client, &name, org.as_deref()).await?;
            let req =
                api::UpsertChatUsageLimitGroupOverrideRequest { spend_limit_micros: amount(&raw)? };
            let o: api::ChatUsageLimitGroupOverride =
                client.put(&format!("{BASE}/group-overrides/{}", g.id), &req).await?;
            println!(
                "Members of {} may spend {} per period.",
                o.group_name,
                Micros::new(o.spend_limit_micros.unwrap_or(0))
            );
        }
        LimitsCommand::Group(GroupLimitCommand::Rm { group: name, org }) => {
            let g = group(&client, &name, org.as_deref()).await?;
            client.delete(&format!("{BASE}/group-overrides/{}", g.id)).await?;
            println!("Removed the limit of group {}.", g.name);
        }
    }
    Ok(())
}

fn period_wire(p: PeriodArg) -> api::ChatUsageLimitPeriod {
    match p {
        PeriodArg::Day => api::ChatUsageLimitPeriod::Day,
        PeriodArg::Week => api::ChatUsageLimitPeriod::Week,
        PeriodArg::Month => api::ChatUsageLimitPeriod::Month,
    }
}

async fn show(client: &Client) -> Result<()> {
    let view: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
    match view.config.spend_limit_micros {
        Some(limit) => println!(
            "Default limit: {} per user per {} (group policy: {}).",
            Micros::new(limit),
            name_of(&view.config.period),
            name_of(&view.config.group_policy)
        ),
        None => println!("Limits are disabled."),
    }
    if view.unpriced_model_count > 0 {
        println!(
            "Warning: {} enabled models do not have pricing configured. Usage of unpriced models cannot be tracked against the spend limit.",
            view.unpriced_model_count
        );
    }
    if !view.group_overrides.is_empty() {
        println!("\n{:<24} {:>8} {:>14}", "GROUP", "MEMBERS", "LIMIT");
        for g in &view.group_overrides {
            println!(
                "{:<24} {:>8} {:>14}",
                g.group_name,
                g.member_count,
                Micros::new(g.spend_limit_micros.unwrap_or(0))
            );
        }
    }
    if !view.overrides.is_empty() {
        println!("\n{:<24} {:>14}", "USER", "LIMIT");
        for o in &view.overrides {
            println!("{:<24} {:>14}", o.username, Micros::new(o.spend_limit_micros.unwrap_or(0)));
        }
    }
    Ok(())
}

pub async fn usage(org: Option<String>) -> Result<()> {
    let client = Client::from_session()?;
    let query = match org {
        Some(org) => {
            format!("?organization_id={}", super::organization(&client, Some(&org)).await?.id)
        }
        None => String::new(),
    };
    let s: api::ChatUsageLimitStatus = client.get(&format!("{BASE}/status{query}")).await?;
    let (Some(limit), Some(end)) = (s.spend_limit_micros, s.period_end) else {
        println!("No spend limit applies to you.");
        return Ok(());
    };
    let source = match (s.limit_source, s.limit_group_id) {
        (Some(api::ChatUsageLimitSource::User), _) => "your own override".to_owned(),
        (Some(api::ChatUsageLimitSource::Group), Some(id)) => {
            match client.get::<api::Group>(&format!("/api/v2/groups/{id}")).await {
                Ok(g) => format!("group {}", g.name),
                Err(_) => format!("group {id}"),
            }
        }
        _ => "the deployment default".to_owned(),
    };
    let period = s.period.as_ref().map(name_of).unwrap_or_default();
    println!(
        "Spent {} of {} this {period} (limit from {source}).",
        Micros::new(s.current_spend),
        Micros::new(limit)
    );
    if s.current_spend >= limit {
        println!("Limit exceeded: new chats and messages are refused until the reset.");
    }
    println!("Resets {}.", end.format("%Y-%m-%d %H:%M UTC"));
    Ok(())
}
