//! The steps: what each replica, the provider, the database and the faults may do next, and
//! what each step changes. A step is one transaction of the store (`db.rs`) or one event of a
//! replica's memory; the checker explores every interleaving of them.

use crate::db::{self, Claimed};
use crate::setup::{Config, Variant};
use crate::state::{ChatStatus, Entry, Life, Phase, Reservation, Run, State};
use stateright::{Model, Property};

/// One step. A run is named by its chat and generation (its claim), as the code's `RunRef` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The daemon's `claim_chat` for one pending chat.
    Claim {
        replica: u8,
        chat: u8,
    },
    /// The provider streams (and bills) one more output token of a run.
    Stream {
        replica: u8,
        chat: u8,
        generation: u8,
    },
    /// The run's heartbeat ticks (`chatd/run.rs` `heartbeat`).
    Beat {
        replica: u8,
        chat: u8,
        generation: u8,
    },
    /// The run ends (the provider finished, or the run stopped) and its result is saved, or
    /// held in memory while the database is away (`chatd/save.rs`).
    Finish {
        replica: u8,
        chat: u8,
        generation: u8,
    },
    /// Another replica's sweeper settles a reservation whose lease ran out (`Store::sweep`).
    Sweep {
        replica: u8,
        chat: u8,
        generation: u8,
    },
    Pause(u8),
    Resume(u8),
    /// `kill -9`: memory lost, the journal on disk kept.
    Crash(u8),
    /// A shutdown past its drain deadline: results held in memory are journaled.
    Shutdown(u8),
    /// The replica starts again: journal replayed, leftovers taken over (`chatd` `recover`).
    Restart(u8),
    /// A started replica whose `recover` failed (database away) tries again.
    Recover(u8),
    DbDown,
    DbUp,
}

/// The model of one protocol variant in one world.
#[derive(Debug, Clone)]
pub struct AccountingModel {
    pub config: Config,
}

impl Model for AccountingModel {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![State::initial(&self.config)]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        for replica in 0..self.config.replicas {
            match state.replica(replica).life {
                Life::Up => self.up_actions(state, replica, actions),
                Life::Paused => self.paused_actions(state, replica, actions),
                Life::Down => actions.push(Action::Restart(replica)),
                Life::Recovering if state.db.up => actions.push(Action::Recover(replica)),
                Life::Recovering => {}
            }
        }
        if state.db.up && state.faults.outages > 0 {
            actions.push(Action::DbDown);
        }
        if !state.db.up {
            actions.push(Action::DbUp);
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut next = last.clone();
        self.apply(&mut next, action);
        (next != *last).then_some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        crate::properties::all()
    }

    /// A broken variant may rerun a chat without end (a sweep at zero frees the budget it
    /// never charged): the search stops where the provider billed thrice the limit. The
    /// protocol itself never reaches it, since it never bills beyond the limit.
    fn within_boundary(&self, state: &State) -> bool {
        state.billed.iter().all(|&b| b <= 3 * self.config.limit)
    }
}

impl AccountingModel {
    pub fn new(config: Config) -> Self {
        AccountingModel { config }
    }

    fn up_actions(&self, state: &State, replica: u8, actions: &mut Vec<Action>) {
        if state.db.up {
            for chat in 0..self.config.chats() {
                if state.db.chat(chat).status == ChatStatus::Pending {
                    actions.push(Action::Claim { replica, chat });
                }
            }
            for r in state.db.reservations.iter().filter(|r| self.sweepable(state, replica, r)) {
                actions.push(Action::Sweep { replica, chat: r.chat, generation: r.generation });
            }
        }
        for run in &state.replica(replica).runs {
            let (chat, generation) = (run.chat, run.generation);
            if self.can_stream(run) {
                actions.push(Action::Stream { replica, chat, generation });
            }
            if run.phase == Phase::Streaming {
                actions.push(Action::Beat { replica, chat, generation });
            }
            if run.phase != Phase::Held || state.db.up {
                actions.push(Action::Finish { replica, chat, generation });
            }
        }
        if state.faults.pauses > 0 {
            actions.push(Action::Pause(replica));
        }
        if state.faults.stops > 0 {
            actions.push(Action::Crash(replica));
            actions.push(Action::Shutdown(replica));
        }
    }

