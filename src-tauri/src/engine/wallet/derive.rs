//! Watch-only derivation: the account xpub of `m/44'/60'/k'` gives session address *i* at
//! `…/0/i` with no private key in memory. Each till sharing a phrase has its own account `k`.

use crate::engine::{Error, Result};
use alloy_primitives::Address;
use bip32::{ChildNumber, DerivationPath, Prefix, PublicKey as _, XPrv, XPub};
use k256::elliptic_curve::group::Group;
use k256::elliptic_curve::ops::MulByGenerator;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{NonZeroScalar, ProjectivePoint};
use std::str::FromStr;

/// The highest BIP44 account a till may use (accounts are hardened indexes).
pub const MAX_ACCOUNT: u32 = 0x7fff_ffff;

/// The BIP44 account path for Ethereum's account `account` (`m/44'/60'/account'`).
pub fn account_path(account: u32) -> String {
    format!("m/44'/60'/{account}'")
}

/// The extended public key of the account; derives receive addresses.
#[derive(Clone)]
pub struct AccountXpub(XPub);

impl AccountXpub {
    /// Derives the xpub of `account` from a BIP39 seed (phrase + passphrase already stretched).
    pub fn from_seed(seed: &[u8; 64], account: u32) -> Result<Self> {
        if account > MAX_ACCOUNT {
            return Err(Error::invalid(
                "account",
                format!("account {account} is out of range 0..={MAX_ACCOUNT}"),
            ));
        }
        let path = DerivationPath::from_str(&account_path(account))
            .map_err(|e| Error::Internal(e.to_string()))?;
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
        let key = ChildNumber::new(0, false)
            .and_then(|n| self.0.derive_child(n))
            .map_err(derivation_failed)?;
        let point = ProjectivePoint::from(*key.public_key().as_affine());
        Ok(ReceiveChain { key, point })
    }
}

/// The extended public key of the receive chain; each address is one derivation step from it.
pub struct ReceiveChain {
    key: XPub,
    point: ProjectivePoint,
}

impl ReceiveChain {
    /// The receive address at `…/0/index`.
    ///
    /// BIP32's public child derivation, as `XPub::derive_child` does it, but multiplying by the
    /// generator with k256's precomputed table (several times faster; this runs inside the
    /// write transaction of every new session).
    pub fn address(&self, index: u32) -> Result<Address> {
        let number = ChildNumber::new(index, false).map_err(derivation_failed)?;
        let (tweak, _) = self
            .key
            .public_key()
            .derive_tweak(&self.key.attrs().chain_code, number)
            .map_err(derivation_failed)?;
        let tweak = Option::<NonZeroScalar>::from(NonZeroScalar::from_repr(tweak.into()))
            .ok_or_else(|| derivation_failed("tweak out of range"))?;
        let child = self.point + ProjectivePoint::mul_by_generator(&*tweak);
        if bool::from(child.is_identity()) {
            return Err(derivation_failed("child key is the point at infinity"));
        }
        let encoded = child.to_affine().to_encoded_point(false);
        let raw = encoded
            .as_bytes()
            .get(1..)
            .ok_or_else(|| Error::Internal("bad public key encoding".into()))?;
        Ok(Address::from_raw_public_key(raw))
    }
}

fn derivation_failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("address derivation failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The account of SPEC's test phrase with `passphrase`.
    fn test_wallet(passphrase: &str) -> AccountXpub {
        let m =
            bip39::Mnemonic::parse("test test test test test test test test test test test junk")
                .unwrap();
        AccountXpub::from_seed(&m.to_seed(passphrase), 0).unwrap()
    }

    #[test]
    fn spec_test_phrase_gives_the_known_addresses() {
        let xpub = test_wallet("");
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
    fn receive_chain_matches_bip32_child_derivation() {
        let xpub = test_wallet("");
        let receive = xpub
            .0
            .derive_child(ChildNumber::new(0, false).unwrap())
            .unwrap();
        let chain = xpub.receive_chain().unwrap();
        for index in (0..40).chain([1_000, 65_537, 0x7fff_ffff]) {
            let key = receive
                .derive_child(ChildNumber::new(index, false).unwrap())
                .unwrap();
            let point = key.public_key().to_encoded_point(false);
            let expected = Address::from_raw_public_key(&point.as_bytes()[1..]);
            assert_eq!(chain.address(index).unwrap(), expected, "index {index}");
        }
        assert!(chain.address(0x8000_0000).is_err(), "hardened index");
    }

    #[test]
    fn a_passphrase_changes_the_wallet() {
        let with = test_wallet("extra");
        assert_ne!(
            with.address(0).unwrap().to_checksum(None),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
    }
}
