//! The chat daemon's persistence (chats.md): providers, model configs, chats, their messages and
//! queue, the daemon's runs, and the cost reports. What a chat write does to the chat is decided
//! by [`tollgate_core::lifecycle`] from facts loaded here (`state`).

mod chats;
mod costs;
mod daemon;
mod models;
mod providers;
pub mod records;
mod rows;
mod state;
mod work;
