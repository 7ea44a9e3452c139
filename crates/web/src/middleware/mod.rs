//! Request pipeline: context (language, currency, CSRF), error rendering, security headers,
//! metrics and timeouts.

pub mod context;
pub mod csrf;
pub mod observe;
pub mod security;

pub use context::RequestContext;
