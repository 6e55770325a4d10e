//! What the window's setup wizard, PIN and settings do, through the service layer the IPC
//! commands call, against a real anvil node, the real Secret Service and real files.

use crate::chain::{pay, provider, wait_status, wei, Anvil};
use crate::common::{Shop, TEST_PHRASE};
use crate::wallets::engine;
use chaintill::engine::checkout::NewSession;
use chaintill::engine::setup::settings::Settings;
use chaintill::engine::setup::{SetupNetwork, SetupRequest, WordAnswer};
use chaintill::engine::{Error, Service};
use std::time::Duration;

fn local_network(rpc: &str) -> SetupNetwork {
    SetupNetwork {
        preset: "local".into(),
        rpc_url: rpc.into(),
        confirmations: 2,
        chain_id: None,
        name: None,
        native_symbol: None,
        native_rate: None,
        test: None,
    }
}

/// A custom network (its own chain id, name, coin and fixed rate), as the wizard sends it.
fn custom_network(rpc: &str, chain_id: u64) -> SetupNetwork {
    SetupNetwork {
        preset: "custom".into(),
        rpc_url: rpc.into(),
        confirmations: 1,
        chain_id: Some(chain_id),
        name: Some("Shop chain".into()),
        native_symbol: Some("SHOP".into()),
        native_rate: Some("2.50".into()),
        test: Some(true),
    }
}

fn setup_of(networks: Vec<SetupNetwork>, pin: &str) -> SetupRequest {
    SetupRequest {
        store_name: "Corner Coffee".into(),
        currency: "USD".into(),
        networks,
        pin: pin.into(),
    }
}

fn local_setup(rpc: &str, pin: &str) -> SetupRequest {
    setup_of(vec![local_network(rpc)], pin)
}

fn param_of(e: &Error) -> Option<&str> {
    match e {
        Error::InvalidInput { param, .. } => param.as_deref(),
        _ => None,
    }
}

