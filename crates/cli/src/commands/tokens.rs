//! `tollgate tokens`: API keys for agents and the gateway (`docs/gateway.md`), each with an
//! optional spend cap of its own.

use super::limits::{Amount, PeriodArg};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json};
use anyhow::Result;
use clap::Subcommand;
use tollgate_api_types as api;
use tollgate_core::Micros;

const KEYS: &str = "/api/v2/users/me/keys/tokens";

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API key and print it (shown once). It works as `Authorization: Bearer KEY` or
    /// `x-api-key: KEY`, e.g. for the OpenAI and Anthropic SDKs against `/v1`.
    #[command(after_help = "Example:
  tollgate tokens create agent --spend-limit 5 --period day")]
    Create {
        /// A name for the key, unique among yours.
        name: String,
        /// The key's own spend cap, in dollars per period (besides your limits): 5, 0.50.
        #[arg(long, value_name = "AMOUNT")]
        spend_limit: Option<Amount>,
        /// The cap's period (default: month).
        #[arg(long, value_enum, requires = "spend_limit")]
        period: Option<PeriodArg>,
        /// Days until the key expires (default 30, at most 365).
        #[arg(long, value_name = "DAYS")]
        lifetime_days: Option<i64>,
    },
    /// List your API keys (never their secrets), with their caps.
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
}

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

pub async fn tokens(cmd: TokensCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        TokensCommand::Create { name, spend_limit, period, lifetime_days } => {
            let req = api::CreateTokenRequest {
                token_name: name.clone(),
                lifetime: lifetime_days.map(|d| d.saturating_mul(NANOS_PER_DAY)),
                spend_limit_micros: spend_limit.map(|a| a.0.get()),
                period: period.map(|p| period_name(p).to_owned()),
            };
            let key: api::GenerateApiKeyResponse = client.post(KEYS, &req).await?;
            println!("{}", key.key);
            eprintln!("Created API key {name:?}; it is shown only now.");
            Ok(())
        }
        TokensCommand::List { out } => list(&client, out).await,
    }
}

fn period_name(p: PeriodArg) -> &'static str {
    match p {
        PeriodArg::Day => "day",
        PeriodArg::Week => "week",
        PeriodArg::Month => "month",
    }
}

async fn list(client: &Client, out: OutputArgs) -> Result<()> {
    let keys: Vec<api::ApiKey> = client.list(KEYS).await?;
    if out.json() {
        return print_json(&keys);
    }
    let mut table = Columns::new(&["NAME", "ID", "CAP", "EXPIRES"]).right(2);
    for k in keys {
        let cap = match (k.spend_limit_micros, k.period) {
            (Some(limit), Some(period)) => {
                format!("{} per {}", Micros::new(limit), period_text(period))
            }
            _ => String::new(),
        };
        table.row([k.token_name, k.id, cap, k.expires_at.format("%Y-%m-%d %H:%M").to_string()]);
    }
    table.print();
    Ok(())
}

fn period_text(p: api::ChatUsageLimitPeriod) -> &'static str {
    match p {
        api::ChatUsageLimitPeriod::Day => "day",
        api::ChatUsageLimitPeriod::Week => "week",
        api::ChatUsageLimitPeriod::Month => "month",
    }
}