    /// A paused replica does nothing, but its provider streams go on until the rate bound
    /// (what may stream between two heartbeats) — the model's assumption on a pause.
    fn paused_actions(&self, state: &State, replica: u8, actions: &mut Vec<Action>) {
        for run in state.replica(replica).runs.iter().filter(|run| self.can_stream(run)) {
            let (chat, generation) = (run.chat, run.generation);
            actions.push(Action::Stream { replica, chat, generation });
        }
        actions.push(Action::Resume(replica));
        if state.faults.stops > 0 {
            actions.push(Action::Crash(replica));
        }
    }

    /// The provider honours `max_tokens`, and streams at most the lookahead between two
    /// heartbeat ticks (the stream-rate bound `lookahead_tokens` is computed from).
    fn can_stream(&self, run: &Run) -> bool {
        run.phase == Phase::Streaming
            && run.streamed < run.max_output_tokens
            && run.since_beat < self.config.lookahead_tokens
    }

    /// Whether `sweeper` may find `r`'s lease ended: never its own (`except`), and only when the
    /// holder may have missed heartbeats for the stale timeout — it was paused or the database
    /// was away since its last renewal, or no heartbeat runs for it any more (the holder is
    /// down, or the run ended and waits to be saved). With skewed clocks, any time.
    fn sweepable(&self, state: &State, sweeper: u8, r: &Reservation) -> bool {
        if r.holder == sweeper {
            return false;
        }
        let beating = state
            .run(r.holder, r.chat, r.generation)
            .is_some_and(|run| run.phase == Phase::Streaming);
        self.config.skewed_clocks || r.lease_may_expire || !beating
    }

    fn apply(&self, s: &mut State, action: Action) {
        match action {
            Action::Claim { replica, chat } => self.claim(s, replica, chat),
            Action::Stream { replica, chat, generation } => {
                self.stream(s, replica, chat, generation)
            }
            Action::Beat { replica, chat, generation } => self.beat(s, replica, chat, generation),
            Action::Finish { replica, chat, generation } => {
                self.finish(s, replica, chat, generation)
            }
            Action::Sweep { chat, generation, .. } => {
                db::abandon(&self.config, &mut s.db, chat, generation)
            }
            Action::Pause(replica) => self.pause(s, replica),
            Action::Resume(replica) => s.replica_mut(replica).life = Life::Up,
            Action::Crash(replica) => self.stop(s, replica, false),
            Action::Shutdown(replica) => self.stop(s, replica, true),
            Action::Restart(replica) => self.restart(s, replica),
            Action::Recover(replica) => self.recover(s, replica),
            Action::DbDown => self.db_down(s),
            Action::DbUp => s.db.up = true,
        }
    }

    /// A granted run starts its provider call at once: the input is billed from the start.
    fn claim(&self, s: &mut State, replica: u8, chat: u8) {
        let Claimed::Run { generation, max_output_tokens } =
            db::claim(&self.config, &mut s.db, replica, chat)
        else {
            return;
        };
        let runs = &mut s.replica_mut(replica).runs;
        runs.push(Run {
            chat,
            generation,
            max_output_tokens,
            streamed: 0,
            since_beat: 0,
            phase: Phase::Streaming,
        });
        runs.sort_by_key(|run| (run.chat, run.generation));
        s.billed[usize::from(self.config.owner(chat))] += self.config.cost(0);
    }

