//! The merchant's wallet: BIP39 phrase in the OS keychain, account xpub in the database, and
//! atomic allocation of never-reused receive addresses.

pub mod derive;
pub mod keychain;

use crate::engine::{Error, Result};
use alloy_primitives::Address;
use derive::AccountXpub;
use keychain::{KeychainStatus, StoredPhrase};
use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};
use zeroize::Zeroizing;

/// How many addresses `wallet show` lists.
pub const SHOWN_ADDRESSES: u32 = 5;

/// What may be shown about the wallet: never the phrase.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct WalletInfo {
    /// Account xpub (`m/44'/60'/account'`).
    pub xpub: String,
    /// This till's BIP44 account (0 for the first till on a phrase).
    pub account: u32,
    /// The first receive addresses, EIP-55.
    pub addresses: Vec<IndexedAddress>,
    /// The next index a session will get.
    pub next_index: u32,
    /// Whether the phrase is in the keychain.
    pub keychain: KeychainStatus,
}

/// A receive address and its index.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct IndexedAddress {
    /// `i` in `m/44'/60'/account'/0/i`.
    pub index: u32,
    /// EIP-55 checksummed.
    pub address: String,
}

/// Parses a recovery phrase typed or pasted by a person. Errors never repeat the words.
pub fn parse_phrase(input: &str) -> Result<bip39::Mnemonic> {
    let normalized = Zeroizing::new(
        input
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" "),
    );
    bip39::Mnemonic::parse_in(bip39::Language::English, normalized.as_str()).map_err(|e| {
        let why = match e {
            bip39::Error::BadWordCount(n) => {
                format!("it has {n} words; a phrase has 12, 15, 18, 21 or 24")
            }
            bip39::Error::UnknownWord(i) => format!("word {} is not a BIP39 English word", i + 1),
            bip39::Error::InvalidChecksum => {
                "its checksum does not match (a word is wrong or out of order)".into()
            }
            _ => "it is not a valid BIP39 phrase".into(),
        };
        Error::invalid("phrase", format!("recovery phrase rejected: {why}"))
    })
}

/// A fresh 24-word phrase (nothing stored yet).
pub fn generate() -> Result<Zeroizing<String>> {
    let mnemonic = bip39::Mnemonic::generate_in(bip39::Language::English, 24)
        .map_err(|e| Error::Internal(format!("phrase generation failed: {e}")))?;
    Ok(Zeroizing::new(mnemonic.to_string()))
}

/// Creates a new wallet with a fresh 24-word phrase. Returns the phrase to be shown once.
pub async fn create(
    pool: &SqlitePool,
    account: u32,
    now: i64,
) -> Result<(WalletInfo, Zeroizing<String>)> {
    let phrase = generate()?;
    let info = import(pool, &phrase, "", account, now).await?;
    Ok((info, phrase))
}

/// Imports an existing phrase (and optional passphrase) as BIP44 `account`; `now` is the
/// creation time (ms).
pub async fn import(
    pool: &SqlitePool,
    phrase: &str,
    passphrase: &str,
    account: u32,
    now: i64,
) -> Result<WalletInfo> {
    let mnemonic = parse_phrase(phrase)?;
    install(pool, &mnemonic, passphrase, account, now).await
}

async fn install(
    pool: &SqlitePool,
    mnemonic: &bip39::Mnemonic,
    passphrase: &str,
    account: u32,
    now: i64,
) -> Result<WalletInfo> {
    if let Some(xpub) = stored_xpub(pool).await? {
        return Err(Error::Conflict(format!(
            "a wallet already exists (xpub {}…); use a new data directory for another wallet",
            &xpub.chars().take(16).collect::<String>()
        )));
    }
    let seed = Zeroizing::new(mnemonic.to_seed(passphrase));
    let xpub = AccountXpub::from_seed(&seed, account)?;
    let entry = format!("wallet-{}", ulid::Ulid::new());
    keychain::store(
        &entry,
        &StoredPhrase {
            phrase: mnemonic.to_string(),
            passphrase: passphrase.to_string(),
        },
    )?;
    let inserted = sqlx::query("INSERT INTO wallet (id, keychain_account, xpub, next_index, created_at, account) VALUES (1, ?, ?, 0, ?, ?)")
        .bind(&entry)
        .bind(xpub.to_xpub_string())
        .bind(now)
        .bind(i64::from(account))
        .execute(pool)
        .await;
    if let Err(e) = inserted {
        // Another process won the race (or the disk failed): leave no orphaned secret behind.
        let _ = keychain::remove(&entry);
        return Err(match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                Error::Conflict("a wallet already exists".into())
            }
            other => other.into(),
        });
    }
    tracing::info!(xpub = %xpub.to_xpub_string(), account, "wallet installed; phrase stored in the OS keychain");
    show(pool).await
}

