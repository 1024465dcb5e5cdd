//! Failed-login throttling, per email, in memory (per replica: a determined attacker spreading
//! over replicas gets N× the budget, which argon2's cost still makes slow).

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct LoginLimiter {
    per_minute: u32,
    failures: Mutex<HashMap<String, (DateTime<Utc>, u32)>>,
}

impl LoginLimiter {
    pub fn new(per_minute: u32) -> Self {
        LoginLimiter { per_minute, failures: Mutex::new(HashMap::new()) }
    }

    /// Whether another attempt for `email` may be tried now.
    pub fn allows(&self, email: &str, now: DateTime<Utc>) -> bool {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(email) {
            Some((start, count)) => {
                now - *start >= Duration::minutes(1) || *count < self.per_minute
            }
            None => true,
        }
    }

    pub fn record_failure(&self, email: &str, now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Forget stale windows so the map cannot grow without bound under a spray of emails.
        map.retain(|_, (start, _)| now - *start < Duration::minutes(1));
        let entry = map.entry(email.to_owned()).or_insert((now, 0));
        entry.1 = entry.1.saturating_add(1);
    }

    pub fn record_success(&self, email: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(email);
    }
}
