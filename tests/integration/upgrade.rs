//! Safe upgrades (issue 17, SPEC §9): a data folder written by a released version opens in this
//! one with everything in it intact; an older database is migrated with a copy kept until the
//! migration succeeded (and put back if it fails); one written by a newer version is refused
//! untouched.
//!
//! `tests/fixtures/data-0.1.0/` is a data folder made by release 0.1.0 (`make fixture` wrote it:
//! the ignored test `make_release_fixture` below); `manifest.json` holds, per table, the columns
//! it had and a digest of every row, so later versions' added columns do not disturb the check.

use crate::common::Shop;
use chaintill::engine::store::{self, MIGRATOR, UPGRADE_COPY};
use chaintill::engine::Service;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{Row, SqlitePool};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "tests/fixtures/data-0.1.0";

/// Every table a shop's data lives in.
const TABLES: [&str; 10] = [
    "wallet",
    "api_keys",
    "checkout_sessions",
    "payments",
    "events",
    "webhook_endpoints",
    "deliveries",
    "delivery_attempts",
    "owner",
    "session_metadata",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// Per table: its columns and a digest of every row (each value quoted as SQL, rows sorted).
async fn digest(pool: &SqlitePool, columns: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    for table in TABLES {
        let cols: Vec<String> = match columns {
            Some(m) => m[table]["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect(),
            None => pragma_columns(pool, table).await,
        };
        let select = cols
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {select} FROM {table} ORDER BY 1"))
                .fetch_all(pool)
                .await
                .unwrap();
        let mut h = Sha256::new();
        for r in &rows {
            h.update(r.as_bytes());
            h.update(b"\n");
        }
        out.insert(
            table.to_string(),
            json!({"columns": cols, "rows": rows.len(), "sha256": hex::encode(h.finalize())}),
        );
    }
    Value::Object(out)
}

async fn pragma_columns(pool: &SqlitePool, table: &str) -> Vec<String> {
    sqlx::query(&format!("PRAGMA table_info({table})"))
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "manifest.json" {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn file_digest(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// The migrations of the release before this build: all but the last.
fn previous_release() -> usize {
    MIGRATOR.migrations.len() - 1
}

/// The folder's database opened as it is, with no migration.
async fn connect(dir: &Path) -> SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(store::DB_FILE))
        .create_if_missing(true);
    SqlitePool::connect_with(options).await.unwrap()
}

/// A database with the schema of the release before this build.
async fn previous_release_database(dir: &Path) -> SqlitePool {
    let older = sqlx::migrate::Migrator {
        migrations: Cow::Owned(MIGRATOR.migrations[..previous_release()].to_vec()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    let pool = connect(dir).await;
    older.run(&pool).await.unwrap();
    pool
}

async fn applied(pool: &SqlitePool) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_data_folder_from_release_0_1_0_opens_with_everything_in_it_intact() {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(fixture().join("manifest.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let svc = Service::open(dir.path()).await.unwrap();
    assert_eq!(digest(svc.pool(), Some(&manifest)).await, manifest);
    for table in TABLES {
        assert!(
            manifest[table]["rows"].as_u64().unwrap() > 0,
            "{table} is empty in the fixture"
        );
    }
    // The app reads them too, not only SQLite.
    let page = svc.sessions_list(&Default::default(), None).await.unwrap();
    assert_eq!(
        page.data.len() as u64,
        manifest["checkout_sessions"]["rows"].as_u64().unwrap()
    );
    assert!(page.data.iter().any(|s| s.status.is_paid()));
    assert_eq!(
        applied(svc.pool()).await.last().copied(),
        Some(store::schema_version())
    );
    assert!(!dir.path().join(UPGRADE_COPY).exists());
}

#[tokio::test]
async fn an_older_database_is_migrated_and_its_copy_removed_once_that_succeeded() {
    let dir = tempfile::tempdir().unwrap();
    let pool = previous_release_database(dir.path()).await;
    sqlx::query("INSERT INTO owner (id, pin_hash) VALUES (1, 'kept')")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let pool = store::open(dir.path()).await.unwrap();
    assert_eq!(
        applied(&pool).await.last().copied(),
        Some(store::schema_version())
    );
    let kept: String = sqlx::query_scalar("SELECT pin_hash FROM owner")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, "kept");
    assert!(!dir.path().join(UPGRADE_COPY).exists());
}

#[tokio::test]
async fn a_failed_migration_puts_the_database_back_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let pool = previous_release_database(dir.path()).await;
    // Something the last migration cannot get past: a table of the name it creates.
    let last = &MIGRATOR.migrations[previous_release()];
    let created = last
        .sql
        .split("CREATE TABLE ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("the last migration creates a table");
    sqlx::query(&format!("CREATE TABLE {created} (x INTEGER)"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let err = store::open(dir.path()).await.unwrap_err().to_string();
    assert!(
        err.contains("put back as it was before the upgrade"),
        "{err}"
    );
    assert!(err.contains(UPGRADE_COPY), "{err}");
    let pool = connect(dir.path()).await;
    assert_eq!(applied(&pool).await.len(), previous_release());
    pool.close().await;
    assert!(dir.path().join(UPGRADE_COPY).exists(), "the copy stays");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let shop = Shop::empty();
    shop.ok(&["keys", "create", "--mode", "test"]);
    let db = shop.path().join(store::DB_FILE);
    {
        let pool = store::open(shop.path()).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99990101000000, 'from the future', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let before = file_digest(&db);
    let (code, message) = shop.refused(&["keys", "list"], "");
    assert_eq!(code, 4, "refused by state: {message}");
    assert!(
        message.contains("written by a newer version of Chaintill")
            && message.contains("99990101000000")
            && message.contains("Nothing was changed"),
        "{message}"
    );
    assert_eq!(file_digest(&db), before);
    assert!(!shop.path().join(UPGRADE_COPY).exists());
}

/// Writes `tests/fixtures/data-0.1.0/` (run by `make fixture`, never by `make test`): a shop
/// with a wallet, keys, an endpoint, sessions paid / underpaid / canceled / open with
/// metadata, their events, deliveries and attempts, and an owner PIN.
#[tokio::test]
#[ignore]
async fn make_release_fixture() {
    let anvil = crate::chain::Anvil::start(&[]);
    let (shop, svc) = crate::chain::shop(&crate::chain::config(&anvil.url, "", ""), None).await;
    svc.keys_create(chaintill::engine::config::Mode::Test, Some("till"), false)
        .await
        .unwrap();
    svc.keys_create(chaintill::engine::config::Mode::Live, Some("shop"), true)
        .await
        .unwrap();
    svc.webhooks_add(Some("orders"), "http://127.0.0.1:9/hooks", None)
        .await
        .unwrap();
    chaintill::engine::owner::set_pin(svc.pool(), "482916", true)
        .await
        .unwrap();
    use chaintill::engine::checkout::NewSession;
    use chaintill::engine::simulate::SimulatedAmount;
    let mut ids = Vec::new();
    for (i, value) in ["12.50", "3.20", "48.00", "7.75"].iter().enumerate() {
        let mut req = NewSession::for_amount(*value);
        req.metadata = json!({ "orderId": format!("fixture-{i}") })
            .as_object()
            .cloned();
        ids.push(svc.sessions_create(req, None).await.unwrap().id);
    }
    // The simulated payments are real transactions on the devnet, found by the watcher.
    let stop_watching = crate::chain::watch(&svc);
    svc.simulate_payment(&ids[0], SimulatedAmount::Exact)
        .await
        .unwrap();
    svc.simulate_payment(&ids[1], SimulatedAmount::Short)
        .await
        .unwrap();
    let p = crate::chain::provider(&anvil.url).await;
    crate::chain::mine(&p, 3).await;
    crate::chain::wait_status(&svc, &ids[0], "paid").await;
    crate::chain::wait_status(&svc, &ids[1], "underpaid").await;
    let _ = stop_watching.send(true);
    svc.sessions_cancel(&ids[2], None).await.unwrap();
    // One delivery attempt per event, refused: the endpoint is a closed port.
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    let dispatcher = tokio::spawn(
        chaintill::engine::webhooks::dispatcher::Dispatcher::new(svc.clone()).run(async move {
            let _ = stopping.await;
        }),
    );
    for _ in 0..200 {
        let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM delivery_attempts")
            .fetch_one(svc.pool())
            .await
            .unwrap();
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let _ = stop.send(());
    let _ = dispatcher.await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(svc.pool())
        .await
        .unwrap();
    let manifest = digest(svc.pool(), None).await;
    let out = fixture();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy(shop.path().join(store::DB_FILE), out.join(store::DB_FILE)).unwrap();
    std::fs::copy(
        shop.path().join("chaintill.toml"),
        out.join("chaintill.toml"),
    )
    .unwrap();
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap() + "\n",
    )
    .unwrap();
}
