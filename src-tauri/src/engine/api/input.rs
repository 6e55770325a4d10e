//! Strict request input: JSON bodies (unknown fields and wrong types are refused with `param`
//! naming the field) and query strings (unknown or repeated parameters are refused).

use super::error::ApiError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use std::collections::HashMap;

/// Parses a JSON body into `T`; an empty body counts as `{}`.
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') && serde_json::from_slice::<serde_json::Value>(bytes).is_ok() {
        return Err(ApiError::invalid(
            "parameter_invalid",
            None,
            "the request body must be a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        body_error(&path, &inner)
    })?;
    de.end().map_err(|e| body_error(".", &e))?;
    Ok(value)
}

fn body_error(path: &str, e: &serde_json::Error) -> ApiError {
    if matches!(
        e.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        return ApiError::invalid(
            "invalid_json",
            None,
            format!("the request body is not valid JSON: {e}"),
        );
    }
    let text = e.to_string();
    let parent = if path == "." { "" } else { path };
    let join = |field: &str| {
        if parent.is_empty() {
            field.to_string()
        } else {
            format!("{parent}.{field}")
        }
    };
    let quoted = || text.split('`').nth(1).map(str::to_string);
    if text.starts_with("unknown field") {
        // The path already ends at the unknown field itself.
        let field = if parent.is_empty() {
            quoted().unwrap_or_default()
        } else {
            parent.to_string()
        };
        ApiError::invalid(
            "parameter_unknown",
            Some(field.clone()),
            format!("unknown field `{field}`"),
        )
    } else if text.starts_with("missing field") {
        let field = quoted().unwrap_or_default();
        ApiError::invalid(
            "parameter_missing",
            Some(join(&field)),
            format!("missing required field `{}`", join(&field)),
        )
    } else {
        let param = (!parent.is_empty()).then(|| parent.to_string());
        let message = match &param {
            Some(p) => format!("`{p}`: {}", strip_position(&text)),
            None => format!(
                "the request body must be a JSON object: {}",
                strip_position(&text)
            ),
        };
        ApiError::invalid("parameter_invalid", param, message)
    }
}

/// serde_json appends " at line L column C"; for a field error the field name says more.
fn strip_position(text: &str) -> &str {
    text.rsplit_once(" at line ").map_or(text, |(head, _)| head)
}

/// The `{id}` of a route. An id that is not even text (bad percent-encoding) is a 404 in the
/// API's error shape, like any other unknown id.
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(PathId(id)),
            Err(_) => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                "resource_missing",
                "no such object: the id in the path is not valid",
            )),
        }
    }
}

/// A query string's parameters, refusing names outside `allowed` and repeated names.
pub fn query(raw: Option<&str>, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !allowed.contains(&name.as_ref()) {
            let shown: String = name.chars().take(40).collect();
            return Err(ApiError::invalid(
                "parameter_unknown",
                Some(shown.clone()),
                format!(
                    "unknown query parameter `{shown}` (allowed: {})",
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
        if out.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(ApiError::invalid(
                "parameter_invalid",
                Some(name.to_string()),
                format!("query parameter `{name}` is given more than once"),
            ));
        }
    }
    Ok(out)
}

/// The optional integer query parameter `name`.
pub fn int_param(params: &HashMap<String, String>, name: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(name)
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ApiError::invalid(
                    "parameter_invalid",
                    Some(name.to_string()),
                    format!("`{name}` must be an integer"),
                )
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Outer {
        amount: Inner,
        expires_in_minutes: Option<i64>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        value: String,
    }

    #[test]
    fn names_the_field_at_fault() {
        let check = |body: &str, code: &str, param: Option<&str>| {
            let e = json::<Outer>(body.as_bytes()).unwrap_err();
            let dbg = format!("{e:?}");
            assert!(dbg.contains(&format!("code: \"{code}\"")), "{body}: {dbg}");
            match param {
                Some(p) => assert!(
                    dbg.contains(&format!("param: Some(\"{p}\")")),
                    "{body}: {dbg}"
                ),
                None => assert!(dbg.contains("param: None"), "{body}: {dbg}"),
            }
        };
        check(
            r#"{"amount":{"value":"1"},"x":1}"#,
            "parameter_unknown",
            Some("x"),
        );
        check(
            r#"{"amount":{"value":"1","y":2}}"#,
            "parameter_unknown",
            Some("amount.y"),
        );
        check(
            r#"{"amount":{}}"#,
            "parameter_missing",
            Some("amount.value"),
        );
        check(r#"{}"#, "parameter_missing", Some("amount"));
        check(
            r#"{"amount":{"value":5}}"#,
            "parameter_invalid",
            Some("amount.value"),
        );
        check(
            r#"{"amount":{"value":"1"},"expiresInMinutes":"9"}"#,
            "parameter_invalid",
            Some("expiresInMinutes"),
        );
        check(r#"{"amount":"#, "invalid_json", None);
        check(r#"{"amount":{"value":"1"}} x"#, "invalid_json", None);
        check(r#"[1]"#, "parameter_invalid", None);
        let status =
            axum::response::IntoResponse::into_response(json::<Outer>(b"{}").unwrap_err()).status();
        assert_eq!(status, 400);
    }

    #[test]
    fn query_refuses_unknown_and_repeated() {
        assert!(query(Some("limit=5"), &["limit"]).is_ok());
        assert!(query(Some("limit=5&limit=6"), &["limit"]).is_err());
        assert!(query(Some("lmit=5"), &["limit"]).is_err());
        let p = query(Some("limit=x"), &["limit"]).unwrap();
        assert!(int_param(&p, "limit").is_err());
    }
}
