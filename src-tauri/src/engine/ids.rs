//! Typed, prefixed identifiers (`cs_…`, `evt_…`, `key_…`): a ULID after a fixed prefix.

use crate::engine::{Error, Result};
use std::fmt;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The id's prefix, including the underscore.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, ulid::Ulid::new()))
            }

            /// Parses an id given by a user, refusing anything but `prefix` + a ULID.
            pub fn parse(s: &str) -> Result<Self> {
                let valid = s
                    .strip_prefix($prefix)
                    .is_some_and(|rest| ulid::Ulid::from_string(rest).is_ok());
                if valid {
                    Ok(Self(s.to_string()))
                } else {
                    Err(Error::NotFound { kind: $kind, id: s.chars().take(80).collect() })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// A checkout session id, `cs_…`.
    SessionId, "cs_", "checkout_session"
);
typed_id!(
    /// An event id, `evt_…`.
    EventId, "evt_", "event"
);
typed_id!(
    /// An API key id, `key_…` (not the key itself).
    ApiKeyId, "key_", "api_key"
);
typed_id!(
    /// A webhook endpoint id, `we_…`.
    EndpointId, "we_", "webhook_endpoint"
);
