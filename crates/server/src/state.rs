//! What every handler shares.

use crate::ratelimit::LoginLimiter;
use std::sync::Arc;
use tollgate_core::Clock;
use tollgate_store::Store;

/// Operator settings of a server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Failed logins allowed per email per minute.
    pub login_attempts_per_minute: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { max_body_bytes: 1024 * 1024, login_attempts_per_minute: 10 }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub login_limiter: Arc<LoginLimiter>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        let login_limiter = Arc::new(LoginLimiter::new(settings.login_attempts_per_minute));
        AppState { store, clock, settings: Arc::new(settings), login_limiter }
    }
}
