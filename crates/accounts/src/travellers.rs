//! Saved travellers (co-travellers) with their identity documents, sealed at rest.
//!
//! The document number is sealed with the account [`Sealer`](crate::Sealer), bound to the
//! traveller's id, and only ever shown masked (`E•••••567`) — except in the owner's data export.

use chrono::{DateTime, NaiveDate, Utc};
use wayfare_domain::account::names::{ChineseName, PassportName};
use wayfare_store::StoreError;
use wayfare_store::travellers::{MAX_TRAVELLERS, TravellerFields, TravellerRow};

use crate::error::AuthError;
use crate::service::{Accounts, Authenticated, RequestMeta};

/// Kinds of travel document: passport, mainland ID card, and the permits for travel between
/// the mainland, Hong Kong, Macau and Taiwan.
pub const DOCUMENT_TYPES: &[&str] = &[
    "passport",
    "national_id",
    "hk_macau_permit",
    "taiwan_permit",
    "home_return_permit",
    "taiwan_compatriot_permit",
];

/// As airlines record it (`F`, `M`, `X` in the booking).
pub const GENDERS: &[&str] = &["female", "male", "unspecified"];

pub const DOCUMENT_NUMBER_MIN: usize = 5;
pub const DOCUMENT_NUMBER_MAX: usize = 20;

/// A traveller as shown: the document number masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traveller {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub name_zh: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub document_type: Option<String>,
    /// `E•••••567`; none when no number is stored.
    pub document_number_masked: Option<String>,
    pub document_country: Option<String>,
    pub document_expiry: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Fields as submitted. `None` leaves a field as it is (on update); an empty string clears an
/// optional one. Names are required when adding.
#[derive(Debug, Clone, Default)]
pub struct TravellerInput {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub name_zh: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub document_type: Option<String>,
    pub document_number: Option<String>,
    pub document_country: Option<String>,
    pub document_expiry: Option<String>,
}

/// The associated data a traveller's document number is sealed under.
pub fn document_context(traveller_id: &str) -> String {
    format!("traveller.document:{traveller_id}")
}

/// The first character and the last three, the rest as dots: `E12345567` → `E•••••567`.
pub fn mask_document_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 4 {
        return "•".repeat(chars.len().max(1));
    }
    let mut out = String::new();
    out.push(chars[0]);
    out.push_str(&"•".repeat(chars.len() - 4));
    out.extend(&chars[chars.len() - 3..]);
    out
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn passport_name(field: &'static str, s: &str) -> Result<String, AuthError> {
    PassportName::parse(s)
        .map(|n| n.as_str().to_owned())
        .map_err(|e| AuthError::InvalidField {
            field,
            reason_key: e.reason_key(),
            arg: e.arg(),
        })
}

fn country(field: &'static str, s: &str) -> Result<String, AuthError> {
    let c = s.trim().to_ascii_uppercase();
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(AuthError::field(field, "reason-country-code"))
    }
}

fn date(field: &'static str, s: &str) -> Result<NaiveDate, AuthError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AuthError::field(field, "reason-date-format"))
}

fn one_of(
    field: &'static str,
    s: &str,
    list: &[&str],
    reason: &'static str,
) -> Result<String, AuthError> {
    let v = s.trim().to_ascii_lowercase();
    if list.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(AuthError::field(field, reason))
    }
}

/// A document number as printed: letters and digits, spaces and hyphens dropped, upper case.
pub fn normalise_document_number(s: &str) -> Result<String, AuthError> {
    let n: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let len = n.chars().count();
    if !(DOCUMENT_NUMBER_MIN..=DOCUMENT_NUMBER_MAX).contains(&len)
        || !n.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(AuthError::InvalidField {
            field: "document_number",
            reason_key: "reason-document-number",
            arg: Some(("max", DOCUMENT_NUMBER_MAX as i64)),
        });
    }
    Ok(n)
}

