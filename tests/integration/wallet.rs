//! The wallet against the real Secret Service.

use crate::common::{count, Shop, TEST_PHRASE};

#[test]
fn import_gives_the_spec_addresses_and_keeps_the_phrase_only_in_the_keychain() {
    let shop = Shop::empty();
    let out = shop.ok_stdin(&["wallet", "import"], &format!("{TEST_PHRASE}\n"));
    assert!(
        out.contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        "{out}"
    );
    assert!(
        out.contains("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        "{out}"
    );

    let show = shop.json(&["wallet", "show", "--json"]);
    assert_eq!(
        show["addresses"][0]["address"],
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    assert_eq!(
        show["addresses"][1]["address"],
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    );
    assert_eq!(show["keychain"]["state"], "present");
    assert!(show["xpub"].as_str().unwrap().starts_with("xpub"));
    assert!(!serde_json::to_string(&show).unwrap().contains("junk"));
}

#[test]
fn created_phrase_is_shown_once_and_found_in_no_file_or_log() {
    let shop = Shop::empty();
    let out = shop.ok(&["wallet", "create"]);
    // The 24 numbered words.
    let words: Vec<&str> = out
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0].ends_with('.') && w[0].trim_end_matches('.').parse::<u32>().is_ok())
        .map(|w| w[1])
        .collect();
    assert_eq!(words.len(), 24, "{out}");
    let phrase = words.join(" ");
    assert!(
        bip39::Mnemonic::parse(&phrase).is_ok(),
        "a valid BIP39 phrase"
    );

    // Use the wallet a little so the log and database have content.
    shop.ok(&["sessions", "create", "--amount", "3.00"]);
    let show = shop.ok(&["wallet", "show"]);
    assert!(
        show.contains("phrase present") && !show.contains(&phrase),
        "{show}"
    );

    let files = shop.files();
    assert!(
        files.iter().any(|f| f.ends_with("chaintill.log")),
        "a log exists: {files:?}"
    );
    assert!(files.iter().any(|f| f.ends_with("chaintill.db")));
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&phrase), "phrase found in {}", f.display());
        // No run of four consecutive phrase words anywhere either (e.g. a partial dump).
        for w in words.windows(4) {
            assert!(
                !text.contains(&w.join(" ")),
                "phrase words found in {}",
                f.display()
            );
        }
    }
}

#[test]
fn a_malformed_phrase_is_refused_in_one_line_and_changes_nothing() {
    let shop = Shop::empty();
    let (code, line) = shop.refused(&["wallet", "import"], "test test test\n");
    assert_eq!(code, 2);
    assert!(line.contains("3 words"), "{line}");
    let (_, line) = shop.refused(
        &["wallet", "import"],
        "test test test test test test test test test test test secretword\n",
    );
    assert!(
        line.contains("word 12") && !line.contains("secretword"),
        "{line}"
    );
    let (_, line) = shop.refused(&["wallet", "import"], "");
    assert!(line.contains("no recovery phrase"), "{line}");
    assert_eq!(count(&shop, "wallet"), 0);
    let (code, line) = shop.refused(&["wallet", "show"], "");
    assert_eq!(code, 4);
    assert!(line.contains("no wallet yet"), "{line}");
}

#[test]
fn a_second_wallet_is_refused_and_the_first_kept() {
    let shop = Shop::with_test_wallet();
    let (code, line) = shop.refused(&["wallet", "create"], "");
    assert_eq!(code, 4);
    assert!(line.contains("already exists"), "{line}");
    let show = shop.json(&["wallet", "show", "--json"]);
    assert_eq!(
        show["addresses"][0]["address"],
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
}

#[test]
fn a_passphrase_gives_another_wallet() {
    let shop = Shop::empty();
    shop.ok_stdin(
        &["wallet", "import", "--passphrase"],
        &format!("{TEST_PHRASE}\nextra words\n"),
    );
    let show = shop.json(&["wallet", "show", "--json"]);
    assert_ne!(
        show["addresses"][0]["address"],
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    assert_eq!(show["keychain"]["state"], "present");
}

#[tokio::test]
async fn the_keychain_entry_holds_the_phrase() {
    // Read back through the real Secret Service, as moving funds will.
    let shop = Shop::with_test_wallet();
    let svc = chaintill::engine::Service::open(shop.path()).await.unwrap();
    let account: String = sqlx::query_scalar("SELECT keychain_account FROM wallet")
        .fetch_one(svc.pool())
        .await
        .unwrap();
    let stored = chaintill::engine::wallet::keychain::load(&account).unwrap();
    assert_eq!(stored.phrase, TEST_PHRASE);
    // Removing it shows up in `wallet show` as missing, without touching the database.
    chaintill::engine::wallet::keychain::remove(&account).unwrap();
    let show = shop.json(&["wallet", "show", "--json"]);
    assert_eq!(show["keychain"]["state"], "missing");
}