/// Waits until the engine reports `network` connected.
async fn until_watching(svc: &Service, network: &str) {
    for _ in 0..200 {
        if svc
            .chain_status()
            .iter()
            .any(|c| c.connected && c.network == network)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{network} never connected: {:?}", svc.chain_status());
}

/// A fresh data dir whose default config listens on a free port and whose only network is a
/// node nobody runs (what a new install looks like before the wizard).
async fn new_install() -> (Shop, Service) {
    let shop = Shop::empty();
    let svc = Service::open(shop.path()).await.unwrap();
    shop.use_free_port();
    drop(svc);
    let svc = Service::open(shop.path()).await.unwrap();
    (shop, svc)
}

#[tokio::test]
async fn the_wizard_imports_configures_and_the_engine_watches_without_a_restart() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    let (shop, svc) = new_install().await;
    let stop = engine(&svc);
    let state = svc.setup_state().await.unwrap();
    assert!(state.wallet.is_none() && !state.configured);

    // A mistyped word is pointed at, and nothing is stored.
    let typo = TEST_PHRASE.replace("junk", "junkk");
    let e = svc.wallet_import(&typo, "", 0).await.unwrap_err();
    assert!(e.to_string().contains("word 12"), "{e}");
    assert!(svc.setup_state().await.unwrap().wallet.is_none());
    svc.wallet_import(TEST_PHRASE, "", 0).await.unwrap();

    // The node is tested live: the wrong chain is answered, not accepted.
    let wrong = svc.rpc_check(&anvil.url, 1).await.unwrap();
    assert!(!wrong.matches && wrong.chain_id == 31337, "{wrong:?}");
    let right = svc.rpc_check(&anvil.url, 31337).await.unwrap();
    assert!(right.matches, "{right:?}");
    let e = svc
        .setup_finish(&local_setup("http://127.0.0.1:9/", "123456"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput { ref param, .. } if param.as_deref() == Some("networks.0.rpcUrl")),
        "{e:?}"
    );
    let e = svc
        .setup_finish(&local_setup(&anvil.url, "12345"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("6 to 32 digits"), "{e}");

    svc.setup_finish(&local_setup(&anvil.url, "246810"))
        .await
        .unwrap();
    assert!(svc.setup_state().await.unwrap().configured);
    let text = std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap();
    assert!(text.contains("name = \"Corner Coffee\""), "{text}");
    assert!(
        text.contains("# session lifetime"),
        "the file's own comments are kept: {text}"
    );
    assert!(
        !text.contains("246810"),
        "the PIN never reaches the config file"
    );
    let hash: String = sqlx::query_scalar("SELECT pin_hash FROM owner")
        .fetch_one(svc.pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));

    // No restart: the running engine now watches the node the wizard chose, and a sale is paid.
    for _ in 0..200 {
        if svc.chain_status().iter().any(|c| c.connected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let chain = svc.chain_status();
    assert!(
        chain.iter().any(|c| c.connected && c.network == "local"),
        "{chain:?}"
    );
    let sale = svc
        .sale_create(NewSession::for_amount("12.50"))
        .await
        .unwrap();
    assert!(sale.open && !sale.paid);
    assert_eq!(sale.session.required_confirmations, 2);
    pay(&p, &sale.session.address, wei(&sale.session)).await;
    crate::chain::mine(&p, 1).await;
    wait_status(&svc, &sale.session.id, "paid").await;
    let done = svc.sale_view(&sale.session.id).await.unwrap();
    assert!(done.paid && !done.open);
    let recent = svc.recent_sales(5).await.unwrap();
    assert_eq!(recent[0].id, sale.session.id);
    let _ = stop.send(());
}

#[tokio::test]
async fn a_created_phrase_is_stored_only_once_the_asked_words_are_retyped() {
    let (_shop, svc) = new_install().await;
    let shown = svc.wallet_generate().await.unwrap();
    assert_eq!(shown.words.len(), 24);
    assert_eq!(shown.confirm.len(), 3);
    let mut answers: Vec<WordAnswer> = shown
        .confirm
        .iter()
        .map(|&i| WordAnswer {
            index: i,
            word: shown.words[i as usize - 1].to_uppercase(),
        })
        .collect();
    answers[1].word = "wrongword".into();
    let e = svc.wallet_confirm(&answers, 0).await.unwrap_err();
    let param = format!("word-{}", shown.confirm[1]);
    assert!(
        matches!(e, Error::InvalidInput { param: Some(ref p), .. } if *p == param),
        "{e:?}"
    );
    assert!(
        svc.setup_state().await.unwrap().wallet.is_none(),
        "nothing stored on a mistake"
    );
    answers[1].word = shown.words[shown.confirm[1] as usize - 1].clone();
    let wallet = svc.wallet_confirm(&answers, 0).await.unwrap();
    // The stored wallet is the phrase that was shown.
    let m = bip39::Mnemonic::parse(shown.words.join(" ")).unwrap();
    let xpub = chaintill::engine::wallet::derive::AccountXpub::from_seed(&m.to_seed(""), 0)
        .unwrap()
        .to_xpub_string();
    assert_eq!(wallet.xpub, xpub);
    assert!(matches!(
        svc.wallet_generate().await,
        Err(Error::Conflict(_))
    ));
}

#[test]
fn two_tills_sharing_a_phrase_never_hand_out_the_same_address() {
    let first = Shop::with_test_wallet();
    let second = Shop::empty();
    second.ok_stdin(&["wallet", "import", "--account", "1"], TEST_PHRASE);
    let show = second.json(&["wallet", "show", "--json"]);
    assert_eq!(show["account"], 1);
    let mut seen = std::collections::HashSet::new();
    for shop in [&first, &second] {
        for _ in 0..20 {
            let s = shop.json(&["sessions", "create", "--amount", "1.00"]);
            assert!(
                seen.insert(s["address"].as_str().unwrap().to_string()),
                "address reused: {s}"
            );
        }
    }
    // The first till is the SPEC's account 0.
    assert!(seen.contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    let (code, err) = second.refused(
        &["wallet", "import", "--account", "2147483648"],
        TEST_PHRASE,
    );
    assert_ne!(code, 0);
    assert!(err.contains("2147483648"), "{err}");
}

/// A till through setup on a fresh anvil, with the SPEC's phrase and owner PIN `pin`.
async fn set_up_till(pin: &str) -> (Anvil, Shop, Service) {
    let anvil = Anvil::start(&[]);
    let (shop, svc) = new_install().await;
    svc.wallet_import(TEST_PHRASE, "", 0).await.unwrap();
    svc.setup_finish(&local_setup(&anvil.url, pin))
        .await
        .unwrap();
    (anvil, shop, svc)
}

#[tokio::test]
async fn wrong_pins_are_refused_with_a_growing_delay() {
    let (_anvil, _shop, svc) = set_up_till("13572468").await;
    svc.pin_verify("13572468").await.unwrap();
    for _ in 0..2 {
        let e = svc.pin_verify("00000000").await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::PinRefused {
                    wrong: true,
                    retry_after_secs: 0
                }
            ),
            "{e:?}"
        );
    }
    let e = svc.pin_verify("00000000").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::PinRefused {
                wrong: true,
                retry_after_secs: 2
            }
        ),
        "{e:?}"
    );
    // During the delay even the right PIN is not checked.
    let e = svc.pin_verify("13572468").await.unwrap_err();
    assert!(matches!(e, Error::PinRefused { wrong: false, .. }), "{e:?}");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let e = svc.pin_verify("11111111").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::PinRefused {
                wrong: true,
                retry_after_secs: 4
            }
        ),
        "{e:?}"
    );
    tokio::time::sleep(Duration::from_millis(4100)).await;
    svc.pin_verify("13572468").await.unwrap();
    // A success resets the count.
    let e = svc.pin_verify("00000000").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::PinRefused {
                retry_after_secs: 0,
                ..
            }
        ),
        "{e:?}"
    );
}

