//! Turning the second factor on and off: TOTP enrolment (secret, otpauth URI and QR code,
//! confirmed by a first code), SMS or e-mail codes, and one-time recovery codes. Every change
//! needs the current password.

use base64::Engine;
use chrono::Duration;
use wayfare_domain::account::codes::{SecretToken, normalise_recovery_code, recovery_codes};
use wayfare_domain::account::totp;
use wayfare_store::accounts::NewChallenge;

use crate::error::AuthError;
use crate::service::{Accounts, Authenticated, RequestMeta, token_hash};

const CHALLENGE_TOTP_ENROL: &str = "totp_enrol";

/// What the enrolment page shows: scan the QR code or type the secret.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    /// Carries the pending secret to the confirmation (sealed server-side, not in the page).
    pub enrolment: String,
    pub secret_base32: String,
    pub otpauth_uri: String,
    /// An inline SVG of the URI.
    pub qr_svg: String,
    /// The same as a `data:` URL for an `<img>`.
    pub qr_data_url: String,
}

impl Accounts {
    /// Starts TOTP enrolment: a new secret, kept sealed until a first code confirms it.
    pub async fn begin_totp(&self, who: &Authenticated) -> Result<TotpEnrolment, AuthError> {
        let secret = totp::TotpSecret::generate(&mut rand::rng());
        let b32 = secret.to_base32();
        let now = self.now();
        let token = SecretToken::generate(&mut rand::rng());
        self.store
            .insert_challenge(NewChallenge {
                id: uuid::Uuid::now_v7().to_string(),
                token_hash: token.sha256_hex(),
                user_id: who.user.id.clone(),
                purpose: CHALLENGE_TOTP_ENROL.to_owned(),
                data: Some(
                    self.sealer
                        .seal(&b32, &format!("totp-enrol:{}", who.user.id)),
                ),
                now,
                expires_at: now + Duration::minutes(15),
                ip: None,
            })
            .await?;
        self.enrolment_view(who, token.as_str().to_owned(), &secret)
    }

    /// The enrolment page again for a pending secret (after a wrong code), without a new secret.
    pub async fn resume_totp(
        &self,
        who: &Authenticated,
        enrolment: &str,
    ) -> Result<TotpEnrolment, AuthError> {
        let row = self
            .store
            .challenge_by_hash(&token_hash(enrolment), CHALLENGE_TOTP_ENROL, self.now())
            .await?
            .filter(|r| r.user_id == who.user.id);
        let Some(row) = row else {
            return self.begin_totp(who).await;
        };
        let b32 = self.sealer.open(
            row.data.as_deref().unwrap_or(""),
            &format!("totp-enrol:{}", who.user.id),
        )?;
        let secret = totp::TotpSecret::from_base32(&b32)
            .map_err(|_| AuthError::Internal("pending TOTP secret unreadable".into()))?;
        self.enrolment_view(who, enrolment.to_owned(), &secret)
    }

