//! The chat state machine (chats.md §3), decided once for every backend.
//!
//! The store loads the facts of a chat under its row lock ([`ChatFacts`]), asks one of the
//! functions here what must change, and applies the answer ([`Transition`], [`SendPlan`]) in the
//! same transaction. Nothing here does IO: the table tests in `tests/it/lifecycle.rs` are the
//! whole behaviour.

use crate::Rule;
use std::fmt;
use std::str::FromStr;

/// Most messages a chat may hold in its queue.
pub const MAX_QUEUED_MESSAGES: i64 = 20;

/// Where a chat stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatStatus {
    /// Idle: nothing to do.
    Waiting,
    /// Has work and no worker.
    Pending,
    /// Owned by a worker.
    Running,
    /// Idle after a failed run (`last_error` says why).
    Error,
}

impl ChatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatStatus::Waiting => "waiting",
            ChatStatus::Pending => "pending",
            ChatStatus::Running => "running",
            ChatStatus::Error => "error",
        }
    }

    /// Idle chats run a new message at once; busy ones queue it.
    pub fn is_idle(self) -> bool {
        matches!(self, ChatStatus::Waiting | ChatStatus::Error)
    }
}

impl fmt::Display for ChatStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChatStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "waiting" => Ok(ChatStatus::Waiting),
            "pending" => Ok(ChatStatus::Pending),
            "running" => Ok(ChatStatus::Running),
            "error" => Ok(ChatStatus::Error),
            other => Err(format!("unknown chat status {other:?}")),
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageRole {
    System,
    User,
    Assistant,
    Tool,
}

impl MessageRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::System => "system",
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
            MessageRole::Tool => "tool",
        }
    }
}

impl FromStr for MessageRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "system" => Ok(MessageRole::System),
            "user" => Ok(MessageRole::User),
            "assistant" => Ok(MessageRole::Assistant),
            "tool" => Ok(MessageRole::Tool),
            other => Err(format!("unknown message role {other:?}")),
        }
    }
}

/// What the store knows of a chat when it decides, read under the chat's row lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatFacts {
    pub status: ChatStatus,
    /// The worker that owns a `running` chat.
    pub worker_id: Option<String>,
    /// How many times the chat was claimed: the fencing token of its latest run.
    pub generation: i64,
    /// A message was promoted into the history while a run was in flight.
    pub rerun_requested: bool,
    /// Messages waiting in the chat's queue.
    pub queued: i64,
}

/// A new status; it always releases the worker and clears a rerun request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub status: ChatStatus,
    pub last_error: Option<String>,
}

impl StatusChange {
    pub fn to(status: ChatStatus) -> Self {
        StatusChange { status, last_error: None }
    }
}

/// What must change on the chat, applied in this order: promote the queue head into the history,
/// set the status, ask for a rerun.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transition {
    /// Move the oldest queued message into the history (FIFO).
    pub promote_head: bool,
    pub status: Option<StatusChange>,
    /// The run in flight did not see a promoted message: run again when it ends.
    pub request_rerun: bool,
}

impl Transition {
    /// Nothing changes.
    pub fn none() -> Self {
        Transition::default()
    }

    fn status(status: ChatStatus) -> Self {
        Transition { status: Some(StatusChange::to(status)), ..Transition::default() }
    }

    fn promote_and_run() -> Self {
        Transition { promote_head: true, ..Transition::status(ChatStatus::Pending) }
    }
}

/// Where a sent message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Into the history: the chat runs it next.
    History,
    /// Into the queue, behind the messages already there.
    Queue,
}

/// What sending a message does: the transition first (it may promote the queue head, which must
/// stay ahead of the new message), then the message goes to its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPlan {
    pub transition: Transition,
    pub placement: Placement,
}

/// Sending a message (chats.md §3): an idle chat with an empty queue runs it; otherwise it is
/// queued. An idle chat left with a queue (by an interrupt) first promotes its head, so FIFO
/// order holds and nothing is stuck. `QueueFull` at [`MAX_QUEUED_MESSAGES`].
pub fn send(facts: &ChatFacts) -> Result<SendPlan, Rule> {
    let idle = facts.status.is_idle();
    if idle && facts.queued == 0 {
        return Ok(SendPlan {
            transition: Transition::status(ChatStatus::Pending),
            placement: Placement::History,
        });
    }
    let promoted = i64::from(idle);
    if facts.queued - promoted >= MAX_QUEUED_MESSAGES {
        return Err(Rule::QueueFull);
    }
    let transition = if idle { Transition::promote_and_run() } else { Transition::none() };
    Ok(SendPlan { transition, placement: Placement::Queue })
}