/// SPEC §10 (issue 16, case 8): parallel wrong guesses cannot all pass the same delay check.
/// Eight at once: two are free, the third starts the delay, the rest are refused unchecked.
#[tokio::test]
async fn parallel_wrong_pins_are_counted_one_by_one() {
    let (_anvil, _shop, svc) = set_up_till("13572468").await;
    let guesses = (0..8).map(|_| {
        let svc = svc.clone();
        tokio::spawn(async move { svc.pin_verify("00000000").await })
    });
    let results = futures_util::future::join_all(guesses).await;
    let checked = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(Error::PinRefused { wrong: true, .. }))))
        .count();
    let unchecked = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(Error::PinRefused { wrong: false, .. }))))
        .count();
    assert_eq!((checked, unchecked), (3, 5), "{results:?}");
    let failures: i64 = sqlx::query_scalar("SELECT failed_attempts FROM owner")
        .fetch_one(svc.pool())
        .await
        .unwrap();
    assert_eq!(failures, 3);
}

/// SPEC §10 (issue 16, case 7): once a PIN is set, the wizard's commands are refused, so no
/// script in the window can reset the PIN or point the till at another node.
#[tokio::test]
async fn the_wizard_is_closed_once_the_pin_is_set() {
    let (anvil, _shop, svc) = set_up_till("13572468").await;
    let again = svc
        .setup_finish(&local_setup(&anvil.url, "99999999"))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Forbidden(_)), "{again:?}");
    assert!(matches!(
        svc.wallet_generate().await.unwrap_err(),
        Error::Forbidden(_)
    ));
    // The PIN is still the first one.
    svc.pin_verify("13572468").await.unwrap();
}

