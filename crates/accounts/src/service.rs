//! The [`Accounts`] service: configuration, sessions and API tokens, throttling, audit and the
//! helpers the sign-in flows share.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use wayfare_domain::account::codes::{SecretToken, hmac_code_hash, one_time_code, sha256_hex};
use wayfare_domain::account::throttle::{ThrottlePolicy, ThrottleState};
use wayfare_domain::account::{Identifier, Role};
use wayfare_notify::Notifier;
use wayfare_notify::outbox::RetryPolicy;
use wayfare_store::Store;
use wayfare_store::accounts::{NewApiToken, NewCode, NewSession, ThrottleRow, UserRow};
use wayfare_store::audit::NewAuditEntry;

use crate::error::AuthError;
use crate::messages::{AccountMessage, MessageSecret};
use crate::sealing::Sealer;

/// The clock flows read "now" from (tests pass a fixed one).
pub use wayfare_domain::Clock;

/// Translates a Fluent message: `(locale, key, arguments)`. The web layer's catalogue.
pub type Translate = Arc<dyn Fn(&str, &str, &[(&str, String)]) -> String + Send + Sync>;

/// Lifetimes and limits.
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// Shown in authenticator apps and messages.
    pub issuer_name: String,
    /// A session lasts this long after its last use.
    pub session_idle: Duration,
    /// …and never longer than this after sign-in.
    pub session_absolute: Duration,
    pub code_ttl: Duration,
    pub code_max_attempts: u32,
    /// At most this many codes to one destination per hour.
    pub codes_per_hour: u64,
    pub challenge_ttl: Duration,
    pub reset_link_ttl: Duration,
    /// Absolute base URL for links in messages (`https://travel.example`).
    pub public_base_url: String,
    /// OpenID Connect providers offered on the sign-in page.
    pub oidc_providers: Vec<crate::oidc::OidcProviderConfig>,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            issuer_name: "Wayfare".into(),
            session_idle: Duration::days(14),
            session_absolute: Duration::days(60),
            code_ttl: Duration::minutes(10),
            code_max_attempts: 5,
            codes_per_hour: 5,
            challenge_ttl: Duration::minutes(5),
            reset_link_ttl: Duration::minutes(30),
            public_base_url: "http://127.0.0.1:8080".into(),
            oidc_providers: Vec::new(),
        }
    }
}

/// Who is asking, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub locale: String,
}

/// A session that was just created. The token goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub session_id: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// The user behind a request's session cookie or bearer token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: UserRow,
    pub roles: Vec<Role>,
    /// Set for cookie sessions; `None` for API tokens.
    pub session_id: Option<String>,
    pub api_token_id: Option<String>,
}

impl Authenticated {
    pub fn has_role(&self, role: Role) -> bool {
        role == Role::Customer || self.roles.contains(&role)
    }

    pub fn user_id(&self) -> &str {
        &self.user.id
    }
}

/// The account service. Cheap to clone.
#[derive(Clone)]
pub struct Accounts {
    pub(crate) store: Store,
    pub(crate) notifier: Notifier,
    pub(crate) sealer: Arc<Sealer>,
    /// Keys the one-time-code hashes, so a leaked table does not give codes away by brute force.
    pub(crate) code_key: Arc<Vec<u8>>,
    pub(crate) config: AccountsConfig,
    pub(crate) clock: Clock,
    /// For OpenID providers.
    pub(crate) http: reqwest::Client,
    pub(crate) oidc_clients: crate::oidc_signin::OidcClients,
    /// The outbox workers' retry policy, which a message that fails at once is left to.
    pub(crate) message_retry: RetryPolicy,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts").finish_non_exhaustive()
    }
}

