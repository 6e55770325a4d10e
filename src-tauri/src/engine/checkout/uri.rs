//! EIP-681 payment URIs and the QR code that encodes exactly that string.

use crate::engine::{Error, Result};
use alloy_primitives::{Address, U256};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// EIP-681 URI with plain integer amounts (never scientific notation).
///
/// Native: `ethereum:<address>@<chainId>?value=<wei>`;
/// token: `ethereum:<token>@<chainId>/transfer?address=<address>&uint256=<atomic>`.
pub fn payment_uri(
    address: Address,
    chain_id: u64,
    amount: U256,
    token: Option<Address>,
) -> String {
    let to = address.to_checksum(None);
    match token {
        None => format!("ethereum:{to}@{chain_id}?value={amount}"),
        Some(t) => format!(
            "ethereum:{}@{chain_id}/transfer?address={to}&uint256={amount}",
            t.to_checksum(None)
        ),
    }
}

/// An SVG QR code of `data` (error correction M, with quiet zone).
pub fn qr_svg(data: &str) -> Result<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Internal(format!("QR encoding failed: {e}")))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_use_plain_integers() {
        let a: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
            .parse()
            .unwrap();
        let big = U256::from(18473920000000000000u128);
        assert_eq!(
            payment_uri(a, 31337, big, None),
            "ethereum:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266@31337?value=18473920000000000000"
        );
        let t: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
            .parse()
            .unwrap();
        assert_eq!(
            payment_uri(a, 1, U256::from(12_500_000u64), Some(t)),
            "ethereum:0x5FbDB2315678afecb367f032d93F642f64180aa3@1/transfer?address=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266&uint256=12500000"
        );
    }

    #[test]
    fn qr_is_an_svg() {
        let svg =
            qr_svg("ethereum:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266@31337?value=1").unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
