//! Table tests for tollgate's domain core.

mod admission;
mod chat;
mod cost;
mod identity;
mod limits;
mod money;
mod period;
