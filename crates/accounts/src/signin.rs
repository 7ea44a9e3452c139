//! Registration, confirmation, sign-in (password or one-time code, then the second factor when
//! it is on) and password recovery. Answers never reveal whether an account exists: an unknown
//! address gets the same "check your inbox" as a known one.

use chrono::Duration;
use wayfare_domain::account::codes::{SecretToken, normalise_recovery_code};
use wayfare_domain::account::password::{PasswordContext, PasswordPolicy};
use wayfare_domain::account::throttle::ThrottlePolicy;
use wayfare_domain::account::{Identifier, totp};
use wayfare_store::accounts::{CodeOutcome, NewChallenge, NewUser, UserRow};
use wayfare_store::outbox::NewEvent;

use crate::error::AuthError;
use crate::messages::{AccountMessage, MessageSecret};
use crate::passwords::{dummy_verify, hash_password, verify_password};
use crate::service::{Accounts, RequestMeta, SignedIn, token_hash};

pub(crate) const PURPOSE_VERIFY: &str = "verify";
pub(crate) const PURPOSE_LOGIN: &str = "login";
pub(crate) const PURPOSE_RESET: &str = "reset";
pub(crate) const PURPOSE_2FA: &str = "2fa";
pub(crate) const CHALLENGE_2FA: &str = "2fa";
pub(crate) const CHALLENGE_RESET: &str = "reset_link";

/// What a new account starts with.
#[derive(Debug, Clone)]
pub struct Registration {
    pub identifier: String,
    pub password: String,
    pub name: Option<String>,
    pub currency: Option<String>,
}

/// The outcome of a correct first factor.
#[derive(Debug, Clone)]
pub enum SignInStep {
    SignedIn(SignedIn),
    /// The second factor is on: answer the challenge with a code from `method`.
    SecondFactor {
        challenge: String,
        method: String,
        expires_in_secs: i64,
    },
}

/// Proof for a password reset.
#[derive(Debug, Clone)]
pub enum ResetProof {
    /// The token from an e-mailed link.
    Link(String),
    /// A code sent by SMS to the phone.
    Code { identifier: String, code: String },
}

pub(crate) fn parse_identifier(input: &str) -> Result<Identifier, AuthError> {
    Identifier::parse(input).map_err(|e| AuthError::field("identifier", e.reason_key()))
}

fn check_password(password: &str, identifier: Option<&Identifier>) -> Result<(), AuthError> {
    let context = PasswordContext {
        email: identifier.and_then(Identifier::email),
        phone: identifier.and_then(Identifier::phone),
    };
    PasswordPolicy::default()
        .check(password, &context)
        .map_err(|p| AuthError::password("password", p))
}

impl Accounts {
    async fn user_by_identifier(&self, id: &Identifier) -> Result<Option<UserRow>, AuthError> {
        let user = match id {
            Identifier::Email(e) => self.store.user_by_email(e.as_str()).await?,
            Identifier::Phone(p) => self.store.user_by_phone(p.as_str()).await?,
        };
        Ok(user.filter(|u| u.deleted_at.is_none()))
    }

    fn is_verified(user: &UserRow, id: &Identifier) -> bool {
        match id {
            Identifier::Email(_) => user.email_verified_at.is_some(),
            Identifier::Phone(_) => user.phone_verified_at.is_some(),
        }
    }