/// Applies `input` onto `f` (the stored fields, or empty ones for a new traveller), checking
/// every submitted field. Returns the new document number in clear when one was given.
fn apply(
    f: &mut TravellerFields,
    input: TravellerInput,
    today: NaiveDate,
) -> Result<Option<Option<String>>, AuthError> {
    if let Some(s) = input.given_name {
        f.given_name = passport_name("given_name", &s)?;
    }
    if let Some(s) = input.family_name {
        f.family_name = passport_name("family_name", &s)?;
    }
    if let Some(s) = input.name_zh {
        f.name_zh = if blank(&s) {
            None
        } else {
            Some(
                ChineseName::parse(s.trim())
                    .map(|n| n.as_str().to_owned())
                    .map_err(|e| AuthError::InvalidField {
                        field: "name_zh",
                        reason_key: e.reason_key(),
                        arg: e.arg(),
                    })?,
            )
        };
    }
    if let Some(s) = input.date_of_birth {
        f.date_of_birth = if blank(&s) {
            None
        } else {
            let d = date("date_of_birth", &s)?;
            if d > today || d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) {
                return Err(AuthError::field("date_of_birth", "reason-date-of-birth"));
            }
            Some(d)
        };
    }
    if let Some(s) = input.gender {
        f.gender = if blank(&s) {
            None
        } else {
            Some(one_of("gender", &s, GENDERS, "reason-gender")?)
        };
    }
    if let Some(s) = input.nationality {
        f.nationality = if blank(&s) {
            None
        } else {
            Some(country("nationality", &s)?)
        };
    }
    if let Some(s) = input.document_type {
        f.document_type = if blank(&s) {
            None
        } else {
            Some(one_of(
                "document_type",
                &s,
                DOCUMENT_TYPES,
                "reason-document-type",
            )?)
        };
    }
    let number = match input.document_number {
        None => None,
        Some(s) if blank(&s) => Some(None),
        Some(s) => Some(Some(normalise_document_number(&s)?)),
    };
    if let Some(s) = input.document_country {
        f.document_country = if blank(&s) {
            None
        } else {
            Some(country("document_country", &s)?)
        };
    }
    if let Some(s) = input.document_expiry {
        f.document_expiry = if blank(&s) {
            None
        } else {
            let d = date("document_expiry", &s)?;
            if d < today {
                return Err(AuthError::field(
                    "document_expiry",
                    "reason-document-expired",
                ));
            }
            Some(d)
        };
    }
    if f.given_name.is_empty() {
        return Err(AuthError::field("given_name", "reason-required"));
    }
    if f.family_name.is_empty() {
        return Err(AuthError::field("family_name", "reason-required"));
    }
    // A number without a kind of document cannot be used for a booking.
    let has_number = match &number {
        Some(n) => n.is_some(),
        None => f.document_number_sealed.is_some(),
    };
    if has_number && f.document_type.is_none() {
        return Err(AuthError::field("document_type", "reason-document-type"));
    }
    Ok(number)
}

