//! Checks on what people type, each failing with a message that says what to fix.

use crate::error::ApiError;
use tollgate_core::validate_username;

pub fn username(name: &str) -> Result<(), ApiError> {
    validate_username(name).map_err(|e| ApiError::validation("username", e.to_string()))
}

pub fn email(email: &str) -> Result<(), ApiError> {
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if ok { Ok(()) } else { Err(ApiError::validation("email", "Must be a valid email address.")) }
}

pub fn password(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < 8 {
        return Err(ApiError::validation("password", "Password must be at least 8 characters."));
    }
    if chars > 256 {
        return Err(ApiError::validation("password", "Password must be at most 256 characters."));
    }
    Ok(())
}

/// Free text shown to people (names, descriptions): bounded, no control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::validation(field, format!("Must be at most {max} characters.")));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::validation(field, "Must not contain control characters."));
    }
    Ok(())
}

/// An absolute http(s) URL with a host, at most 2048 bytes (a provider's base URL, a webhook).
pub fn http_url(field: &str, raw: &str) -> Result<url::Url, ApiError> {
    let parsed = url::Url::parse(raw).ok().filter(|u| ["http", "https"].contains(&u.scheme()));
    match parsed {
        Some(url) if url.has_host() && raw.len() <= 2048 => Ok(url),
        _ => Err(ApiError::validation(field, "Must be an http:// or https:// URL.")),
    }
}

/// Names used in URLs (organizations, groups): the username rule.
pub fn slug(field: &str, name: &str) -> Result<(), ApiError> {
    validate_username(name)
        .map_err(|e| ApiError::validation(field, e.to_string().replace("Username", "Name")))
}
