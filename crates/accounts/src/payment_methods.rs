//! Stored payment methods: a payment provider's token (sealed at rest), the brand, the last
//! four digits and the expiry — never a card number or security code. Cards are tokenised on
//! the client by the provider (e.g. Stripe's `pm_…`); anything that looks like raw card data
//! is refused.

use chrono::{DateTime, Datelike, Utc};
use wayfare_store::travellers::{NewPaymentMethod, PaymentMethodRow};

use crate::error::AuthError;
use crate::service::{Accounts, Authenticated, RequestMeta};

pub const BRANDS: &[&str] = &[
    "visa",
    "mastercard",
    "amex",
    "unionpay",
    "jcb",
    "discover",
    "diners",
    "other",
];

/// Field names that would carry raw card data; a request with any of them is refused.
pub const CARD_DATA_FIELDS: &[&str] = &[
    "number",
    "card_number",
    "cardnumber",
    "pan",
    "cvv",
    "cvc",
    "cvv2",
    "cvc2",
    "security_code",
];

/// A payment method as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethod {
    pub id: String,
    pub provider: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&PaymentMethodRow> for PaymentMethod {
    fn from(p: &PaymentMethodRow) -> Self {
        PaymentMethod {
            id: p.id.clone(),
            provider: p.provider.clone(),
            brand: p.brand.clone(),
            last4: p.last4.clone(),
            exp_month: p.exp_month,
            exp_year: p.exp_year,
            is_default: p.is_default,
            created_at: p.created_at,
        }
    }
}

/// What a client sends after tokenising a card with the provider.
#[derive(Debug, Clone, Default)]
pub struct PaymentMethodInput {
    /// `stripe` when empty.
    pub provider: String,
    pub token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: String,
    pub exp_year: String,
}

/// The associated data a payment method's token is sealed under.
pub fn token_context(id: &str) -> String {
    format!("payment_method.token:{id}")
}

/// Refuses a request naming a raw-card-data field (`cvv`, `number` …).
pub fn refuse_card_data<'a>(
    field_names: impl IntoIterator<Item = &'a str>,
) -> Result<(), AuthError> {
    for name in field_names {
        let lower = name.to_ascii_lowercase();
        if let Some(f) = CARD_DATA_FIELDS.iter().find(|f| **f == lower) {
            return Err(AuthError::field(f, "reason-card-data-refused"));
        }
    }
    Ok(())
}

/// 12 to 19 digits (spaces and hyphens ignored) passing the Luhn check: a card number.
pub fn looks_like_pan(s: &str) -> bool {
    let mut run: Vec<u32> = Vec::new();
    let check = |digits: &[u32]| {
        (12..=19).contains(&digits.len()) && {
            let sum: u32 = digits
                .iter()
                .rev()
                .enumerate()
                .map(|(i, d)| {
                    if i % 2 == 1 {
                        let x = d * 2;
                        if x > 9 { x - 9 } else { x }
                    } else {
                        *d
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        }
    };
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            run.push(d);
        } else if c == ' ' || c == '-' {
            continue;
        } else {
            if check(&run) {
                return true;
            }
            run.clear();
        }
    }
    check(&run)
}

/// A provider token: a lowercase prefix, `_`, then letters, digits and `_` (`pm_1Q…`,
/// `tok_visa`).
fn is_provider_token(s: &str) -> bool {
    let Some((prefix, rest)) = s.split_once('_') else {
        return false;
    };
    (2..=8).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_lowercase())
        && (4..=250).contains(&rest.len())
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

struct Checked {
    provider: String,
    token: String,
    brand: String,
    last4: String,
    exp_month: i32,
    exp_year: i32,
}

fn check(input: PaymentMethodInput, now: DateTime<Utc>) -> Result<Checked, AuthError> {
    for (field, value) in [
        ("provider_token", &input.token),
        ("brand", &input.brand),
        ("last4", &input.last4),
        ("provider", &input.provider),
    ] {
        if looks_like_pan(value) {
            return Err(AuthError::field(field, "reason-card-number-refused"));
        }
    }
    let provider = match input.provider.trim() {
        "" => "stripe".to_owned(),
        p if (2..=20).contains(&p.len())
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
        {
            p.to_owned()
        }
        _ => return Err(AuthError::field("provider", "reason-payment-provider")),
    };
    let token = input.token.trim().to_owned();
    if !is_provider_token(&token) {
        return Err(AuthError::field("provider_token", "reason-payment-token"));
    }
    let brand = input.brand.trim().to_ascii_lowercase();
    if !BRANDS.contains(&brand.as_str()) {
        return Err(AuthError::field("brand", "reason-card-brand"));
    }
    let last4 = input.last4.trim().to_owned();
    if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::field("last4", "reason-card-last4"));
    }
    let exp_month: i32 = input
        .exp_month
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| AuthError::field("exp_month", "reason-card-exp-month"))?;
    let mut exp_year: i32 = input
        .exp_year
        .trim()
        .parse()
        .map_err(|_| AuthError::field("exp_year", "reason-card-exp-year"))?;
    if (0..100).contains(&exp_year) {
        exp_year += 2000;
    }
    if !(2000..=2100).contains(&exp_year) {
        return Err(AuthError::field("exp_year", "reason-card-exp-year"));
    }
    // A card is valid to the end of its expiry month.
    if (exp_year, exp_month) < (now.year(), now.month() as i32) {
        return Err(AuthError::field("exp_year", "reason-card-expired"));
    }
    Ok(Checked {
        provider,
        token,
        brand,
        last4,
        exp_month,
        exp_year,
    })
}

