//! Integration tests of tollgate-terraform, as one test binary.

mod golden;
