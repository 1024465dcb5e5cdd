//! `tollgate chat`: start a chat and stream the answer, send to a chat, list chats.

use crate::client::{Client, Session};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use futures::StreamExt;
use std::io::Write;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tollgate_api_types as api;

const CHATS: &str = "/api/experimental/chats";

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ChatArgs {
    /// Start a new chat with this message and stream the answer.
    pub prompt: Option<String>,
    /// The model config to use (default: the deployment's default model).
    #[arg(long)]
    pub model: Option<uuid::Uuid>,
    #[command(subcommand)]
    pub command: Option<ChatCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ChatCommand {
    /// Send a message to a chat and stream the answer (or queue it while a run is going).
    Send { chat: uuid::Uuid, message: String },
    /// List your chats.
    List {
        #[arg(long)]
        archived: bool,
    },
}

fn text(message: &str) -> Vec<api::ChatInputPart> {
    vec![api::ChatInputPart { kind: "text".into(), text: Some(message.to_owned()) }]
}

pub async fn chat(args: ChatArgs) -> Result<()> {
    let client = Client::from_session()?;
    match (args.command, args.prompt) {
        (Some(ChatCommand::List { archived }), _) => list(&client, archived).await,
        (Some(ChatCommand::Send { chat, message }), _) => send(&client, chat, &message).await,
        (None, Some(prompt)) => {
            let req = api::CreateChatRequest {
                content: text(&prompt),
                model_config_id: args.model,
                ..Default::default()
            };
            let chat: api::Chat = client.post(CHATS, &req).await?;
            eprintln!("chat {} — {}", chat.id, chat.title);
            follow(&client, chat.id, 0).await
        }
        (None, None) => bail!("give a message to start a chat, or a subcommand (send, list)"),
    }
}

async fn list(client: &Client, archived: bool) -> Result<()> {
    let q = if archived { "?q=archived:true" } else { "" };
    let chats: Vec<api::Chat> = client.get(&format!("{CHATS}{q}")).await?;
    println!("{:<38} {:<9} TITLE", "ID", "STATUS");
    for c in chats {
        let status = serde_json::to_value(c.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        println!("{:<38} {:<9} {}", c.id, status, c.title);
    }
    Ok(())
}

async fn send(client: &Client, chat: uuid::Uuid, message: &str) -> Result<()> {
    let req = api::CreateChatMessageRequest { content: text(message), model_config_id: None };
    let resp: api::CreateChatMessageResponse =
        client.post(&format!("{CHATS}/{chat}/messages"), &req).await?;
    match (resp.queued, resp.message) {
        (false, Some(m)) => follow(client, chat, m.id).await,
        _ => {
            println!("Queued: it runs after the messages before it.");
            Ok(())
        }
    }
}

/// Streams the chat's answer to stdout until the run after message `after_id` ends.
async fn follow(client: &Client, chat: uuid::Uuid, after_id: i64) -> Result<()> {
    let session = Session::load()?;
    let ws_base = client.base().replacen("http", "ws", 1);
    let mut request =
        format!("{ws_base}{CHATS}/{chat}/stream?after_id={after_id}").into_client_request()?;
    request.headers_mut().insert(
        api::SESSION_TOKEN_HEADER,
        session.token.parse().context("token is not a valid header value")?,
    );
    let (mut socket, _) =
        tokio_tungstenite::connect_async(request).await.context("open the chat stream")?;
    let mut answer = Answer::default();
    while let Some(frame) = socket.next().await {
        let Message::Text(body) = frame.context("read the chat stream")? else { continue };
        let frame: serde_json::Value =
            serde_json::from_str(&body).context("a stream frame is not JSON")?;
        let events: Vec<api::ChatStreamEvent> =
            serde_json::from_value(frame["data"].clone()).unwrap_or_default();
        for event in events {
            if let Some(outcome) = answer.apply(event) {
                return finish(client, outcome).await;
            }
        }
    }
    bail!("the stream closed before the answer finished")
}

#[derive(Default)]
struct Answer {
    streamed: bool,
    cost: Option<i64>,
    answered: bool,
}

impl Answer {
    /// Prints what the event adds; `Some` once the run is over (the chat's final status).
    fn apply(&mut self, event: api::ChatStreamEvent) -> Option<Result<Option<i64>, String>> {
        if let Some(part) = event.message_part.filter(|p| p.part.kind == "text") {
            self.streamed = true;
            print!("{}", part.part.text);
            let _ = std::io::stdout().flush();
        }
        if let Some(m) = event.message.filter(|m| m.role == "assistant") {
            if !self.streamed {
                print!(
                    "{}",
                    m.content
                        .iter()
                        .filter(|p| p.kind == "text")
                        .map(|p| p.text.as_str())
                        .collect::<String>()
                );
            }
            self.answered = true;
            self.cost = m.total_cost_micros;
        }
        if let Some(e) = event.error {
            eprintln!("\nprovider error: {}", e.message);
        }
        match event.status.map(|s| s.status) {
            Some(api::ChatStatus::Waiting) if self.answered => Some(Ok(self.cost)),
            Some(api::ChatStatus::Error) => Some(Err("the run failed".into())),
            _ => None,
        }
    }
}

async fn finish(client: &Client, outcome: Result<Option<i64>, String>) -> Result<()> {
    println!();
    let cost = outcome.map_err(anyhow::Error::msg)?;
    let status: api::ChatUsageLimitStatus =
        client.get(&format!("{CHATS}/usage-limits/status")).await?;
    let cost =
        cost.map(|c| format!("cost {}", super::money(c))).unwrap_or_else(|| "unpriced".into());
    match status.spend_limit_micros {
        Some(limit) => eprintln!(
            "({cost}; spent {} of {} this period)",
            super::money(status.current_spend),
            super::money(limit)
        ),
        None => eprintln!("({cost})"),
    }
    Ok(())
}