    fn enrolment_view(
        &self,
        who: &Authenticated,
        enrolment: String,
        secret: &totp::TotpSecret,
    ) -> Result<TotpEnrolment, AuthError> {
        let account = who
            .user
            .email
            .clone()
            .or_else(|| who.user.phone.clone())
            .unwrap_or_else(|| who.user.id.clone());
        let uri = totp::otpauth_uri(&self.config.issuer_name, &account, secret);
        let qr_svg = qr_svg(&uri)?;
        let qr_data_url = format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(qr_svg.as_bytes())
        );
        Ok(TotpEnrolment {
            enrolment,
            secret_base32: secret.to_base32(),
            otpauth_uri: uri,
            qr_svg,
            qr_data_url,
        })
    }

    /// Confirms TOTP enrolment with the current password and a first code. Returns the
    /// recovery codes, shown once.
    pub async fn confirm_totp(
        &self,
        who: &Authenticated,
        enrolment: &str,
        password: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<Vec<String>, AuthError> {
        self.reauthenticate(who, password).await?;
        let now = self.now();
        let hash = token_hash(enrolment);
        let row = self
            .store
            .challenge_by_hash(&hash, CHALLENGE_TOTP_ENROL, now)
            .await?
            .filter(|r| r.user_id == who.user.id)
            .ok_or(AuthError::ChallengeExpired)?;
        let b32 = self.sealer.open(
            row.data.as_deref().unwrap_or(""),
            &format!("totp-enrol:{}", who.user.id),
        )?;
        let secret = totp::TotpSecret::from_base32(&b32)
            .map_err(|_| AuthError::Internal("pending TOTP secret unreadable".into()))?;
        let unix = u64::try_from(now.timestamp()).unwrap_or(0);
        let step =
            totp::verify(&secret, code.trim(), unix, None).map_err(|_| AuthError::CodeInvalid {
                attempts_left: None,
            })?;
        if !self
            .store
            .consume_challenge(&hash, CHALLENGE_TOTP_ENROL, now)
            .await?
        {
            return Err(AuthError::ChallengeExpired);
        }
        let sealed = self.sealer.seal(&b32, &format!("totp:{}", who.user.id));
        let told = self
            .store
            .set_second_factor_with_events(
                &who.user.id,
                "totp",
                Some(sealed),
                now,
                self.security_notice(&who.user, "second_factor_enabled"),
            )
            .await?;
        self.store
            .advance_totp_step(&who.user.id, i64::try_from(step).unwrap_or(i64::MAX))
            .await?;
        let codes = self.new_recovery_codes(&who.user.id).await?;
        self.audit(
            Some(&who.user.id),
            "second_factor_enabled",
            Some(&who.user.id),
            meta,
            serde_json::json!({ "method": "totp" }),
        )
        .await;
        self.deliver_now(&told.unwrap_or_default()).await;
        Ok(codes)
    }

    /// Turns on codes by SMS (to the confirmed phone) or e-mail (to the confirmed address).
    pub async fn enable_code_second_factor(
        &self,
        who: &Authenticated,
        method: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<Vec<String>, AuthError> {
        self.reauthenticate(who, password).await?;
        let usable = match method {
            "sms" => who.user.phone.is_some() && who.user.phone_verified_at.is_some(),
            "email" => who.user.email.is_some() && who.user.email_verified_at.is_some(),
            _ => return Err(AuthError::field("method", "reason-second-factor-method")),
        };
        if !usable {
            return Err(AuthError::field(
                "method",
                "reason-second-factor-unconfirmed",
            ));
        }
        let told = self
            .store
            .set_second_factor_with_events(
                &who.user.id,
                method,
                None,
                self.now(),
                self.security_notice(&who.user, "second_factor_enabled"),
            )
            .await?;
        let codes = self.new_recovery_codes(&who.user.id).await?;
        self.audit(
            Some(&who.user.id),
            "second_factor_enabled",
            Some(&who.user.id),
            meta,
            serde_json::json!({ "method": method }),
        )
        .await;
        self.deliver_now(&told.unwrap_or_default()).await;
        Ok(codes)
    }

    /// Turns the second factor off.
    pub async fn disable_second_factor(
        &self,
        who: &Authenticated,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        self.reauthenticate(who, password).await?;
        let now = self.now();
        let told = self
            .store
            .set_second_factor_with_events(
                &who.user.id,
                "none",
                None,
                now,
                self.security_notice(&who.user, "second_factor_disabled"),
            )
            .await?;
        self.store
            .replace_recovery_codes(&who.user.id, Vec::new(), now)
            .await?;
        self.audit(
            Some(&who.user.id),
            "second_factor_disabled",
            Some(&who.user.id),
            meta,
            serde_json::json!({}),
        )
        .await;
        self.deliver_now(&told.unwrap_or_default()).await;
        Ok(())
    }

    /// New recovery codes (the old ones stop working).
    pub async fn regenerate_recovery_codes(
        &self,
        who: &Authenticated,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<Vec<String>, AuthError> {
        self.reauthenticate(who, password).await?;
        if who.user.second_factor == "none" {
            return Err(AuthError::field("method", "reason-second-factor-off"));
        }
        let codes = self.new_recovery_codes(&who.user.id).await?;
        self.audit(
            Some(&who.user.id),
            "recovery_codes_regenerated",
            Some(&who.user.id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(codes)
    }

    async fn new_recovery_codes(&self, user_id: &str) -> Result<Vec<String>, AuthError> {
        let codes = recovery_codes(&mut rand::rng(), 10);
        let hashes = codes
            .iter()
            .map(|c| token_hash(&normalise_recovery_code(c)))
            .collect();
        self.store
            .replace_recovery_codes(user_id, hashes, self.now())
            .await?;
        Ok(codes)
    }
}

/// An SVG QR code of `data` (error correction M, at least 200 px, with its quiet zone): the
/// authenticator set-up code here, and the WeChat Pay code on the payment page.
pub fn qr_svg(data: &str) -> Result<String, AuthError> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)
        .map_err(|e| AuthError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}
