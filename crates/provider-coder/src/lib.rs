//! tollgate's own `coder` Terraform provider.
//!
//! Coder's templates declare `coder/coder` resources (`coder_agent`, `coder_app`, …) and data
//! sources (`coder_parameter`, `coder_workspace`, …). This crate builds a provider binary,
//! `terraform-provider-coder`, that serves them to Terraform over the plugin protocol 6 with
//! Coder's attribute names, defaults, checks and computed values, so that the states Terraform
//! writes convert (`tollgate_terraform`) exactly as Coder's would. [`install`] lays the binary
//! out for Terraform without any network.
//!
//! Layout: `plugin` (go-plugin handshake, mutual TLS, the helper services), `provider` (the
//! gRPC service), `lifecycle` (plan/apply/read/import/upgrade shared by every resource, shaped
//! like Terraform's SDK v2), `schema` and `value` (schemas and values with their wire forms),
//! `resources` and `data_sources` (what Coder's provider does for each type).

pub mod data_sources;
pub mod diag;
pub mod install;
pub mod lifecycle;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod resource;
pub mod resources;
pub mod schema;
mod validate;
pub mod value;

pub use install::{CliConfig, InstallOptions, PROVIDER_VERSION, install_mirror};
