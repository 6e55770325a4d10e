//! The API's error shape of SPEC §6 and the one mapping from engine errors to HTTP.

use crate::engine::error::Cause;
use crate::engine::Error;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"error": {...}}`, the body of every non-2xx answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error object.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The error's family.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "invalid_request_error")]
    pub kind: &'static str,
    /// A stable, machine-readable code.
    #[schema(value_type = String, example = "parameter_invalid")]
    pub code: &'static str,
    /// A one-line explanation for a developer.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

/// An error answer: status, body and optional `Retry-After`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an explicit status, type and code.
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                kind,
                code,
                message: message.into(),
                param: None,
            },
            retry_after: None,
        }
    }

    /// A 400 `invalid_request_error` naming `param`.
    pub fn invalid(code: &'static str, param: Option<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            code,
            message,
        );
        e.detail.param = param;
        e
    }

    /// A 429 with the seconds to wait.
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "rate_limited",
            format!("too many requests for this API key; retry in {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// A 503 `api_error` for a refusal that may change, with its code and `Retry-After`.
    fn unavailable(cause: Cause, message: String) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "api_error",
            cause.code(),
            message,
        );
        e.retry_after = Some(cause.retry_after_secs());
        e
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match e {
            Error::InvalidInput { param, .. } => {
                ApiError::invalid("parameter_invalid", param, message)
            }
            Error::NotFound { .. } => {
                let mut e = Self::new(
                    StatusCode::NOT_FOUND,
                    "invalid_request_error",
                    "resource_missing",
                    message,
                );
                e.detail.param = Some("id".into());
                e
            }
            Error::Unauthorized(_) => Self::new(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "invalid_api_key",
                message,
            ),
            Error::Forbidden(_) => Self::new(
                StatusCode::FORBIDDEN,
                "permission_error",
                "permission_denied",
                message,
            ),
            Error::Conflict(_) => Self::new(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "invalid_state",
                message,
            ),
            Error::PinRefused { .. } | Error::Locked => Self::new(
                StatusCode::FORBIDDEN,
                "permission_error",
                "permission_denied",
                message,
            ),
            Error::NoWallet => Self::unavailable(Cause::NoWallet, message),
            Error::Unavailable { cause, .. } => Self::unavailable(cause, message),
            Error::Config { .. }
            | Error::Keychain(_)
            | Error::Storage(_)
            | Error::AlreadyRunning(_)
            | Error::NewerData(_)
            | Error::Internal(_) => {
                tracing::error!(error = %message, "API request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "api_error",
                    "internal_error",
                    "the engine failed to handle this request; it is logged, and retrying is safe",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&ErrorBody { error: self.detail })
            .unwrap_or_else(|_| b"{\"error\":{\"type\":\"api_error\",\"code\":\"internal_error\",\"message\":\"error\"}}".to_vec());
        let mut res = (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}
