//! The owner: a PIN (stored only as an argon2id hash) that opens the dashboard and settings,
//! refused with a growing delay after wrong guesses; and the window's preferences.

use crate::engine::{Error, Result};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use sqlx::SqlitePool;
use zeroize::Zeroizing;

/// Fewest digits of a PIN.
pub const MIN_PIN_DIGITS: usize = 6;
/// Most digits of a PIN (long enough for anyone, short enough to hash cheaply).
pub const MAX_PIN_DIGITS: usize = 32;
/// Wrong guesses before delays start.
const FREE_ATTEMPTS: i64 = 2;
/// The longest delay between guesses.
const MAX_WAIT_SECS: i64 = 300;

/// Checks a new PIN's shape: digits only, 6 to 32 of them.
pub fn validate(pin: &str, param: &str) -> Result<()> {
    if !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(param, "the PIN must be digits only"));
    }
    if !(MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&pin.len()) {
        return Err(Error::invalid(
            param,
            format!("the PIN needs {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits"),
        ));
    }
    Ok(())
}

/// The argon2id hash (PHC string) of `pin`, with a fresh salt.
fn hash(pin: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash the PIN: {e}")))
}

/// Sets (or replaces) the owner PIN; `sound` is the paid-sound preference.
pub async fn set_pin(pool: &SqlitePool, pin: &str, sound: bool) -> Result<()> {
    validate(pin, "pin")?;
    let pin = Zeroizing::new(pin.to_string());
    let hashed = tokio::task::spawn_blocking(move || hash(&pin))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    sqlx::query(
        "INSERT INTO owner (id, pin_hash, sound) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET pin_hash = ?1, failed_attempts = 0, wait_until = 0",
    )
    .bind(hashed)
    .bind(sound)
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether setup has set a PIN.
pub async fn pin_is_set(pool: &SqlitePool) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM owner")
        .fetch_one(pool)
        .await?
        > 0)
}

/// The delay after the `failures`-th wrong guess in a row: none for the first two, then
/// 2, 4, 8 … seconds, at most five minutes.
pub fn wait_after(failures: i64) -> i64 {
    if failures <= FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(16) as u32;
    (1_i64 << doublings).min(MAX_WAIT_SECS)
}

/// Checks `pin` at `now` (ms). A guess during the delay is refused unchecked
/// ([`Error::PinRefused`] with `wrong: false`); a wrong one grows the delay.
///
/// Each guess is counted as wrong before it is checked, in one write transaction with the delay
/// check (a right one then clears the count): parallel guesses cannot all pass the same check.
pub async fn verify(pool: &SqlitePool, pin: &str, now: i64) -> Result<()> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT pin_hash, failed_attempts, wait_until FROM owner WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (stored, failures, wait_until) =
        row.ok_or_else(|| Error::Conflict("no owner PIN is set yet: finish setup first".into()))?;
    if now < wait_until {
        let secs = (wait_until - now + 999) / 1000;
        return Err(Error::PinRefused {
            wrong: false,
            retry_after_secs: secs as u64,
        });
    }
    let failures = failures + 1;
    let wait = wait_after(failures);
    sqlx::query("UPDATE owner SET failed_attempts = ?, wait_until = ? WHERE id = 1")
        .bind(failures)
        .bind(now + wait * 1000)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let pin = Zeroizing::new(pin.to_string());
    // argon2's verification compares in constant time.
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(pin.as_bytes(), &h)
                    .is_ok()
            })
            .map_err(|e| Error::Storage(format!("the stored PIN hash is unreadable: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))??;
    if matches {
        sqlx::query("UPDATE owner SET failed_attempts = 0, wait_until = 0 WHERE id = 1")
            .execute(pool)
            .await?;
        return Ok(());
    }
    tracing::warn!(failures, wait_secs = wait, "wrong owner PIN");
    Err(Error::PinRefused {
        wrong: true,
        retry_after_secs: wait as u64,
    })
}

/// Whether a sound plays when a sale is paid.
pub async fn sound(pool: &SqlitePool) -> Result<bool> {
    Ok(
        sqlx::query_scalar::<_, bool>("SELECT sound FROM owner WHERE id = 1")
            .fetch_optional(pool)
            .await?
            .unwrap_or(true),
    )
}

/// Turns the paid sound on or off.
pub async fn set_sound(pool: &SqlitePool, on: bool) -> Result<()> {
    sqlx::query("UPDATE owner SET sound = ? WHERE id = 1")
        .bind(on)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let waits: Vec<i64> = (1..=12).map(wait_after).collect();
        assert_eq!(waits, [0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(wait_after(10_000), 300);
    }

    #[test]
    fn pins_are_six_or_more_digits() {
        assert!(validate("123456", "pin").is_ok());
        assert!(validate("12345", "pin")
            .unwrap_err()
            .to_string()
            .contains("6 to 32"));
        assert!(validate("12345a", "pin")
            .unwrap_err()
            .to_string()
            .contains("digits only"));
        assert!(validate(&"1".repeat(33), "pin").is_err());
    }

    #[test]
    fn the_hash_is_argon2id_and_never_the_pin() {
        let h = hash("246810").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("246810"));
    }
}
