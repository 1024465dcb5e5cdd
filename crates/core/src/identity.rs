//! Rules for names people choose.

/// Why a username is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("Username must be between 1 and 32 characters.")]
    Length,
    #[error(
        "Username must be alphanumeric with single hyphens between characters (no leading, trailing or double hyphens)."
    )]
    Characters,
}

/// Coder's username rule: 1–32 ASCII alphanumerics, single hyphens only between them
/// (`^[a-zA-Z0-9](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9]))*$`).
pub fn validate_username(name: &str) -> Result<(), UsernameError> {
    if name.is_empty() || name.len() > 32 {
        return Err(UsernameError::Length);
    }
    let bytes = name.as_bytes();
    let ok_edges = bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    let ok_body = bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && !bytes.windows(2).any(|w| w == b"--");
    if ok_edges && ok_body { Ok(()) } else { Err(UsernameError::Characters) }
}
