//! Spend limits: the deployment config, user overrides, group limits, the effective limit
//! (spend-limits §2, §3) and the spend the ledger records (§5).

pub mod alerts;
pub mod audit;
pub mod dry_run;
mod explain;
mod key_limits;
mod ledger;
mod limits;
pub mod records;
mod reservations;
mod resolve;
mod rows;
mod standing;
mod verify;
pub mod webhooks;

pub use explain::{GroupCandidate, LimitExplanation};
pub(crate) use ledger::MONEY_PARTS;
pub(crate) use limits::{log_group_limit_removal, log_user_limit_removal};
pub(crate) use reservations::{
    Held, Hold, NewHold, expired, find, held_by, hold, settle_abandoned, settle_call,
};
