//! `limits audit` (who changed which limit) and `limits dry-run` (what a change would do),
//! limits-plus §4 and §5.

use super::limits::{Amount, PeriodArg, PolicyArg};
use super::limits_windows::limit_assignment;
use super::{group, user, wire_name};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json};
use anyhow::{Result, anyhow};
use clap::Args;
use serde_json::Value;
use tollgate_api_types as api;
use tollgate_core::Micros;

const BASE: &str = "/api/experimental/chats/usage-limits";

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Entries to show, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Only entries older than this id (the last id of the previous page).
    #[arg(long, value_name = "ID")]
    pub after_id: Option<i64>,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn audit(client: &Client, args: AuditArgs) -> Result<()> {
    let mut path = format!("{BASE}/audit?limit={}", args.limit);
    if let Some(id) = args.after_id {
        path.push_str(&format!("&after_id={id}"));
    }
    let page: api::ChatUsageLimitAuditResponse = client.get(&path).await?;
    if args.out.json() {
        return print_json(&page);
    }
    let mut table = Columns::new(&["ID", "TIME", "ACTOR", "ACTION", "TARGET", "CHANGE"]).right(0);
    for e in &page.entries {
        table.row([
            e.id.to_string(),
            e.time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            e.actor_username.clone(),
            wire_name(&e.action),
            e.target_name.clone().unwrap_or_else(|| "-".into()),
            format!("{} → {}", summary(e.before.as_ref()), summary(e.after.as_ref())),
        ]);
    }
    table.print_or("No limit changes recorded.");
    if let Some(last) = page.entries.last().filter(|_| page.entries.len() == args.limit as usize) {
        println!("Older entries: tollgate limits audit --after-id {}", last.id);
    }
    Ok(())
}

/// A limit as logged: `-` when absent, `off` for a disabled config, else the amount (and the
/// period, for the config).
fn summary(value: Option<&Value>) -> String {
    let Some(v) = value else { return "-".into() };
    let amount = v["spend_limit_micros"].as_i64().map(|m| Micros::new(m).to_string());
    match (amount, v["period"].as_str()) {
        (None, Some(_)) => "off".into(),
        (Some(a), Some(period)) => format!("{a}/{period}"),
        (Some(a), None) => a,
        (None, None) => "-".into(),
    }
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tollgate limits dry-run 20 --period day          # what $20.00 a day would block
  tollgate limits dry-run --override bob=5         # the current limits, bob at $5.00
  tollgate limits dry-run --group interns=none     # without the interns' limit")]
pub struct DryRunArgs {
    /// The proposed default limit (default: the current one).
    #[arg(value_name = "AMOUNT")]
    pub amount: Option<Amount>,
    /// Propose limits off.
    #[arg(long, conflicts_with = "amount")]
    pub disable: bool,
    /// The proposed period (default: the current one).
    #[arg(long, value_enum)]
    pub period: Option<PeriodArg>,
    /// The proposed group policy (default: the current one).
    #[arg(long, value_enum)]
    pub group_policy: Option<PolicyArg>,
    /// A proposed user override, USER=AMOUNT, or USER=none to remove it; repeatable.
    #[arg(long = "override", value_name = "USER=AMOUNT")]
    pub overrides: Vec<String>,
    /// A proposed group limit, GROUP=AMOUNT, or GROUP=none to remove it; repeatable.
    #[arg(long = "group", value_name = "GROUP=AMOUNT")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub org: super::groups::OrgArg,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn dry_run(client: &Client, args: DryRunArgs) -> Result<()> {
    let req = dry_run_request(client, &args).await?;
    let answer: api::ChatUsageLimitDryRunResponse =
        client.post(&format!("{BASE}/dry-run"), &req).await?;
    if args.out.json() {
        return print_json(&answer);
    }
    print_dry_run(&answer);
    Ok(())
}

async fn dry_run_request(
    client: &Client,
    args: &DryRunArgs,
) -> Result<api::ChatUsageLimitDryRunRequest> {
    let current: api::ChatUsageLimitConfigResponse = client.get(BASE).await?;
    let amount = match (args.disable, args.amount) {
        (true, _) => None,
        (false, Some(a)) => Some(a.0.get()),
        (false, None) => current.config.spend_limit_micros,
    };
    let period = match args.period {
        Some(p) => format!("{p:?}").to_lowercase(),
        None => wire_name(&current.config.period),
    };
    let mut req = api::ChatUsageLimitDryRunRequest {
        config: api::UpdateChatUsageLimitConfigRequest {
            spend_limit_micros: amount,
            period: Some(period),
            group_policy: args.group_policy.map(|p| format!("{p:?}").to_lowercase()),
            windows: None,
            notify_at_percent: None,
        },
        ..Default::default()
    };
    for raw in &args.overrides {
        let (name, limit) = assignment(raw)?;
        let user_id = user(client, name).await?.id;
        req.overrides
            .push(api::ChatUsageLimitDryRunOverride { user_id, spend_limit_micros: limit });
    }
    for raw in &args.groups {
        let (name, limit) = assignment(raw)?;
        let group_id = group(client, name, args.org.org.as_deref()).await?.id;
        req.group_overrides
            .push(api::ChatUsageLimitDryRunGroupOverride { group_id, spend_limit_micros: limit });
    }
    Ok(req)
}

/// `NAME=AMOUNT` or `NAME=none`.
fn assignment(raw: &str) -> Result<(&str, Option<i64>)> {
    let (name, amount) = limit_assignment(raw, "NAME").map_err(|e| anyhow!("{raw:?}: {e}"))?;
    Ok((name, amount.map(|a| a.0.get())))
}

fn print_dry_run(answer: &api::ChatUsageLimitDryRunResponse) {
    let users = |n: i64| if n == 1 { "1 user".to_owned() } else { format!("{n} users") };
    let blocked = i64::try_from(answer.blocked_now.len()).unwrap_or(i64::MAX);
    println!(
        "Under this proposal {} would be blocked now ({} newly; {} unblocked); {} would get a \
         different limit. Nothing was changed.",
        users(blocked),
        answer.newly_blocked,
        answer.newly_unblocked,
        users(answer.affected_users)
    );
    if answer.blocked_now.is_empty() {
        return;
    }
    println!();
    let mut table = Columns::new(&["USER", "SPENT", "LIMIT", "PERIOD"]).right(1).right(2);
    for b in &answer.blocked_now {
        table.row([
            b.username.clone(),
            Micros::new(b.spent_micros).to_string(),
            Micros::new(b.limit_micros).to_string(),
            wire_name(&b.period),
        ]);
    }
    table.print();
}
