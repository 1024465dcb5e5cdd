//! `limits` (the deployment's spend limits and overrides) and `usage` (my own standing).

use super::limits_windows::{TierLimits, WindowsArg, also, cells, tier_limits};
use super::{group, user, wire_name};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json, utc_minute, warn};
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use std::str::FromStr;
use tollgate_api_types as api;
use tollgate_core::{Micros, MicrosError};

const BASE: &str = "/api/experimental/chats/usage-limits";

/// An amount of money as a person types it: `35`, `12.50`, `0.002`, `'$35'` or
/// `12500000micros`; more than zero.
#[derive(Debug, Clone, Copy)]
pub struct Amount(pub Micros);

pub const SHELL_HINT: &str = "in a shell an unquoted `$` reads the digit after it as a \
    variable (`$50` arrives as `0`, `$5` as nothing): write the plain number (50), or quote it \
    ('$50')";

impl FromStr for Amount {
    type Err = String;

    fn from_str(raw: &str) -> Result<Amount, String> {
        let hint = |e: String| format!("{e}\n  hint: {SHELL_HINT}");
        match raw.parse::<Micros>() {
            Ok(m) if m.is_positive() => Ok(Amount(m)),
            Ok(_) => Err(hint(format!("{raw:?} is not more than $0.00"))),
            Err(MicrosError::Empty) => Err(hint("the amount is empty".into())),
            Err(e @ MicrosError::Malformed(_)) => Err(hint(e.to_string())),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PeriodArg {
    /// A UTC day.
    Day,
    /// An ISO week, from Monday 00:00 UTC.
    Week,
    /// A calendar month, from the 1st 00:00 UTC.
    Month,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// The smallest of the user's group limits applies.
    Lowest,
    /// The largest of the user's group limits applies.
    Highest,
}

#[derive(Debug, Args)]
pub struct AmountArg {
    /// Dollars per period: 35, 12.50, 0.002 — a plain number, so no shell quoting is needed
    /// (`'$35'` and `12500000micros` work too). Optional with --window: the period's limit
    /// then stays as it is.
    #[arg(value_name = "AMOUNT", required_unless_present = "windows")]
    pub amount: Option<Amount>,
    #[command(flatten)]
    pub windows: WindowsArg,
}

#[derive(Debug, Subcommand)]
pub enum LimitsCommand {
    /// Show the default limit, group limits and user overrides.
    Show {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Turn limits on with a default limit per user.
    #[command(after_help = "Examples:
  tollgate limits set 50 --period week     # $50.00 per user per week
  tollgate limits set 12.50                # keeps the current period
  tollgate limits set 50 --window day=5    # and at most $5.00 a day")]
    Set {
        #[command(flatten)]
        amount: AmountArg,
        /// The period a limit covers (default: keep the current one; a new deployment's is
        /// month).
        #[arg(long, value_enum)]
        period: Option<PeriodArg>,
        /// How the limits of a user's groups combine (default: keep the current policy).
        #[arg(long, value_enum)]
        group_policy: Option<PolicyArg>,
        /// Percentages of a limit at which an event is written and sent to webhooks, e.g.
        /// `50,80,100`, or `none` (default: keep the current ones; a new deployment's are 80,95).
        #[arg(long, value_name = "PERCENTS")]
        notify_at: Option<String>,
    },
    /// Turn limits off (group limits and overrides are kept for later).
    Disable,
    /// A user's own limit, which wins over group limits and the default.
    #[command(subcommand)]
    Override(OverrideCommand),
    /// A group's limit, for its members without an override.
    #[command(subcommand)]
    Group(GroupLimitCommand),
    /// Who changed which limit, newest first.
    Audit(super::limits_plus::AuditArgs),
    /// What a proposed change would do to this period's spend; changes nothing.
    DryRun(super::limits_plus::DryRunArgs),
    /// Why a user's limits are what they are: each window, where its limit comes from, what
    /// is left and when it resets.
    Explain(super::limits_explain::ExplainArgs),
    /// Limit events: thresholds reached and windows exhausted, oldest first.
    Events(super::limits_alerts::EventsArgs),
    /// Where limit events are sent.
    #[command(subcommand)]
    Webhooks(super::limits_alerts::WebhookCommand),
}

#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Set a user's own limit.
    #[command(after_help = "Examples:
  tollgate limits override set bob 35
  tollgate limits override set bob --window day=2    # bob's day limit; the rest stays")]
    Set {
        /// The user, by username or id.
        user: String,
        #[command(flatten)]
        amount: AmountArg,
    },
    /// Remove a user's own limit.
    Rm {
        /// The user, by username or id.
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupLimitCommand {
    /// Set a group's limit.
    #[command(after_help = "Examples:
  tollgate limits group set interns 20
  tollgate limits group set interns --window week=none   # no week limit for interns")]
    Set {
        /// The group, by name or id.
        group: String,
        #[command(flatten)]
        amount: AmountArg,
        #[command(flatten)]
        org: super::groups::OrgArg,
    },
    /// Remove a group's limit.
    Rm {
        /// The group, by name or id.
        group: String,
        #[command(flatten)]
        org: super::groups::OrgArg,
    },
}

pub async fn limits(cmd: LimitsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        LimitsCommand::Show { out } => show(&client, out).await,
        LimitsCommand::Set { amount, period, group_policy, notify_at } => {
            let notify = notify_at.as_deref().map(percents).transpose()?;
            set(&client, amount, period, group_policy, notify).await
        }
        LimitsCommand::Disable => disable(&client).await,
        LimitsCommand::Override(cmd) => overrides(&client, cmd).await,
        LimitsCommand::Group(cmd) => group_limits(&client, cmd).await,
        LimitsCommand::Audit(args) => super::limits_plus::audit(&client, args).await,
        LimitsCommand::DryRun(args) => super::limits_plus::dry_run(&client, args).await,
        LimitsCommand::Explain(args) => super::limits_explain::explain(&client, args).await,
        LimitsCommand::Events(args) => super::limits_alerts::events(&client, args).await,
        LimitsCommand::Webhooks(cmd) => super::limits_alerts::webhooks(&client, cmd).await,
    }
}

async fn set(
    client: &Client,
    amount: AmountArg,
    period: Option<PeriodArg>,
    policy: Option<PolicyArg>,
    notify: Option<Vec<i64>>,
) -> Result<()> {
    // The API needs the period of a limit being set (Coder); keep the current one.
    let current: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
    let period = period.map_or(current.config.period, period_wire);
    let TierLimits { main, windows } = tier_limits(
        amount.amount,
        &amount.windows.windows,
        period,
        &current.config.windows,
        "`tollgate limits disable`",
    )?;
    let req = api::UpdateChatUsageLimitConfigRequest {
        spend_limit_micros: Some(main),
        period: Some(wire_name(&period)),
        group_policy: policy.map(|p| format!("{p:?}").to_lowercase()),
        windows,
        notify_at_percent: notify,
    };
    let c: api::ChatUsageLimitConfig = client.put(BASE, &req).await?;
    println!(
        "Limits on: {} per user per {}{} (group policy: {}).",
        Micros::new(c.spend_limit_micros.unwrap_or(0)),
        wire_name(&c.period),
        also(&c.windows, c.period),
        wire_name(&c.group_policy)
    );
    Ok(())
}

/// `--notify-at`: `80,95`, or `none` for no thresholds. The server checks the values.
fn percents(raw: &str) -> Result<Vec<i64>> {
    if raw.trim() == "none" {
        return Ok(Vec::new());
    }
    raw.split(',')
        .map(|p| {
            p.trim().parse::<i64>().map_err(|_| {
                anyhow::anyhow!(
                    "{p:?} is not a percentage: write whole numbers like 80,95, or none"
                )
            })
        })
        .collect()
}

async fn disable(client: &Client) -> Result<()> {
    let current: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
    let req = api::UpdateChatUsageLimitConfigRequest {
        spend_limit_micros: None,
        period: Some(wire_name(&current.config.period)),
        group_policy: None,
        windows: None,
        notify_at_percent: None,
    };
    let _: api::ChatUsageLimitConfig = client.put(BASE, &req).await?;
    println!("Limits off. Group limits and overrides are kept and apply again when limits are on.");
    Ok(())
}

async fn overrides(client: &Client, cmd: OverrideCommand) -> Result<()> {
    match cmd {
        OverrideCommand::Set { user: who, amount } => {
            let u = user(client, &who).await?;
            let config: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
            let row = config.overrides.iter().find(|o| o.user_id == u.id);
            let TierLimits { main, windows } = tier_limits(
                amount.amount,
                &amount.windows.windows,
                config.config.period,
                &row.map(|o| o.windows).unwrap_or_default(),
                &format!("`tollgate limits override rm {}`", u.username),
            )?;
            let req =
                api::UpsertChatUsageLimitOverrideRequest { spend_limit_micros: main, windows };
            let o: api::ChatUsageLimitOverride =
                client.put(&format!("{BASE}/overrides/{}", u.id), &req).await?;
            println!(
                "{} may spend {} per period{}.",
                o.username,
                Micros::new(o.spend_limit_micros.unwrap_or(0)),
                also(&o.windows, config.config.period)
            );
        }
        OverrideCommand::Rm { user: who } => {
            let u = user(client, &who).await?;
            client.delete(&format!("{BASE}/overrides/{}", u.id)).await?;
            println!("Removed {}'s override.", u.username);
        }
    }
    Ok(())
}

async fn group_limits(client: &Client, cmd: GroupLimitCommand) -> Result<()> {
    match cmd {
        GroupLimitCommand::Set { group: name, amount, org } => {
            let g = group(client, &name, org.org.as_deref()).await?;
            let config: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
            let row = config.group_overrides.iter().find(|o| o.group_id == g.id);
            let TierLimits { main, windows } = tier_limits(
                amount.amount,
                &amount.windows.windows,
                config.config.period,
                &row.map(|o| o.windows).unwrap_or_default(),
                &format!("`tollgate limits group rm {}`", g.name),
            )?;
            let req =
                api::UpsertChatUsageLimitGroupOverrideRequest { spend_limit_micros: main, windows };
            let o: api::ChatUsageLimitGroupOverride =
                client.put(&format!("{BASE}/group-overrides/{}", g.id), &req).await?;
            println!(
                "Members of {} may spend {} per period{}.",
                o.group_name,
                Micros::new(o.spend_limit_micros.unwrap_or(0)),
                also(&o.windows, config.config.period)
            );
        }
        GroupLimitCommand::Rm { group: name, org } => {
            let g = group(client, &name, org.org.as_deref()).await?;
            client.delete(&format!("{BASE}/group-overrides/{}", g.id)).await?;
            println!("Removed the limit of group {}.", g.name);
        }
    }
    Ok(())
}

pub fn period_wire(p: PeriodArg) -> api::ChatUsageLimitPeriod {
    match p {
        PeriodArg::Day => api::ChatUsageLimitPeriod::Day,
        PeriodArg::Week => api::ChatUsageLimitPeriod::Week,
        PeriodArg::Month => api::ChatUsageLimitPeriod::Month,
    }
}

async fn show(client: &Client, out: OutputArgs) -> Result<()> {
    let view: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
    if out.json() {
        return print_json(&view);
    }
    match view.config.spend_limit_micros {
        Some(l) => println!(
            "Default limit: {} per user per {}{} (group policy: {}).",
            Micros::new(l),
            wire_name(&view.config.period),
            also(&view.config.windows, view.config.period),
            wire_name(&view.config.group_policy)
        ),
        None => println!("Limits are off (`tollgate limits set AMOUNT` turns them on)."),
    }
    if view.unpriced_model_count > 0 {
        warn(&format!(
            "{} enabled models do not have pricing configured. Usage of unpriced models cannot \
             be tracked against the spend limit.",
            view.unpriced_model_count
        ));
    }
    if !view.group_overrides.is_empty() {
        println!();
        let mut table = Columns::new(&["GROUP", "MEMBERS", "DAY", "WEEK", "MONTH"])
            .right(1)
            .right(2)
            .right(3)
            .right(4);
        for g in &view.group_overrides {
            let [day, week, month] = cells(&g.windows);
            table.row([g.group_name.clone(), g.member_count.to_string(), day, week, month]);
        }
        table.print();
    }
    if !view.overrides.is_empty() {
        println!();
        let mut table = Columns::new(&["USER", "DAY", "WEEK", "MONTH"]).right(1).right(2).right(3);
        for o in &view.overrides {
            let [day, week, month] = cells(&o.windows);
            table.row([o.username.clone(), day, week, month]);
        }
        table.print();
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Resolve group limits within this organization (name or id).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn usage(args: UsageArgs) -> Result<()> {
    let client = Client::from_session()?;
    let query = match args.org {
        Some(org) => {
            format!("?organization_id={}", super::organization(&client, Some(&org)).await?.id)
        }
        None => String::new(),
    };
    let s: api::ChatUsageLimitStatus = client.get(&format!("{BASE}/status{query}")).await?;
    if args.out.json() {
        return print_json(&s);
    }
    let (Some(l), Some(end)) = (s.spend_limit_micros, s.period_end) else {
        println!("No spend limit applies to you.");
        return Ok(());
    };
    let source = source(&client, &s).await;
    let period = s.period.as_ref().map(wire_name).unwrap_or_default();
    println!(
        "Spent {} of {} this {period} (limit from {source}).",
        Micros::new(s.current_spend),
        Micros::new(l)
    );
    if s.current_spend >= l {
        println!("Limit exceeded: new chats and messages are refused until the reset.");
    }
    println!("Resets {}.", utc_minute(end));
    Ok(())
}

async fn source(client: &Client, s: &api::ChatUsageLimitStatus) -> String {
    match (s.limit_source, s.limit_group_id) {
        (Some(api::ChatUsageLimitSource::User), _) => "your own override".to_owned(),
        (Some(api::ChatUsageLimitSource::Group), Some(id)) => {
            match client.get::<api::Group>(&format!("/api/v2/groups/{id}")).await {
                Ok(g) => format!("group {}", g.name),
                Err(_) => format!("group {id}"),
            }
        }
        _ => "the deployment default".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Result<i64, String> {
        raw.parse::<Amount>().map(|a| a.0.get())
    }

    #[test]
    fn amounts_are_plain_numbers_with_or_without_a_dollar() {
        assert_eq!(parsed("35"), Ok(35_000_000));
        assert_eq!(parsed("$35"), Ok(35_000_000));
        assert_eq!(parsed("12.50"), Ok(12_500_000));
        assert_eq!(parsed("0.002"), Ok(2_000));
        assert_eq!(parsed("12500000micros"), Ok(12_500_000));
    }

    #[test]
    fn what_a_shell_leaves_of_a_dollar_amount_gets_a_hint() {
        // `$50` unquoted arrives as `0`; `$5` as an empty argument.
        for mangled in ["0", ""] {
            let err = parsed(mangled).expect_err(mangled);
            assert!(err.contains("hint: in a shell an unquoted `$`"), "{err}");
        }
        let err = parsed("0.0000001").expect_err("too precise");
        assert!(err.contains("more than six decimal places"), "{err}");
        assert!(!err.contains("hint"), "{err}");
    }
}
