//! `tollgate chat`: start a chat and stream the answer, send to a chat, list and show chats.
//! A chat is named by its id, a unique start of it (as `chat list` shows), or its title.

use super::{model, pick};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, hint_label, print_json};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use futures::StreamExt;
use std::io::Write;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tollgate_api_types as api;
use tollgate_core::Micros;

const CHATS: &str = "/api/experimental/chats";
const NO_DEFAULT: &str = "No default chat model config is configured.";

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:
  tollgate chat \"Explain spend limits\"
  tollgate chat --model simulated-1 \"Explain spend limits\"
  tollgate chat send 3f2a9c1e \"and once more\""
)]
pub struct ChatArgs {
    /// Start a new chat with this message and stream the answer.
    #[arg(value_name = "MESSAGE")]
    pub prompt: Option<String>,
    /// The model, by name (simulated-1), `provider:model` or id (default: the default model).
    #[arg(long)]
    pub model: Option<String>,
    #[command(subcommand)]
    pub command: Option<ChatCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ChatCommand {
    /// Send a message to a chat and stream the answer (or queue it while a run is going).
    Send {
        /// The chat: its id, the start of it that `chat list` shows, or its title.
        chat: String,
        /// What to say.
        message: String,
    },
    /// List your chats, newest first.
    List {
        /// List archived chats instead.
        #[arg(long)]
        archived: bool,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show a chat's messages and what each answer cost.
    Show {
        /// The chat: its id, the start of it that `chat list` shows, or its title.
        chat: String,
        #[command(flatten)]
        out: OutputArgs,
    },
}

fn text(message: &str) -> Vec<api::ChatInputPart> {
    vec![api::ChatInputPart { kind: "text".into(), text: Some(message.to_owned()) }]
}

fn short(id: uuid::Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

pub async fn chat(args: ChatArgs) -> Result<()> {
    let client = Client::from_session()?;
    match (args.command, args.prompt) {
        (Some(ChatCommand::List { archived, out }), _) => list(&client, archived, out).await,
        (Some(ChatCommand::Send { chat, message }), _) => send(&client, &chat, &message).await,
        (Some(ChatCommand::Show { chat, out }), _) => show(&client, &chat, out).await,
        (None, Some(prompt)) => start(&client, args.model.as_deref(), &prompt).await,
        (None, None) => bail!("give a message to start a chat, or a subcommand (send, list, show)"),
    }
}

async fn start(client: &Client, model_name: Option<&str>, prompt: &str) -> Result<()> {
    let model_config_id = match model_name {
        Some(name) => Some(model(client, name).await?.id),
        None => None,
    };
    let req =
        api::CreateChatRequest { content: text(prompt), model_config_id, ..Default::default() };
    let chat: api::Chat = client.post(CHATS, &req).await.map_err(|e| {
        if e.to_string().contains(NO_DEFAULT) {
            anyhow::anyhow!(
                "{e:#}\n{} choose a default with `tollgate models default NAME`, or pass --model NAME",
                hint_label()
            )
        } else {
            e
        }
    })?;
    eprintln!("chat {} — {}", short(chat.id), chat.title);
    follow(client, chat.id, 0).await
}

/// The chat `query` names: an id, a unique id prefix (4+ characters) or a unique title.
pub async fn find_chat(client: &Client, query: &str) -> Result<api::Chat> {
    if let Ok(id) = query.parse::<uuid::Uuid>() {
        return client.get(&format!("{CHATS}/{id}")).await.with_context(|| format!("chat {query}"));
    }
    let chats: Vec<api::Chat> = client.get_all(CHATS, 200, |page| page).await?;
    let prefix = query.to_ascii_lowercase().replace('-', "");
    let by_id = prefix.len() >= 4 && prefix.bytes().all(|b| b.is_ascii_hexdigit());
    pick(
        chats,
        "chat",
        query,
        |c| (by_id && c.id.simple().to_string().starts_with(&prefix)) || c.title == query,
        |c| format!("{} {:?}", short(c.id), c.title),
    )
}

async fn list(client: &Client, archived: bool, out: OutputArgs) -> Result<()> {
    let q = if archived { "?q=archived:true" } else { "" };
    let chats: Vec<api::Chat> = client.get_all(&format!("{CHATS}{q}"), 200, |page| page).await?;
    if out.json() {
        return print_json(&chats);
    }
    let mut table = Columns::new(&["ID", "STATUS", "UPDATED", "TITLE"]);
    for c in &chats {
        table.row([
            short(c.id),
            super::wire_name(&c.status),
            c.updated_at.format("%Y-%m-%d %H:%M").to_string(),
            c.title.clone(),
        ]);
    }
    table.print_or("No chats yet: `tollgate chat \"MESSAGE\"` starts one.");
    Ok(())
}

async fn show(client: &Client, query: &str, out: OutputArgs) -> Result<()> {
    let chat = find_chat(client, query).await?;
    let mut page: api::ChatMessagesResponse =
        client.get(&format!("{CHATS}/{}/messages?limit=200", chat.id)).await?;
    if out.json() {
        return print_json(&page);
    }
    // The API lists the newest first; a transcript reads oldest first.
    page.messages.sort_by_key(|m| m.id);
    println!("chat {} — {} ({})", short(chat.id), chat.title, super::wire_name(&chat.status));
    let mut total = Micros::ZERO;
    for m in &page.messages {
        let body: String =
            m.content.iter().filter(|p| p.kind == "text").map(|p| p.text.as_str()).collect();
        let cost = match (m.role.as_str(), m.total_cost_micros) {
            ("assistant", Some(c)) => format!(" ({})", Micros::new(c)),
            ("assistant", None) => " (unpriced)".to_owned(),
            _ => String::new(),
        };
        total = total.checked_add(Micros::new(m.total_cost_micros.unwrap_or(0)))?;
        println!("\n{}{cost}:\n{}", m.role, body.trim_end());
    }
    if page.has_more {
        println!("\n(older messages are not shown: this is the latest 200)");
    }
    println!("\nTotal cost: {total}");
    Ok(())
}

async fn send(client: &Client, query: &str, message: &str) -> Result<()> {
    let chat = find_chat(client, query).await?;
    let req = api::CreateChatMessageRequest { content: text(message), model_config_id: None };
    let resp: api::CreateChatMessageResponse =
        client.post(&format!("{CHATS}/{}/messages", chat.id), &req).await?;
    match (resp.queued, resp.message) {
        (false, Some(m)) => follow(client, chat.id, m.id).await,
        _ => {
            println!("Queued: it runs after the messages before it.");
            Ok(())
        }
    }
}

/// Streams the chat's answer to stdout until the run after message `after_id` ends.
async fn follow(client: &Client, chat: uuid::Uuid, after_id: i64) -> Result<()> {
    let token = super::session::token_of(client)?;
    let ws_base = client.base().replacen("http", "ws", 1);
    let mut request =
        format!("{ws_base}{CHATS}/{chat}/stream?after_id={after_id}").into_client_request()?;
    request.headers_mut().insert(
        api::SESSION_TOKEN_HEADER,
        token.parse().context("token is not a valid header value")?,
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
                return finish(client, chat, outcome).await;
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
                let body: String = m
                    .content
                    .iter()
                    .filter(|p| p.kind == "text")
                    .map(|p| p.text.as_str())
                    .collect();
                print!("{body}");
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

/// Why a run failed, in words: a run the spend limit could not pay for says so as a refused
/// request would (strict enforcement refuses it when it is about to start).
async fn run_failure(client: &Client, chat: uuid::Uuid, failed: String) -> anyhow::Error {
    match client.get::<api::Chat>(&format!("{CHATS}/{chat}")).await {
        Ok(c) => match (c.usage_limit_exceeded, c.last_error) {
            (Some(over), _) => anyhow::anyhow!(crate::client::limit_sentence(&over)),
            (None, Some(error)) => anyhow::anyhow!("{failed}: {error}"),
            (None, None) => anyhow::anyhow!(failed),
        },
        Err(_) => anyhow::anyhow!(failed),
    }
}

async fn finish(
    client: &Client,
    chat: uuid::Uuid,
    outcome: Result<Option<i64>, String>,
) -> Result<()> {
    println!();
    let cost = match outcome {
        Ok(cost) => cost,
        Err(failed) => return Err(run_failure(client, chat, failed).await),
    };
    let status: api::ChatUsageLimitStatus =
        client.get(&format!("{CHATS}/usage-limits/status")).await?;
    let cost =
        cost.map(|c| format!("cost {}", Micros::new(c))).unwrap_or_else(|| "unpriced".into());
    match status.spend_limit_micros {
        Some(limit) => eprintln!(
            "({cost}; spent {} of {} this period)",
            Micros::new(status.current_spend),
            Micros::new(limit)
        ),
        None => eprintln!("({cost})"),
    }
    Ok(())
}