    fn stream(&self, s: &mut State, replica: u8, chat: u8, generation: u8) {
        let run = s.run_mut(replica, chat, generation).expect("a streaming run");
        run.streamed += 1;
        run.since_beat += 1;
        let streamed = run.streamed;
        let token = self.config.cost(streamed) - self.config.cost(streamed - 1);
        s.billed[usize::from(self.config.owner(chat))] += token;
    }

    /// A tick of the run's heartbeat. With the database up it records the run's progress and
    /// learns whether the run still owns its chat (else the provider call is cancelled). With
    /// the database away the beat fails: the code logs it and streams on; the corrected
    /// protocol cancels the call, since nothing records what streams from now on.
    fn beat(&self, s: &mut State, replica: u8, chat: u8, generation: u8) {
        let up = s.db.up;
        let run = s.run(replica, chat, generation).expect("a beating run").clone();
        let progress = self.config.progress(run.streamed, run.max_output_tokens);
        let owned = up && db::heartbeat(&mut s.db, replica, chat, generation, progress);
        let run = s.run_mut(replica, chat, generation).expect("a beating run");
        run.since_beat = 0;
        let streams_on = owned || (!up && self.config.variant == Variant::StreamThroughMissedBeats);
        if !streams_on {
            run.phase = Phase::Stopped;
        }
    }

    /// The run's result: saved with its cost in one transaction, or held in memory (and
    /// retried) while the database is away.
    fn finish(&self, s: &mut State, replica: u8, chat: u8, generation: u8) {
        if !s.db.up {
            s.run_mut(replica, chat, generation).expect("a run").phase = Phase::Held;
            return;
        }
        let runs = &mut s.replica_mut(replica).runs;
        let at = runs.iter().position(|r| r.chat == chat && r.generation == generation);
        let run = runs.remove(at.expect("a run"));
        let cost = self.config.cost(run.streamed);
        db::finish_run(&self.config, &mut s.db, replica, chat, generation, cost);
    }

    /// A paused replica misses its heartbeats: its leases may run out.
    fn pause(&self, s: &mut State, replica: u8) {
        s.faults.pauses -= 1;
        s.replica_mut(replica).life = Life::Paused;
        for r in s.db.reservations.iter_mut().filter(|r| r.holder == replica) {
            r.lease_may_expire = true;
        }
    }

    /// The process ends: its provider calls end with it (nothing more is billed). A shutdown
    /// journals the results it could not save; a crash loses them.
    fn stop(&self, s: &mut State, replica: u8, journal: bool) {
        s.faults.stops -= 1;
        let rep = s.replica_mut(replica);
        rep.life = Life::Down;
        let runs = std::mem::take(&mut rep.runs);
        if !journal {
            return;
        }
        for run in runs.into_iter().filter(|run| run.phase == Phase::Held) {
            let cost = self.config.cost(run.streamed);
            rep.journal.push(Entry { chat: run.chat, generation: run.generation, cost });
        }
    }

    /// A start: `recover` at once, or — the database away — retried by the daemon's loop
    /// (`Recover`), claiming nothing until it succeeds.
    fn restart(&self, s: &mut State, replica: u8) {
        s.replica_mut(replica).life = Life::Recovering;
        if s.db.up {
            self.recover(s, replica);
        }
    }

    /// `chatd` `recover`: the journal is replayed through `finish_run`, then the replica's
    /// leftovers are taken over.
    fn recover(&self, s: &mut State, replica: u8) {
        s.replica_mut(replica).life = Life::Up;
        for e in std::mem::take(&mut s.replica_mut(replica).journal) {
            db::finish_run(&self.config, &mut s.db, replica, e.chat, e.generation, e.cost);
        }
        db::take_over(&self.config, &mut s.db, replica);
    }

    /// An outage may last past the stale timeout: every lease may run out.
    fn db_down(&self, s: &mut State) {
        s.faults.outages -= 1;
        s.db.up = false;
        for r in &mut s.db.reservations {
            r.lease_may_expire = true;
        }
    }
}
