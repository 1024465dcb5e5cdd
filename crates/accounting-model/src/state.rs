//! The model's state: the one shared database, each replica's memory and journal, and what the
//! provider billed. Amounts are micros in a byte; ids are small indexes (chat `c` belongs to user
//! `c / chats_per_user`).

use crate::setup::{Config, Faults};

/// A chat's row (`chats`): the status the daemon cares about and its generation (fencing token).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChatRow {
    pub status: ChatStatus,
    pub generation: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatStatus {
    /// The user's message waits for a run (at first, and after a takeover requeued it).
    Pending,
    Running {
        worker: u8,
    },
    /// The run finished and its answer was saved (`waiting` in the code).
    Answered,
    /// The limit could not pay for the run (`error` with the 409 message).
    Refused,
}

/// A live reservation (`spend_reservations`); its id is its chat and generation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reservation {
    pub chat: u8,
    pub generation: u8,
    pub holder: u8,
    pub amount: u8,
    pub progress: u8,
    /// Whether the lease may have run out: its holder missed heartbeats (paused, crashed, or the
    /// database was away) since the last one that renewed it.
    pub lease_may_expire: bool,
}

/// The ledger rows of one reservation (`spend_ledger` by `reservation_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Settlement {
    pub chat: u8,
    pub generation: u8,
    /// The estimated row a sweep or takeover wrote (`abandoned_run`, `estimated`).
    pub estimate: Option<u8>,
    /// Whether a real-cost row was written (the run's own settle, or its late correction).
    pub real: bool,
}

/// The database. Every transaction of the code is one step of the model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Db {
    pub up: bool,
    pub chats: Vec<ChatRow>,
    pub reservations: Vec<Reservation>,
    pub settlements: Vec<Settlement>,
    /// Per user: the counters (the ledger's sum).
    pub spent: Vec<u8>,
    /// Per chat: assistant answers saved.
    pub answers: Vec<u8>,
    /// Whether a stale run's answer was ever turned away (only for a `sometimes` property: it
    /// shows the fencing path is reached).
    pub stale_answer_dropped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Life {
    Up,
    /// `SIGSTOP`ed: does nothing, but its provider streams may still deliver (rate-bounded).
    Paused,
    /// Crashed or shut down; the journal on disk survives.
    Down,
    /// Started, but its last life's leftovers are not settled yet (the database was away):
    /// it retries `recover` every loop and claims nothing meanwhile.
    Recovering,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The provider streams; the heartbeat beats beside it.
    Streaming,
    /// The run lost its chat (a fenced heartbeat) or its heartbeat failed: the provider call
    /// is cancelled and the run goes on to save what it has.
    Stopped,
    /// Finished while the database was away: held in memory, saving retried with backoff.
    Held,
}

/// A run in a replica's memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Run {
    pub chat: u8,
    pub generation: u8,
    pub max_output_tokens: u8,
    /// Output tokens the provider streamed (and billed).
    pub streamed: u8,
    /// Tokens streamed since the last heartbeat (the rate bound keeps it ≤ the lookahead).
    pub since_beat: u8,
    pub phase: Phase,
}

/// A finished run in the journal (`chatd/journal.rs` `Entry`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    pub chat: u8,
    pub generation: u8,
    pub cost: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Replica {
    pub life: Life,
    pub runs: Vec<Run>,
    pub journal: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct State {
    pub db: Db,
    pub replicas: Vec<Replica>,
    /// Per user: what the provider billed (the money really spent).
    pub billed: Vec<u8>,
    /// Faults still allowed.
    pub faults: Faults,
}

impl State {
    pub fn initial(config: &Config) -> Self {
        let chats = usize::from(config.chats());
        let users = usize::from(config.users);
        let replica = Replica { life: Life::Up, runs: Vec::new(), journal: Vec::new() };
        State {
            db: Db {
                up: true,
                chats: vec![ChatRow { status: ChatStatus::Pending, generation: 0 }; chats],
                reservations: Vec::new(),
                settlements: Vec::new(),
                spent: vec![0; users],
                answers: vec![0; chats],
                stale_answer_dropped: false,
            },
            replicas: vec![replica; usize::from(config.replicas)],
            billed: vec![0; users],
            faults: config.faults,
        }
    }

    pub fn replica(&self, r: u8) -> &Replica {
        &self.replicas[usize::from(r)]
    }

    pub fn replica_mut(&mut self, r: u8) -> &mut Replica {
        &mut self.replicas[usize::from(r)]
    }

    pub fn run(&self, r: u8, chat: u8, generation: u8) -> Option<&Run> {
        self.replica(r).runs.iter().find(|run| run.chat == chat && run.generation == generation)
    }

    pub fn run_mut(&mut self, r: u8, chat: u8, generation: u8) -> Option<&mut Run> {
        self.replica_mut(r)
            .runs
            .iter_mut()
            .find(|run| run.chat == chat && run.generation == generation)
    }

    /// Nothing in flight anywhere: no live reservation, no run in any replica's memory, nothing
    /// journaled, the database up. Then every billed micro must be in the ledger.
    pub fn quiescent(&self) -> bool {
        self.db.up
            && self.db.reservations.is_empty()
            && self.replicas.iter().all(|r| r.runs.is_empty() && r.journal.is_empty())
    }
}

impl Db {
    pub fn chat(&self, chat: u8) -> &ChatRow {
        &self.chats[usize::from(chat)]
    }

    pub fn chat_mut(&mut self, chat: u8) -> &mut ChatRow {
        &mut self.chats[usize::from(chat)]
    }

    pub fn reservation(&self, chat: u8, generation: u8) -> Option<&Reservation> {
        self.reservations.iter().find(|r| r.chat == chat && r.generation == generation)
    }

    pub fn settlement(&self, chat: u8, generation: u8) -> Option<&Settlement> {
        self.settlements.iter().find(|s| s.chat == chat && s.generation == generation)
    }

    /// What the live reservations of `user`'s chats hold, summed with `f`.
    pub fn held_by_user(&self, config: &Config, user: u8, f: fn(&Reservation) -> u8) -> u8 {
        self.reservations.iter().filter(|r| config.owner(r.chat) == user).map(f).sum()
    }
}
