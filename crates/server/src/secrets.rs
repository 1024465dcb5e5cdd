//! Provider API keys are stored encrypted (ChaCha20-Poly1305) with the deployment's secret key,
//! because they must be read back to call the provider. The key never leaves this module's
//! `SecretBox`, whose `Debug` prints nothing of it.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 32 bytes (64 hex characters)")]
    BadKey,
    #[error("a stored secret cannot be decrypted with this deployment's secret key")]
    Undecryptable,
}

impl SecretBox {
    /// From 32 raw bytes.
    pub fn new(key: &[u8]) -> Result<Self, SecretError> {
        if key.len() != 32 {
            return Err(SecretError::BadKey);
        }
        Ok(SecretBox { cipher: ChaCha20Poly1305::new(Key::from_slice(key)) })
    }

    /// From 64 hex characters (how operators pass it in `TOLLGATE_SECRET_KEY`).
    pub fn from_hex(hex_key: &str) -> Result<Self, SecretError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SecretError::BadKey)?;
        Self::new(&bytes)
    }

    /// A fresh random key, hex-encoded, for a new deployment.
    pub fn generate_hex() -> String {
        hex::encode(ChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// `nonce || ciphertext`.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption only fails for inputs beyond 256 GiB; a key is never that long.
        let sealed = self.cipher.encrypt(&nonce, plaintext.as_bytes()).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Undecryptable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Undecryptable)
    }
}
