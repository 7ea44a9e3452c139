//! Wiring of the account service: the sealing keys (configured, or generated once for a demo
//! installation), the message catalogue, the notification channels, and the demo accounts.

use chrono::Utc;
use wayfare_accounts::oidc::OidcProviderConfig;
use wayfare_accounts::{Accounts, AccountsConfig, Clock, Sealer};
use wayfare_domain::account::Role;
use wayfare_notify::Notifier;
use wayfare_store::accounts::NewUser;
use wayfare_store::{Store, StoreError};

use crate::config::{Config, Environment};

/// Where a demo installation keeps its generated sealing key.
const DATA_KEY_SETTING: &str = "data_encryption_key";
/// Marks that the demo accounts were made (and their passwords printed).
pub const DEMO_ACCOUNTS_SETTING: &str = "demo_accounts_created_at";

/// One demo account per role. Demo only: `serve` refuses to start with them in production.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] = &[
    (
        "traveller@demo.wayfare.test",
        "Demo-traveller-2026",
        Role::Customer,
    ),
    ("agent@demo.wayfare.test", "Demo-agent-2026", Role::Agent),
    (
        "supervisor@demo.wayfare.test",
        "Demo-supervisor-2026",
        Role::Supervisor,
    ),
    (
        "finance@demo.wayfare.test",
        "Demo-finance-2026",
        Role::Finance,
    ),
    ("admin@demo.wayfare.test", "Demo-admin-2026", Role::Admin),
];

async fn sealer(config: &Config, store: &Store) -> Result<Sealer, StoreError> {
    let mut keys: Vec<String> = config
        .accounts
        .encryption_keys
        .iter()
        .map(|k| k.expose().to_owned())
        .collect();
    if keys.is_empty() {
        // Validation refuses this in production; a demo installation generates one key once.
        keys.push(
            store
                .setting_or_init(DATA_KEY_SETTING, || Sealer::generate_key_entry("local"))
                .await?,
        );
    }
    Sealer::from_config(&keys).map_err(|e| StoreError::Corrupt(format!("encryption keys: {e}")))
}

/// Builds the account service for the server.
pub async fn service(
    config: &Config,
    store: &Store,
    code_key: Vec<u8>,
    clock: Clock,
    bound: std::net::SocketAddr,
) -> Result<Accounts, StoreError> {
    // Unset: the address this server actually listens on (0.0.0.0 is reached as 127.0.0.1).
    let public_base_url = config.accounts.public_base_url.clone().unwrap_or_else(|| {
        let mut addr = bound;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    });
    let oidc_providers = config
        .accounts
        .oidc
        .iter()
        .map(|p| OidcProviderConfig {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
            issuer: p.issuer.clone(),
            client_id: p.client_id.clone(),
            client_secret: p.client_secret.expose().to_owned(),
            scopes: p.scopes.clone(),
        })
        .collect();
    let accounts_config = AccountsConfig {
        public_base_url,
        oidc_providers,
        ..AccountsConfig::default()
    };
    let notifier = notifier(config, store, &accounts_config.public_base_url)?;
    Ok(Accounts::new(
        store.clone(),
        notifier,
        sealer(config, store).await?,
        code_key,
        accounts_config,
        clock,
    ))
}

/// The brand as e-mails show it.
pub fn brand(config: &Config, public_base_url: &str) -> wayfare_notify::templates::Brand {
    wayfare_notify::templates::Brand {
        name: config.brand.name.clone(),
        primary_color: config.brand.primary_color.clone(),
        accent_color: config.brand.accent_color.clone(),
        support_email: config.brand.support_email.clone(),
        public_url: public_base_url.to_owned(),
    }
}

/// The notification channels as configured: local (the demo mailbox) unless a provider is
/// chosen; a demo keeps a copy of what real providers send too (never in production).
fn notifier(config: &Config, store: &Store, public_base_url: &str) -> Result<Notifier, StoreError> {
    let n = &config.notifications;
    let channels =
        crate::notify_connectors::build(&n.email, &n.sms, &config.brand.name, public_base_url)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tracing::info!(
        email = channels.email.provider(),
        sms = channels.sms.provider(),
        callbacks = ?channels.callbacks,
        "notification channels"
    );
    let mut notifier = Notifier::new(
        store.clone(),
        channels.email,
        channels.sms,
        brand(config, public_base_url),
    )
    .with_callbacks(channels.callbacks);
    let keep = n.mailbox && config.env != crate::config::Environment::Production;
    if let Some(local) = channels.local.filter(|_| keep) {
        notifier = notifier.with_mailbox(local);
    } else if keep {
        notifier =
            notifier.with_mailbox(std::sync::Arc::new(wayfare_notify::LocalOutbox::new(500)));
    }
    Ok(notifier)
}

/// Creates the demo accounts if they are missing; returns the ones created (to print once).
pub async fn ensure_demo_accounts(
    store: &Store,
    locale: &str,
    currency: &str,
) -> Result<Vec<(&'static str, &'static str, Role)>, StoreError> {
    let mut created = Vec::new();
    let now = Utc::now();
    for (email, password, role) in DEMO_ACCOUNTS {
        if store.user_by_email(email).await?.is_some() {
            continue;
        }
        let user = match store
            .create_user(NewUser {
                id: uuid::Uuid::now_v7().to_string(),
                email: Some((*email).to_owned()),
                email_verified_at: Some(now),
                phone: None,
                phone_verified_at: None,
                password_hash: Some(wayfare_accounts::passwords::hash_password(password)),
                name_zh: None,
                given_name: None,
                family_name: None,
                locale: locale.to_owned(),
                currency: currency.to_owned(),
                now,
            })
            .await
        {
            Ok(u) => u,
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        };
        if *role != Role::Customer {
            store.grant_role(&user.id, role.as_str(), None, now).await?;
        }
        created.push((*email, *password, *role));
    }
    if store.setting(DEMO_ACCOUNTS_SETTING).await?.is_none() {
        store
            .set_setting(DEMO_ACCOUNTS_SETTING, &now.to_rfc3339())
            .await?;
    }
    Ok(created)
}

/// The demo accounts that still exist (production refuses to serve while any do).
pub async fn live_demo_accounts(store: &Store) -> Result<Vec<&'static str>, StoreError> {
    let mut live = Vec::new();
    for (email, _, _) in DEMO_ACCOUNTS {
        if store
            .user_by_email(email)
            .await?
            .is_some_and(|u| u.deleted_at.is_none())
        {
            live.push(*email);
        }
    }
    Ok(live)
}

/// True in production.
pub fn is_production(config: &Config) -> bool {
    config.env == Environment::Production
}