impl Accounts {
    fn traveller_view(&self, row: &TravellerRow) -> Traveller {
        let masked = row.document_number_sealed.as_deref().map(|sealed| {
            match self.sealer.open(sealed, &document_context(&row.id)) {
                Ok(n) => mask_document_number(&n),
                Err(e) => {
                    tracing::error!(traveller = %row.id, error = %e, "document number does not open");
                    "•••".to_owned()
                }
            }
        });
        Traveller {
            id: row.id.clone(),
            given_name: row.given_name.clone(),
            family_name: row.family_name.clone(),
            name_zh: row.name_zh.clone(),
            date_of_birth: row.date_of_birth,
            gender: row.gender.clone(),
            nationality: row.nationality.clone(),
            document_type: row.document_type.clone(),
            document_number_masked: masked,
            document_country: row.document_country.clone(),
            document_expiry: row.document_expiry,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }

    /// The user's travellers, in the order they were added.
    pub async fn travellers(&self, who: &Authenticated) -> Result<Vec<Traveller>, AuthError> {
        Ok(self
            .store
            .travellers_of(&who.user.id)
            .await?
            .iter()
            .map(|r| self.traveller_view(r))
            .collect())
    }

    /// One of the user's travellers; `NotFound` for anyone else's.
    pub async fn traveller(&self, who: &Authenticated, id: &str) -> Result<Traveller, AuthError> {
        let row = self
            .store
            .traveller(&who.user.id, id)
            .await?
            .ok_or(AuthError::NotFound)?;
        Ok(self.traveller_view(&row))
    }

    /// The document number in clear, for its owner only (the data export).
    pub async fn traveller_document_number(
        &self,
        who: &Authenticated,
        id: &str,
    ) -> Result<Option<String>, AuthError> {
        let row = self
            .store
            .traveller(&who.user.id, id)
            .await?
            .ok_or(AuthError::NotFound)?;
        match row.document_number_sealed {
            Some(s) => Ok(Some(self.sealer.open(&s, &document_context(&row.id))?)),
            None => Ok(None),
        }
    }

    pub async fn add_traveller(
        &self,
        who: &Authenticated,
        input: TravellerInput,
        meta: &RequestMeta,
    ) -> Result<Traveller, AuthError> {
        let now = self.now();
        let id = uuid::Uuid::now_v7().to_string();
        let mut fields = TravellerFields::default();
        let number = apply(&mut fields, input, now.date_naive())?;
        fields.document_number_sealed = number
            .flatten()
            .map(|n| self.sealer.seal(&n, &document_context(&id)));
        let row = match self
            .store
            .create_traveller(&who.user.id, &id, &fields, now)
            .await
        {
            Ok(r) => r,
            Err(StoreError::Conflict(_)) => {
                return Err(AuthError::InvalidField {
                    field: "travellers",
                    reason_key: "reason-too-many-travellers",
                    arg: Some(("max", MAX_TRAVELLERS as i64)),
                });
            }
            Err(e) => return Err(e.into()),
        };
        self.audit(
            Some(&who.user.id),
            "traveller_added",
            Some(&id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(self.traveller_view(&row))
    }

    /// Changes the submitted fields of one of the user's travellers.
    pub async fn update_traveller(
        &self,
        who: &Authenticated,
        id: &str,
        input: TravellerInput,
        meta: &RequestMeta,
    ) -> Result<Traveller, AuthError> {
        let now = self.now();
        let row = self
            .store
            .traveller(&who.user.id, id)
            .await?
            .ok_or(AuthError::NotFound)?;
        let mut fields = TravellerFields::from(&row);
        let number_changed = input.document_number.is_some();
        if let Some(number) = apply(&mut fields, input, now.date_naive())? {
            fields.document_number_sealed =
                number.map(|n| self.sealer.seal(&n, &document_context(id)));
        }
        let row = self
            .store
            .update_traveller(&who.user.id, id, &fields, now)
            .await?
            .ok_or(AuthError::NotFound)?;
        self.audit(
            Some(&who.user.id),
            "traveller_updated",
            Some(id),
            meta,
            serde_json::json!({ "document_number_changed": number_changed }),
        )
        .await;
        Ok(self.traveller_view(&row))
    }

    pub async fn delete_traveller(
        &self,
        who: &Authenticated,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        if !self.store.delete_traveller(&who.user.id, id).await? {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "traveller_deleted",
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

    #[test]
    fn masks_document_numbers() {
        assert_eq!(mask_document_number("E12345567"), "E•••••567");
        assert_eq!(mask_document_number("G1234"), "G•234");
        assert_eq!(mask_document_number("123"), "•••");
    }

    #[test]
    fn normalises_document_numbers() {
        assert_eq!(
            normalise_document_number(" e1234 5567 ").unwrap(),
            "E12345567"
        );
        assert!(normalise_document_number("E12").is_err());
        assert!(normalise_document_number("E1234567!").is_err());
        assert!(normalise_document_number(&"9".repeat(21)).is_err());
    }

    #[test]
    fn checks_each_field() {
        let today = NaiveDate::from_ymd_opt(2030, 6, 1).unwrap();
        let base = || TravellerInput {
            given_name: Some("wei".into()),
            family_name: Some("Li".into()),
            ..TravellerInput::default()
        };
        let mut f = TravellerFields::default();
        assert_eq!(apply(&mut f, base(), today).unwrap(), None);
        assert_eq!(
            (f.given_name.as_str(), f.family_name.as_str()),
            ("WEI", "LI")
        );
        let cases: Vec<(TravellerInput, &str)> = vec![
            (
                TravellerInput {
                    given_name: Some("Wéi".into()),
                    ..base()
                },
                "given_name",
            ),
            (
                TravellerInput {
                    given_name: None,
                    ..base()
                },
                "given_name",
            ),
            (
                TravellerInput {
                    name_zh: Some("Li".into()),
                    ..base()
                },
                "name_zh",
            ),
            (
                TravellerInput {
                    date_of_birth: Some("2031-01-01".into()),
                    ..base()
                },
                "date_of_birth",
            ),
            (
                TravellerInput {
                    date_of_birth: Some("01/02/1990".into()),
                    ..base()
                },
                "date_of_birth",
            ),
            (
                TravellerInput {
                    gender: Some("robot".into()),
                    ..base()
                },
                "gender",
            ),
            (
                TravellerInput {
                    nationality: Some("CHN".into()),
                    ..base()
                },
                "nationality",
            ),
            (
                TravellerInput {
                    document_type: Some("visa".into()),
                    ..base()
                },
                "document_type",
            ),
            (
                TravellerInput {
                    document_number: Some("E1".into()),
                    ..base()
                },
                "document_number",
            ),
            (
                TravellerInput {
                    document_number: Some("E12345567".into()),
                    ..base()
                },
                "document_type",
            ),
            (
                TravellerInput {
                    document_expiry: Some("2030-05-31".into()),
                    ..base()
                },
                "document_expiry",
            ),
        ];
        for (input, field) in cases {
            let mut f = TravellerFields::default();
            match apply(&mut f, input, today) {
                Err(AuthError::InvalidField { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
