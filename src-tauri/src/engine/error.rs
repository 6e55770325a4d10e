//! The engine's one error type. Each surface maps it once: HTTP status (API), message (IPC),
//! exit code (CLI). Messages never contain secrets.

use std::path::PathBuf;

/// Result alias for engine operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the engine can refuse or fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Bad input from a user or a program; `param` names the offending field when there is one.
    #[error("{message}")]
    InvalidInput {
        /// The request field at fault (camelCase, as the API names it).
        param: Option<String>,
        /// A one-line explanation.
        message: String,
    },
    /// No object with that id.
    #[error("no such {kind}: {id}")]
    NotFound {
        /// "checkout_session", "api_key", ...
        kind: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// Missing, malformed, unknown or revoked credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// The credentials are valid but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request is valid but the object's state forbids it.
    #[error("{0}")]
    Conflict(String),
    /// `chaintill.toml` is unreadable or invalid.
    #[error("{path}:{line}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the fault (0 when the file could not be read at all).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The OS keychain refused or is unavailable.
    #[error("keychain: {0}")]
    Keychain(String),
    /// No wallet has been set up yet (a refusal that ends once one is: see [`Cause::NoWallet`]).
    #[error("no wallet yet: run `chaintill wallet create` or `chaintill wallet import`")]
    NoWallet,
    /// Something outside the request refuses it for now and may change (a stale rate feed, a
    /// node that cannot be reached): the same request may succeed later.
    #[error("{message}")]
    Unavailable {
        /// What is unavailable.
        cause: Cause,
        /// A one-line explanation (never an RPC URL's path or query).
        message: String,
    },
    /// The owner PIN was refused: wrong, or tried again before the delay ran out.
    #[error("{}", pin_refusal(*wrong, *retry_after_secs))]
    PinRefused {
        /// The PIN was checked and is wrong (false: not checked, the delay runs).
        wrong: bool,
        /// Seconds before the next guess is checked.
        retry_after_secs: u64,
    },
    /// An owner function (settings, dashboard) was asked for while the owner is locked out.
    #[error("this needs the owner PIN")]
    Locked,
    /// The database failed.
    #[error("storage: {0}")]
    Storage(String),
    /// Another engine already runs on this data directory.
    #[error("{0}")]
    AlreadyRunning(String),
    /// The data directory was written by a newer version of Chaintill; nothing was changed.
    #[error("{0}")]
    NewerData(String),
    /// An unexpected internal failure (I/O and the like).
    #[error("{0}")]
    Internal(String),
}

/// Why a request is refused for now (SPEC §6: 503 with a `code` naming the cause).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// No wallet yet.
    NoWallet,
    /// The rate feed is stale, non-positive or unreadable.
    Rate,
    /// The network's node cannot be reached.
    Network,
}

impl Cause {
    /// The API's error `code`.
    pub fn code(self) -> &'static str {
        match self {
            Cause::NoWallet => "no_wallet",
            Cause::Rate => "rate_unavailable",
            Cause::Network => "network_unavailable",
        }
    }

    /// Seconds worth waiting before a retry (`Retry-After`): a wallet is set up by a person; a
    /// feed beats on its own schedule; a node usually returns or fails over within seconds.
    pub fn retry_after_secs(self) -> u64 {
        match self {
            Cause::NoWallet => 60,
            Cause::Rate => 60,
            Cause::Network => 15,
        }
    }
}

fn pin_refusal(wrong: bool, retry_after_secs: u64) -> String {
    match (wrong, retry_after_secs) {
        (true, 0) => "wrong PIN".into(),
        (true, s) => format!("wrong PIN; try again in {s} s"),
        (false, s) => format!("too many wrong PINs; try again in {s} s"),
    }
}

impl Error {
    /// A refusal for now: `cause` is unavailable, `message` says what and why.
    pub fn unavailable(cause: Cause, message: impl Into<String>) -> Self {
        Error::Unavailable {
            cause,
            message: message.into(),
        }
    }

    /// An invalid-input error naming the field at fault.
    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            param: Some(param.to_string()),
            message: message.into(),
        }
    }

    /// An invalid-input error not tied to one field.
    pub fn invalid_general(message: impl Into<String>) -> Self {
        Error::InvalidInput {
            param: None,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Storage(format!("migration failed: {e}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Internal(e.to_string())
    }
}
