//! The local journal of finished runs the database could not take before shutdown
//! (accounting.md §5): one JSON line per run, appended and synced to disk, replayed through
//! `finish_run` at the next start (fencing makes a replay safe whatever happened meanwhile).

use super::Daemon;
use crate::authz::{Action, Object};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use tollgate_core::{MessageRole, Micros, RunOutcome, RunRef, TokenUsage};
use tollgate_store::{NewChatMessage, Time};
use uuid::Uuid;

/// A finished run, as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub chat_id: Uuid,
    pub owner_id: Uuid,
    pub worker: String,
    pub generation: i64,
    pub reservation_id: Option<Uuid>,
    /// `None`: succeeded; else the error.
    pub error: Option<String>,
    pub at: Time,
    pub message: Option<Message>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub model_config_id: Option<Uuid>,
    pub content: serde_json::Value,
    /// input, output, reasoning, cache read, cache write.
    pub usage: Option<[u64; 5]>,
    pub total_cost_micros: Option<i64>,
    pub created_at: Time,
}

impl Entry {
    pub fn new(
        chat: (Uuid, Uuid),
        run: &RunRef,
        reservation: Option<Uuid>,
        message: Option<&NewChatMessage>,
        outcome: &RunOutcome,
        at: Time,
    ) -> Self {
        Entry {
            chat_id: chat.0,
            owner_id: chat.1,
            worker: run.worker.clone(),
            generation: run.generation,
            reservation_id: reservation,
            error: match outcome {
                RunOutcome::Succeeded => None,
                RunOutcome::Failed { error } => Some(error.clone()),
            },
            at,
            message: message.map(|m| Message {
                model_config_id: m.model_config_id,
                content: m.content.clone(),
                usage: m
                    .usage
                    .map(|u| [u.input, u.output, u.reasoning, u.cache_read, u.cache_write]),
                total_cost_micros: m.total_cost.map(Micros::get),
                created_at: m.created_at,
            }),
        }
    }

    fn run(&self) -> RunRef {
        RunRef { worker: self.worker.clone(), generation: self.generation }
    }

    fn outcome(&self) -> RunOutcome {
        match &self.error {
            None => RunOutcome::Succeeded,
            Some(error) => RunOutcome::Failed { error: error.clone() },
        }
    }

    fn message(&self) -> Option<NewChatMessage> {
        self.message.as_ref().map(|m| NewChatMessage {
            chat_id: self.chat_id,
            created_by: None,
            model_config_id: m.model_config_id,
            role: MessageRole::Assistant,
            content: m.content.clone(),
            usage: m.usage.map(|[input, output, reasoning, cache_read, cache_write]| TokenUsage {
                input,
                output,
                reasoning,
                cache_read,
                cache_write,
            }),
            total_cost: m.total_cost_micros.map(Micros::new),
            created_at: m.created_at,
        })
    }
}

fn file(dir: &Path, worker: &str) -> PathBuf {
    let safe: String = worker
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    dir.join(format!("unsaved-runs-{safe}.jsonl"))
}

/// Appends `entry` and syncs it to disk.
pub async fn append(dir: PathBuf, entry: Entry) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let line = serde_json::to_string(&entry).map_err(std::io::Error::other)? + "\n";
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file(&dir, &entry.worker))?;
        f.write_all(line.as_bytes())?;
        f.sync_data()
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Saves every journaled run of this replica; entries that still cannot be saved stay.
/// Returns how many were saved, what they added to the ledger and how many still wait.
pub async fn replay(daemon: &Daemon, dir: &Path) -> std::io::Result<Replayed> {
    let path = file(dir, &daemon.settings.worker_id);
    let text = match tokio::fs::read_to_string(&path).await {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Replayed::default()),
        Err(e) => return Err(e),
    };
    let (mut saved, mut recorded, mut kept) = (0, Micros::ZERO, String::new());
    let mut waiting = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(entry) = serde_json::from_str::<Entry>(line) else {
            tracing::error!(path = %path.display(), "unreadable journal line kept as it is");
            kept.push_str(line);
            kept.push('\n');
            continue;
        };
        match save(daemon, &entry).await {
            Ok(added) => {
                saved += 1;
                recorded = recorded.checked_add(added).unwrap_or(recorded);
            }
            Err(e) => {
                tracing::warn!(chat_id = %entry.chat_id, error = %e, "journaled run not saved yet");
                waiting += 1;
                kept.push_str(line);
                kept.push('\n');
            }
        }
    }
    let tmp = path.with_extension("jsonl.tmp");
    tokio::fs::write(&tmp, kept.as_bytes()).await?;
    tokio::fs::rename(&tmp, &path).await?;
    Ok(Replayed { saved, recorded, waiting })
}

/// What a replay saved, and how many readable entries the database could not take yet.
#[derive(Debug, Default)]
pub struct Replayed {
    pub saved: usize,
    pub recorded: Micros,
    pub waiting: usize,
}

async fn save(daemon: &Daemon, entry: &Entry) -> Result<Micros, String> {
    let store = daemon
        .acting
        .may(Action::Update, Object::Chat { owner: entry.owner_id })
        .map_err(|e| e.to_string())?;
    let finished = store
        .finish_run(
            entry.chat_id,
            &entry.run(),
            entry.reservation_id,
            entry.message(),
            entry.outcome(),
            entry.at,
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(finished.recorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_keeps_the_run() {
        let run = RunRef { worker: "replica-a".into(), generation: 3 };
        let message = NewChatMessage {
            chat_id: Uuid::new_v4(),
            created_by: None,
            model_config_id: Some(Uuid::new_v4()),
            role: MessageRole::Assistant,
            content: serde_json::json!([{"type": "text", "text": "hi"}]),
            usage: Some(TokenUsage {
                input: 1,
                output: 2,
                reasoning: 0,
                cache_read: 3,
                cache_write: 4,
            }),
            total_cost: Some(Micros::new(99)),
            created_at: chrono::Utc::now(),
        };
        let failed = RunOutcome::Failed { error: "boom".into() };
        let entry = Entry::new(
            (message.chat_id, Uuid::new_v4()),
            &run,
            None,
            Some(&message),
            &failed,
            message.created_at,
        );
        let back: Entry = serde_json::from_str(&serde_json::to_string(&entry).unwrap()).unwrap();
        assert_eq!(back, entry);
        assert_eq!(back.run(), run);
        assert_eq!(back.outcome(), failed);
        let m = back.message().unwrap();
        assert_eq!(
            (m.usage, m.total_cost, m.content),
            (message.usage, message.total_cost, message.content)
        );
    }
}
