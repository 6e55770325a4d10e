//! One engine per data directory; admin commands work beside it.

use crate::common::{bin, Shop};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_second_engine_refuses_naming_the_first_while_admin_commands_work() {
    let shop = Shop::with_test_wallet();
    let mut first = Command::new(bin())
        .arg("--data-dir")
        .arg(shop.path())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(first.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("engine running"), "{line}");

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
    kill_term(first.id());
    let status = first.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut again = Command::new(bin())
        .arg("--data-dir")
        .arg(shop.path())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(again.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("engine running"), "{line}");
    again.kill().unwrap();
    again.wait().unwrap();
}

fn kill_term(pid: u32) {
    let ok = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(ok.success());
}
