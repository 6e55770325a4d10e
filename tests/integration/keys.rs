//! API keys: shown once, stored as hashes, revocable.

use crate::common::Shop;
use chaintill::engine::{keys, Service};

#[tokio::test]
async fn keys_are_shown_once_stored_hashed_and_revocable() {
    let shop = Shop::empty();
    let out = shop.ok(&[
        "keys",
        "create",
        "--mode",
        "live",
        "--name",
        "register 1",
        "--restricted",
    ]);
    let key = out.trim().to_string();
    assert!(key.starts_with("ck_live_") && key.len() == 40, "{key}");
    let list = shop.json(&["keys", "list", "--json"]);
    assert_eq!(list[0]["name"], "register 1");
    assert_eq!(list[0]["mode"], "live");
    assert_eq!(list[0]["restricted"], true);
    assert_eq!(list[0]["last4"], &key[36..]);
    assert!(!serde_json::to_string(&list).unwrap().contains(&key));
    for f in shop.files() {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        assert!(!text.contains(&key), "key found in {}", f.display());
    }

    let svc = Service::open(shop.path()).await.unwrap();
    let found = keys::authenticate(svc.pool(), &key).await.unwrap();
    assert_eq!(found.id, list[0]["id"].as_str().unwrap());
    let mut wrong = key.clone();
    wrong.replace_range(39.., if key.ends_with('a') { "b" } else { "a" });
    assert!(keys::authenticate(svc.pool(), &wrong).await.is_err());
    assert!(keys::authenticate(svc.pool(), "ck_live_short")
        .await
        .is_err());

    let id = list[0]["id"].as_str().unwrap();
    shop.ok(&["keys", "revoke", id]);
    let err = keys::authenticate(svc.pool(), &key).await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    let (code, line) = shop.refused(&["keys", "revoke", id], "");
    assert_eq!(code, 4);
    assert!(line.contains("already revoked"), "{line}");
    let (code, _) = shop.refused(&["keys", "revoke", "key_nope"], "");
    assert_eq!(code, 3);
}