    /// Starts a registration: the account exists unconfirmed until the code comes back. An
    /// address that already has a confirmed account gets a notice instead of a code, and the
    /// caller gets the same answer either way.
    pub async fn register(&self, r: Registration, meta: &RequestMeta) -> Result<(), AuthError> {
        let id = parse_identifier(&r.identifier)?;
        check_password(&r.password, Some(&id))?;
        let name = r
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| crate::service::truncate(n, 60));
        let currency = match r.currency.as_deref() {
            Some(c) => Some(
                wayfare_domain::Currency::parse(c)
                    .map_err(|_| AuthError::field("currency", "reason-unknown-currency"))?
                    .code()
                    .to_owned(),
            ),
            None => None,
        };
        let now = self.now();
        let hash = hash_password(&r.password);
        let user = match self.user_by_identifier(&id).await? {
            Some(u) if Self::is_verified(&u, &id) => {
                self.send(Some(&u.id), &id, "account_exists", &u.locale, &[])
                    .await;
                return Ok(());
            }
            // An unconfirmed account proves nothing about its owner: whoever confirms the code
            // now owns it, with the password they chose.
            Some(u) => {
                self.store.set_password_hash(&u.id, &hash, now).await?;
                u
            }
            None => {
                let new = NewUser {
                    id: uuid::Uuid::now_v7().to_string(),
                    email: match &id {
                        Identifier::Email(e) => Some(e.as_str().to_owned()),
                        Identifier::Phone(_) => None,
                    },
                    phone: match &id {
                        Identifier::Phone(p) => Some(p.as_str().to_owned()),
                        Identifier::Email(_) => None,
                    },
                    email_verified_at: None,
                    phone_verified_at: None,
                    password_hash: Some(hash),
                    name_zh: name.clone().filter(|n| !n.is_ascii()),
                    given_name: None,
                    family_name: None,
                    locale: meta.locale.clone(),
                    currency: currency.unwrap_or_else(|| "CNY".to_owned()),
                    now,
                };
                match self.store.create_user(new).await {
                    Ok(u) => u,
                    Err(wayfare_store::StoreError::Conflict(_)) => {
                        // Someone registered the same address a moment ago.
                        return Ok(());
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        self.send_code(
            PURPOSE_VERIFY,
            id.as_str(),
            &id,
            &user.id,
            "verify_code",
            &meta.locale,
            &[],
        )
        .await?;
        self.audit(
            Some(&user.id),
            "registered",
            Some(&user.id),
            meta,
            serde_json::json!({ "via": id.kind() }),
        )
        .await;
        Ok(())
    }

    /// Sends a fresh confirmation code to an unconfirmed account (same answer for any address).
    pub async fn resend_verification(
        &self,
        identifier: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        let id = parse_identifier(identifier)?;
        if let Some(u) = self.user_by_identifier(&id).await?
            && !Self::is_verified(&u, &id)
        {
            self.send_code(
                PURPOSE_VERIFY,
                id.as_str(),
                &id,
                &u.id,
                "verify_code",
                &meta.locale,
                &[],
            )
            .await?;
        }
        Ok(())
    }

    /// Checks a one-time code for `purpose` sent to `destination`, counting wrong guesses.
    pub(crate) async fn check_code(
        &self,
        purpose: &str,
        destination: &str,
        code: &str,
    ) -> Result<Option<String>, AuthError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(AuthError::field("code", "reason-code-format"));
        }
        let outcome = self
            .store
            .consume_code(
                purpose,
                destination,
                &self.code_hash(purpose, destination, &code),
                self.now(),
                i32::try_from(self.config.code_max_attempts).unwrap_or(5),
            )
            .await?;
        match outcome {
            CodeOutcome::Ok { user_id } => Ok(user_id),
            CodeOutcome::Wrong { attempts_left } => Err(AuthError::CodeInvalid {
                attempts_left: Some(u32::try_from(attempts_left).unwrap_or(0)),
            }),
            CodeOutcome::Expired | CodeOutcome::TooManyAttempts | CodeOutcome::NotFound => {
                Err(AuthError::CodeExpired)
            }
        }
    }

    /// Confirms the address with the code sent to it and signs the user in.
    pub async fn verify(
        &self,
        identifier: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<SignedIn, AuthError> {
        let id = parse_identifier(identifier)?;
        let user_id = self.check_code(PURPOSE_VERIFY, id.as_str(), code).await?;
        let user = match user_id {
            Some(uid) => self.store.user_by_id(&uid).await?,
            None => self.user_by_identifier(&id).await?,
        }
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AuthError::CodeExpired)?;
        let now = self.now();
        match &id {
            Identifier::Email(e) => {
                self.store
                    .mark_email_verified(&user.id, e.as_str(), now)
                    .await?
            }
            Identifier::Phone(p) => {
                self.store
                    .mark_phone_verified(&user.id, p.as_str(), now)
                    .await?
            }
        };
        self.audit(
            Some(&user.id),
            "verified",
            Some(id.as_str()),
            meta,
            serde_json::json!({}),
        )
        .await;
        self.start_session(&user, meta, "verify").await
    }

    fn first_factor_keys(id: &Identifier, meta: &RequestMeta) -> Vec<(String, ThrottlePolicy)> {
        let mut keys = vec![(Self::account_key(id), ThrottlePolicy::per_account())];
        if let Some(ip) = Self::ip_key(meta) {
            keys.push((ip, ThrottlePolicy::per_ip()));
        }
        keys
    }

    async fn failed_sign_in(
        &self,
        keys: &[(String, ThrottlePolicy)],
        user: Option<&UserRow>,
        id: &Identifier,
        meta: &RequestMeta,
        reason: &str,
    ) -> Result<(), AuthError> {
        self.throttle_fail(keys).await?;
        self.audit(
            user.map(|u| u.id.as_str()),
            "sign_in_failed",
            Some(id.as_str()),
            meta,
            serde_json::json!({ "reason": reason }),
        )
        .await;
        Ok(())
    }

    /// Sign-in with e-mail or phone and password.
    pub async fn sign_in_password(
        &self,
        identifier: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<SignInStep, AuthError> {
        let id = parse_identifier(identifier).map_err(|_| AuthError::InvalidCredentials)?;
        let keys = Self::first_factor_keys(&id, meta);
        self.throttle_check(&keys).await?;
        let user = self.user_by_identifier(&id).await?;
        let Some(user) = user else {
            dummy_verify(password);
            self.failed_sign_in(&keys, None, &id, meta, "unknown")
                .await?;
            return Err(AuthError::InvalidCredentials);
        };
        let ok = user
            .password_hash
            .as_deref()
            .is_some_and(|h| verify_password(password, h));
        if !ok {
            self.failed_sign_in(&keys, Some(&user), &id, meta, "password")
                .await?;
            return Err(AuthError::InvalidCredentials);
        }
        self.throttle_clear(&Self::account_key(&id)).await?;
        if !Self::is_verified(&user, &id) {
            self.resend_verification(identifier, meta).await.ok();
            return Err(AuthError::NotVerified);
        }
        self.after_first_factor(user, meta, "password").await
    }

    /// Sends a sign-in code to a confirmed address (same answer for any address).
    pub async fn send_sign_in_code(
        &self,
        identifier: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        let id = parse_identifier(identifier)?;
        if let Some(ip) = Self::ip_key(meta) {
            self.throttle_check(&[(ip, ThrottlePolicy::per_ip())])
                .await?;
        }
        if let Some(u) = self.user_by_identifier(&id).await?
            && Self::is_verified(&u, &id)
        {
            self.send_code(
                PURPOSE_LOGIN,
                id.as_str(),
                &id,
                &u.id,
                "login_code",
                &u.locale,
                &[],
            )
            .await?;
        }
        Ok(())
    }

    /// Sign-in with a code sent by [`Accounts::send_sign_in_code`].
    pub async fn sign_in_code(
        &self,
        identifier: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<SignInStep, AuthError> {
        let id = parse_identifier(identifier)?;
        let keys = Self::first_factor_keys(&id, meta);
        self.throttle_check(&keys).await?;
        let user_id = match self.check_code(PURPOSE_LOGIN, id.as_str(), code).await {
            Ok(uid) => uid,
            Err(e) => {
                if matches!(e, AuthError::CodeInvalid { .. }) {
                    self.failed_sign_in(&keys, None, &id, meta, "code").await?;
                }
                return Err(e);
            }
        };
        let user = match user_id {
            Some(uid) => self.store.user_by_id(&uid).await?,
            None => self.user_by_identifier(&id).await?,
        }
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AuthError::CodeExpired)?;
        self.throttle_clear(&Self::account_key(&id)).await?;
        self.after_first_factor(user, meta, "code").await
    }

    /// After a correct first factor: a session, or a challenge for the second factor.
    pub(crate) async fn after_first_factor(
        &self,
        user: UserRow,
        meta: &RequestMeta,
        method: &str,
    ) -> Result<SignInStep, AuthError> {
        let second = user.second_factor.as_str();
        if second == "none" || second.is_empty() {
            return Ok(SignInStep::SignedIn(
                self.start_session(&user, meta, method).await?,
            ));
        }
        let now = self.now();
        let token = SecretToken::generate(&mut rand::rng());
        self.store
            .insert_challenge(NewChallenge {
                id: uuid::Uuid::now_v7().to_string(),
                token_hash: token.sha256_hex(),
                user_id: user.id.clone(),
                purpose: CHALLENGE_2FA.to_owned(),
                data: Some(method.to_owned()),
                now,
                expires_at: now + self.config.challenge_ttl,
                ip: meta.ip.clone(),
            })
            .await?;
        if second == "sms" || second == "email" {
            self.send_second_factor_code(&user).await?;
        }
        Ok(SignInStep::SecondFactor {
            challenge: token.as_str().to_owned(),
            method: second.to_owned(),
            expires_in_secs: self.config.challenge_ttl.num_seconds(),
        })
    }

    async fn send_second_factor_code(&self, user: &UserRow) -> Result<(), AuthError> {
        let to = match user.second_factor.as_str() {
            "sms" => user.phone.as_deref().map(Identifier::parse),
            _ => user.email.as_deref().map(Identifier::parse),
        };
        let Some(Ok(to)) = to else {
            return Err(AuthError::Internal(
                "second factor has no destination".into(),
            ));
        };
        self.send_code(
            PURPOSE_2FA,
            &user.id,
            &to,
            &user.id,
            "second_factor_code",
            &user.locale,
            &[],
        )
        .await
    }

    /// The method (`totp`, `sms`, `email`) a live second-factor challenge expects.
    pub async fn second_factor_method(&self, challenge: &str) -> Result<Option<String>, AuthError> {
        let Some(row) = self
            .store
            .challenge_by_hash(&token_hash(challenge), CHALLENGE_2FA, self.now())
            .await?
        else {
            return Ok(None);
        };
        Ok(self
            .store
            .user_by_id(&row.user_id)
            .await?
            .map(|u| u.second_factor))
    }

    /// Sends another SMS or e-mail code for a pending second-factor challenge.
    pub async fn resend_second_factor(&self, challenge: &str) -> Result<(), AuthError> {
        let now = self.now();
        let row = self
            .store
            .challenge_by_hash(&token_hash(challenge), CHALLENGE_2FA, now)
            .await?
            .ok_or(AuthError::ChallengeExpired)?;
        let user = self
            .store
            .user_by_id(&row.user_id)
            .await?
            .ok_or(AuthError::ChallengeExpired)?;
        if user.second_factor == "sms" || user.second_factor == "email" {
            self.send_second_factor_code(&user).await?;
        }
        Ok(())
    }

    /// Answers a second-factor challenge with a TOTP code, an SMS/e-mail code or a recovery
    /// code, and signs the user in.
    pub async fn sign_in_second_factor(
        &self,
        challenge: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<SignedIn, AuthError> {
        let now = self.now();
        let hash = token_hash(challenge);
        let row = self
            .store
            .challenge_by_hash(&hash, CHALLENGE_2FA, now)
            .await?
            .ok_or(AuthError::ChallengeExpired)?;
        let user = self
            .store
            .user_by_id(&row.user_id)
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(AuthError::ChallengeExpired)?;
        let acct_key = format!("acct2fa:{}", user.id);
        let keys = [(acct_key.clone(), ThrottlePolicy::per_account())];
        self.throttle_check(&keys).await?;
        let code = code.trim();
        let passed = if code.len() > 6 {
            let normalised = normalise_recovery_code(code);
            self.store
                .use_recovery_code(&user.id, &token_hash(&normalised), now)
                .await?
        } else {
            match user.second_factor.as_str() {
                "totp" => self.check_totp(&user, code).await?,
                _ => match self.check_code(PURPOSE_2FA, &user.id, code).await {
                    Ok(_) => true,
                    Err(AuthError::CodeInvalid { .. }) | Err(AuthError::InvalidField { .. }) => {
                        false
                    }
                    Err(e) => return Err(e),
                },
            }
        };
        if !passed {
            let left = self.store.fail_challenge(&row.id, 5).await?;
            self.throttle_fail(&keys).await?;
            self.audit(
                Some(&user.id),
                "second_factor_failed",
                Some(&user.id),
                meta,
                serde_json::json!({}),
            )
            .await;
            if left == 0 {
                return Err(AuthError::ChallengeExpired);
            }
            return Err(AuthError::CodeInvalid {
                attempts_left: Some(u32::try_from(left).unwrap_or(0)),
            });
        }
        if !self
            .store
            .consume_challenge(&hash, CHALLENGE_2FA, now)
            .await?
        {
            return Err(AuthError::ChallengeExpired);
        }
        self.throttle_clear(&acct_key).await?;
        let method = row.data.unwrap_or_else(|| "password".into());
        self.start_session(&user, meta, &format!("{method}+{}", user.second_factor))
            .await
    }

    /// True when `code` is the user's current TOTP code and was not used before.
    pub(crate) async fn check_totp(&self, user: &UserRow, code: &str) -> Result<bool, AuthError> {
        let Some(sealed) = user.totp_secret_sealed.as_deref() else {
            return Ok(false);
        };
        let secret = self.sealer.open(sealed, &format!("totp:{}", user.id))?;
        let secret = totp::TotpSecret::from_base32(&secret)
            .map_err(|_| AuthError::Internal("stored TOTP secret unreadable".into()))?;
        let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
        let unix = u64::try_from(self.now().timestamp()).unwrap_or(0);
        match totp::verify(&secret, code, unix, last) {
            Ok(step) => Ok(self
                .store
                .advance_totp_step(&user.id, i64::try_from(step).unwrap_or(i64::MAX))
                .await?),
            Err(_) => Ok(false),
        }
    }

    /// Starts a password reset: an e-mailed link or an SMS code. The same answer whether or not
    /// the account exists.
    pub async fn request_password_reset(
        &self,
        identifier: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        let id = parse_identifier(identifier)?;
        if let Some(ip) = Self::ip_key(meta) {
            self.throttle_check(&[(ip, ThrottlePolicy::per_ip())])
                .await?;
        }
        let Some(user) = self.user_by_identifier(&id).await? else {
            return Ok(());
        };
        if !Self::is_verified(&user, &id) {
            return Ok(());
        }
        let now = self.now();
        match &id {
            Identifier::Email(_) => {
                let sent = self
                    .store
                    .recent_challenge_count(&user.id, CHALLENGE_RESET, now - Duration::hours(1))
                    .await?;
                if sent >= self.config.codes_per_hour {
                    return Err(AuthError::SendLimited {
                        retry_after_secs: 3600,
                    });
                }
                let token = SecretToken::generate(&mut rand::rng());
                let expires_at = now + self.config.reset_link_ttl;
                let link = format!(
                    "{}/password/reset/{}",
                    self.config.public_base_url.trim_end_matches('/'),
                    token.as_str()
                );
                // The link goes out through the outbox, written with the token that makes it
                // work (the template gets `minutes` with it).
                let message = self.account_message(&AccountMessage {
                    user_id: Some(&user.id),
                    to: &id,
                    template: "password_reset",
                    locale: &user.locale,
                    vars: &[],
                    secret: Some(MessageSecret {
                        name: "link",
                        value: &link,
                        expires_at,
                    }),
                });
                let (_, events) = self
                    .store
                    .insert_challenge_with_events(
                        NewChallenge {
                            id: uuid::Uuid::now_v7().to_string(),
                            token_hash: token.sha256_hex(),
                            user_id: user.id.clone(),
                            purpose: CHALLENGE_RESET.to_owned(),
                            data: None,
                            now,
                            expires_at,
                            ip: meta.ip.clone(),
                        },
                        vec![message],
                    )
                    .await?;
                self.deliver_now(&events).await;
            }
            Identifier::Phone(_) => {
                self.send_code(
                    PURPOSE_RESET,
                    id.as_str(),
                    &id,
                    &user.id,
                    "password_reset",
                    &user.locale,
                    &[],
                )
                .await?;
            }
        }
        self.audit(
            Some(&user.id),
            "password_reset_requested",
            Some(&user.id),
            meta,
            serde_json::json!({ "via": id.kind() }),
        )
        .await;
        Ok(())
    }

    /// True when a reset link is still good (for showing the form).
    pub async fn reset_link_is_live(&self, token: &str) -> Result<bool, AuthError> {
        Ok(self
            .store
            .challenge_by_hash(&token_hash(token), CHALLENGE_RESET, self.now())
            .await?
            .is_some())
    }

    /// Sets a new password with a reset proof. Every session of the account ends.
    pub async fn complete_password_reset(
        &self,
        proof: ResetProof,
        new_password: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        let now = self.now();
        let user = match &proof {
            ResetProof::Link(token) => {
                let hash = token_hash(token);
                let row = self
                    .store
                    .challenge_by_hash(&hash, CHALLENGE_RESET, now)
                    .await?
                    .ok_or(AuthError::ChallengeExpired)?;
                let user = self
                    .store
                    .user_by_id(&row.user_id)
                    .await?
                    .filter(|u| u.deleted_at.is_none())
                    .ok_or(AuthError::ChallengeExpired)?;
                let id = user
                    .email
                    .as_deref()
                    .and_then(|e| Identifier::parse(e).ok());
                check_password(new_password, id.as_ref())?;
                if !self
                    .store
                    .consume_challenge(&hash, CHALLENGE_RESET, now)
                    .await?
                {
                    return Err(AuthError::ChallengeExpired);
                }
                user
            }
            ResetProof::Code { identifier, code } => {
                let id = parse_identifier(identifier)?;
                check_password(new_password, Some(&id))?;
                let uid = self.check_code(PURPOSE_RESET, id.as_str(), code).await?;
                match uid {
                    Some(uid) => self.store.user_by_id(&uid).await?,
                    None => self.user_by_identifier(&id).await?,
                }
                .filter(|u| u.deleted_at.is_none())
                .ok_or(AuthError::CodeExpired)?
            }
        };
        let told = self
            .store
            .set_password_hash_with_events(
                &user.id,
                &hash_password(new_password),
                now,
                self.security_notice(&user, "password_changed"),
            )
            .await?;
        let ended = self
            .store
            .revoke_other_sessions(&user.id, None, now)
            .await?;
        self.audit(
            Some(&user.id),
            "password_reset",
            Some(&user.id),
            meta,
            serde_json::json!({ "sessions_ended": ended }),
        )
        .await;
        self.deliver_now(&told.unwrap_or_default()).await;
        Ok(())
    }

    /// Changes the password after re-entering the current one; other sessions end.
    pub async fn change_password(
        &self,
        who: &crate::Authenticated,
        current: &str,
        new_password: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        self.reauthenticate(who, current).await?;
        let id = who
            .user
            .email
            .as_deref()
            .or(who.user.phone.as_deref())
            .and_then(|s| Identifier::parse(s).ok());
        check_password(new_password, id.as_ref())?;
        let now = self.now();
        let told = self
            .store
            .set_password_hash_with_events(
                &who.user.id,
                &hash_password(new_password),
                now,
                self.security_notice(&who.user, "password_changed"),
            )
            .await?;
        let ended = self
            .store
            .revoke_other_sessions(&who.user.id, who.session_id.as_deref(), now)
            .await?;
        self.audit(
            Some(&who.user.id),
            "password_changed",
            Some(&who.user.id),
            meta,
            serde_json::json!({ "sessions_ended": ended }),
        )
        .await;
        self.deliver_now(&told.unwrap_or_default()).await;
        Ok(())
    }

    /// Checks the current password for a sensitive change (throttled like a sign-in).
    pub async fn reauthenticate(
        &self,
        who: &crate::Authenticated,
        password: &str,
    ) -> Result<(), AuthError> {
        let key = format!("reauth:{}", who.user.id);
        let keys = [(key.clone(), ThrottlePolicy::per_account())];
        self.throttle_check(&keys).await?;
        let ok = who
            .user
            .password_hash
            .as_deref()
            .is_some_and(|h| verify_password(password, h));
        if !ok {
            self.throttle_fail(&keys).await?;
            return Err(AuthError::ReauthFailed);
        }
        self.throttle_clear(&key).await?;
        Ok(())
    }

    /// The outbox event of the security notice `event` (to the account's confirmed address,
    /// e-mail first, on their main channel), to be written in the transaction of the change it
    /// tells of; none without such an address.
    pub(crate) fn security_notice(&self, user: &UserRow, event: &str) -> Vec<NewEvent> {
        security_recipient(user)
            .map(|to| {
                self.account_message(&AccountMessage {
                    user_id: Some(&user.id),
                    to: &to,
                    template: event,
                    locale: &user.locale,
                    vars: &[],
                    secret: None,
                })
            })
            .into_iter()
            .collect()
    }
}

/// Where security notices go: the confirmed e-mail address, else the confirmed phone.
fn security_recipient(user: &UserRow) -> Option<Identifier> {
    user.email
        .as_deref()
        .filter(|_| user.email_verified_at.is_some())
        .or(user
            .phone
            .as_deref()
            .filter(|_| user.phone_verified_at.is_some()))
        .and_then(|s| Identifier::parse(s).ok())
}
