//! Accounts and security: the service between the web layer and the store for registration,
//! sign-in (password, one-time code, OpenID Connect), two-factor authentication, sessions and
//! API tokens, password recovery, sealing of personal data at rest, the audit log, and the
//! messages an account's holder is sent (through the notification outbox).

pub mod admin;
pub mod error;
pub mod messages;
pub mod oidc;
pub mod oidc_signin;
pub mod passwords;
pub mod payment_methods;
pub mod preferences;
pub mod privacy;
pub mod profile;
pub mod sealing;
pub mod service;
pub mod signin;
pub mod travellers;
pub mod twofactor;

pub use error::AuthError;
pub use messages::ACCOUNT_MESSAGE_EVENT;
pub use sealing::Sealer;
pub use service::{
    Accounts, AccountsConfig, Authenticated, Clock, RequestMeta, SignedIn, Translate,
};
