//! Per-key rate limit: GCRA (a token bucket holding one second of requests), in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per second per key; `0` turns the limit off.
pub struct RateLimiter {
    interval: Option<Duration>,
    burst: Duration,
    next_free: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests per second per key, with a one-second burst.
    pub fn new(per_second: u64) -> Self {
        let interval = (per_second > 0).then(|| Duration::from_secs(1) / per_second as u32);
        Self {
            interval,
            burst: Duration::from_secs(1),
            next_free: Mutex::default(),
        }
    }

    /// Counts one request of `key` at `now`; `Err(seconds to wait)` when over the limit.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let Some(interval) = self.interval else {
            return Ok(());
        };
        let mut map = self.next_free.lock().unwrap_or_else(|p| p.into_inner());
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if ahead + interval > self.burst {
            let wait = ahead + interval - self.burst;
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        map.insert(key.to_string(), tat + interval);
        if map.len() > 10_000 {
            map.retain(|_, t| *t > now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_rate_and_refuses_beyond_it() {
        let l = RateLimiter::new(10);
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(l.check("a", t0).is_ok());
        }
        assert_eq!(l.check("a", t0), Err(1));
        assert!(l.check("b", t0).is_ok(), "keys are limited separately");
        assert!(l.check("a", t0 + Duration::from_millis(100)).is_ok());
        assert!(l.check("a", t0 + Duration::from_millis(100)).is_err());
    }

    #[test]
    fn zero_disables() {
        let l = RateLimiter::new(0);
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert!(l.check("a", t0).is_ok());
        }
    }
}
