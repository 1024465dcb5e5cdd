//! Integration tests of tollgate-terraform, as one test binary.

mod behaviour;
mod dot;
mod errors;
mod golden;
mod props;
mod support;
mod views;
