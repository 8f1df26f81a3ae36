//! The one error clients see, with a stable code they translate. Internal details are logged by the
//! server and never sent; no client reads the English `message` texts (they are for logs and for
//! widgets of protocol v1 that still show them).

use serde::{Deserialize, Serialize};

/// What went wrong, as a stable machine-readable code. Clients translate it (with the field, for
/// validation) in every interface language.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    Unauthorized,
    Forbidden,
    /// A required value is missing.
    Required,
    /// A value is empty after trimming.
    Empty,
    /// A value is longer than its limit.
    TooLong,
    /// A value is shorter than its minimum (a new password).
    TooShort,
    /// A value is not the right one (the current password).
    Incorrect,
    /// A value holds control characters.
    ControlChars,
    /// A value does not have the expected form (characters, pattern).
    Format,
    Conflict,
    /// The value is already used by another row (an account, a department name).
    Taken,
    /// The row was changed by someone else since it was read: reload and try again.
    Stale,
    /// The row cannot be changed that way (the company's first admin, the default site, oneself).
    Protected,
    /// The row is still used by others (a role agents have).
    InUse,
    /// A company limit is reached (enabled seats).
    LimitReached,
    /// A file larger than the site allows.
    TooLarge,
    /// A file of a type the site does not take (decided from its content, not its name).
    FileType,
    /// Nobody can take a chat from this visitor now (the visitor does not learn why).
    Unavailable,
    TooMany,
    BadFrame,
    Network,
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::NotFound,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::Required,
        ErrorCode::Empty,
        ErrorCode::TooLong,
        ErrorCode::TooShort,
        ErrorCode::Incorrect,
        ErrorCode::ControlChars,
        ErrorCode::Format,
        ErrorCode::Conflict,
        ErrorCode::Taken,
        ErrorCode::Stale,
        ErrorCode::Protected,
        ErrorCode::InUse,
        ErrorCode::LimitReached,
        ErrorCode::TooLarge,
        ErrorCode::FileType,
        ErrorCode::Unavailable,
        ErrorCode::TooMany,
        ErrorCode::BadFrame,
        ErrorCode::Network,
        ErrorCode::Internal,
    ];

    /// The code's name on the wire (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Required => "required",
            ErrorCode::Empty => "empty",
            ErrorCode::TooLong => "too_long",
            ErrorCode::TooShort => "too_short",
            ErrorCode::Incorrect => "incorrect",
            ErrorCode::ControlChars => "control_chars",
            ErrorCode::Format => "format",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Taken => "taken",
            ErrorCode::Stale => "stale",
            ErrorCode::Protected => "protected",
            ErrorCode::InUse => "in_use",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::FileType => "file_type",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::TooMany => "too_many",
            ErrorCode::BadFrame => "bad_frame",
            ErrorCode::Network => "network",
            ErrorCode::Internal => "internal",
        }
    }

    /// A code from its wire name.
    pub fn parse(name: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The English description; for logs, and the `message` of validation errors. Clients translate
    /// the code instead.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not found",
            ErrorCode::Unauthorized => "not signed in",
            ErrorCode::Forbidden => "not allowed",
            ErrorCode::Required => "required",
            // These two are what v1 widgets compare against: keep them.
            ErrorCode::Empty => "empty",
            ErrorCode::TooLong => "too long",
            ErrorCode::TooShort => "too short",
            ErrorCode::Incorrect => "incorrect",
            ErrorCode::ControlChars => "control characters",
            ErrorCode::Format => "bad format",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Taken => "already taken",
            ErrorCode::Stale => "changed by someone else, reload",
            ErrorCode::Protected => "cannot be changed that way",
            ErrorCode::InUse => "still in use",
            ErrorCode::LimitReached => "limit reached",
            ErrorCode::TooLarge => "file too large",
            ErrorCode::FileType => "file type not allowed",
            ErrorCode::Unavailable => "not available",
            ErrorCode::TooMany => "too many requests",
            ErrorCode::BadFrame => "bad frame",
            ErrorCode::Network => "network",
            ErrorCode::Internal => "internal error",
        }
    }
}

/// The error of a socket frame or a server function.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApiError {
    NotFound,
    Unauthorized,
    Forbidden,
    /// Input refused: which field and why. `message` is `code`'s English description.
    Validation {
        field: String,
        code: ErrorCode,
        message: String,
    },
    /// The action conflicts with stored state: `field` and `code` say which and how (`Taken`,
    /// `Stale`, `Protected`, or `Conflict` for the rest).
    Conflict {
        #[serde(default)]
        field: Option<String>,
        #[serde(default = "conflict_code")]
        code: ErrorCode,
        message: String,
    },
    /// Too many requests; try again after this many seconds.
    TooMany {
        retry_after_secs: u64,
    },
    /// A frame that is not valid JSON, not a known frame, or too large.
    BadFrame {
        message: String,
    },
    /// The client could not reach the server.
    Network {
        message: String,
    },
    Internal,
}

fn conflict_code() -> ErrorCode {
    ErrorCode::Conflict
}

impl ApiError {
    /// The action conflicts with stored state, about `field` (when one is to blame).
    pub fn conflict(field: Option<&str>, code: ErrorCode) -> Self {
        ApiError::Conflict { field: field.map(str::to_owned), code, message: code.describe().into() }
    }

    /// Input refused: `field` and why.
    pub fn invalid(field: &str, code: ErrorCode) -> Self {
        ApiError::Validation { field: field.into(), code, message: code.describe().into() }
    }

    /// The stable code clients translate.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::Validation { code, .. } => *code,
            ApiError::Conflict { code, .. } => *code,
            ApiError::TooMany { .. } => ErrorCode::TooMany,
            ApiError::BadFrame { .. } => ErrorCode::BadFrame,
            ApiError::Network { .. } => ErrorCode::Network,
            ApiError::Internal => ErrorCode::Internal,
        }
    }

    /// The field a validation error is about.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Validation { field, .. } => Some(field),
            ApiError::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status an HTTP response carrying this error has (the body is the error itself).
    pub fn http_status(&self) -> u16 {
        match self {
            ApiError::NotFound => 404,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden => 403,
            ApiError::Validation { .. } => 422,
            ApiError::Conflict { .. } => 409,
            ApiError::TooMany { .. } => 429,
            ApiError::BadFrame { .. } => 400,
            ApiError::Network { .. } => 502,
            ApiError::Internal => 500,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Validation { field, code, .. } => write!(f, "{field}: {}", code.describe()),
            ApiError::Conflict { field: Some(field), message, .. } => write!(f, "{field}: {message}"),
            ApiError::Conflict { message, .. } => write!(f, "conflict: {message}"),
            ApiError::TooMany { retry_after_secs } => write!(f, "too many requests, retry in {retry_after_secs}s"),
            ApiError::BadFrame { message } => write!(f, "bad frame: {message}"),
            ApiError::Network { message } => write!(f, "network: {message}"),
            other => f.write_str(other.code().describe()),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_wire_names_serde_gives_them() {
        for code in ErrorCode::ALL {
            let name = serde_json::to_value(code).unwrap();
            assert_eq!(name.as_str(), Some(code.as_str()));
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        // `ALL` lists each code once, in order; the last is the last declared.
        assert!(ErrorCode::ALL.iter().enumerate().all(|(i, c)| *c as usize == i));
        assert_eq!(ErrorCode::ALL.len(), ErrorCode::Internal as usize + 1);
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }
}
