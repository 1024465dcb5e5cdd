//! Spend limits: the deployment config, user overrides, group limits, the effective limit
//! (spend-limits §2, §3) and the spend the ledger records (§5).

mod ledger;
mod limits;
pub mod records;
mod rows;

pub(crate) use ledger::MONEY_PARTS;
