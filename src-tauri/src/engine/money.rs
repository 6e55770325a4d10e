//! Money without floats: exact decimal strings, atomic `U256` amounts, and the quote arithmetic.
//!
//! Every conversion between fiat, rates and on-chain units happens here, in integers.

use crate::engine::{Error, Result};
use alloy_primitives::U256;
use std::fmt;

/// Longest decimal string we accept anywhere (digits and point); far beyond any real amount.
const MAX_DECIMAL_LEN: usize = 60;

/// A non-negative exact decimal: `mantissa / 10^scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    mantissa: U256,
    scale: u32,
    text: String,
}

impl Decimal {
    /// Parses `123`, `0.5`, `12.50`. No sign, no exponent, no spaces, no leading/trailing point.
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        if s.is_empty() {
            return Err("is empty".into());
        }
        if s.len() > MAX_DECIMAL_LEN {
            return Err(format!("is longer than {MAX_DECIMAL_LEN} characters"));
        }
        if s.starts_with('-') {
            return Err(format!(
                "`{}` is negative; it must be positive",
                truncate(s)
            ));
        }
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty()
            || !digits_only(int)
            || !digits_only(frac)
            || (s.contains('.') && frac.is_empty())
        {
            return Err(format!(
                "`{}` is not a plain decimal number like 12.50",
                truncate(s)
            ));
        }
        let mantissa = U256::from_str_radix(&format!("{int}{frac}"), 10)
            .map_err(|_| "is too large".to_string())?;
        Ok(Self {
            mantissa,
            scale: frac.len() as u32,
            text: s.to_string(),
        })
    }

    /// Digits after the decimal point, as written.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// True when the value is zero.
    pub fn is_zero(&self) -> bool {
        self.mantissa.is_zero()
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value scaled to exactly `scale` digits, as an integer; `None` if that would lose digits.
    pub fn to_scaled(&self, scale: u32) -> Option<U256> {
        if scale >= self.scale {
            self.mantissa.checked_mul(pow10(scale - self.scale)?)
        } else {
            let div = pow10(self.scale - scale)?;
            (self.mantissa % div).is_zero().then(|| self.mantissa / div)
        }
    }

    /// Compares values (not spelling): `1.50 == 1.5`.
    pub fn same_value(&self, other: &Decimal) -> bool {
        let s = self.scale.max(other.scale);
        self.to_scaled(s) == other.to_scaled(s)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// 10^n, or `None` if it does not fit 256 bits.
pub fn pow10(n: u32) -> Option<U256> {
    U256::from(10u8).checked_pow(U256::from(n))
}

/// ISO 4217 minor-unit digits of the currencies a store may price in.
pub fn currency_minor_units(code: &str) -> Option<u32> {
    Some(match code {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "AED" | "ARS" | "AUD" | "BDT" | "BGN" | "BRL" | "CAD" | "CHF" | "CNY" | "COP" | "CZK"
        | "DKK" | "EGP" | "EUR" | "GBP" | "GHS" | "HKD" | "HUF" | "IDR" | "ILS" | "INR" | "KES"
        | "MAD" | "MXN" | "MYR" | "NGN" | "NOK" | "NZD" | "PEN" | "PHP" | "PKR" | "PLN" | "QAR"
        | "RON" | "RSD" | "SAR" | "SEK" | "SGD" | "THB" | "TRY" | "TWD" | "UAH" | "USD" | "UYU"
        | "ZAR" => 2,
        _ => return None,
    })
}

/// A positive fiat amount in a known currency, with at most the currency's minor-unit digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiatAmount {
    /// The amount as given (e.g. `"50.00"`).
    pub value: Decimal,
    /// ISO 4217 code.
    pub currency: String,
}

impl FiatAmount {
    /// Validates a user-given amount; `param` names the field for the error.
    pub fn parse(value: &str, currency: &str, param: &str) -> Result<Self> {
        let minor = currency_minor_units(currency).ok_or_else(|| {
            Error::invalid(
                "currency",
                format!("unknown currency `{}`", truncate(currency)),
            )
        })?;
        let v = Decimal::parse(value).map_err(|e| Error::invalid(param, format!("amount {e}")))?;
        if v.is_zero() {
            return Err(Error::invalid(param, "amount must be greater than zero"));
        }
        if v.scale() > minor {
            return Err(Error::invalid(
                param,
                format!("amount `{value}` has more than {minor} decimal places for {currency}"),
            ));
        }
        Ok(Self {
            value: v,
            currency: currency.to_string(),
        })
    }

    /// The amount written with exactly the currency's minor-unit digits (`50` → `50.00`).
    pub fn canonical(&self) -> String {
        let minor = currency_minor_units(&self.currency).unwrap_or(self.value.scale());
        let scaled = self.value.to_scaled(minor).unwrap_or_default();
        format_atomic_fixed(scaled, minor)
    }
}

/// The asset amount for a fiat amount at `rate` (fiat per whole unit), rounded **up** to
/// `round_decimals` digits and returned in atomic units of an asset with `decimals` digits.
pub fn quote_atomic(
    fiat: &Decimal,
    rate: &Decimal,
    decimals: u32,
    round_decimals: u32,
) -> Result<U256> {
    let overflow = || Error::invalid("amount", "amount is too large to quote");
    if rate.is_zero() {
        return Err(Error::Internal("the configured rate is zero".into()));
    }
    if round_decimals > decimals {
        return Err(Error::Internal(
            "display decimals exceed the asset's decimals".into(),
        ));
    }
    // fiat / rate * 10^round = fm * 10^(rs + round) / (rm * 10^fs), rounded up.
    let num = fiat
        .mantissa
        .checked_mul(pow10(rate.scale + round_decimals).ok_or_else(overflow)?)
        .ok_or_else(overflow)?;
    let den = rate
        .mantissa
        .checked_mul(pow10(fiat.scale).ok_or_else(overflow)?)
        .ok_or_else(overflow)?;
    let units = num.div_ceil(den);
    units
        .checked_mul(pow10(decimals - round_decimals).ok_or_else(overflow)?)
        .ok_or_else(overflow)
}

/// The smallest total that counts as paid: `amount` less `tolerance_percent`, rounded up.
pub fn paid_threshold(amount: U256, tolerance_percent: &Decimal) -> U256 {
    let hundred = U256::from(100u8)
        .checked_mul(pow10(tolerance_percent.scale).unwrap_or(U256::MAX))
        .unwrap_or(U256::MAX);
    let keep = hundred.saturating_sub(tolerance_percent.mantissa);
    match amount.checked_mul(keep) {
        Some(n) => n.div_ceil(hundred),
        // Astronomical amounts: fall back to a slightly stricter division order.
        None => (amount / hundred).saturating_mul(keep),
    }
}

/// Formats atomic units as a decimal with trailing zeros trimmed: `18473920000000000000`, 18 → `18.47392`.
pub fn format_atomic(atomic: U256, decimals: u32) -> String {
    let full = format_atomic_fixed(atomic, decimals);
    if full.contains('.') {
        full.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        full
    }
}

/// Formats atomic units with exactly `decimals` digits after the point.
pub fn format_atomic_fixed(atomic: U256, decimals: u32) -> String {
    let digits = atomic.to_string();
    let d = decimals as usize;
    if d == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = d + 1);
    let (int, frac) = padded.split_at(padded.len() - d);
    format!("{int}.{frac}")
}

