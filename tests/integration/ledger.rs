//! The owner's ledger on a real anvil node: search by id, address, transaction hash and
//! metadata; the attention filter; days; paging; totals; a session's timeline and deliveries;
//! the CSV export read back by a standard CSV reader; simulated payments.

use crate::chain::{config, mine, pay, provider, shop, wait_status, watch, wei, Anvil};
use alloy_primitives::U256;
use chaintill::engine::checkout::settle::Status;
use chaintill::engine::checkout::NewSession;
use chaintill::engine::clock::{Clock, ManualClock};
use chaintill::engine::ledger::export::HEADER;
use chaintill::engine::ledger::SessionFilter;
use chaintill::engine::simulate::SimulatedAmount;
use std::time::Duration;

fn with_order(value: &str, order: &str) -> NewSession {
    let mut metadata = serde_json::Map::new();
    metadata.insert("orderId".into(), order.into());
    NewSession {
        metadata: Some(metadata),
        ..NewSession::for_amount(value)
    }
}

#[tokio::test]
async fn the_owner_finds_any_payment_and_exports_what_the_bookkeeper_reads() {
    let anvil = Anvil::start(&[]);
    let p = provider(&anvil.url).await;
    // Yesterday's sessions, then today's: the clock is the engine's.
    let clock = ManualClock::new(chrono::Utc::now() - chrono::Duration::days(1));
    let (shop, svc) = shop(
        &config(
            &anvil.url,
            "",
            "late_grace_minutes = 0\nexpiry_minutes = 600",
        ),
        Some(clock.clone()),
    )
    .await;
    let _stop = watch(&svc);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            svc.sessions_create(with_order("2.00", &format!("Y-{i}")), None)
                .await
                .unwrap()
                .id,
        );
    }
    clock.advance(chrono::Duration::days(1));
    let paid = svc
        .sessions_create(with_order("12.50", "A-1001"), None)
        .await
        .unwrap();
    let short = svc
        .sessions_create(with_order("30.00", "A-1002"), None)
        .await
        .unwrap();
    let plain = svc
        .sessions_create(with_order("1.00", "A-1003"), None)
        .await
        .unwrap();
    pay(&p, &paid.address, wei(&paid)).await;
    pay(&p, &short.address, wei(&short) / U256::from(2)).await;
    mine(&p, 3).await;
    wait_status(&svc, &paid.id, "paid").await;
    wait_status(&svc, &short.id, "underpaid").await;
    let paid = svc.sessions_get(&paid.id, None).await.unwrap();
    let tx = paid.payments[0].tx_hash.clone();

    let find = |f: SessionFilter| {
        let svc = svc.clone();
        async move {
            svc.ledger_find(&f, 100, None)
                .await
                .unwrap()
                .sessions
                .into_iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        }
    };
    let search = |t: &str| SessionFilter {
        search: Some(t.into()),
        ..SessionFilter::default()
    };
    // One search box: tx hash (any case), address (any case), id, metadata value.
    assert_eq!(
        find(search(&tx.to_uppercase().replace("0X", "0x"))).await,
        vec![paid.id.clone()]
    );
    assert_eq!(
        find(search(&paid.address.to_lowercase())).await,
        vec![paid.id.clone()]
    );
    assert_eq!(find(search(&plain.id)).await, vec![plain.id.clone()]);
    assert_eq!(find(search("A-1002")).await, vec![short.id.clone()]);
    assert!(find(search("no-such-order")).await.is_empty());
    // Needs attention: the underpaid one, not the paid or the waiting ones.
    let attention = find(SessionFilter {
        attention: true,
        ..SessionFilter::default()
    })
    .await;
    assert_eq!(attention, vec![short.id.clone()]);
    let status = find(SessionFilter {
        status: Some(Status::Paid),
        ..SessionFilter::default()
    })
    .await;
    assert_eq!(status, vec![paid.id.clone()]);
    // Days are UTC days of creation.
    let today = clock.now().format("%Y-%m-%d").to_string();
    let yesterday = (clock.now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let day = |d: &str| SessionFilter {
        from: Some(d.into()),
        to: Some(d.into()),
        ..SessionFilter::default()
    };
    assert_eq!(find(day(&today)).await.len(), 3);
    let mut old = find(day(&yesterday)).await;
    old.reverse();
    assert_eq!(old, ids);
    let e = svc
        .ledger_find(
            &SessionFilter {
                from: Some("31/12".into()),
                ..SessionFilter::default()
            },
            10,
            None,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
    // Keyset pages: every session once, newest first.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = svc
            .ledger_find(&SessionFilter::default(), 3, after.as_deref())
            .await
            .unwrap();
        seen.extend(page.sessions.iter().map(|s| s.id.clone()));
        if !page.has_more {
            break;
        }
        after = page.sessions.last().map(|s| s.id.clone());
    }
    assert_eq!(seen.len(), 8);
    assert_eq!(seen[0], plain.id);

    // Totals of today: three sessions, one paid (12.50 USD), one open underpaid needing attention.
    let t = svc.ledger_totals(&day(&today)).await.unwrap();
    assert_eq!((t.sessions, t.paid, t.attention), (3, 1, 1));
    assert_eq!(t.paid_fiat, "12.50");
    assert_eq!(t.days.len(), 1);
    assert_eq!(t.assets[0].asset, "ETH");

    // The detail: the timeline with times, in order.
    let d = svc.ledger_detail(&paid.id).await.unwrap();
    let kinds: Vec<&str> = d.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"session.created"));
    assert_eq!(kinds.last(), Some(&"session.paid"));
    assert!(d.sale.paid);

    // The export: the CLI's bytes are the service's, and a standard CSV reader reads them back.
    let out = shop.path().join("export.csv");
    shop.ok(&["sessions", "export", "--output", out.to_str().unwrap()]);
    let bytes = std::fs::read(&out).unwrap();
    let mut again = Vec::new();
    svc.ledger_export(&SessionFilter::default(), &mut again)
        .await
        .unwrap();
    assert_eq!(bytes, again);
    assert!(bytes.starts_with(format!("{HEADER}\r\n").as_bytes()));
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.join(","), HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 8);
    let row = rows.iter().find(|r| r[1] == paid.id).unwrap();
    assert_eq!(&row[2], "paid");
    assert_eq!(&row[7], paid.amount.value);
    assert_eq!(&row[14], tx);
    assert_eq!(&row[16], "0");
    let metadata: serde_json::Value = serde_json::from_str(&row[17]).unwrap();
    assert_eq!(metadata["orderId"], "A-1001");
    assert_eq!(rows[0][1], plain.id, "newest first");
    // Filters apply to the export too.
    let only = shop.ok(&["sessions", "export", "--status", "underpaid"]);
    assert_eq!(only.lines().count(), 2);
    let (code, err) = shop.refused(&["sessions", "export", "--from", "yesterday"], "");
    assert_eq!(code, 2);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
}

#[tokio::test]
async fn test_mode_simulates_exact_short_and_over_payments_on_a_devnet() {
    let anvil = Anvil::start(&["--block-time", "1"]);
    let (_shop, svc) = shop(&config(&anvil.url, "", ""), None).await;
    let _stop = watch(&svc);
    let exact = svc
        .sessions_create(NewSession::for_amount("5.00"), None)
        .await
        .unwrap();
    let short = svc
        .sessions_create(NewSession::for_amount("5.00"), None)
        .await
        .unwrap();
    let over = svc
        .sessions_create(NewSession::for_amount("5.00"), None)
        .await
        .unwrap();
    svc.simulate_payment(&exact.id, SimulatedAmount::Exact)
        .await
        .unwrap();
    svc.simulate_payment(&short.id, SimulatedAmount::Short)
        .await
        .unwrap();
    svc.simulate_payment(&over.id, SimulatedAmount::Over)
        .await
        .unwrap();
    wait_status(&svc, &exact.id, "paid").await;
    wait_status(&svc, &short.id, "underpaid").await;
    wait_status(&svc, &over.id, "overpaid").await;
    // A final session is not paid again.
    let e = svc
        .simulate_payment(&exact.id, SimulatedAmount::Exact)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only an open session"), "{e}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
