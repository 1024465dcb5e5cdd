//! Compiles the vendored protocol definitions in `proto/` with `protox`, a protobuf compiler
//! written in Rust, and feeds the descriptors to `tonic-prost-build`. A fresh machine needs
//! nothing but cargo: no `protoc`, nothing downloaded.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["proto/tfplugin6.proto", "proto/go_plugin.proto", "proto/health.proto"];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
