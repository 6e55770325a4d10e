//! Helpers: a fresh data directory per test and the built binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The phrase SPEC §3 checks addresses with.
pub const TEST_PHRASE: &str = "test test test test test test test test test test test junk";

/// A throwaway data directory and a way to run `chaintill` on it.
pub struct Shop {
    pub dir: tempfile::TempDir,
}

impl Shop {
    /// An empty data directory (nothing created yet).
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A data directory with the SPEC test wallet imported.
    pub fn with_test_wallet() -> Self {
        let shop = Self::empty();
        shop.ok_stdin(&["wallet", "import"], TEST_PHRASE);
        shop
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `chaintill --data-dir <dir> args…` with `stdin`.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        run_in(self.path(), args, stdin)
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_stdin(args, "")
    }

    /// Runs with stdin and expects success; returns stdout.
    pub fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        ok_in(self.path(), args, stdin)
    }

    /// Runs and expects a refusal: a non-zero exit and exactly one line on stderr.
    pub fn refused(&self, args: &[&str], stdin: &str) -> (i32, String) {
        let out = self.run(args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !out.status.success(),
            "chaintill {args:?} should fail; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "expected one line on stderr, got: {stderr}");
        (out.status.code().unwrap_or(-1), lines[0].to_string())
    }

    /// Runs and parses stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).expect("JSON on stdout")
    }

    /// Starts `chaintill serve` on this data directory and waits until it says it runs.
    pub fn serve(&self) -> std::process::Child {
        self.serve_api().0
    }

    /// Starts `chaintill serve` with its API on a free loopback port; returns the engine and
    /// the API's base URL (`http://127.0.0.1:PORT`).
    pub fn serve_api(&self) -> (std::process::Child, String) {
        use std::io::BufRead;
        self.use_free_port();
        let mut child = Command::new(bin())
            .arg("--data-dir")
            .arg(self.path())
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn chaintill serve");
        let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let (mut first, mut second) = (String::new(), String::new());
        out.read_line(&mut first).expect("read");
        assert!(first.contains("engine running"), "{first}");
        out.read_line(&mut second).expect("read");
        let base = second
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .and_then(|u| u.strip_suffix("/api/v1"))
            .unwrap_or_else(|| panic!("no API address in {second:?}"))
            .to_string();
        // Keep draining stdout so the engine never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        (child, base)
    }

    /// Points `api.bind` at port 0 so parallel tests never collide on 8787.
    pub fn use_free_port(&self) {
        let path = self.path().join("chaintill.toml");
        if !path.exists() {
            self.ok(&["keys", "list"]);
        }
        let text = std::fs::read_to_string(&path).expect("config");
        std::fs::write(
            &path,
            text.replace("bind = \"127.0.0.1:8787\"", "bind = \"127.0.0.1:0\""),
        )
        .expect("write config");
    }

    /// Every file under the data directory, recursively.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(p: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = vec![];
        walk(self.path(), &mut out);
        out
    }
}

/// The binary under test.
/// Runs `chaintill --data-dir <dir> args…` with `stdin`.
pub fn run_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CHAINTILL_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn chaintill");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Runs in `dir` with `stdin` and expects success; returns stdout.
pub fn ok_in(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = run_in(dir, args, stdin);
    assert!(
        out.status.success(),
        "chaintill {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_chaintill")
}

/// Counts rows in a table of the shop's database.
pub fn count(shop: &Shop, table: &str) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let svc = chaintill::engine::Service::open(shop.path())
            .await
            .expect("open");
        rows(&svc, table).await
    })
}

/// Counts rows in a table of an open service's database (inside a Tokio runtime).
pub async fn rows(svc: &chaintill::engine::Service, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(svc.pool())
        .await
        .expect("count")
}
