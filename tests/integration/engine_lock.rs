//! One engine per data directory; admin commands work beside it.

use crate::common::Shop;
use std::process::Command;

#[test]
fn a_second_engine_refuses_naming_the_first_while_admin_commands_work() {
    let shop = Shop::with_test_wallet();
    let mut first = shop.serve();
    let (code, msg) = shop.refused(&["serve"], "");
    assert_eq!(code, 4);
    assert!(
        msg.contains("another engine already runs")
            && msg.contains(&format!("chaintill serve (pid {})", first.id())),
        "{msg}"
    );
    // The admin CLI works alongside the engine.
    shop.ok(&["sessions", "create", "--amount", "1"]);

    // SIGTERM stops it cleanly, and the lock is free again.
    let term = Command::new("kill")
        .arg("-TERM")
        .arg(first.id().to_string())
        .status()
        .unwrap();
    assert!(term.success());
    let status = first.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut again = shop.serve();
    again.kill().unwrap();
    again.wait().unwrap();
}
