//! go-plugin's automatic mutual TLS. Terraform generates a throw-away client certificate and
//! passes it in `PLUGIN_CLIENT_CERT`; the plugin answers with a throw-away server certificate
//! (printed in the handshake line) and must accept only that client.
//!
//! The client key is always ECDSA P-521 (go-plugin's `generateCert`), which `ring` cannot
//! verify, and the client certificate is a self-signed CA certificate, which webpki refuses as
//! an end entity. So the client is checked here by pinning: the certificate presented must be
//! byte-for-byte the one Terraform gave us, and its handshake signature is verified with the
//! pure-Rust `p521` crate (other key types go to ring as usual).

use std::sync::Arc;

use p521::ecdsa::signature::Verifier;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer, PrivatePkcs8KeyDer,
    SignatureVerificationAlgorithm, UnixTime, alg_id,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, ServerConfig,
    SignatureScheme,
};

/// The server side of the handshake: a rustls configuration and our certificate's DER, which
/// goes into the handshake line.
pub struct AutoMtls {
    pub config: Arc<ServerConfig>,
    pub server_cert_der: Vec<u8>,
}

/// Build the TLS configuration for the client certificate PEM from `PLUGIN_CLIENT_CERT`.
pub fn auto_mtls(client_cert_pem: &str) -> Result<AutoMtls, String> {
    let client_cert = CertificateDer::pem_slice_iter(client_cert_pem.as_bytes())
        .next()
        .ok_or("PLUGIN_CLIENT_CERT holds no PEM certificate")?
        .map_err(|e| format!("PLUGIN_CLIENT_CERT: {e}"))?;
    let (server_cert, server_key) = server_certificate()?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedClient {
        cert: client_cert.into_owned(),
        ring: provider.signature_verification_algorithms,
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![server_cert.clone()], server_key)
        .map_err(|e| format!("server certificate: {e}"))?;
    // grpc-go refuses a TLS connection that did not negotiate HTTP/2 by ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(AutoMtls { config: Arc::new(config), server_cert_der: server_cert.to_vec() })
}

/// A self-signed certificate for "localhost", shaped like go-plugin's own (a CA certificate
/// usable for server and client auth), because the client trusts exactly this certificate as
/// its root.
fn server_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), String> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("generate server key: {e}"))?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])
        .map_err(|e| format!("certificate parameters: {e}"))?;
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.distinguished_name.push(DnType::OrganizationName, "tollgate");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages =
        vec![ExtendedKeyUsagePurpose::ClientAuth, ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key).map_err(|e| format!("sign server certificate: {e}"))?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// Accepts exactly one client certificate.
#[derive(Debug)]
struct PinnedClient {
    cert: CertificateDer<'static>,
    ring: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        if end_entity.as_ref() == self.cert.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, self.algorithms(dss.scheme))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, self.algorithms(dss.scheme))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = vec![SignatureScheme::ECDSA_NISTP521_SHA512];
        schemes.extend(self.ring.supported_schemes());
        schemes
    }
}

impl PinnedClient {
    fn algorithms(&self, scheme: SignatureScheme) -> &WebPkiSupportedAlgorithms {
        if scheme == SignatureScheme::ECDSA_NISTP521_SHA512 { &P521_ALGORITHMS } else { &self.ring }
    }
}

static P521_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[&EcdsaP521Sha512],
    mapping: &[(SignatureScheme::ECDSA_NISTP521_SHA512, &[&EcdsaP521Sha512])],
};

/// ECDSA over P-521 with SHA-512, the signature go-plugin's client key makes.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_certificate_is_for_localhost_and_parses() {
        let (cert, _key) = server_certificate().unwrap();
        assert!(!cert.is_empty());
        // A PEM client certificate of any key type builds a configuration that speaks h2.
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &cert)
        );
        let mtls = auto_mtls(&pem).unwrap();
        assert_eq!(mtls.config.alpn_protocols, vec![b"h2".to_vec()]);
    }

    #[test]
    fn p521_signatures_verify_and_tampering_fails() {
        use p521::ecdsa::signature::RandomizedSigner;
        let mut secret = [0u8; 66];
        secret[65] = 7;
        let signing = p521::ecdsa::SigningKey::from_slice(&secret).unwrap();
        let public = p521::ecdsa::VerifyingKey::from(&signing);
        let point = public.to_encoded_point(false);
        let sig: p521::ecdsa::Signature =
            signing.sign_with_rng(&mut rand::thread_rng(), b"handshake");
        let der = sig.to_der();
        let alg = EcdsaP521Sha512;
        assert!(alg.verify_signature(point.as_bytes(), b"handshake", der.as_bytes()).is_ok());
        assert!(alg.verify_signature(point.as_bytes(), b"tampered", der.as_bytes()).is_err());
    }
}