/// Parses an atomic amount we stored ourselves.
pub fn parse_atomic(s: &str) -> Result<U256> {
    U256::from_str_radix(s, 10).map_err(|_| Error::Storage(format!("bad stored amount `{s}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn parses_only_plain_decimals() {
        for bad in [
            "", "-1", "+1", "1e5", "1.", ".5", " 1", "1,5", "0x10", "1.2.3", "NaN",
        ] {
            assert!(Decimal::parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(d("12.50").to_scaled(2), Some(U256::from(1250)));
        assert_eq!(d("12.5").to_scaled(0), None);
        assert!(d("1.50").same_value(&d("1.5")));
    }

    #[test]
    fn fiat_respects_minor_units() {
        assert!(FiatAmount::parse("12.50", "USD", "amount").is_ok());
        assert!(FiatAmount::parse("12.505", "USD", "amount").is_err());
        assert!(FiatAmount::parse("1200", "JPY", "amount").is_ok());
        assert!(FiatAmount::parse("1200.5", "JPY", "amount").is_err());
        assert!(FiatAmount::parse("0", "USD", "amount").is_err());
        assert!(FiatAmount::parse("0.00", "USD", "amount").is_err());
        assert!(FiatAmount::parse("-5", "USD", "amount").is_err());
        assert!(FiatAmount::parse("5", "XYZ", "amount").is_err());
        assert_eq!(
            FiatAmount::parse("50", "USD", "a").unwrap().canonical(),
            "50.00"
        );
    }

    #[test]
    fn quote_rounds_up_to_display_decimals() {
        // 50.00 USD at 2706.57 = 0.018473...; rounded up at 6 digits = 0.018474 ETH.
        let wei = quote_atomic(&d("50.00"), &d("2706.57"), 18, 6).unwrap();
        assert_eq!(wei.to_string(), "18474000000000000");
        assert_eq!(format_atomic(wei, 18), "0.018474");
        // Exact quotients are not bumped.
        let wei = quote_atomic(&d("30"), &d("3000.00"), 18, 6).unwrap();
        assert_eq!(format_atomic(wei, 18), "0.01");
        // Tokens round at their own decimals.
        let usdc = quote_atomic(&d("12.50"), &d("1.00"), 6, 6).unwrap();
        assert_eq!(usdc, U256::from(12_500_000u64));
        let usdc = quote_atomic(&d("10.00"), &d("3"), 6, 6).unwrap();
        assert_eq!(usdc, U256::from(3_333_334u64));
    }

    #[test]
    fn formats_atomic_amounts() {
        assert_eq!(
            format_atomic(U256::from(18473920000000000000u128), 18),
            "18.47392"
        );
        assert_eq!(format_atomic(U256::ZERO, 18), "0");
        assert_eq!(format_atomic(U256::from(5), 0), "5");
        assert_eq!(format_atomic_fixed(U256::from(5), 2), "0.05");
    }

    #[test]
    fn threshold_applies_tolerance_rounding_up() {
        assert_eq!(paid_threshold(U256::from(1000), &d("0")), U256::from(1000));
        assert_eq!(paid_threshold(U256::from(1000), &d("1")), U256::from(990));
        assert_eq!(paid_threshold(U256::from(1001), &d("0.5")), U256::from(996));
        assert_eq!(paid_threshold(U256::from(1000), &d("100")), U256::ZERO);
    }
}
