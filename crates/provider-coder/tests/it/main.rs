//! Integration tests: the provider binary driven by the real `terraform`, offline.

mod binary;
mod goldens;
mod support;
mod workspace;
