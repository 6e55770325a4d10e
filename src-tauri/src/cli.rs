//! The `chaintill` command line: the window (no subcommand), `serve`, `demo` and the admin
//! commands. Every command calls the service layer; this file only parses and prints.

use crate::engine::checkout::model::CheckoutSession;
use crate::engine::checkout::settle::Status;
use crate::engine::checkout::{FiatInput, ListQuery, NewSession};
use crate::engine::config::{Mode, CONFIG_FILE, DEFAULT_CONFIG};
use crate::engine::ledger::SessionFilter;
use crate::engine::service::default_data_dir;
use crate::engine::webhooks::{self, Attempt};
use crate::engine::{lock, logging, Error, Result, Service};
use clap::{Args, Parser, Subcommand};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Chaintill: take crypto payments at the till, watched on-chain by your own computer.
#[derive(Debug, Parser)]
#[command(name = "chaintill", version, about)]
pub struct Cli {
    /// Data directory (config, database, log). Default: the OS's app-data folder.
    #[arg(long, global = true, env = "CHAINTILL_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands; none opens the desktop window.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the headless engine (no window).
    Serve,
    /// The merchant's wallet (recovery phrase in the OS keychain).
    #[command(subcommand)]
    Wallet(WalletCmd),
    /// API keys for the local HTTP API.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Checkout sessions.
    #[command(subcommand)]
    Sessions(SessionsCmd),
    /// Webhook endpoints, deliveries, and a local receiver for testing.
    #[command(subcommand)]
    Webhooks(WebhooksCmd),
    /// Set up a demo shop on a local devnet and open it.
    Demo {
        /// Run the engine without a window.
        #[arg(long)]
        headless: bool,
    },
}

/// `chaintill wallet …`.
#[derive(Debug, Subcommand)]
pub enum WalletCmd {
    /// Create a wallet with a new 24-word recovery phrase (shown once).
    Create {
        /// The BIP44 account of this till (`m/44'/60'/K'`).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=0x7fff_ffff))]
        account: u32,
    },
    /// Import a recovery phrase read from stdin.
    Import {
        /// Also read a BIP39 passphrase from the second line of stdin.
        #[arg(long)]
        passphrase: bool,
        /// The BIP44 account of this till (`m/44'/60'/K'`): 0 for the first till on this
        /// phrase, 1 for a second one, and so on, so no two tills hand out the same address.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=0x7fff_ffff))]
        account: u32,
    },
    /// Show the xpub, the first addresses and the keychain status (never the phrase).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `chaintill keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Create a key (printed once).
    Create {
        /// `test` keys see test networks only, `live` keys live ones.
        #[arg(long, value_parser = parse_mode)]
        mode: Mode,
        /// A label for the key.
        #[arg(long)]
        name: Option<String>,
        /// Only create, read and cancel sessions.
        #[arg(long)]
        restricted: bool,
    },
    /// List keys.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key.
    Revoke {
        /// The key's id (`key_…`).
        id: String,
    },
}

/// `chaintill webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCmd {
    /// Register an endpoint (prints its signing secret once).
    Add {
        /// https:// anywhere, or http:// to loopback, LAN addresses and .local names.
        #[arg(long)]
        url: String,
        /// A label.
        #[arg(long)]
        name: Option<String>,
        /// Event types to send, comma separated (default: all).
        #[arg(long, value_delimiter = ',')]
        events: Option<Vec<String>>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List endpoints.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove an endpoint (queued deliveries to it are canceled).
    Remove {
        /// `we_…`.
        id: String,
    },
    /// New signing secret (printed once); the old one keeps signing for 24 hours.
    Rotate {
        /// `we_…`.
        id: String,
    },
    /// Send a `webhook.test` event to an endpoint now and show the result.
    Test {
        /// `we_…`.
        id: String,
    },
    /// The delivery log of an endpoint, newest first.
    Attempts {
        /// `we_…`.
        id: String,
        /// At most this many (1-100).
        #[arg(long, allow_negative_numbers = true)]
        limit: Option<i64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Deliver an event again now: to one endpoint, or to every subscribed endpoint.
    Resend {
        /// `evt_…`.
        event: String,
        /// `we_…` (default: every endpoint subscribed to the event's type).
        #[arg(long)]
        endpoint: Option<String>,
    },
    /// Receive webhooks locally, verify both signature schemes and print each event.
    Listen {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long)]
        port: u16,
        /// The endpoint's signing secret (`whsec_…`).
        #[arg(long, env = "CHAINTILL_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
    },
}