/// Why an edit is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditRefused {
    /// No visible message with that id in the chat.
    NoSuchMessage,
    /// The message is not the user's.
    Broken(Rule),
}

/// Editing the message whose role is `target` (`None`: no such visible message): the message and
/// everything after it are hidden (their cost still counts), the queue is cleared, the new text
/// goes into the history and the chat runs it, releasing any worker.
pub fn edit(target: Option<MessageRole>) -> Result<Transition, EditRefused> {
    match target {
        None => Err(EditRefused::NoSuchMessage),
        Some(MessageRole::User) => Ok(Transition::status(ChatStatus::Pending)),
        Some(_) => Err(EditRefused::Broken(Rule::OnlyUserMessagesEditable)),
    }
}

/// Promoting a queued message (already moved into the history by the caller): an idle chat runs
/// it; a run in flight did not see it, so the chat runs again when that run ends; a pending chat
/// will see it when it runs.
pub fn promote(facts: &ChatFacts) -> Transition {
    match facts.status {
        ChatStatus::Waiting | ChatStatus::Error => Transition::status(ChatStatus::Pending),
        ChatStatus::Running => Transition { request_rerun: true, ..Transition::none() },
        ChatStatus::Pending => Transition::none(),
    }
}

/// Interrupting: the chat rests and its worker is released; the worker notices at its next
/// heartbeat and finishes with what it has.
pub fn interrupt() -> Transition {
    Transition::status(ChatStatus::Waiting)
}

/// A run that cannot be paid for does not start (accounting.md §3.2): the chat rests in `error`
/// with the refusal; its queue stays as it is.
pub fn refuse(message: &str) -> Transition {
    Transition {
        status: Some(StatusChange {
            status: ChatStatus::Error,
            last_error: Some(message.to_owned()),
        }),
        ..Transition::none()
    }
}

/// A run as its worker knows it: the chat's claim it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRef {
    pub worker: String,
    /// The chat's generation when this run claimed it.
    pub generation: i64,
}

impl RunRef {
    /// Whether the run's claim is still the chat's latest (accounting.md §4): only then may it
    /// save its answer or change the chat. A run whose chat was taken over after it stopped
    /// heartbeating (a paused or cut-off replica) is stale.
    pub fn is_current(&self, facts: &ChatFacts) -> bool {
        facts.generation == self.generation
    }
}

/// How a run ended, from the worker's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Succeeded,
    Failed { error: String },
}

/// A run ends (its cost is recorded whatever this says: it was billed). A stale run (its claim
/// was taken over) changes nothing. A run that still owns the chat, or whose chat was
/// interrupted to `waiting`, hands over to the queue head (FIFO); otherwise an owned run leaves
/// the chat `pending` when a promoted message awaits an answer, `waiting` when it succeeded and
/// `error` when it failed, while an interrupted one leaves it resting. A chat taken by another
/// worker, or `pending` after an edit, is left alone.
pub fn finish(facts: &ChatFacts, run: &RunRef, outcome: &RunOutcome) -> Transition {
    if !run.is_current(facts) {
        return Transition::none();
    }
    let owned = facts.status == ChatStatus::Running
        && facts.worker_id.as_deref() == Some(run.worker.as_str());
    let interrupted = facts.status == ChatStatus::Waiting;
    if !(owned || interrupted) {
        return Transition::none();
    }
    if facts.queued > 0 {
        return Transition::promote_and_run();
    }
    if !owned {
        return Transition::none();
    }
    if facts.rerun_requested {
        return Transition::status(ChatStatus::Pending);
    }
    match outcome {
        RunOutcome::Succeeded => Transition::status(ChatStatus::Waiting),
        RunOutcome::Failed { error } => Transition {
            status: Some(StatusChange {
                status: ChatStatus::Error,
                last_error: Some(error.clone()),
            }),
            ..Transition::none()
        },
    }
}
