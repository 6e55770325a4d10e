//! Fuzzing at the boundaries that read outside data (issue 16), with proptest: `make test` runs
//! proptest's default number of cases per boundary, `make fuzz` many more (`PROPTEST_CASES`).
//! Each property is "never panics, and a refusal says what is wrong"; a crash found becomes a
//! regression case here. (The chain's JSON-RPC answers are fuzzed in `chain::scan`; API bodies
//! and query strings over real HTTP in `tests/integration/api_fuzz.rs`.)

use crate::engine::config::{Config, DEFAULT_CONFIG};
use crate::engine::error::Error;
use crate::engine::money::{parse_atomic, Decimal, FiatAmount};
use crate::engine::{owner, wallet, webhooks};
use proptest::prelude::*;
use std::path::Path;

/// Text that looks like what a person or a program might type: printable, unicode, controls.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        "[0-9.eE+-]{0,40}",
        "[ -~]{0,200}",
        Just("9".repeat(400)),
        Just("0.".to_string() + &"0".repeat(300) + "1"),
    ]
}

/// A TOML value that may be of the wrong type, out of range or huge.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"\"".to_string()),
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("18446744073709551616".to_string()),
        Just("1e400".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("true".to_string()),
        Just("\"ws://127.0.0.1:8545\"".to_string()),
        "[ -~]{0,30}".prop_map(|s| format!("{s:?}")),
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

proptest! {
    /// Any text as `chaintill.toml`: a config or an error naming a line of the file.
    #[test]
    fn config_text_never_panics(text in ".{0,400}") {
        check_config(&text)?;
    }

    /// The default file with one line's value replaced by anything.
    #[test]
    fn config_values_of_any_type_are_refused_with_their_line(line in 0usize..80, value in toml_value()) {
        let mut lines: Vec<String> = DEFAULT_CONFIG.lines().map(str::to_string).collect();
        let i = line % lines.len();
        if let Some((key, _)) = lines[i].split_once('=') {
            lines[i] = format!("{key}= {value}");
        }
        check_config(&lines.join("\n"))?;
    }

    /// Amounts as the API, CLI and window take them.
    #[test]
    fn amounts_never_panic(value in texty(), currency in "[A-Za-z]{0,4}") {
        let _ = Decimal::parse(&value);
        let _ = parse_atomic(&value);
        if let Err(e) = FiatAmount::parse(&value, &currency, "amount.value") {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// Recovery phrases and passphrases: a refusal names the fault and never echoes a word.
    #[test]
    fn phrases_never_panic_or_echo(words in proptest::collection::vec("[a-z]{1,12}|zzsecret[0-9]{1,4}", 0..30)) {
        let phrase = words.join(" ");
        if let Err(e) = wallet::parse_phrase(&phrase) {
            let text = e.to_string();
            prop_assert!(!text.contains("zzsecret"), "{text}");
        }
    }

    /// PINs as the wizard and settings take them.
    #[test]
    fn pins_never_panic(pin in texty()) {
        let _ = owner::validate(&pin, "pin");
    }

    /// A webhook receiver's `Retry-After` answer, whatever it says.
    #[test]
    fn retry_after_answers_never_panic(value in texty()) {
        let _ = webhooks::schedule::retry_after(&value, chrono::Utc::now());
    }
}

/// Found by `config_text_never_panics`: a lone carriage return gave an error with no message.
#[test]
fn a_lone_carriage_return_is_refused_with_a_message() {
    check_config("\r").unwrap();
    check_config("[store]\rname = \"x\"").unwrap();
}

fn check_config(text: &str) -> Result<(), TestCaseError> {
    match Config::parse(text, Path::new("chaintill.toml")) {
        Ok(_) => Ok(()),
        Err(Error::Config { line, message, .. }) => {
            prop_assert!(line <= text.lines().count() + 1, "line {line} of {message}");
            prop_assert!(!message.is_empty());
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!(
            "not a config error: {other:?}"
        ))),
    }
}