/// `chaintill sessions …`.
#[derive(Debug, Subcommand)]
pub enum SessionsCmd {
    /// Create a session; prints its JSON.
    Create(CreateArgs),
    /// List sessions, newest first.
    List {
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// At most this many (1-100).
        #[arg(long, allow_negative_numbers = true)]
        limit: Option<i64>,
        /// Continue after this session id.
        #[arg(long)]
        starting_after: Option<String>,
        /// Print the API's JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one session.
    Show {
        /// `cs_…`.
        id: String,
        /// Print the API's JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a session that has received nothing.
    Cancel {
        /// `cs_…`.
        id: String,
        /// Print the API's JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export sessions as CSV (SPEC §8), newest first: the same bytes as the dashboard's export.
    Export {
        /// Created on or after this day (UTC, YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Created on or before this day (UTC, YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Flags of `sessions create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Fiat amount, e.g. 12.50.
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// ISO 4217 currency (the store's by default).
    #[arg(long)]
    currency: Option<String>,
    /// Network id from chaintill.toml.
    #[arg(long)]
    network: Option<String>,
    /// Asset symbol (the network's coin by default).
    #[arg(long)]
    asset: Option<String>,
    /// Metadata entry KEY=VALUE (repeatable).
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    metadata: Vec<String>,
    /// Link shown after payment.
    #[arg(long)]
    success_url: Option<String>,
    /// Session lifetime in minutes.
    #[arg(long, allow_negative_numbers = true)]
    expires_in_minutes: Option<i64>,
}

fn parse_mode(s: &str) -> std::result::Result<Mode, String> {
    match s {
        "test" => Ok(Mode::Test),
        "live" => Ok(Mode::Live),
        _ => Err(format!("`{s}` is not a mode; use test or live")),
    }
}

/// Exit status for an engine error (documented in the README).
pub fn exit_code(e: &Error) -> i32 {
    match e {
        Error::InvalidInput { .. } => 2,
        Error::NotFound { .. } => 3,
        Error::Conflict(_)
        | Error::Forbidden(_)
        | Error::Unauthorized(_)
        | Error::NoWallet
        | Error::PinRefused { .. }
        | Error::Locked
        | Error::AlreadyRunning(_)
        | Error::NewerData(_) => 4,
        Error::Keychain(_) => 5,
        Error::Unavailable { .. } => 75,
        Error::Config { .. } => 78,
        Error::Storage(_) | Error::Internal(_) => 1,
    }
}

/// Parses the command line, runs it, and returns the process exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return 0;
            }
            // One line, as every other refusal: clap's message without usage and tips.
            let text = e.to_string();
            let line: Vec<&str> = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                .collect();
            eprintln!("{}", line.join(" "));
            return 2;
        }
    };
    match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            let line = e.to_string().replace('\n', " ");
            eprintln!("error: {line}");
            exit_code(&e)
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => default_data_dir()?,
    };
    let Some(command) = cli.command else {
        return open_window(&data_dir);
    };
    let quiet = !matches!(command, Command::Serve | Command::Demo { .. });
    crate::engine::private::create_dir(&data_dir).map_err(|e| {
        Error::Internal(format!(
            "cannot create data directory {}: {e}",
            data_dir.display()
        ))
    })?;
    logging::init(&data_dir, if quiet { "warn" } else { "info" });
    let rt = tokio::runtime::Runtime::new()?;
    let open_window_after = rt.block_on(async {
        match command {
            Command::Serve => serve(&data_dir).await.map(|_| false),
            Command::Wallet(c) => wallet(&Service::open(&data_dir).await?, c)
                .await
                .map(|_| false),
            Command::Keys(c) => keys(&Service::open(&data_dir).await?, c)
                .await
                .map(|_| false),
            Command::Sessions(c) => sessions(&Service::open(&data_dir).await?, c)
                .await
                .map(|_| false),
            Command::Webhooks(WebhooksCmd::Listen { port, secret }) => {
                webhooks::listen::listen(port, &secret, shutdown_signal())
                    .await
                    .map(|_| false)
            }
            Command::Webhooks(c) => webhooks_cmd(&Service::open(&data_dir).await?, c)
                .await
                .map(|_| false),
            Command::Demo { headless } => demo(&data_dir, headless).await,
        }
    });
    // The window owns the main thread and its own runtime, so it opens after ours is gone.
    // Work the engine stopped is not waited for (a blocking call on a node that is gone).
    rt.shutdown_timeout(std::time::Duration::from_millis(300));
    if open_window_after? {
        return open_window(&data_dir);
    }
    Ok(())
}

