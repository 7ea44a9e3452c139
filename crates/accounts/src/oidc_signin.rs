//! Signing in, registering and linking with an OpenID Connect provider (authorization code flow
//! with PKCE, `state` and `nonce`; the protocol itself is in [`crate::oidc`]).
//!
//! `start` keeps the flow's secrets (nonce, PKCE verifier, where to go next, who is linking)
//! server-side as a single-use challenge found by the hash of `state`, sealed; the browser
//! also carries `state` in a cookie, so a callback that was not started in this browser (login
//! CSRF) is refused. `finish` verifies the provider's answer and then:
//! - an identity already linked signs its account in (through the second factor when on);
//! - a signed-in user who started a link gets the identity added to the account;
//! - an unknown identity whose e-mail belongs to an existing account is refused (never merged
//!   silently: the owner signs in and links it);
//! - otherwise a new account is created, its e-mail confirmed only when the provider says so.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use url::Url;
use wayfare_domain::account::Identifier;
use wayfare_store::accounts::{NewChallenge, NewIdentity, NewUser};

use crate::error::AuthError;
use crate::oidc::{OidcClient, OidcError, OidcProviderConfig, PendingLogin, VerifiedIdentity};
use crate::service::{Accounts, Authenticated, RequestMeta, token_hash};
use crate::signin::SignInStep;

pub const CHALLENGE_OIDC: &str = "oidc";
/// The browser has this long at the provider.
const OIDC_FLOW_MINUTES: i64 = 10;

/// Discovered providers, by configured id.
pub(crate) type OidcClients = Arc<tokio::sync::Mutex<HashMap<String, OidcClient>>>;

/// Where to send the browser, and the `state` to keep in its cookie.
#[derive(Debug, Clone)]
pub struct OidcStart {
    pub authorization_url: Url,
    pub state: String,
}

/// What a completed provider round trip did.
#[derive(Debug)]
pub enum OidcOutcome {
    /// Signed in (or asked for the second factor); `next` is the page asked for at the start.
    SignIn {
        step: SignInStep,
        next: Option<String>,
        created: bool,
    },
    /// The identity was linked to the signed-in account.
    Linked { next: Option<String> },
}

/// A linked sign-in method, for the security page.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedIdentity {
    pub id: String,
    pub provider_id: Option<String>,
    pub provider_name: String,
    pub email: Option<String>,
    pub linked_at: chrono::DateTime<chrono::Utc>,
}

/// Sealed into the challenge row.
#[derive(Serialize, Deserialize)]
struct FlowData {
    pending: PendingLogin,
    next: Option<String>,
    /// Set when a signed-in user is linking this provider to their account.
    link_user_id: Option<String>,
}

fn provider_error(e: OidcError) -> AuthError {
    AuthError::Provider(format!("{}: {e}", e.code()))
}

impl Accounts {
    fn oidc_config(&self, provider_id: &str) -> Result<&OidcProviderConfig, AuthError> {
        self.config
            .oidc_providers
            .iter()
            .find(|p| p.id == provider_id)
            .ok_or(AuthError::NotFound)
    }

    /// The provider's client, discovered on first use and kept (with its key cache).
    async fn oidc_client(&self, provider_id: &str) -> Result<OidcClient, AuthError> {
        let config = self.oidc_config(provider_id)?.clone();
        let mut clients = self.oidc_clients.lock().await;
        if let Some(c) = clients.get(provider_id) {
            return Ok(c.clone());
        }
        let client = OidcClient::discover(self.http.clone(), config)
            .await
            .map_err(provider_error)?;
        clients.insert(provider_id.to_owned(), client.clone());
        Ok(client)
    }

    fn oidc_redirect_uri(&self, provider_id: &str) -> String {
        format!(
            "{}/auth/oidc/{provider_id}/callback",
            self.config.public_base_url.trim_end_matches('/')
        )
    }

    /// Begins a sign-in (or, with `link_user`, a link) at `provider_id`.
    pub async fn oidc_start(
        &self,
        provider_id: &str,
        link_user: Option<&Authenticated>,
        next: Option<String>,
        meta: &RequestMeta,
    ) -> Result<OidcStart, AuthError> {
        let client = self.oidc_client(provider_id).await?;
        let (url, pending) =
            client.authorization_request(&self.oidc_redirect_uri(provider_id), &mut rand::rng());
        let state = pending.state.clone();
        let id = uuid::Uuid::now_v7().to_string();
        let data = FlowData {
            pending,
            next,
            link_user_id: link_user.map(|u| u.user.id.clone()),
        };
        let json = serde_json::to_string(&data).map_err(|e| AuthError::Internal(e.to_string()))?;
        let now = self.now();
        self.store
            .insert_challenge(NewChallenge {
                id: id.clone(),
                token_hash: token_hash(&state),
                user_id: link_user.map(|u| u.user.id.clone()).unwrap_or_default(),
                purpose: CHALLENGE_OIDC.to_owned(),
                data: Some(self.sealer.seal(&json, &format!("oidc.flow:{id}"))),
                ip: meta.ip.clone(),
                now,
                expires_at: now + chrono::Duration::minutes(OIDC_FLOW_MINUTES),
            })
            .await?;
        Ok(OidcStart {
            authorization_url: url,
            state,
        })
    }

