//! The provider binary's go-plugin contract, without Terraform.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-coder");
const COOKIE: (&str, &str) =
    ("TF_PLUGIN_MAGIC_COOKIE", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2");

#[test]
fn refuses_to_run_without_terraforms_cookie_or_protocol() {
    let out = Command::new(BIN).env_remove(COOKIE.0).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
    let out = Command::new(BIN)
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol 6"));
}

#[test]
fn prints_the_handshake_line_with_a_certificate_for_a_client_certificate() {
    let client_cert = client_certificate_pem();
    // The child is killed below, so its socket is never removed: keep it out of /tmp.
    let sockets = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("provider-sockets");
    std::fs::create_dir_all(&sockets).expect("socket dir");
    let mut child = Command::new(BIN)
        .env("PLUGIN_UNIX_SOCKET_DIR", &sockets)
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &client_cert)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut line).expect("read handshake");
    let _ = child.kill();
    let _ = child.wait();
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(&fields[..3], &["1", "6", "unix"], "{line}");
    assert!(fields[3].contains("plugin-coder-"), "{line}");
    assert_eq!(fields[4], "grpc", "{line}");
    // go-plugin decodes the certificate as unpadded standard base64 of its DER.
    assert!(fields[5].len() > 50 && !fields[5].ends_with('='), "{line}");
}

/// Any certificate switches TLS on; the handshake itself is exercised by the Terraform tests.
fn client_certificate_pem() -> String {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    cert.pem()
}
