//! Authentication: session tokens (`Coder-Session-Token`, `Authorization: Bearer`, or the web
//! console's cookie) and
//! passwords. Tokens are `ID-SECRET`; only SHA-256 of the secret is stored, and passwords only as
//! argon2id hashes.

use crate::authz::{Subject, UserSubject};
use crate::error::ApiError;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Duration;
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use tollgate_api_types::SESSION_TOKEN_HEADER;
use tollgate_store::{ApiToken, User, UserStatus};

const TOKEN_ID_LEN: usize = 10;
const TOKEN_SECRET_LEN: usize = 22;
/// Writing `last_used` on every request would turn reads into writes; once a minute is enough.
const LAST_USED_GRANULARITY: Duration = Duration::seconds(60);
/// How long a password login (or `POST /users/{user}/keys`) stays valid.
pub const SESSION_LIFETIME: Duration = Duration::hours(24);

/// A freshly minted token: `key` is shown to its owner once; `record` is what gets stored.
pub struct NewToken {
    pub key: String,
    pub record: ApiToken,
}

pub fn mint_token(
    user_id: uuid::Uuid,
    name: &str,
    lifetime: Duration,
    state: &AppState,
) -> NewToken {
    let mut rng = rand::thread_rng();
    let id = Alphanumeric.sample_string(&mut rng, TOKEN_ID_LEN);
    let secret = Alphanumeric.sample_string(&mut rng, TOKEN_SECRET_LEN);
    let now = state.clock.now();
    let record = ApiToken {
        id: id.clone(),
        user_id,
        name: name.to_owned(),
        secret_hash: hash_secret(&secret),
        created_at: now,
        expires_at: now + lifetime,
        last_used_at: None,
        spend_limit: None,
    };
    NewToken { key: format!("{id}-{secret}"), record }
}

/// A session token; named after its id, since a user may hold many sessions at once.
pub fn mint_session(user_id: uuid::Uuid, state: &AppState) -> NewToken {
    let mut token = mint_token(user_id, "", SESSION_LIFETIME, state);
    token.record.name = format!("session-{}", token.record.id);
    token
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares without an early exit, so timing does not reveal how much of a hash matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hashes a password with argon2id, off the async threads (it is deliberately slow).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| ApiError::internal("password hashing task failed", e))?
    .map_err(|e| ApiError::internal("password hashing failed", e))
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub subject: Subject,
    pub token_id: String,
    /// The presented key's own spend limit (gateway.md §2).
    pub key_limit: Option<tollgate_store::KeyLimit>,
}

impl Caller {
    pub fn id(&self) -> uuid::Uuid {
        self.user.id
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(key) = presented_key(parts) {
            return authenticate(state, &key).await;
        }
        // The web console's cookie holds the same kind of token, and must prove it is not a
        // cross-site request.
        let key = crate::web::session::cookie_key(&parts.headers).ok_or_else(|| {
            ApiError::unauthorized("You must be signed in to do this.").with_detail(format!(
                "Send a session token in the {SESSION_TOKEN_HEADER} header or as Authorization: Bearer."
            ))
        })?;
        crate::web::session::check_cookie_request(parts, &key)?;
        authenticate(state, &key).await
    }
}

pub(crate) fn presented_key(parts: &Parts) -> Option<String> {
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(token) = header(SESSION_TOKEN_HEADER).filter(|t| !t.is_empty()) {
        return Some(token.to_owned());
    }
    let bearer = header(axum::http::header::AUTHORIZATION.as_str())?;
    let (scheme, token) = bearer.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

pub(crate) async fn authenticate(state: &AppState, key: &str) -> Result<Caller, ApiError> {
    let invalid = || {
        ApiError::unauthorized("Invalid session token.").with_detail(
        "The token is malformed, unknown, revoked or expired. Sign in again with `tollgate login`.",
    )
    };
    let (id, secret) = key.split_once('-').ok_or_else(invalid)?;
    if id.len() != TOKEN_ID_LEN || secret.len() != TOKEN_SECRET_LEN {
        return Err(invalid());
    }
    let (token, user) = state.store.get_api_token_with_user(id).await?.ok_or_else(invalid)?;
    if !constant_time_eq(hash_secret(secret).as_bytes(), token.secret_hash.as_bytes()) {
        return Err(invalid());
    }
    let now = state.clock.now();
    if token.expires_at <= now {
        return Err(invalid());
    }
    if user.status == UserStatus::Suspended {
        return Err(ApiError::unauthorized("Your account is suspended."));
    }
    if token.last_used_at.is_none_or(|at| now - at >= LAST_USED_GRANULARITY) {
        state.store.touch_api_token(id, now).await?;
        state.store.touch_user_last_seen(user.id, now).await?;
    }
    Ok(Caller {
        subject: subject_of(&user),
        user,
        token_id: token.id,
        key_limit: token.spend_limit,
    })
}

pub fn subject_of(user: &User) -> Subject {
    Subject::User(UserSubject {
        id: user.id,
        roles: user.roles.clone(),
        organization_ids: user.organization_ids.clone(),
    })
}