    /// Completes the flow the provider sent the browser back from. `browser_state` is the
    /// `state` cookie set by the start; `signed_in` is who is signed in now (for linking).
    #[allow(clippy::too_many_arguments)]
    pub async fn oidc_finish(
        &self,
        provider_id: &str,
        state: &str,
        code: Option<&str>,
        provider_error_code: Option<&str>,
        browser_state: Option<&str>,
        signed_in: Option<&Authenticated>,
        meta: &RequestMeta,
    ) -> Result<OidcOutcome, AuthError> {
        self.oidc_config(provider_id)?;
        let now = self.now();
        // The state must be this browser's and still unused; using it up first makes a
        // replayed callback fail whatever happens next.
        let same_browser = browser_state
            .is_some_and(|b| subtle::ConstantTimeEq::ct_eq(b.as_bytes(), state.as_bytes()).into());
        let hash = token_hash(state);
        let row = self
            .store
            .challenge_by_hash(&hash, CHALLENGE_OIDC, now)
            .await?;
        let Some(row) = row.filter(|_| same_browser && !state.is_empty()) else {
            self.audit(
                None,
                "oidc_state_refused",
                None,
                meta,
                serde_json::json!({ "provider": provider_id }),
            )
            .await;
            return Err(AuthError::ChallengeExpired);
        };
        if !self
            .store
            .consume_challenge(&hash, CHALLENGE_OIDC, now)
            .await?
        {
            return Err(AuthError::ChallengeExpired);
        }
        let sealed = row.data.as_deref().unwrap_or_default();
        let json = self.sealer.open(sealed, &format!("oidc.flow:{}", row.id))?;
        let data: FlowData =
            serde_json::from_str(&json).map_err(|e| AuthError::Internal(e.to_string()))?;
        if data.pending.provider_id != provider_id {
            return Err(AuthError::ChallengeExpired);
        }
        if let Some(err) = provider_error_code {
            // The user cancelled at the provider, or it refused the request.
            return Err(AuthError::Provider(format!(
                "provider answered error={}",
                crate::service::truncate(err, 64)
            )));
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or(AuthError::Provider("callback without a code".to_owned()))?;
        let client = self.oidc_client(provider_id).await?;
        let identity = match client.exchange(&data.pending, state, code, now).await {
            Ok(i) => i,
            Err(e) => {
                self.audit(
                    None,
                    "oidc_sign_in_failed",
                    None,
                    meta,
                    serde_json::json!({ "provider": provider_id, "reason": e.code() }),
                )
                .await;
                return Err(provider_error(e));
            }
        };

        if let Some(link_user_id) = &data.link_user_id {
            // A link must finish in the session that started it.
            let Some(who) = signed_in.filter(|w| &w.user.id == link_user_id) else {
                return Err(AuthError::Unauthenticated);
            };
            self.link(who, provider_id, &identity, meta).await?;
            return Ok(OidcOutcome::Linked { next: data.next });
        }

        if let Some(linked) = self
            .store
            .identity(&identity.issuer, &identity.subject)
            .await?
        {
            let user = self
                .store
                .user_by_id(&linked.user_id)
                .await?
                .filter(|u| u.deleted_at.is_none())
                .ok_or(AuthError::InvalidCredentials)?;
            self.audit(
                Some(&user.id),
                "sign_in_oidc",
                Some(&user.id),
                meta,
                serde_json::json!({ "provider": provider_id }),
            )
            .await;
            let step = self.after_first_factor(user, meta, "oidc").await?;
            return Ok(OidcOutcome::SignIn {
                step,
                next: data.next,
                created: false,
            });
        }

        // A new person. Their e-mail, when the provider vouches for it, must not belong to an
        // account already: that account's owner signs in and links the provider.
        let email = identity
            .email
            .as_deref()
            .and_then(|e| Identifier::parse(e).ok())
            .and_then(|i| i.email().map(|e| e.as_str().to_owned()));
        if let Some(e) = &email
            && self.store.user_by_email(e).await?.is_some()
        {
            self.audit(
                None,
                "oidc_email_in_use",
                None,
                meta,
                serde_json::json!({ "provider": provider_id }),
            )
            .await;
            return Err(AuthError::Taken { field: "email" });
        }
        let user_id = uuid::Uuid::now_v7().to_string();
        let (given_name, name_zh) = split_name(identity.name.as_deref());
        let locale = identity
            .locale
            .as_deref()
            .filter(|l| matches!(*l, "en" | "zh-CN"))
            .unwrap_or(&meta.locale)
            .to_owned();
        let user = match self
            .store
            .create_user(NewUser {
                id: user_id.clone(),
                email: email.clone(),
                email_verified_at: email
                    .as_ref()
                    .filter(|_| identity.email_verified)
                    .map(|_| now),
                phone: None,
                phone_verified_at: None,
                password_hash: None,
                name_zh,
                given_name,
                family_name: None,
                locale,
                currency: "CNY".to_owned(),
                now,
            })
            .await
        {
            Ok(u) => u,
            Err(wayfare_store::StoreError::Conflict(_)) => {
                return Err(AuthError::Taken { field: "email" });
            }
            Err(e) => return Err(e.into()),
        };
        self.store
            .link_identity(NewIdentity {
                id: uuid::Uuid::now_v7().to_string(),
                user_id: user.id.clone(),
                issuer: identity.issuer.clone(),
                subject: identity.subject.clone(),
                email: identity.email.clone(),
                now,
            })
            .await?;
        self.audit(
            Some(&user.id),
            "register_oidc",
            Some(&user.id),
            meta,
            serde_json::json!({ "provider": provider_id }),
        )
        .await;
        let step = self.after_first_factor(user, meta, "oidc").await?;
        Ok(OidcOutcome::SignIn {
            step,
            next: data.next,
            created: true,
        })
    }

    async fn link(
        &self,
        who: &Authenticated,
        provider_id: &str,
        identity: &VerifiedIdentity,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        if let Some(existing) = self
            .store
            .identity(&identity.issuer, &identity.subject)
            .await?
        {
            if existing.user_id == who.user.id {
                return Ok(());
            }
            return Err(AuthError::Taken { field: "identity" });
        }
        let told = match self
            .store
            .link_identity_with_events(
                NewIdentity {
                    id: uuid::Uuid::now_v7().to_string(),
                    user_id: who.user.id.clone(),
                    issuer: identity.issuer.clone(),
                    subject: identity.subject.clone(),
                    email: identity.email.clone(),
                    now: self.now(),
                },
                self.security_notice(&who.user, "identity_linked"),
            )
            .await
        {
            Ok((_, told)) => told,
            Err(wayfare_store::StoreError::Conflict(_)) => {
                return Err(AuthError::Taken { field: "identity" });
            }
            Err(e) => return Err(e.into()),
        };
        self.audit(
            Some(&who.user.id),
            "identity_linked",
            Some(&who.user.id),
            meta,
            serde_json::json!({ "provider": provider_id }),
        )
        .await;
        self.deliver_now(&told).await;
        Ok(())
    }

    /// The sign-in methods linked to the account, named by their configured provider.
    pub async fn linked_identities(&self, user_id: &str) -> Result<Vec<LinkedIdentity>, AuthError> {
        let rows = self.store.identities_of(user_id).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let provider = self
                    .config
                    .oidc_providers
                    .iter()
                    .find(|p| p.issuer.trim_end_matches('/') == r.issuer.trim_end_matches('/'));
                LinkedIdentity {
                    id: r.id,
                    provider_id: provider.map(|p| p.id.clone()),
                    provider_name: provider
                        .map(|p| p.display_name.clone())
                        .unwrap_or_else(|| r.issuer.clone()),
                    email: r.email,
                    linked_at: r.created_at,
                }
            })
            .collect())
    }

    /// Removes a linked sign-in method, unless it is the account's last way to sign in.
    pub async fn unlink_identity(
        &self,
        who: &Authenticated,
        identity_id: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        let rows = self.store.identities_of(&who.user.id).await?;
        if !rows.iter().any(|r| r.id == identity_id) {
            return Err(AuthError::NotFound);
        }
        let has_password = who.user.password_hash.is_some();
        if !has_password && rows.len() <= 1 {
            return Err(AuthError::field("identity", "reason-last-sign-in-method"));
        }
        let Some(told) = self
            .store
            .unlink_identity_with_events(
                &who.user.id,
                identity_id,
                self.security_notice(&who.user, "identity_unlinked"),
                self.now(),
            )
            .await?
        else {
            return Err(AuthError::NotFound);
        };
        self.audit(
            Some(&who.user.id),
            "identity_unlinked",
            Some(&who.user.id),
            meta,
            serde_json::json!({ "identity": identity_id }),
        )
        .await;
        self.deliver_now(&told).await;
        Ok(())
    }
}

/// A provider's display name goes to the Chinese name when it is Chinese, else to the given
/// name (the passport spelling is the user's to enter).
fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return (None, None);
    };
    let name: String = name.chars().take(64).collect();
    if name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        (None, Some(name))
    } else {
        (Some(name), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_where_they_belong() {
        assert_eq!(split_name(Some("  ")), (None, None));
        assert_eq!(
            split_name(Some("Ada Lovelace")),
            (Some("Ada Lovelace".into()), None)
        );
        assert_eq!(split_name(Some("李小红")), (None, Some("李小红".into())));
    }
}
