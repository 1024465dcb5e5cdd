//! `tollgate admin`: operator commands that open the database directly.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use tollgate_store::{LedgerReport, Store};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Recompute every spend counter from the ledger and check every reservation against the
    /// runs in flight; exit 1 when something disagrees (0 with --repair, after fixing it).
    VerifyLedger(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// `sqlite://PATH` or `postgres://…`. Default: the SQLite file `serve` uses.
    #[arg(long, env = "TOLLGATE_DATABASE_URL", hide_env_values = true, value_name = "URL")]
    database: Option<String>,
    /// Set each wrong counter to what the ledger says, and settle each orphan reservation at its
    /// recorded progress (never simply released); print what changed.
    #[arg(long)]
    repair: bool,
}

pub async fn run(cmd: AdminCommand) -> Result<ExitCode> {
    match cmd {
        AdminCommand::VerifyLedger(args) => verify(args).await,
    }
}

async fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let url = match args.database {
        Some(url) => url,
        None => crate::serve::default_database()?,
    };
    let shown = tollgate_store::redact_url(&url);
    let store = Store::connect(&url).await.with_context(|| format!("open the database {shown}"))?;
    let report =
        store.verify_ledger(args.repair, chrono::Utc::now()).await.context("verify the ledger")?;
    print(&report);
    Ok(if report.is_consistent() || report.repaired {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print(report: &LedgerReport) {
    let verb = if report.repaired { "repaired" } else { "found" };
    for m in &report.counter_mismatches {
        println!(
            "{verb}: counter of user {} in organization {} on day {} ({}) is {} but the ledger says {}",
            m.user_id,
            m.organization_id,
            m.day,
            day_name(m.day),
            m.counter,
            m.ledger
        );
    }
    for m in &report.key_counter_mismatches {
        println!(
            "{verb}: counter of API key {} on day {} ({}) is {} but the ledger says {}",
            m.api_key_id,
            m.day,
            day_name(m.day),
            m.counter,
            m.ledger
        );
    }
    for r in &report.orphan_reservations {
        println!(
            "{verb}: reservation {} of user {} ({}) belongs to no live run: {}",
            r.id, r.user_id, r.amount, r.why
        );
    }
    if report.is_consistent() {
        println!(
            "The ledger is consistent: {} counters checked, no orphan reservations.",
            report.counters_checked
        );
    } else if report.repaired {
        println!(
            "Repaired: the counters now match the ledger and the orphan reservations are settled."
        );
    } else {
        println!(
            "The ledger and what is derived from it disagree: run again with --repair to fix it."
        );
    }
}

fn day_name(day: i64) -> String {
    chrono::DateTime::from_timestamp(day.saturating_mul(86_400), 0)
        .map_or_else(|| "?".to_owned(), |t| t.format("%Y-%m-%d").to_string())
}