#[cfg(feature = "desktop")]
fn open_window(data_dir: &Path) -> Result<()> {
    crate::engine::private::create_dir(data_dir)?;
    logging::init(data_dir, "info");
    crate::desktop::run(data_dir)
}

#[cfg(not(feature = "desktop"))]
fn open_window(_: &Path) -> Result<()> {
    Err(Error::invalid_general(
        "this build has no window (built without the `desktop` feature); run `chaintill serve`",
    ))
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(|e| Error::Internal(e.to_string()))?
    );
    Ok(())
}

/// The headless engine: holds the data directory's engine lock until Ctrl-C / SIGTERM.
async fn serve(data_dir: &Path) -> Result<()> {
    let svc = Service::open(data_dir).await?;
    let _lock = lock::acquire(data_dir, "chaintill serve")?;
    tracing::info!(data_dir = %data_dir.display(), networks = svc.config().networks.len(), "engine started");
    let listener = crate::engine::api::bind(svc.config().api.bind).await?;
    let bound = listener.local_addr()?;
    println!(
        "Chaintill engine running on {} (Ctrl-C to stop).\nAPI: http://{bound}/api/v1 · checkout pages: {}/checkout/…",
        data_dir.display(),
        svc.config().api.public_url.0
    );
    crate::engine::run_until_shutdown(&svc, Some(listener), shutdown_signal()).await;
    tracing::info!("engine stopped");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn wallet(svc: &Service, cmd: WalletCmd) -> Result<()> {
    match cmd {
        WalletCmd::Create { account } => {
            let (info, phrase) = svc.wallet_create(account).await?;
            println!("Your recovery phrase. It is shown ONCE: write it down and keep it offline.");
            println!("Anyone with these words controls the shop's funds.\n");
            for (i, word) in phrase.split(' ').enumerate() {
                print!("{:>4}. {:<10}", i + 1, word);
                if (i + 1) % 4 == 0 {
                    println!();
                }
            }
            println!("\nStored in the OS keychain (service \"chaintill\").");
            print_wallet(&info);
        }
        WalletCmd::Import {
            passphrase,
            account,
        } => {
            let mut input = zeroize::Zeroizing::new(String::new());
            std::io::stdin().read_to_string(&mut input)?;
            let mut lines = input.lines();
            let phrase = lines.next().unwrap_or("").trim().to_string();
            if phrase.is_empty() {
                return Err(Error::invalid("phrase", "no recovery phrase on stdin"));
            }
            let pass = if passphrase {
                lines.next().unwrap_or("").to_string()
            } else {
                String::new()
            };
            let info = svc.wallet_import(&phrase, &pass, account).await?;
            println!(
                "Wallet imported; the phrase is stored in the OS keychain (service \"chaintill\")."
            );
            print_wallet(&info);
        }
        WalletCmd::Show { json } => {
            let info = svc.wallet_show().await?;
            if json {
                print_json(&info)?;
            } else {
                print_wallet(&info);
            }
        }
    }
    Ok(())
}

fn print_wallet(info: &crate::engine::wallet::WalletInfo) {
    use crate::engine::wallet::keychain::KeychainStatus;
    println!("account   {} (m/44'/60'/{}')", info.account, info.account);
    println!("xpub      {}", info.xpub);
    println!(
        "keychain  {}",
        match &info.keychain {
            KeychainStatus::Present => "phrase present".to_string(),
            KeychainStatus::Missing =>
                "phrase MISSING: import it again to be able to move funds".to_string(),
            KeychainStatus::Unavailable(why) => format!("unavailable: {why}"),
        }
    );
    println!("next      index {}", info.next_index);
    for a in &info.addresses {
        println!(
            "  m/44'/60'/{}'/0/{:<4} {}",
            info.account, a.index, a.address
        );
    }
}

async fn keys(svc: &Service, cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::Create {
            mode,
            name,
            restricted,
        } => {
            let (key, secret) = svc.keys_create(mode, name.as_deref(), restricted).await?;
            println!("{}", secret.as_str());
            eprintln!(
                "Created {} ({} {}). The key is shown once; only its hash is stored.",
                key.id,
                key.mode.as_str(),
                if key.restricted {
                    "restricted"
                } else {
                    "full access"
                }
            );
        }
        KeysCmd::List { json } => {
            let list = svc.keys_list().await?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("No API keys. Create one with `chaintill keys create --mode test`.");
            } else {
                for k in list {
                    println!(
                        "{}  ck_{}_…{}  {:<10}  {:<20}  created {}{}",
                        k.id,
                        k.mode.as_str(),
                        k.last4,
                        if k.restricted { "restricted" } else { "full" },
                        k.name,
                        k.created_at,
                        k.revoked_at
                            .map(|r| format!("  REVOKED {r}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        KeysCmd::Revoke { id } => {
            let k = svc.keys_revoke(&id).await?;
            println!("Revoked {} ({}).", k.id, k.name);
        }
    }
    Ok(())
}

fn parse_metadata(entries: &[String]) -> Result<Option<Map<String, Value>>> {
    if entries.is_empty() {
        return Ok(None);
    }
    let mut map = Map::new();
    for e in entries {
        let (k, v) = e.split_once('=').ok_or_else(|| {
            Error::invalid("metadata", format!("metadata `{e}` is not KEY=VALUE"))
        })?;
        map.insert(k.to_string(), Value::String(v.to_string()));
    }
    Ok(Some(map))
}

async fn sessions(svc: &Service, cmd: SessionsCmd) -> Result<()> {
    match cmd {
        SessionsCmd::Create(a) => {
            let req = NewSession {
                amount: FiatInput {
                    value: a.amount,
                    currency: a.currency,
                },
                network: a.network,
                asset: a.asset,
                metadata: parse_metadata(&a.metadata)?,
                success_url: a.success_url,
                expires_in_minutes: a.expires_in_minutes,
            };
            print_json(&svc.sessions_create(req, None).await?)
        }
        SessionsCmd::List {
            status,
            limit,
            starting_after,
            json,
        } => {
            let page = svc
                .sessions_list(
                    &ListQuery {
                        status,
                        limit,
                        starting_after,
                    },
                    None,
                )
                .await?;
            if json {
                return print_json(&page);
            }
            if page.data.is_empty() {
                println!("No sessions.");
            }
            for s in &page.data {
                println!("{}", summary(s));
            }
            if page.has_more {
                if let Some(last) = page.data.last() {
                    println!("… more: --starting-after {}", last.id);
                }
            }
            Ok(())
        }
        SessionsCmd::Show { id, json } => {
            let s = svc.sessions_get(&id, None).await?;
            if json {
                return print_json(&s);
            }
            print_session(&s);
            Ok(())
        }
        SessionsCmd::Cancel { id, json } => {
            let s = svc.sessions_cancel(&id, None).await?;
            if json {
                return print_json(&s);
            }
            println!("Canceled {}.", s.id);
            Ok(())
        }
        SessionsCmd::Export {
            from,
            to,
            status,
            output,
        } => {
            let status = status
                .map(|s| {
                    Status::parse(&s)
                        .ok_or_else(|| Error::invalid("status", format!("unknown status `{s}`")))
                })
                .transpose()?;
            let filter = SessionFilter {
                status,
                from,
                to,
                ..SessionFilter::default()
            };
            match output {
                Some(path) => {
                    let file = std::fs::File::create(&path).map_err(|e| {
                        Error::invalid("output", format!("cannot write {}: {e}", path.display()))
                    })?;
                    let rows = svc
                        .ledger_export(&filter, &mut std::io::BufWriter::new(file))
                        .await?;
                    eprintln!("{rows} sessions written to {}", path.display());
                }
                None => {
                    svc.ledger_export(&filter, &mut std::io::BufWriter::new(std::io::stdout()))
                        .await?;
                }
            }
            Ok(())
        }
    }
}

async fn webhooks_cmd(svc: &Service, cmd: WebhooksCmd) -> Result<()> {
    match cmd {
        WebhooksCmd::Add {
            url,
            name,
            events,
            json,
        } => {
            let created = svc.webhooks_add(name.as_deref(), &url, events).await?;
            if json {
                return print_json(&created);
            }
            println!("{}", created.secret);
            eprintln!(
                "Added {} -> {} ({}). The signing secret above is shown once; store it in the receiver.",
                created.endpoint.id,
                created.endpoint.url,
                created.endpoint.events.join(",")
            );
        }
        WebhooksCmd::List { json } => {
            let list = svc.webhooks_list(None).await?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No webhook endpoints. Add one with `chaintill webhooks add --url URL`.");
            }
            for e in list {
                println!(
                    "{}  {}  {:<8}  {}  [{}]  {}{}",
                    e.id,
                    if e.livemode { "live" } else { "test" },
                    e.status,
                    e.url,
                    e.events.join(","),
                    e.name,
                    e.disabled_reason
                        .map(|r| format!("  ({r})"))
                        .unwrap_or_default()
                );
            }
        }
        WebhooksCmd::Remove { id } => {
            let e = svc.webhooks_remove(&id, None).await?;
            println!("Removed {} ({}).", e.id, e.url);
        }
        WebhooksCmd::Rotate { id } => {
            let r = svc.webhooks_rotate(&id, None).await?;
            println!("{}", r.secret);
            eprintln!(
                "New secret for {} (shown once). The previous secret keeps signing until {}.",
                r.endpoint.id,
                r.endpoint.previous_secret_expires_at.unwrap_or_default()
            );
        }
        WebhooksCmd::Test { id } => {
            let a = svc.webhooks_test(&id, None).await?;
            print_attempt(&a);
            if a.http_status.is_none_or(|s| !(200..300).contains(&s)) {
                return Err(Error::Conflict(format!(
                    "the endpoint did not accept the test event ({}); it will be retried on the schedule",
                    a.error.unwrap_or_default()
                )));
            }
        }
        WebhooksCmd::Attempts { id, limit, json } => {
            let page = svc.webhooks_attempts(&id, None, limit, None).await?;
            if json {
                return print_json(&page);
            }
            if page.data.is_empty() {
                println!("No delivery attempts yet.");
            }
            for a in &page.data {
                print_attempt(a);
            }
        }
        WebhooksCmd::Resend { event, endpoint } => {
            let attempts = svc.events_resend(&event, endpoint.as_deref(), None).await?;
            for a in &attempts {
                print_attempt(a);
            }
        }
        WebhooksCmd::Listen { .. } => {
            return Err(Error::Internal(
                "`webhooks listen` runs without a data directory".into(),
            ))
        }
    }
    Ok(())
}

fn print_attempt(a: &Attempt) {
    let result = match (a.http_status, &a.error) {
        (Some(s), None) => format!("HTTP {s}"),
        (_, Some(e)) => e.clone(),
        (None, None) => "no response".into(),
    };
    let next = a
        .next_retry_at
        .map(|t| {
            format!(
                "  next retry {}",
                crate::engine::clock::format_time(crate::engine::clock::from_millis(t))
            )
        })
        .unwrap_or_default();
    println!(
        "{}  {}  attempt {}  {}  {} ms  {}{}",
        crate::engine::clock::format_time(crate::engine::clock::from_millis(a.started_at)),
        a.event_id,
        a.attempt,
        a.endpoint_id,
        a.duration_ms,
        result,
        next
    );
}

fn summary(s: &CheckoutSession) -> String {
    format!(
        "{}  {:<9}  {:>10} {}  {} {}  {}  {}",
        s.id,
        s.status.as_str(),
        s.fiat.amount,
        s.fiat.currency,
        s.amount.value,
        s.asset.symbol,
        s.network.id,
        s.created_at
    )
}

fn print_session(s: &CheckoutSession) {
    println!(
        "{}  {}{}",
        s.id,
        s.status.as_str(),
        if s.livemode { "" } else { "  (test)" }
    );
    println!(
        "  charge    {} {} = {} {} at {}",
        s.fiat.amount, s.fiat.currency, s.amount.value, s.asset.symbol, s.rate
    );
    println!(
        "  pay to    {} on {} (chain {})",
        s.address, s.network.name, s.network.chain_id
    );
    println!(
        "  received  {} {}  ({} of {} confirmations)",
        s.amount_received.value, s.asset.symbol, s.confirmations, s.required_confirmations
    );
    println!("  uri       {}", s.payment_uri);
    println!("  page      {}", s.checkout_url);
    println!("  created   {}   expires {}", s.created_at, s.expires_at);
    for p in &s.payments {
        println!(
            "  payment   {} {} from {} ({} conf.)",
            p.amount.value, s.asset.symbol, p.from, p.confirmations
        );
    }
}

/// `chaintill demo`: a demo shop on the local devnet (config + wallet), then the engine, or
/// `Ok(true)` to have the caller open the window.
async fn demo(data_dir: &Path, headless: bool) -> Result<bool> {
    let config_path = data_dir.join(CONFIG_FILE);
    if !config_path.exists() {
        std::fs::write(
            &config_path,
            DEFAULT_CONFIG.replace("name = \"My Shop\"", "name = \"Chaintill Demo Coffee\""),
        )?;
    }
    let svc = Service::open(data_dir).await?;
    match svc.wallet_show().await {
        Ok(info) => println!("Demo wallet {}… already set up.", &info.xpub[..16]),
        Err(Error::NoWallet) => {
            let (info, _phrase) = svc.wallet_create(0).await?;
            // A throwaway demo wallet: its phrase stays in the keychain and is not printed.
            println!(
                "Created a demo wallet (xpub {}…); its phrase is in the OS keychain.",
                &info.xpub[..16]
            );
        }
        Err(e) => return Err(e),
    }
    let session = svc
        .sessions_create(NewSession::for_amount("4.50"), None)
        .await?;
    println!(
        "Demo shop ready in {}. A first session to look at: {}",
        data_dir.display(),
        session.id
    );
    println!(
        "Try:  chaintill --data-dir {} sessions create --amount 12.50",
        data_dir.display()
    );
    drop(svc);
    if headless {
        serve(data_dir).await.map(|_| false)
    } else {
        println!("Opening the window…");
        Ok(true)
    }
}
