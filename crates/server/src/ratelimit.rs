//! Failed-login throttling, per (client address, email), in memory.
//!
//! Keyed by the pair so that someone guessing at an email from one address cannot lock that
//! email's real owner out from theirs. The address is the TCP peer: `X-Forwarded-For` is not
//! trusted (behind a proxy every client shares the proxy's budget per email). Per replica: an
//! attacker spreading over replicas or addresses gets N× the budget, which argon2's cost still
//! makes slow.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// How long failures count.
const WINDOW: Duration = Duration::minutes(1);
/// At most this many (address, email) pairs are remembered, so a spray of emails or addresses
/// cannot grow the map without bound.
const MAX_KEYS: usize = 100_000;

type Key = (IpAddr, String);

pub struct LoginLimiter {
    per_minute: u32,
    max_keys: usize,
    /// When each key's window started, and its failures since.
    failures: Mutex<HashMap<Key, (DateTime<Utc>, u32)>>,
}

impl LoginLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_KEYS)
    }

    fn with_capacity(per_minute: u32, max_keys: usize) -> Self {
        LoginLimiter { per_minute, max_keys: max_keys.max(1), failures: Mutex::default() }
    }

    /// `Ok` if `client` may try `email` now, else how long until it may (at least a second).
    pub fn check(
        &self,
        client: IpAddr,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<(), std::time::Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&(client, email.to_owned())) {
            Some((start, count)) if now - *start < WINDOW && *count >= self.per_minute => {
                let left = (*start + WINDOW - now).to_std().unwrap_or_default();
                Err(left.max(std::time::Duration::from_secs(1)))
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, client: IpAddr, email: &str, now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let key = (client, email.to_owned());
        if !map.contains_key(&key) && map.len() >= self.max_keys {
            make_room(&mut map, now, self.max_keys);
        }
        let entry = map.entry(key).or_insert((now, 0));
        if now - entry.0 >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    pub fn record_success(&self, client: IpAddr, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(client, email.to_owned()));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Forgets stale windows; if that frees too little, the oldest tenth as well (full only under a
/// spray, whose oldest keys are the least likely to matter). Freeing a tenth at once keeps the
/// scan off most insertions.
fn make_room(map: &mut HashMap<Key, (DateTime<Utc>, u32)>, now: DateTime<Utc>, max: usize) {
    map.retain(|_, (start, _)| now - *start < WINDOW);
    if map.len() < max {
        return;
    }
    let mut starts: Vec<DateTime<Utc>> = map.values().map(|(start, _)| *start).collect();
    let tenth = (starts.len() / 10).max(1);
    let (_, cutoff, _) = starts.select_nth_unstable(tenth - 1);
    let cutoff = *cutoff;
    map.retain(|_, (start, _)| *start > cutoff);
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).expect("time")
    }

    #[test]
    fn failures_from_one_address_do_not_lock_out_another() {
        let limiter = LoginLimiter::new(3);
        for _ in 0..3 {
            assert!(limiter.check(A, "owner@x.io", t0()).is_ok());
            limiter.record_failure(A, "owner@x.io", t0());
        }
        let wait = limiter.check(A, "owner@x.io", t0() + Duration::seconds(20));
        assert_eq!(wait, Err(std::time::Duration::from_secs(40)));
        // The real owner, elsewhere, and the attacker on another email, are not throttled.
        assert!(limiter.check(B, "owner@x.io", t0()).is_ok());
        assert!(limiter.check(A, "other@x.io", t0()).is_ok());
        // A minute after the window started, A may try again.
        assert!(limiter.check(A, "owner@x.io", t0() + WINDOW).is_ok());
    }

    #[test]
    fn a_success_forgets_only_its_own_pair() {
        let limiter = LoginLimiter::new(1);
        limiter.record_failure(A, "e", t0());
        limiter.record_failure(B, "e", t0());
        limiter.record_success(B, "e");
        assert!(limiter.check(A, "e", t0()).is_err());
        assert!(limiter.check(B, "e", t0()).is_ok());
    }

    #[test]
    fn a_new_window_starts_counting_again() {
        let limiter = LoginLimiter::new(2);
        limiter.record_failure(A, "e", t0());
        limiter.record_failure(A, "e", t0() + WINDOW);
        assert!(limiter.check(A, "e", t0() + WINDOW).is_ok(), "the old failure expired");
    }

    #[test]
    fn the_map_stays_bounded() {
        let limiter = LoginLimiter::with_capacity(5, 100);
        for i in 0..1_000 {
            limiter.record_failure(A, &format!("spray{i}@x.io"), t0());
        }
        assert!(limiter.len() <= 100, "{} keys", limiter.len());
        // Later, stale windows make room all at once.
        limiter.record_failure(B, "late@x.io", t0() + WINDOW);
        assert_eq!(limiter.len(), 1);
    }
}
