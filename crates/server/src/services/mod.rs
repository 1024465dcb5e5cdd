//! What handlers and the chat daemon both use: spend standing and admission, providers and model
//! choice, titles, the cost of a call. Services speak domain types and their own errors; only
//! `error.rs` turns those into HTTP answers.

pub mod billing;
pub mod config_cache;
pub mod metered;
pub mod providers;
pub mod spend;
pub mod titles;