impl Accounts {
    pub fn new(
        store: Store,
        notifier: Notifier,
        sealer: Sealer,
        code_key: Vec<u8>,
        config: AccountsConfig,
        clock: Clock,
    ) -> Accounts {
        Accounts {
            store,
            notifier,
            sealer: Arc::new(sealer),
            code_key: Arc::new(code_key),
            config,
            clock,
            http: reqwest::Client::builder()
                .user_agent(concat!("Wayfare/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            oidc_clients: Default::default(),
            message_retry: RetryPolicy::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub fn config(&self) -> &AccountsConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// OpenID Connect providers to offer on the sign-in page: (id, display name).
    pub fn oidc_providers(&self) -> Vec<(String, String)> {
        self.config
            .oidc_providers
            .iter()
            .map(|p| (p.id.clone(), p.display_name.clone()))
            .collect()
    }

    // ----- sessions -------------------------------------------------------------------------

    pub(crate) async fn start_session(
        &self,
        user: &UserRow,
        meta: &RequestMeta,
        method: &str,
    ) -> Result<SignedIn, AuthError> {
        let now = self.now();
        let token = SecretToken::generate(&mut rand::rng());
        let id = uuid::Uuid::now_v7().to_string();
        let expires_at = now + self.config.session_idle;
        self.store
            .create_session(NewSession {
                id: id.clone(),
                token_hash: token.sha256_hex(),
                user_id: user.id.clone(),
                now,
                expires_at,
                ip: meta.ip.clone(),
                user_agent: meta.user_agent.as_deref().map(|u| truncate(u, 200)),
            })
            .await?;
        self.audit(
            Some(&user.id),
            "sign_in",
            Some(&user.id),
            meta,
            serde_json::json!({ "method": method, "session": id }),
        )
        .await;
        Ok(SignedIn {
            user_id: user.id.clone(),
            session_id: id,
            token: token.as_str().to_owned(),
            expires_at,
        })
    }

    /// The user behind a session cookie, renewing the session's idle expiry now and then.
    pub async fn authenticate_session(
        &self,
        token: &str,
    ) -> Result<Option<Authenticated>, AuthError> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let now = self.now();
        let hash = token_hash(token);
        let Some((session, user)) = self.store.session_by_token_hash(&hash, now).await? else {
            return Ok(None);
        };
        if now - session.created_at > self.config.session_absolute {
            return Ok(None);
        }
        // Renew at most once a minute: a page with ten assets must not write ten times.
        if now - session.last_seen_at > Duration::minutes(1) {
            let expiry = (now + self.config.session_idle)
                .min(session.created_at + self.config.session_absolute);
            self.store.touch_session(&session.id, now, expiry).await?;
        }
        let roles = self.roles_of(&user.id).await?;
        Ok(Some(Authenticated {
            user,
            roles,
            session_id: Some(session.id),
            api_token_id: None,
        }))
    }

    /// The user behind an `Authorization: Bearer wfp_…` token.
    pub async fn authenticate_bearer(
        &self,
        token: &str,
    ) -> Result<Option<Authenticated>, AuthError> {
        if !token.starts_with("wfp_") || token.len() > 100 {
            return Ok(None);
        }
        let hash = token_hash(token);
        let Some((row, user)) = self.store.api_token_by_hash(&hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        if row
            .last_used_at
            .is_none_or(|t| now - t > Duration::minutes(1))
        {
            self.store.touch_api_token(&row.id, now).await?;
        }
        let roles = self.roles_of(&user.id).await?;
        Ok(Some(Authenticated {
            user,
            roles,
            session_id: None,
            api_token_id: Some(row.id),
        }))
    }

    pub async fn sign_out(&self, who: &Authenticated, meta: &RequestMeta) -> Result<(), AuthError> {
        if let Some(sid) = &who.session_id {
            self.store
                .revoke_session(&who.user.id, sid, self.now())
                .await?;
            self.audit(
                Some(&who.user.id),
                "sign_out",
                None,
                meta,
                serde_json::json!({}),
            )
            .await;
        }
        Ok(())
    }

    /// Ends one of the user's own sessions.
    pub async fn revoke_session(
        &self,
        who: &Authenticated,
        session_id: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        if !self
            .store
            .revoke_session(&who.user.id, session_id, self.now())
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "session_revoked",
            Some(session_id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    /// "Sign out everywhere else": every session but the current one.
    pub async fn revoke_other_sessions(
        &self,
        who: &Authenticated,
        meta: &RequestMeta,
    ) -> Result<u64, AuthError> {
        let n = self
            .store
            .revoke_other_sessions(&who.user.id, who.session_id.as_deref(), self.now())
            .await?;
        self.audit(
            Some(&who.user.id),
            "sessions_revoked",
            None,
            meta,
            serde_json::json!({ "count": n }),
        )
        .await;
        Ok(n)
    }

    /// A new personal API token; the secret is returned once and only its hash is kept.
    pub async fn create_api_token(
        &self,
        who: &Authenticated,
        name: &str,
        meta: &RequestMeta,
    ) -> Result<(String, String), AuthError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(AuthError::field("name", "reason-token-name"));
        }
        let secret = format!("wfp_{}", SecretToken::generate(&mut rand::rng()).as_str());
        let id = uuid::Uuid::now_v7().to_string();
        self.store
            .create_api_token(NewApiToken {
                id: id.clone(),
                user_id: who.user.id.clone(),
                name: name.to_owned(),
                token_hash: token_hash(&secret),
                prefix: secret.chars().take(12).collect(),
                now: self.now(),
            })
            .await?;
        self.audit(
            Some(&who.user.id),
            "api_token_created",
            Some(&id),
            meta,
            serde_json::json!({ "name": name }),
        )
        .await;
        Ok((id, secret))
    }

    pub async fn revoke_api_token(
        &self,
        who: &Authenticated,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        if !self
            .store
            .revoke_api_token(&who.user.id, id, self.now())
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "api_token_revoked",
            Some(id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    // ----- roles ----------------------------------------------------------------------------

    pub async fn roles_of(&self, user_id: &str) -> Result<Vec<Role>, AuthError> {
        Ok(self
            .store
            .roles_of(user_id)
            .await?
            .iter()
            .filter_map(|r| Role::parse(r).ok())
            .collect())
    }

    // ----- throttling -----------------------------------------------------------------------

    pub(crate) fn account_key(identifier: &Identifier) -> String {
        format!("acct:{}", identifier.as_str())
    }

    pub(crate) fn ip_key(meta: &RequestMeta) -> Option<String> {
        meta.ip.as_ref().map(|ip| format!("ip:{ip}"))
    }

    /// Refuses when the account or the address is cooling down.
    pub(crate) async fn throttle_check(
        &self,
        keys: &[(String, ThrottlePolicy)],
    ) -> Result<(), AuthError> {
        let now = self.now();
        let mut wait = 0u64;
        for (key, policy) in keys {
            let state = self.store.throttle_state(key).await?.map(|r| to_state(&r));
            if let Err(retry) = policy.check(state.as_ref(), now) {
                wait = wait.max(retry.secs);
            }
        }
        if wait > 0 {
            return Err(AuthError::Throttled {
                retry_after_secs: wait,
            });
        }
        Ok(())
    }

    /// Counts a failure against each key. Compare-and-swap, so concurrent failures are all
    /// counted (a burst of guesses cannot slip through between read and write).
    pub(crate) async fn throttle_fail(
        &self,
        keys: &[(String, ThrottlePolicy)],
    ) -> Result<(), AuthError> {
        let now = self.now();
        for (key, policy) in keys {
            for _ in 0..20 {
                let row = self.store.throttle_state(key).await?;
                let next = policy.after_failure(row.as_ref().map(to_state).as_ref(), now);
                let next_row = ThrottleRow {
                    key: key.clone(),
                    failures: i64::from(next.failures),
                    window_started_at: next.window_started_at,
                    last_failure_at: next.last_failure_at,
                    locked_until: next.locked_until,
                };
                if self
                    .store
                    .swap_throttle_state(row.as_ref(), &next_row)
                    .await?
                {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Whether a booking may be looked up by reference and e-mail from this address now:
    /// refused (`Throttled`) while it cools down after too many misses, as sign-ins are, so
    /// references cannot be guessed at speed.
    pub async fn lookup_allowed(&self, meta: &RequestMeta) -> Result<(), AuthError> {
        match Self::lookup_key(meta) {
            Some(key) => {
                self.throttle_check(&[(key, ThrottlePolicy::per_ip())])
                    .await
            }
            None => Ok(()),
        }
    }

    /// Counts a look-up that found nothing against the address. A failure to count is
    /// logged; the look-up's answer stands.
    pub async fn lookup_missed(&self, meta: &RequestMeta) {
        if let Some(key) = Self::lookup_key(meta)
            && let Err(e) = self.throttle_fail(&[(key, ThrottlePolicy::per_ip())]).await
        {
            tracing::error!(error = %e, "booking look-up miss not counted");
        }
    }

    fn lookup_key(meta: &RequestMeta) -> Option<String> {
        Self::ip_key(meta).map(|ip| format!("find-booking:{ip}"))
    }

    pub(crate) async fn throttle_clear(&self, key: &str) -> Result<(), AuthError> {
        self.store.clear_throttle(key).await?;
        Ok(())
    }

    // ----- codes and messages ---------------------------------------------------------------

    pub(crate) fn code_hash(&self, purpose: &str, destination: &str, code: &str) -> String {
        hmac_code_hash(&self.code_key, purpose, destination, code)
    }

    /// Issues a one-time code for `purpose` (kept under `destination`, rate-limited per
    /// destination) and sends it to `to` as the message `event`, with `extra` arguments besides
    /// the code and the minutes it stays valid (`minutes`, which every code template is
    /// given). The message is an outbox event written with the code, delivered at once; a
    /// provider that is down is retried by the outbox workers, so the code is not lost.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn send_code(
        &self,
        purpose: &str,
        destination: &str,
        to: &Identifier,
        user_id: &str,
        event: &str,
        locale: &str,
        extra: &[(&str, String)],
    ) -> Result<(), AuthError> {
        let now = self.now();
        let sent = self
            .store
            .recent_code_count(purpose, destination, now - Duration::hours(1))
            .await?;
        if sent >= self.config.codes_per_hour {
            return Err(AuthError::SendLimited {
                retry_after_secs: 3600,
            });
        }
        let code = one_time_code(&mut rand::rng());
        let expires_at = now + self.config.code_ttl;
        let message = self.account_message(&AccountMessage {
            user_id: Some(user_id),
            to,
            template: event,
            locale,
            vars: extra,
            secret: Some(MessageSecret {
                name: "code",
                value: &code,
                expires_at,
            }),
        });
        let events = self
            .store
            .insert_code_with_events(
                NewCode {
                    id: uuid::Uuid::now_v7().to_string(),
                    purpose: purpose.to_owned(),
                    destination: destination.to_owned(),
                    user_id: Some(user_id.to_owned()),
                    code_hash: self.code_hash(purpose, destination, &code),
                    now,
                    expires_at,
                },
                vec![message],
            )
            .await?;
        self.deliver_now(&events).await;
        Ok(())
    }

    /// Tells `to` the message of `event`'s template in `locale` with `args` as its variables
    /// (a notice with no secret), through the outbox, at once. Failures are logged, never
    /// fatal to the flow.
    pub(crate) async fn send(
        &self,
        user_id: Option<&str>,
        to: &Identifier,
        event: &str,
        locale: &str,
        args: &[(&str, String)],
    ) {
        self.tell(&AccountMessage {
            user_id,
            to,
            template: event,
            locale,
            vars: args,
            secret: None,
        })
        .await;
    }

    // ----- audit ----------------------------------------------------------------------------

    /// Appends to the audit log. A failure to write is logged; it never undoes the action.
    pub async fn audit(
        &self,
        actor: Option<&str>,
        action: &str,
        target: Option<&str>,
        meta: &RequestMeta,
        detail: serde_json::Value,
    ) {
        let entry = NewAuditEntry {
            at: self.now(),
            actor_user_id: actor.map(str::to_owned),
            action: action.to_owned(),
            target: target.map(str::to_owned),
            ip: meta.ip.clone(),
            detail: detail.to_string(),
        };
        if let Err(e) = self.store.append_audit(entry).await {
            tracing::error!(action, error = %e, "audit entry not written");
        }
    }
}

/// SHA-256 (hex) of a token as presented: how sessions, challenges, API and recovery codes are
/// looked up.
pub(crate) fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

fn to_state(r: &ThrottleRow) -> ThrottleState {
    ThrottleState {
        failures: u32::try_from(r.failures).unwrap_or(0),
        window_started_at: r.window_started_at,
        last_failure_at: r.last_failure_at,
        locked_until: r.locked_until,
    }
}

pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}