impl Accounts {
    /// The user's payment methods, the default first.
    pub async fn payment_methods(
        &self,
        who: &Authenticated,
    ) -> Result<Vec<PaymentMethod>, AuthError> {
        Ok(self
            .store
            .payment_methods_of(&who.user.id)
            .await?
            .iter()
            .map(PaymentMethod::from)
            .collect())
    }

    /// Stores a tokenised card; the user's first becomes the default.
    pub async fn add_payment_method(
        &self,
        who: &Authenticated,
        input: PaymentMethodInput,
        meta: &RequestMeta,
    ) -> Result<PaymentMethod, AuthError> {
        let now = self.now();
        let c = check(input, now)?;
        let id = uuid::Uuid::now_v7().to_string();
        let row = self
            .store
            .add_payment_method(NewPaymentMethod {
                id: id.clone(),
                user_id: who.user.id.clone(),
                provider: c.provider.clone(),
                token_sealed: self.sealer.seal(&c.token, &token_context(&id)),
                brand: c.brand.clone(),
                last4: c.last4.clone(),
                exp_month: c.exp_month,
                exp_year: c.exp_year,
                now,
            })
            .await?;
        self.audit(
            Some(&who.user.id),
            "payment_method_added",
            Some(&id),
            meta,
            serde_json::json!({ "brand": c.brand, "last4": c.last4 }),
        )
        .await;
        Ok(PaymentMethod::from(&row))
    }

    /// The provider token in clear, for charging (payments) — the owner's methods only.
    pub async fn payment_method_token(
        &self,
        who: &Authenticated,
        id: &str,
    ) -> Result<String, AuthError> {
        let row = self
            .store
            .payment_method(&who.user.id, id)
            .await?
            .ok_or(AuthError::NotFound)?;
        Ok(self
            .sealer
            .open(&row.token_sealed, &token_context(&row.id))?)
    }

    pub async fn set_default_payment_method(
        &self,
        who: &Authenticated,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        if !self
            .store
            .set_default_payment_method(&who.user.id, id)
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "payment_method_default",
            Some(id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    pub async fn delete_payment_method(
        &self,
        who: &Authenticated,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        if !self
            .store
            .delete_payment_method(&who.user.id, id, self.now())
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "payment_method_deleted",
            Some(id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn input() -> PaymentMethodInput {
        PaymentMethodInput {
            provider: String::new(),
            token: "pm_1QabcDEF234".into(),
            brand: "Visa".into(),
            last4: "4242".into(),
            exp_month: "12".into(),
            exp_year: "2030".into(),
        }
    }

    fn field_of(r: Result<Checked, AuthError>) -> &'static str {
        match r {
            Err(AuthError::InvalidField { field, .. }) => field,
            Err(e) => panic!("{e:?}"),
            Ok(_) => "ok",
        }
    }

    #[test]
    fn recognises_card_numbers() {
        assert!(looks_like_pan("4242 4242 4242 4242"));
        assert!(looks_like_pan("pm_4242424242424242"));
        assert!(!looks_like_pan("4242"));
        assert!(!looks_like_pan("pm_1QabcDEF234"));
        assert!(!looks_like_pan("4242424242424241"));
    }

    #[test]
    fn checks_each_field() {
        let now = Utc.with_ymd_and_hms(2030, 6, 15, 0, 0, 0).unwrap();
        assert_eq!(field_of(check(input(), now)), "ok");
        let c = check(input(), now).unwrap();
        assert_eq!((c.provider.as_str(), c.brand.as_str()), ("stripe", "visa"));
        let cases = [
            (
                PaymentMethodInput {
                    token: "4242424242424242".into(),
                    ..input()
                },
                "provider_token",
            ),
            (
                PaymentMethodInput {
                    token: "hello".into(),
                    ..input()
                },
                "provider_token",
            ),
            (
                PaymentMethodInput {
                    brand: "maestro".into(),
                    ..input()
                },
                "brand",
            ),
            (
                PaymentMethodInput {
                    last4: "42".into(),
                    ..input()
                },
                "last4",
            ),
            (
                PaymentMethodInput {
                    exp_month: "13".into(),
                    ..input()
                },
                "exp_month",
            ),
            (
                PaymentMethodInput {
                    exp_month: "5".into(),
                    ..input()
                },
                "exp_year",
            ),
            (
                PaymentMethodInput {
                    exp_year: "2029".into(),
                    ..input()
                },
                "exp_year",
            ),
        ];
        for (i, field) in cases {
            assert_eq!(field_of(check(i, now)), field);
        }
        // Valid through the end of its month.
        assert_eq!(
            field_of(check(
                PaymentMethodInput {
                    exp_month: "6".into(),
                    ..input()
                },
                now
            )),
            "ok"
        );
        assert!(refuse_card_data(["brand", "CVV"]).is_err());
        assert!(refuse_card_data(["brand", "token"]).is_ok());
    }
}
