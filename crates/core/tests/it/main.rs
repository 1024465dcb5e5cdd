//! Table tests for tollgate's domain core.

mod accounting;
mod chat;
mod cost;
mod dry_run;
mod identity;
mod lifecycle;
mod limits;
mod money;
mod period;
mod windows;
