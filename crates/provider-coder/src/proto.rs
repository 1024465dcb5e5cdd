//! Code generated at build time from `proto/` (see `build.rs`).

#![allow(clippy::all, missing_docs, unreachable_pub)]

/// Terraform's plugin protocol 6.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's controller, stdio and broker services.
pub mod plugin {
    tonic::include_proto!("plugin");
}

/// gRPC's health service.
pub mod health {
    tonic::include_proto!("grpc.health.v1");
}