#[tokio::test]
async fn the_wizard_sets_up_two_networks_and_settings_add_a_third_watched_at_once() {
    let local = Anvil::start(&[]);
    let shop_chain = Anvil::start(&["--chain-id", "7777"]);
    let third = Anvil::start(&["--chain-id", "8888"]);
    let (shop, svc) = new_install().await;
    let stop = engine(&svc);
    svc.wallet_import(TEST_PHRASE, "", 0).await.unwrap();

    // Each network is checked where it stands in the list: its node, and no chain twice.
    let cases = [
        (
            vec![local_network(&local.url), custom_network(&local.url, 7777)],
            "networks.1.rpcUrl",
        ),
        (
            vec![local_network(&local.url), custom_network(&local.url, 31337)],
            "networks.1.preset",
        ),
        (
            vec![
                local_network(&local.url),
                SetupNetwork {
                    native_rate: Some("free".into()),
                    ..custom_network(&shop_chain.url, 7777)
                },
            ],
            "networks.1.nativeRate",
        ),
        (vec![], "networks"),
    ];
    for (networks, param) in cases {
        let e = svc
            .setup_finish(&setup_of(networks, "246810"))
            .await
            .unwrap_err();
        assert_eq!(param_of(&e), Some(param), "{e:?}");
        assert!(!svc.setup_state().await.unwrap().configured);
    }

    svc.setup_finish(&setup_of(
        vec![
            local_network(&local.url),
            custom_network(&shop_chain.url, 7777),
        ],
        "246810",
    ))
    .await
    .unwrap();
    until_watching(&svc, "local").await;
    until_watching(&svc, "chain-7777").await;
    let info = svc.app_info().await.unwrap();
    let ids: Vec<&str> = info.networks.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["local", "chain-7777"]);

    // A sale on the second network is paid on its own chain.
    let p = provider(&shop_chain.url).await;
    let mut on_shop_chain = NewSession::for_amount("5.00");
    on_shop_chain.network = Some("chain-7777".into());
    let sale = svc.sale_create(on_shop_chain).await.unwrap();
    assert_eq!(sale.session.amount.value, "2"); // 5.00 USD at 2.50 USD per SHOP
    pay(&p, &sale.session.address, wei(&sale.session)).await;
    crate::chain::mine(&p, 1).await;
    wait_status(&svc, &sale.session.id, "paid").await;

    // Settings add a third network: refused when its node or chain is wrong, then watched with
    // no restart, appended after the owner's own lines.
    let mut file = std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap();
    file.push_str("\n# the owner's note at the end\n");
    std::fs::write(shop.path().join("chaintill.toml"), &file).unwrap();
    for (network, param) in [
        (custom_network(&third.url, 9999), "network.rpcUrl"),
        (custom_network(&shop_chain.url, 7777), "network.preset"),
        (local_network(&local.url), "network.preset"),
        (
            SetupNetwork {
                preset: "nowhere".into(),
                ..local_network(&third.url)
            },
            "network.preset",
        ),
    ] {
        let e = svc.settings_add_network(&network).await.unwrap_err();
        assert_eq!(param_of(&e), Some(param), "{e:?}");
    }
    assert_eq!(
        std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap(),
        file,
        "a refused network leaves the file alone"
    );
    let settings = svc
        .settings_add_network(&custom_network(&third.url, 8888))
        .await
        .unwrap();
    let ids: Vec<&str> = settings.networks.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["local", "chain-7777", "chain-8888"]);
    let after = std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap();
    assert!(after.contains("# the owner's note at the end"), "{after}");
    until_watching(&svc, "chain-8888").await;
    let p3 = provider(&third.url).await;
    let mut on_third = NewSession::for_amount("1.00");
    on_third.network = Some("chain-8888".into());
    let sale = svc.sale_create(on_third.clone()).await.unwrap();
    pay(&p3, &sale.session.address, wei(&sale.session)).await;
    crate::chain::mine(&p3, 1).await;
    wait_status(&svc, &sale.session.id, "paid").await;

    // Removing a network waits for its open sales; its sessions stay in the ledger.
    let open = svc.sale_create(on_third.clone()).await.unwrap();
    let e = svc.settings_remove_network("chain-8888").await.unwrap_err();
    assert_eq!(param_of(&e), Some("network"), "{e:?}");
    assert!(e.to_string().contains("1 sale(s)"), "{e}");
    svc.sale_cancel(&open.session.id).await.unwrap();
    let e = svc.settings_remove_network("nowhere").await.unwrap_err();
    assert_eq!(param_of(&e), Some("network"), "{e:?}");
    let settings = svc.settings_remove_network("chain-8888").await.unwrap();
    let ids: Vec<&str> = settings.networks.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["local", "chain-7777"]);
    let after = std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap();
    assert!(!after.contains("chain_id = 8888"), "{after}");
    assert!(after.contains("# the owner's note at the end"), "{after}");
    assert!(svc.sale_view(&sale.session.id).await.unwrap().paid);
    assert!(
        svc.sale_create(on_third.clone()).await.is_err(),
        "no new sale on a removed network"
    );
    // Added again, it is watched from the chain's head, and sales on it are paid.
    svc.settings_add_network(&custom_network(&third.url, 8888))
        .await
        .unwrap();
    until_watching(&svc, "chain-8888").await;
    let again = svc.sale_create(on_third).await.unwrap();
    pay(&p3, &again.session.address, wei(&again.session)).await;
    crate::chain::mine(&p3, 1).await;
    wait_status(&svc, &again.session.id, "paid").await;
    svc.settings_remove_network("chain-8888").await.unwrap();
    svc.settings_remove_network("chain-7777").await.unwrap();
    let e = svc.settings_remove_network("local").await.unwrap_err();
    assert!(e.to_string().contains("only network"), "{e}");
    let _ = stop.send(());
}

