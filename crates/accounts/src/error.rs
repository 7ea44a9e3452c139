//! What can go wrong in an account flow. Each kind maps to its own HTTP status and error code in
//! the web layer; messages are translated there.

use wayfare_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown account or wrong password: deliberately the same answer.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failures from this address or for this account: wait.
    #[error("too many attempts; retry after {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Too many codes sent to one destination: wait.
    #[error("too many codes sent; retry after {retry_after_secs} s")]
    SendLimited { retry_after_secs: u64 },
    /// The password was right but the e-mail or phone is not confirmed yet (a new code was sent).
    #[error("account not verified")]
    NotVerified,
    /// A one-time code, TOTP code or recovery code that does not match.
    #[error("code invalid")]
    CodeInvalid { attempts_left: Option<u32> },
    /// A code that was right once but is used up or too old.
    #[error("code expired or already used")]
    CodeExpired,
    /// A sign-in challenge (second factor, reset link, OIDC state) that is gone.
    #[error("challenge expired")]
    ChallengeExpired,
    /// A field of the input is unacceptable; `reason_key` is a Fluent key saying why.
    #[error("invalid {field}: {reason_key}")]
    InvalidField {
        field: &'static str,
        reason_key: &'static str,
        /// The argument the reason's message takes (`$min`, `$max`).
        arg: Option<(&'static str, i64)>,
    },
    /// The e-mail or phone already belongs to another account.
    #[error("{field} already in use")]
    Taken { field: &'static str },
    /// The current password, re-entered to confirm a sensitive change, is wrong.
    #[error("password confirmation failed")]
    ReauthFailed,
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("sign-in provider: {0}")]
    Provider(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl AuthError {
    pub fn field(field: &'static str, reason_key: &'static str) -> AuthError {
        AuthError::InvalidField {
            field,
            reason_key,
            arg: None,
        }
    }

    /// A refused password, with the length its message names.
    pub fn password(
        field: &'static str,
        p: wayfare_domain::account::password::PasswordProblem,
    ) -> AuthError {
        AuthError::InvalidField {
            field,
            reason_key: p.reason_key(),
            arg: p.arg(),
        }
    }
}

impl From<crate::sealing::SealError> for AuthError {
    fn from(e: crate::sealing::SealError) -> Self {
        AuthError::Internal(e.to_string())
    }
}
