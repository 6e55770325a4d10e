//! The retry schedule: which delay follows a failed attempt, with ±20 % jitter, and how a
//! receiver's `Retry-After` stretches it.

use chrono::{DateTime, Utc};
use rand::Rng;
use std::time::Duration;

/// Jitter applied to every delay but the first: ±20 %.
pub const JITTER: f64 = 0.2;

/// The delay before attempt `next_attempt` (1-based) given the schedule, or `None` when the
/// schedule is exhausted. `schedule[0]` precedes the first attempt and is never jittered.
pub fn delay_before(schedule: &[u64], next_attempt: u32, rng: &mut impl Rng) -> Option<Duration> {
    let base = *schedule.get(next_attempt.checked_sub(1)? as usize)?;
    if next_attempt == 1 || base == 0 {
        return Some(Duration::from_secs(base));
    }
    let factor = rng.gen_range(1.0 - JITTER..=1.0 + JITTER);
    Some(Duration::from_millis(
        (base as f64 * 1000.0 * factor).round() as u64,
    ))
}

/// Parses `Retry-After` (delta seconds or an HTTP date) into a wait from `now`.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(7 * 24 * 3600)));
    }
    let when: DateTime<Utc> = httpdate::parse_http_date(v).ok()?.into();
    (when - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: [u64; 8] = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];

    #[test]
    fn follows_the_schedule_within_jitter() {
        let mut rng = rand::thread_rng();
        assert_eq!(delay_before(&DEFAULT, 1, &mut rng), Some(Duration::ZERO));
        for _ in 0..200 {
            let d = delay_before(&DEFAULT, 3, &mut rng).unwrap().as_secs_f64();
            assert!((240.0..=360.0).contains(&d), "{d}");
        }
        assert!(delay_before(&DEFAULT, 8, &mut rng).is_some());
        assert_eq!(delay_before(&DEFAULT, 9, &mut rng), None);
        assert_eq!(delay_before(&DEFAULT, 0, &mut rng), None);
    }

    #[test]
    fn parses_retry_after() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Sun, 22 Nov 2026 10:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
