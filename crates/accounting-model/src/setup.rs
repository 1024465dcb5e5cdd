//! What is checked: which protocol (the [`Variant`]), how big the world is and how many faults
//! may happen ([`Config`]). Every amount of money the model handles comes from tollgate-core's
//! own functions (`RunBound`, `reserve`, `progress`), so the model checks the real arithmetic.

use tollgate_core::{Micros, Price, Prices, RunBound};

/// The protocol under check: the real one, or one with a known mistake the checker must catch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// The protocol as the code implements it, except that a run's stream stops at the first
    /// heartbeat that cannot reach the database (see [`Variant::StreamThroughMissedBeats`]).
    Correct,
    /// The code as it is today (`chatd/run.rs`: "A missed beat is not fatal"): a heartbeat that
    /// cannot reach the database is skipped and the stream goes on, past the progress the last
    /// successful heartbeat recorded.
    StreamThroughMissedBeats,
    /// `finish_run` saves the answer without comparing the run's generation with the chat's.
    SettleWithoutFencing,
    /// The sweeper settles an abandoned run at nothing instead of its recorded progress.
    SweepAtZero,
    /// Heartbeats record what was streamed, without what may stream before the next one.
    NoLookahead,
}

/// How many times each fault may happen in one execution: a bound that keeps the search finite
/// and small, while every interleaving of these faults with the runs is still explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Faults {
    /// Crashes (`kill -9`) and graceful shutdowns, together.
    pub stops: u8,
    /// `SIGSTOP`s (each resumed later, or not).
    pub pauses: u8,
    /// Database outages.
    pub outages: u8,
}

/// The world the model explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Config {
    pub variant: Variant,
    pub users: u8,
    pub chats_per_user: u8,
    pub replicas: u8,
    /// Each user's limit, in micros.
    pub limit: u8,
    /// Input tokens of every run (one user message); at 1 micro a token.
    pub input_tokens: u8,
    /// The model's output cap; at 1 micro a token.
    pub max_output_tokens: u8,
    /// What may stream between two heartbeats (`ChatSettings::lookahead_tokens`).
    pub lookahead_tokens: u8,
    pub faults: Faults,
    /// Whether a sweeper may take over a run whose holder still heartbeats (its clock runs ahead
    /// of the holder's by more than the stale timeout).
    pub skewed_clocks: bool,
}

impl Config {
    /// The default world: one user with two chats, two replicas, a limit that pays for one
    /// whole run and part of a second, one crash (or shutdown), one pause and one outage.
    pub fn new(variant: Variant) -> Self {
        Config {
            variant,
            users: 1,
            chats_per_user: 2,
            replicas: 2,
            limit: 8,
            input_tokens: 2,
            max_output_tokens: 3,
            lookahead_tokens: 1,
            faults: Faults { stops: 1, pauses: 1, outages: 1 },
            skewed_clocks: false,
        }
    }

    pub fn chats(&self) -> u8 {
        self.users * self.chats_per_user
    }

    pub fn owner(&self, chat: u8) -> u8 {
        chat / self.chats_per_user
    }

    /// Every run's bound, as the claim computes it from the model's prices.
    pub fn bound(&self) -> RunBound {
        let one: Price = "1".parse().expect("a price");
        let prices = Prices { input: Some(one), output: Some(one), ..Prices::default() };
        RunBound::new(Some(&prices), self.input_tokens.into(), self.max_output_tokens.into())
            .expect("a small bound")
    }

    /// What a run that streamed `tokens` output tokens was billed: its input and its output.
    /// The input is billed at its bound (the worst case a provider may charge).
    pub fn cost(&self, tokens: u8) -> u8 {
        let bound = self.bound();
        let output = bound.output_cost(tokens.into()).expect("a small cost");
        small(bound.input.checked_add(output).expect("a small cost"))
    }

    /// The progress a heartbeat records (`tollgate_core::progress`), with the lookahead the
    /// variant uses.
    pub fn progress(&self, streamed: u8, max_output_tokens: u8) -> u8 {
        let lookahead = match self.variant {
            Variant::NoLookahead => 0,
            _ => self.lookahead_tokens.into(),
        };
        let p = tollgate_core::progress(
            &self.bound(),
            streamed.into(),
            lookahead,
            max_output_tokens.into(),
        );
        small(p.expect("a small progress"))
    }
}

/// An amount of the model's world: every amount fits in a byte (limits are a few micros).
pub fn small(m: Micros) -> u8 {
    u8::try_from(m.get()).expect("the model's amounts are small")
}

pub fn micros(m: u8) -> Micros {
    Micros::new(m.into())
}
