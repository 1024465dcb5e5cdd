//! `limits events` (thresholds crossed, windows exhausted) and `limits webhooks` (who is told),
//! limits-plus §6.

use super::wire_name;
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json};
use anyhow::Result;
use clap::{Args, Subcommand};
use tollgate_api_types as api;
use tollgate_core::Micros;

const BASE: &str = "/api/experimental/chats/usage-limits";

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Events to show, oldest first.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Only events newer than this id (the last id already seen).
    #[arg(long, value_name = "ID")]
    pub after_id: Option<i64>,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Send every limit event written from now on to URL, signed with a secret
    /// (`X-Tollgate-Signature: sha256=<hex HMAC-SHA256 of the body>`).
    Add {
        /// The receiver's http(s) URL.
        url: String,
        /// The signing secret (default: a random one, printed once).
        #[arg(long, env = "TOLLGATE_WEBHOOK_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// The webhooks, oldest first.
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Stop sending to a webhook; its undelivered events are dropped.
    Rm {
        /// The webhook's id (`tollgate limits webhooks list`).
        id: String,
    },
}

pub async fn events(client: &Client, args: EventsArgs) -> Result<()> {
    let mut path = format!("{BASE}/events?limit={}", args.limit);
    if let Some(id) = args.after_id {
        path.push_str(&format!("&after_id={id}"));
    }
    let page: api::ChatUsageLimitEventsResponse = client.get(&path).await?;
    if args.out.json() {
        return print_json(&page);
    }
    let mut table =
        Columns::new(&["ID", "TIME", "USER", "WINDOW", "EVENT", "SPENT", "RESETS"]).right(0);
    for e in &page.events {
        table.row([
            e.id.to_string(),
            e.time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            e.username.clone(),
            wire_name(&e.period),
            match e.event_type {
                api::ChatUsageLimitEventType::ThresholdCrossed => {
                    format!("{} % reached", e.percent)
                }
                api::ChatUsageLimitEventType::Exceeded => "exhausted".into(),
            },
            format!("{} of {}", Micros::new(e.spent_micros), Micros::new(e.limit_micros)),
            e.resets_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ]);
    }
    table.print_or("No limit events yet.");
    if let Some(last) = page.events.last().filter(|_| page.events.len() == args.limit as usize) {
        println!("Newer events: tollgate limits events --after-id {}", last.id);
    }
    Ok(())
}

pub async fn webhooks(client: &Client, cmd: WebhookCommand) -> Result<()> {
    match cmd {
        WebhookCommand::Add { url, secret } => {
            let shown = secret.is_none();
            let secret = secret.unwrap_or_else(tollgate_server::secrets::SecretBox::generate_hex);
            let req = api::CreateChatUsageLimitWebhookRequest { url, secret: secret.clone() };
            let w: api::ChatUsageLimitWebhook =
                client.post(&format!("{BASE}/webhooks"), &req).await?;
            println!("Webhook {} sends limit events to {}.", w.id, w.url);
            if shown {
                println!("Signing secret (shown once, keep it with the receiver): {secret}");
            }
        }
        WebhookCommand::List { out } => {
            let page: api::ChatUsageLimitWebhooksResponse =
                client.get(&format!("{BASE}/webhooks")).await?;
            if out.json() {
                return print_json(&page);
            }
            let mut table = Columns::new(&["ID", "URL", "CREATED"]);
            for w in &page.webhooks {
                table.row([
                    w.id.to_string(),
                    w.url.clone(),
                    w.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                ]);
            }
            table.print_or("No webhooks.");
        }
        WebhookCommand::Rm { id } => {
            client.delete(&format!("{BASE}/webhooks/{id}")).await?;
            println!("Webhook {id} removed.");
        }
    }
    Ok(())
}
