//! Watch-only derivation: the account xpub of `m/44'/60'/0'` gives session address *i* at
//! `…/0/i` with no private key in memory.

use crate::engine::{Error, Result};
use alloy_primitives::Address;
use bip32::{ChildNumber, DerivationPath, Prefix, XPrv, XPub};
use std::str::FromStr;

/// The BIP44 account path for Ethereum.
pub const ACCOUNT_PATH: &str = "m/44'/60'/0'";

/// The extended public key of the account; derives receive addresses.
#[derive(Clone)]
pub struct AccountXpub(XPub);

impl AccountXpub {
    /// Derives the account xpub from a BIP39 seed (phrase + passphrase already stretched).
    pub fn from_seed(seed: &[u8; 64]) -> Result<Self> {
        let path =
            DerivationPath::from_str(ACCOUNT_PATH).map_err(|e| Error::Internal(e.to_string()))?;
        let xprv = XPrv::derive_from_path(seed, &path)
            .map_err(|e| Error::Internal(format!("key derivation failed: {e}")))?;
        Ok(Self(xprv.public_key()))
    }

    /// Parses a stored `xpub…` string.
    pub fn parse(s: &str) -> Result<Self> {
        XPub::from_str(s)
            .map(Self)
            .map_err(|e| Error::Storage(format!("stored xpub is invalid: {e}")))
    }

    /// The `xpub…` string.
    pub fn to_xpub_string(&self) -> String {
        self.0.to_string(Prefix::XPUB)
    }

    /// The receive address at `m/44'/60'/0'/0/index`.
    pub fn address(&self, index: u32) -> Result<Address> {
        self.receive_chain()?.address(index)
    }

    /// The receive chain `m/44'/60'/0'/0`: derive it once to derive many addresses.
    pub fn receive_chain(&self) -> Result<ReceiveChain> {
        child(&self.0, 0).map(ReceiveChain)
    }
}

/// The extended public key of the receive chain; each address is one derivation step from it.
pub struct ReceiveChain(XPub);

impl ReceiveChain {
    /// The receive address at `…/0/index`.
    pub fn address(&self, index: u32) -> Result<Address> {
        let point = child(&self.0, index)?.public_key().to_encoded_point(false);
        let raw = point
            .as_bytes()
            .get(1..)
            .ok_or_else(|| Error::Internal("bad public key encoding".into()))?;
        Ok(Address::from_raw_public_key(raw))
    }
}

fn child(key: &XPub, index: u32) -> Result<XPub> {
    ChildNumber::new(index, false)
        .and_then(|n| key.derive_child(n))
        .map_err(|e| Error::Internal(format!("address derivation failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_test_phrase_gives_the_known_addresses() {
        let m =
            bip39::Mnemonic::parse("test test test test test test test test test test test junk")
                .unwrap();
        let xpub = AccountXpub::from_seed(&m.to_seed("")).unwrap();
        assert_eq!(
            xpub.address(0).unwrap().to_checksum(None),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(
            xpub.address(1).unwrap().to_checksum(None),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        );
        // The string form round-trips and derives the same addresses.
        let again = AccountXpub::parse(&xpub.to_xpub_string()).unwrap();
        assert_eq!(again.address(1).unwrap(), xpub.address(1).unwrap());
    }

    #[test]
    fn a_passphrase_changes_the_wallet() {
        let m =
            bip39::Mnemonic::parse("test test test test test test test test test test test junk")
                .unwrap();
        let with = AccountXpub::from_seed(&m.to_seed("extra")).unwrap();
        assert_ne!(
            with.address(0).unwrap().to_checksum(None),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
    }
}
