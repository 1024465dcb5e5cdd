//! The go-plugin side of the binary: check the magic cookie and protocol version, listen on a
//! Unix socket, print the handshake line Terraform reads from stdout, and serve gRPC (over
//! mutual TLS when Terraform asks for it, which it does by default) until Terraform says
//! Shutdown.

mod conn;
pub mod services;
pub mod tls;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use base64::Engine;
use tokio::net::UnixListener;

use crate::proto::health::health_server::HealthServer;
use crate::proto::plugin::grpc_broker_server::GrpcBrokerServer;
use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::provider::CoderProvider;
use services::{Broker, Controller, Health, ShutdownSignal, Stdio};

/// Terraform's handshake cookie: a plugin binary started by anything else refuses to run.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version, the first field of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;
/// Terraform's plugin protocol major version.
pub const PLUGIN_PROTOCOL_VERSION: u32 = 6;
/// How long to wait for open connections after Shutdown before exiting anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The binary's main: serve Terraform, or explain why not.
pub fn main() -> ExitCode {
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!(
            "This binary is a plugin. These are not meant to be executed directly.\n\
             Please execute the program that consumes these plugins, which will\n\
             load any plugins automatically"
        );
        return ExitCode::from(1);
    }
    if let Err(e) = check_protocol_versions(std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok()) {
        eprintln!("{e}");
        return ExitCode::from(1);
    }
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("start runtime: {e}");
                return ExitCode::from(1);
            }
        };
    match runtime.block_on(serve()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider-coder: {e}");
            ExitCode::from(1)
        }
    }
}

/// Terraform lists the protocol versions it speaks; 6 must be among them.
fn check_protocol_versions(offered: Option<String>) -> Result<(), String> {
    let Some(offered) = offered.filter(|s| !s.is_empty()) else { return Ok(()) };
    let wanted = PLUGIN_PROTOCOL_VERSION.to_string();
    if offered.split(',').any(|v| v.trim() == wanted) {
        Ok(())
    } else {
        Err(format!(
            "this provider speaks plugin protocol {wanted}, Terraform offered {offered}; \
             Terraform 1.0 or newer is required"
        ))
    }
}

async fn serve() -> Result<(), String> {
    let socket = SocketPath::new()?;
    let listener = UnixListener::bind(&socket.0)
        .map_err(|e| format!("listen on {}: {e}", socket.0.display()))?;
    let mtls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !pem.trim().is_empty() => Some(tls::auto_mtls(&pem)?),
        _ => None,
    };
    let cert_field = mtls.as_ref().map_or_else(String::new, |m| {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(&m.server_cert_der)
    });
    let acceptor = mtls.map(|m| tokio_rustls::TlsAcceptor::from(m.config));
    let incoming = conn::incoming(listener, acceptor);

    ignore_interrupts();
    let shutdown = ShutdownSignal::new();
    let server = tonic::transport::Server::builder()
        .add_service(ProviderServer::new(CoderProvider::new()))
        .add_service(GrpcControllerServer::new(Controller(shutdown.clone())))
        .add_service(GrpcStdioServer::new(Stdio(shutdown.clone())))
        .add_service(GrpcBrokerServer::new(Broker(shutdown.clone())))
        .add_service(HealthServer::new(Health))
        .serve_with_incoming_shutdown(incoming, shutdown.fired());

    let line = handshake_line(&socket.0, &cert_field);
    println!("{line}");

    let backstop = shutdown.fired();
    tokio::select! {
        result = server => result.map_err(|e| format!("serve: {e}")),
        // A client that never closes its connection must not keep the process alive.
        () = async { backstop.await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    }
}

/// `CORE|PROTOCOL|NETWORK|ADDRESS|grpc|CERT`: what go-plugin's client parses. The certificate
/// is base64 (standard alphabet, no padding) of its DER, empty without TLS.
fn handshake_line(socket: &std::path::Path, cert_field: &str) -> String {
    format!(
        "{CORE_PROTOCOL_VERSION}|{PLUGIN_PROTOCOL_VERSION}|unix|{}|grpc|{cert_field}",
        socket.display()
    )
}

/// go-plugin plugins ignore SIGINT: Terraform receives it too and stops the provider itself
/// (StopProvider, then Shutdown), so dying on the signal would only lose state.
fn ignore_interrupts() {
    tokio::spawn(async { while tokio::signal::ctrl_c().await.is_ok() {} });
}

/// A fresh socket path in `PLUGIN_UNIX_SOCKET_DIR` (go-plugin's variable) or the temp dir,
/// removed again when the server stops.
struct SocketPath(PathBuf);

impl SocketPath {
    fn new() -> Result<Self, String> {
        let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
            .filter(|d| !d.is_empty())
            .map_or_else(std::env::temp_dir, PathBuf::from);
        let name = format!("plugin-coder-{}", uuid::Uuid::new_v4().simple());
        let path = dir.join(name);
        if path.as_os_str().len() > 100 {
            return Err(format!("socket path {} is too long for a Unix socket", path.display()));
        }
        Ok(SocketPath(path))
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_6_must_be_offered() {
        assert!(check_protocol_versions(None).is_ok());
        assert!(check_protocol_versions(Some("5,6".into())).is_ok());
        let err = check_protocol_versions(Some("5".into())).unwrap_err();
        assert!(err.contains("protocol 6"), "{err}");
    }

    #[test]
    fn handshake_line_has_six_fields() {
        let line = handshake_line(std::path::Path::new("/tmp/p"), "Q0VSVA");
        assert_eq!(line, "1|6|unix|/tmp/p|grpc|Q0VSVA");
    }
}
