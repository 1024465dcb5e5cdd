//! A model check of tollgate's spend accounting (accounting.md §3–§5) with
//! [stateright](https://docs.rs/stateright): reservations taken under the user's lock, runs
//! streaming and heartbeating their progress, results saved with their cost behind a fencing
//! token, a sweeper and a restart takeover settling abandoned runs at their progress, a local
//! journal for results the database could not take, and crashes, pauses and database outages
//! in between. Every amount comes from tollgate-core's own `reserve`, `progress` and
//! `RunBound`, and every fencing decision from its `RunRef` and `lifecycle::finish`.
//!
//! The README says what each step stands for in the code, and what the model assumes.

pub mod db;
mod model;
pub mod properties;
mod setup;
mod state;

pub use model::{AccountingModel, Action};
pub use setup::{Config, Faults, Variant};
pub use state::{ChatRow, ChatStatus, Db, Entry, Life, Phase, Replica, Reservation, Run, State};