#[tokio::test]
async fn settings_are_validated_per_field_saved_with_comments_and_used_by_the_next_session() {
    let anvil = Anvil::start(&[]);
    let (shop, svc) = new_install().await;
    svc.wallet_import(TEST_PHRASE, "", 0).await.unwrap();
    let keyed = format!("{}/?key=SECRETKEY123", anvil.url);
    svc.setup_finish(&local_setup(&keyed, "246810"))
        .await
        .unwrap();
    let s = svc.settings_get().await.unwrap();
    assert_eq!(s.networks[0].rpc_shown, anvil.url.clone());
    assert!(
        !serde_json::to_string(&s).unwrap().contains("SECRETKEY123"),
        "the RPC URL's path never crosses to the window"
    );

    let bad = |f: &dyn Fn(&mut Settings)| {
        let mut b = s.clone();
        f(&mut b);
        b
    };
    for (settings, param) in [
        (bad(&|b| b.expiry_minutes = 0), "expiryMinutes"),
        (bad(&|b| b.currency = "XYZ".into()), "currency"),
        (
            bad(&|b| b.underpaid_tolerance_percent = "150".into()),
            "underpaidTolerancePercent",
        ),
        (bad(&|b| b.api_bind = "localhost".into()), "apiBind"),
        (bad(&|b| b.public_url = "ftp://x".into()), "publicUrl"),
        (bad(&|b| b.store_name = " ".into()), "storeName"),
        (
            bad(&|b| b.networks[0].confirmations = 0),
            "networks.0.confirmations",
        ),
        (
            bad(&|b| b.networks[0].rpc_url = Some("nope".into())),
            "networks.0.rpcUrl",
        ),
    ] {
        let e = svc.settings_save(&settings).await.unwrap_err();
        assert!(
            matches!(e, Error::InvalidInput { param: Some(ref p), .. } if p == param),
            "{param}: {e:?}"
        );
    }
    let before = std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap();

    let mut good = s.clone();
    good.expiry_minutes = 42;
    good.store_name = "Corner Coffee & Cake".into();
    good.sound = false;
    good.networks[0].confirmations = 5;
    assert_eq!(
        good.networks[0].assets[0].fixed_rate.as_deref(),
        Some("3000.00")
    );
    good.networks[0].assets[0].fixed_rate = Some("2500.00".into());
    let saved = svc.settings_save(&good).await.unwrap();
    assert_eq!(saved.expiry_minutes, 42);
    assert!(!saved.sound);
    let after = std::fs::read_to_string(shop.path().join("chaintill.toml")).unwrap();
    assert_ne!(before, after);
    assert!(
        after.contains("expiry_minutes = 42               # session lifetime"),
        "{after}"
    );
    assert!(
        after.contains("SECRETKEY123"),
        "an unchanged RPC URL is kept whole in the file"
    );
    // The next session uses the new settings (no restart).
    let sale = svc
        .sale_create(NewSession::for_amount("3.00"))
        .await
        .unwrap();
    assert_eq!(sale.session.required_confirmations, 5);
    // 3.00 USD at the new rate of 2,500 USD per ETH.
    assert_eq!(sale.session.rate, "2500.00");
    assert_eq!(sale.session.amount.value, "0.0012");
    let created = chrono::DateTime::parse_from_rfc3339(&sale.session.created_at).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(&sale.session.expires_at).unwrap();
    assert_eq!((expires - created).num_minutes(), 42);
    assert_eq!(
        svc.app_info().await.unwrap().store_name,
        "Corner Coffee & Cake"
    );
}

