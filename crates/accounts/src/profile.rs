//! The traveller's profile: names (Chinese, and as on the passport), language and currency.

use wayfare_domain::account::names::{ChineseName, PassportName};
use wayfare_store::accounts::{ProfileUpdate, UserRow};

use crate::error::AuthError;
use crate::service::{Accounts, Authenticated, RequestMeta};

/// Profile fields as submitted; `None` leaves a field alone, an empty string clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub name_zh: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub locale: Option<String>,
    pub currency: Option<String>,
}

/// Languages the interface speaks (a profile may only choose one of these).
pub const SUPPORTED_LOCALES: &[&str] = &["zh-CN", "en"];

fn optional(
    input: Option<String>,
    field: &'static str,
    parse: impl Fn(&str) -> Result<String, &'static str>,
) -> Result<Option<Option<String>>, AuthError> {
    match input {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(Some(None)),
        Some(s) => parse(s.trim())
            .map(|v| Some(Some(v)))
            .map_err(|reason| AuthError::field(field, reason)),
    }
}

impl Accounts {
    /// Validates and saves profile changes.
    pub async fn update_profile(
        &self,
        who: &Authenticated,
        input: ProfileInput,
        meta: &RequestMeta,
    ) -> Result<UserRow, AuthError> {
        let name_zh = optional(input.name_zh, "name_zh", |s| {
            ChineseName::parse(s)
                .map(|n| n.as_str().to_owned())
                .map_err(|e| e.reason_key())
        })?;
        let given_name = optional(input.given_name, "given_name", |s| {
            PassportName::parse(s)
                .map(|n| n.as_str().to_owned())
                .map_err(|e| e.reason_key())
        })?;
        let family_name = optional(input.family_name, "family_name", |s| {
            PassportName::parse(s)
                .map(|n| n.as_str().to_owned())
                .map_err(|e| e.reason_key())
        })?;
        let locale = match input.locale.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(l) => Some(
                SUPPORTED_LOCALES
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(l))
                    .map(|s| (*s).to_owned())
                    .ok_or_else(|| AuthError::field("locale", "reason-unknown-language"))?,
            ),
        };
        let currency = match input.currency.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(
                wayfare_domain::Currency::parse(c)
                    .map_err(|_| AuthError::field("currency", "reason-unknown-currency"))?
                    .code()
                    .to_owned(),
            ),
        };
        let update = ProfileUpdate {
            name_zh,
            given_name,
            family_name,
            locale,
            currency,
            ..ProfileUpdate::default()
        };
        let row = self
            .store
            .update_profile(&who.user.id, &update, self.now())
            .await?
            .ok_or(AuthError::NotFound)?;
        self.audit(
            Some(&who.user.id),
            "profile_updated",
            Some(&who.user.id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(row)
    }
}
