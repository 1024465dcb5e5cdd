//! The console's session: the same API token a password login mints, carried in an `HttpOnly`,
//! `SameSite=Strict` cookie. CSRF defence (docs/decisions.md): SameSite=Strict, plus a
//! per-session token derived from the session key that every state-changing request made with the
//! cookie must echo (the `X-Tollgate-Csrf` header from the console's script, or a form field),
//! plus an Origin check on the forms that come before a session and on the WebSocket upgrade.

use crate::error::ApiError;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use sha2::{Digest, Sha256};

pub const COOKIE: &str = "tollgate_session";
pub const CSRF_HEADER: &str = "x-tollgate-csrf";

/// The session key in the request's cookie, if any.
pub fn cookie_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// The CSRF token of a session: only someone who holds the session key can compute it, and it
/// needs no storage. Not the key itself, so a page may carry it.
pub fn csrf_token(key: &str) -> String {
    hex::encode(Sha256::digest(format!("tollgate-csrf\0{key}").as_bytes()))
}

/// Whether `given` is the session's CSRF token (compared without an early exit).
pub fn csrf_matches(key: &str, given: &str) -> bool {
    let want = csrf_token(key);
    want.len() == given.len()
        && want.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// A request authenticated by the cookie must prove it comes from the console: a state-changing
/// method carries the CSRF header; a WebSocket upgrade comes from this origin.
pub fn check_cookie_request(parts: &Parts, key: &str) -> Result<(), ApiError> {
    let refused = || {
        ApiError::new(axum::http::StatusCode::FORBIDDEN, "Cross-site request refused.")
            .with_detail("A request signed in by the console's cookie must carry its CSRF token.")
    };
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let upgrade = parts.headers.contains_key(header::UPGRADE);
        return if upgrade && !same_origin(&parts.headers) { Err(refused()) } else { Ok(()) };
    }
    let given = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if csrf_matches(key, given) { Ok(()) } else { Err(refused()) }
}

/// An `Origin` header, when present, names this host (browsers send it on every form post and
/// WebSocket; a request without one is not a browser's cross-site request).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let authority = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// The `Set-Cookie` value that holds `key`; `Secure` when the console is reached over https.
pub fn set_cookie(key: &str, headers: &HeaderMap) -> String {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let max_age = crate::auth::SESSION_LIFETIME.num_seconds();
    let secure = if https { "; Secure" } else { "" };
    format!("{COOKIE}={key}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}
