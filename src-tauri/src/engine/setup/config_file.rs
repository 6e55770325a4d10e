//! Edits of `chaintill.toml` that keep the owner's own comments and formatting (toml_edit),
//! validated exactly as loading validates, and written atomically.

use crate::engine::config::{Config, CONFIG_FILE};
use crate::engine::{Error, Result};
use std::path::Path;
use toml_edit::{DocumentMut, Item, Value};

/// The top-level `[name]` table, created as a standard table (a missing one would otherwise
/// appear as an inline `name = { … }` line).
pub fn table<'d>(doc: &'d mut DocumentMut, name: &str) -> &'d mut Item {
    if !doc.contains_key(name) {
        doc.insert(name, Item::Table(toml_edit::Table::new()));
    }
    &mut doc[name]
}

/// Sets `item` to `v`, keeping the comment and spacing around the old value (a trailing
/// `# session lifetime` stays where the owner saw it).
pub fn set(item: &mut Item, v: impl Into<Value>) {
    let mut new: Value = v.into();
    if let Some(old) = item.as_value() {
        *new.decor_mut() = old.decor().clone();
    }
    *item = Item::Value(new);
}

/// Applies `edit` to the config file of `data_dir`, validates the result as [`Config::parse`]
/// does at start, and only then replaces the file (write to a temporary file, then rename).
/// Returns the new configuration; on any error the file is left as it was.
pub fn edit(data_dir: &Path, edit: impl FnOnce(&mut DocumentMut) -> Result<()>) -> Result<Config> {
    let path = data_dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Config {
        path: path.clone(),
        line: 0,
        message: format!("cannot read: {e}"),
    })?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| Error::Config {
            path: path.clone(),
            line: 0,
            message: e.message().to_string(),
        })?;
    edit(&mut doc)?;
    let new_text = doc.to_string();
    let config = Config::parse(&new_text, &path).map_err(|e| match e {
        // The owner's change is what is wrong: say so in words, not by a line of a file they
        // never opened.
        Error::Config { message, .. } => Error::invalid_general(message),
        other => other,
    })?;
    let tmp = path.with_extension("toml.tmp");
    crate::engine::private::write(&tmp, new_text.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| Error::Internal(format!("cannot write {}: {e}", path.display())))?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::DEFAULT_CONFIG;

    #[test]
    fn comments_survive_and_invalid_edits_leave_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        let original = DEFAULT_CONFIG.replace("[store]", "# the owner's note\n[store]");
        std::fs::write(&path, &original).unwrap();

        let cfg = edit(dir.path(), |doc| {
            set(&mut table(doc, "store")["name"], "Corner Coffee");
            set(&mut doc["store"]["expiry_minutes"], 20);
            Ok(())
        })
        .unwrap();
        assert_eq!(cfg.store.name, "Corner Coffee");
        assert_eq!(cfg.store.expiry_minutes.get(), 20);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# the owner's note"), "{text}");
        assert!(
            text.contains("expiry_minutes = 20               # session lifetime"),
            "{text}"
        );

        let err = edit(dir.path(), |doc| {
            set(&mut doc["store"]["expiry_minutes"], 0);
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}