async fn stored_xpub(pool: &SqlitePool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT xpub FROM wallet WHERE id = 1")
        .fetch_optional(pool)
        .await?)
}

/// The wallet's public state and keychain status.
pub async fn show(pool: &SqlitePool) -> Result<WalletInfo> {
    let row: Option<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT xpub, keychain_account, next_index, account FROM wallet WHERE id = 1",
    )
    .fetch_optional(pool)
    .await?;
    let (xpub_str, entry, next_index, account) = row.ok_or(Error::NoWallet)?;
    let chain = AccountXpub::parse(&xpub_str)?.receive_chain()?;
    let addresses = (0..SHOWN_ADDRESSES)
        .map(|index| {
            Ok(IndexedAddress {
                index,
                address: chain.address(index)?.to_checksum(None),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let keychain = tokio::task::spawn_blocking(move || keychain::status(&entry))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(WalletInfo {
        xpub: xpub_str,
        account: u32::try_from(account).unwrap_or_default(),
        addresses,
        next_index: u32::try_from(next_index).unwrap_or(u32::MAX),
        keychain,
    })
}

/// Allocates `n` fresh receive addresses in the caller's transaction (which must commit
/// before any is shown): the next indexes no watched network found with history (see
/// [`lookahead`]); indexes skipped that way are never used.
pub async fn allocate_addresses(
    conn: &mut SqliteConnection,
    n: u32,
) -> Result<Vec<(u32, Address)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT next_index, xpub FROM wallet WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (first, xpub) = row.ok_or(Error::NoWallet)?;
    let used: std::collections::HashSet<i64> = sqlx::query_scalar(
        "SELECT address_index FROM address_screens WHERE used = 1 AND address_index >= ?",
    )
    .bind(first)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let chain = AccountXpub::parse(&xpub)?.receive_chain()?;
    let mut out = Vec::with_capacity(n as usize);
    let mut next = first;
    while out.len() < n as usize {
        let index = u32::try_from(next)
            .ok()
            .filter(|i| *i < 0x8000_0000)
            .ok_or_else(|| {
                Error::Internal("the wallet ran out of non-hardened address indexes".into())
            })?;
        next += 1;
        if used.contains(&i64::from(index)) {
            tracing::info!(
                index,
                "address skipped: it has history on a watched network"
            );
            continue;
        }
        out.push((index, chain.address(index)?));
    }
    sqlx::query("UPDATE wallet SET next_index = ? WHERE id = 1")
        .bind(next)
        .execute(&mut *conn)
        .await?;
    Ok(out)
}

/// The next index allocation would hand out and the chain that derives its addresses, for
/// screening ahead; `None` without a wallet.
pub async fn lookahead(pool: &SqlitePool) -> Result<Option<(u32, derive::ReceiveChain)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT next_index, xpub FROM wallet WHERE id = 1")
            .fetch_optional(pool)
            .await?;
    let Some((next, xpub)) = row else {
        return Ok(None);
    };
    let next = u32::try_from(next).map_err(|e| Error::Storage(e.to_string()))?;
    Ok(Some((next, AccountXpub::parse(&xpub)?.receive_chain()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_errors_are_precise_and_never_echo_words() {
        let e = parse_phrase("test test test").unwrap_err().to_string();
        assert!(e.contains("3 words"), "{e}");
        let e = parse_phrase("test test test test test test test test test test test zzzsecret")
            .unwrap_err()
            .to_string();
        assert!(e.contains("word 12") && !e.contains("zzzsecret"), "{e}");
        let e = parse_phrase("junk test test test test test test test test test test test")
            .unwrap_err()
            .to_string();
        assert!(e.contains("checksum"), "{e}");
        assert!(
            parse_phrase("  TEST test test test test test test test test test test junk\n").is_ok()
        );
    }
}
