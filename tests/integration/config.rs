//! Configuration files as a merchant edits them.

use crate::common::Shop;

#[test]
fn a_missing_config_is_created_with_defaults() {
    let shop = Shop::empty();
    shop.ok(&["keys", "list"]);
    let text = std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap();
    assert!(
        text.contains("expiry_minutes = 15") && text.contains("[[networks]]"),
        "{text}"
    );
}

#[test]
fn a_corrupt_config_is_refused_with_file_line_and_reason_and_nothing_starts() {
    let shop = Shop::empty();
    let path = shop.path().join("chaintill.toml");
    std::fs::write(&path, "[store]\nname = \"x\"\nexpiry_minutes = -3\n").unwrap();
    let (code, line) = shop.refused(&["keys", "list"], "");
    assert_eq!(code, 78);
    assert!(line.contains(&format!("{}:3:", path.display())), "{line}");
    assert!(line.contains("out of range"), "{line}");
    // Nothing else started: no database was created.
    assert!(!shop.path().join("chaintill.db").exists());

    std::fs::write(&path, "[[networks]]\nid = \"x\"\nchain_id = 1\nrpc_urls = [\"gopher://x\"]\nconfirmations = 1\nnative = { symbol = \"ETH\", rate = { fixed = \"1\" } }\n").unwrap();
    let (_, line) = shop.refused(&["sessions", "list"], "");
    assert!(
        line.contains(":4:") && line.contains("gopher://x"),
        "{line}"
    );

    std::fs::write(&path, "this is not toml").unwrap();
    let (code, line) = shop.refused(&["wallet", "show"], "");
    assert_eq!(code, 78);
    assert!(line.contains(":1:"), "{line}");
    // The broken file is left as it was for the owner to fix.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "this is not toml");
}

#[test]
fn usage_errors_are_one_line_too() {
    let shop = Shop::empty();
    let (code, line) = shop.refused(&["keys", "create"], "");
    assert_eq!(code, 2);
    assert!(line.contains("--mode"), "{line}");
    let (_, line) = shop.refused(&["keys", "create", "--mode", "prod"], "");
    assert!(line.contains("prod"), "{line}");
    let (_, _) = shop.refused(&["frobnicate"], "");
}
