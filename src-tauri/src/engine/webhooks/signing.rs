//! Webhook secrets and both signature schemes of SPEC §5, computed over the exact bytes sent.
//!
//! - `X-Webhook-Signature: t=<ts>,v1=<hex>` over `"<ts>.<body>"`, keyed by the whole `whsec_…`
//!   string (the reference documents' and Stripe's scheme);
//! - Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` over
//!   `"<id>.<ts>.<body>"`, keyed by the base64-decoded part after `whsec_`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// How far a signed timestamp may be from now when verifying (SPEC: 5 minutes).
pub const TOLERANCE_SECS: i64 = 300;

/// A new secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", B64.encode(key))
}

/// The Standard Webhooks key: the base64-decoded part after `whsec_`.
pub fn decoded_key(secret: &str) -> Result<Vec<u8>, String> {
    let encoded = secret
        .strip_prefix(SECRET_PREFIX)
        .ok_or_else(|| "a signing secret starts with whsec_".to_string())?;
    B64.decode(encoded)
        .map_err(|_| "the part after whsec_ is not base64".to_string())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The headers of one attempt (both schemes, every active secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    /// `X-Webhook-Signature`.
    pub x_webhook_signature: String,
    /// `webhook-id`.
    pub webhook_id: String,
    /// `webhook-timestamp`.
    pub webhook_timestamp: String,
    /// `webhook-signature` (space-separated entries).
    pub webhook_signature: String,
}

/// Signs `body` for event `event_id` at `timestamp` with each of `secrets`.
pub fn sign(
    event_id: &str,
    timestamp: i64,
    body: &[u8],
    secrets: &[&str],
) -> Result<SignatureHeaders, String> {
    let ts = timestamp.to_string();
    let mut x = format!("t={ts}");
    let mut sw = Vec::with_capacity(secrets.len());
    for secret in secrets {
        x.push_str(",v1=");
        x.push_str(&hex::encode(hmac(
            secret.as_bytes(),
            &[ts.as_bytes(), b".", body],
        )));
        let key = decoded_key(secret)?;
        sw.push(format!(
            "v1,{}",
            B64.encode(hmac(
                &key,
                &[event_id.as_bytes(), b".", ts.as_bytes(), b".", body]
            ))
        ));
    }
    Ok(SignatureHeaders {
        x_webhook_signature: x,
        webhook_id: event_id.to_string(),
        webhook_timestamp: ts,
        webhook_signature: sw.join(" "),
    })
}

fn fresh(ts: i64, now: i64) -> Result<(), String> {
    if (now - ts).abs() > TOLERANCE_SECS {
        return Err(format!(
            "timestamp {ts} is more than {TOLERANCE_SECS} s from now"
        ));
    }
    Ok(())
}

/// Verifies `X-Webhook-Signature` against `secret`; at least one `v1=` must match.
pub fn verify_x_signature(header: &str, body: &[u8], secret: &str, now: i64) -> Result<(), String> {
    let mut ts = None;
    let mut sigs = vec![];
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => ts = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => {}
        }
    }
    let ts = ts.ok_or("X-Webhook-Signature has no t=")?;
    fresh(ts, now)?;
    let expected = hex::encode(hmac(
        secret.as_bytes(),
        &[ts.to_string().as_bytes(), b".", body],
    ));
    if sigs
        .iter()
        .any(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())))
    {
        Ok(())
    } else {
        Err("no v1= signature in X-Webhook-Signature matches".into())
    }
}

/// Verifies the Standard Webhooks headers against `secret`.
pub fn verify_standard(
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), String> {
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| "webhook-timestamp is not a number")?;
    fresh(ts, now)?;
    let key = decoded_key(secret)?;
    let expected = B64.encode(hmac(
        &key,
        &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
    ));
    let ok = signatures
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
    if ok {
        Ok(())
    } else {
        Err("no v1, signature in webhook-signature matches".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_published_test_vector() {
        let h = sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        )
        .unwrap();
        assert_eq!(
            h.webhook_signature,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(h.webhook_timestamp, "1614265330");
        assert_eq!(h.webhook_id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
        verify_standard(
            &h.webhook_id,
            &h.webhook_timestamp,
            &h.webhook_signature,
            br#"{"test": 2432232314}"#,
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            1614265330,
        )
        .unwrap();
    }

    #[test]
    fn x_signature_is_hmac_hex_keyed_by_the_whole_secret() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let h = sign("evt_1", 1700000000, b"{}", &[secret]).unwrap();
        let expected = hex::encode(hmac(secret.as_bytes(), &[b"1700000000.{}"]));
        assert_eq!(h.x_webhook_signature, format!("t=1700000000,v1={expected}"));
        verify_x_signature(&h.x_webhook_signature, b"{}", secret, 1700000100).unwrap();
        assert!(verify_x_signature(&h.x_webhook_signature, b"{ }", secret, 1700000100).is_err());
        assert!(
            verify_x_signature(&h.x_webhook_signature, b"{}", secret, 1700000400)
                .unwrap_err()
                .contains("timestamp")
        );
        assert!(verify_x_signature(
            &h.x_webhook_signature,
            b"{}",
            &generate_secret(),
            1700000000
        )
        .is_err());
    }

    #[test]
    fn two_secrets_sign_during_rotation() {
        let (old, new) = (generate_secret(), generate_secret());
        let h = sign("evt_1", 1700000000, b"x", &[&new, &old]).unwrap();
        assert_eq!(h.x_webhook_signature.matches("v1=").count(), 2);
        assert_eq!(h.webhook_signature.split(' ').count(), 2);
        for s in [&old, &new] {
            verify_x_signature(&h.x_webhook_signature, b"x", s, 1700000000).unwrap();
            verify_standard(
                "evt_1",
                "1700000000",
                &h.webhook_signature,
                b"x",
                s,
                1700000000,
            )
            .unwrap();
        }
    }

    #[test]
    fn secrets_have_the_documented_shape() {
        let s = generate_secret();
        assert!(s.starts_with("whsec_"));
        assert_eq!(decoded_key(&s).unwrap().len(), 32);
        assert!(decoded_key("nope").is_err());
    }
}