#[tokio::test]
async fn no_secret_reaches_the_window_after_its_first_showing() {
    let anvil = Anvil::start(&[]);
    let (_shop, svc) = new_install().await;
    let stop = engine(&svc);
    // The first (and only) showing of the phrase.
    let shown = svc.wallet_generate().await.unwrap();
    let answers: Vec<WordAnswer> = shown
        .confirm
        .iter()
        .map(|&i| WordAnswer {
            index: i,
            word: shown.words[i as usize - 1].clone(),
        })
        .collect();
    let mut seen =
        vec![serde_json::to_value(svc.wallet_confirm(&answers, 0).await.unwrap()).unwrap()];
    let keyed = format!("{}/?apikey=SECRETKEY123", anvil.url);
    seen.push(serde_json::to_value(svc.rpc_check(&keyed, 31337).await.unwrap()).unwrap());
    svc.setup_finish(&local_setup(&keyed, "97531864"))
        .await
        .unwrap();
    let sale = svc
        .sale_create(NewSession::for_amount("1.00"))
        .await
        .unwrap();
    for _ in 0..100 {
        if svc.chain_status().iter().any(|c| c.connected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen.extend([
        serde_json::to_value(svc.setup_state().await.unwrap()).unwrap(),
        serde_json::to_value(svc.app_info().await.unwrap()).unwrap(),
        serde_json::to_value(svc.settings_get().await.unwrap()).unwrap(),
        serde_json::to_value(svc.chain_status()).unwrap(),
        serde_json::to_value(&sale).unwrap(),
        serde_json::to_value(svc.recent_sales(5).await.unwrap()).unwrap(),
    ]);
    // Errors the window shows carry no secret either.
    for e in [
        svc.pin_verify("00000000").await.unwrap_err(),
        svc.rpc_check("http://127.0.0.1:9/?apikey=SECRETKEY123", 1)
            .await
            .unwrap_err(),
        svc.wallet_confirm(&answers, 0).await.unwrap_err(),
    ] {
        seen.push(serde_json::Value::String(e.to_string()));
    }
    let all = serde_json::to_string(&seen).unwrap();
    for window in shown.words.windows(3) {
        assert!(
            !all.contains(&window.join(" ")),
            "phrase words reached the window: {all}"
        );
    }
    assert!(!all.contains("97531864"), "the PIN reached the window");
    assert!(
        !all.contains("SECRETKEY123"),
        "an RPC URL's key reached the window: {all}"
    );
    let _ = stop.send(());
}
