//! Accounts and sign-in state: users, roles, linked OpenID identities, sessions, personal API
//! tokens, one-time codes, sign-in challenges, recovery codes, throttling, anonymisation and the
//! data export. Takes and returns hashes and sealed strings made by the account service; every
//! state change that must happen once is a conditional UPDATE checked by `rows_affected`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde_json::{Value, json};

use crate::entity::{
    api_token, auth_challenge, auth_throttle, notification, one_time_code, payment_method,
    recovery_code, session, traveller, user, user_identity, user_role,
};
use crate::outbox::{NewEvent, enqueue_event_id};
use crate::{Store, StoreError};

pub type UserRow = user::Model;
pub type IdentityRow = user_identity::Model;
pub type SessionRow = session::Model;
pub type ApiTokenRow = api_token::Model;
pub type CodeRow = one_time_code::Model;
pub type ChallengeRow = auth_challenge::Model;
pub type ThrottleRow = auth_throttle::Model;

/// `users.second_factor` when two-factor sign-in is off.
pub const SECOND_FACTOR_NONE: &str = "none";

/// A new account. E-mail is stored trimmed and lowercase, phone trimmed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub email: Option<String>,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub phone: Option<String>,
    pub phone_verified_at: Option<DateTime<Utc>>,
    /// PHC string; `password_changed_at` is set to `now` when present.
    pub password_hash: Option<String>,
    pub name_zh: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub locale: String,
    pub currency: String,
    pub now: DateTime<Utc>,
}

/// Profile changes: `None` leaves a field as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub name_zh: Option<Option<String>>,
    pub given_name: Option<Option<String>>,
    pub family_name: Option<Option<String>>,
    pub locale: Option<String>,
    pub currency: Option<String>,
    /// A new address. When it differs from the stored one, `email_verified_at` becomes
    /// `email_verified_at` below (none: unverified); the same address keeps its verification.
    pub email: Option<Option<String>>,
    pub email_verified_at: Option<DateTime<Utc>>,
    /// As `email`.
    pub phone: Option<Option<String>>,
    pub phone_verified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub id: String,
    pub user_id: String,
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    /// SHA-256 of the cookie's token, lowercase hex.
    pub token_hash: String,
    pub user_id: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub token_hash: String,
    /// The token's first characters, for display.
    pub prefix: String,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewCode {
    pub id: String,
    pub purpose: String,
    pub destination: String,
    pub user_id: Option<String>,
    pub code_hash: String,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// How submitting a one-time code ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    /// The code was right and is now used up.
    Ok {
        user_id: Option<String>,
    },
    /// The code was wrong; `attempts_left` more tries (0: the code is dead).
    Wrong {
        attempts_left: i32,
    },
    Expired,
    /// No live code for the purpose and destination (never sent, replaced, or already used).
    NotFound,
    TooManyAttempts,
}

#[derive(Debug, Clone)]
pub struct NewChallenge {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub purpose: String,
    pub data: Option<String>,
    pub ip: Option<String>,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Records `events` in `txn`; answers the ids of those recorded (not those whose dedupe key was
/// recorded before).
async fn enqueue_events(
    txn: &DatabaseTransaction,
    events: Vec<NewEvent>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::with_capacity(events.len());
    for e in events {
        ids.extend(enqueue_event_id(txn, e, now).await?);
    }
    Ok(ids)
}

pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Opens a transaction that writes. SQLite takes the write lock at BEGIN, so a read that
/// precedes the first write cannot fail later with a stale snapshot (SQLITE_BUSY_SNAPSHOT,
/// which the busy timeout does not retry); PostgreSQL ignores the mode.
/// Changes an active account's columns (and `updated_at`) if it matches `extra`: `false` when
/// no account matched.
async fn update_user_in<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    set: Vec<(user::Column, Expr)>,
    extra: Condition,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(active_user())
        .filter(extra);
    for (col, expr) in set {
        update = update.col_expr(col, expr);
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Locks an active (not anonymised) user's row for the rest of `txn`, serialising per-user
/// invariants (one default payment method, the travellers cap). PostgreSQL: FOR UPDATE; SQLite:
/// the IMMEDIATE transaction already holds the database's write lock.
pub(crate) async fn lock_active_user(
    txn: &DatabaseTransaction,
    user_id: &str,
) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find_by_id(user_id.to_owned())
        .filter(user::Column::DeletedAt.is_null())
        .lock_exclusive()
        .one(txn)
        .await?)
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn normalise_phone(phone: &str) -> String {
    phone.trim().to_owned()
}

/// Equality that takes as long for a near miss as for a far one.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `\` as the escape character.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn active_user() -> Condition {
    Condition::all().add(user::Column::DeletedAt.is_null())
}

impl Store {
    // ---------------------------------------------------------------- users

    /// Creates an account; `Conflict("email")` / `Conflict("phone")` when the address is taken.
    pub async fn create_user(&self, u: NewUser) -> Result<UserRow, StoreError> {
        let email = u.email.as_deref().map(normalise_email);
        let phone = u.phone.as_deref().map(normalise_phone);
        let row = user::ActiveModel {
            id: Set(u.id.clone()),
            email: Set(email.clone()),
            email_verified_at: Set(u.email_verified_at),
            phone: Set(phone.clone()),
            phone_verified_at: Set(u.phone_verified_at),
            password_changed_at: Set(u.password_hash.is_some().then_some(u.now)),
            password_hash: Set(u.password_hash),
            name_zh: Set(u.name_zh),
            given_name: Set(u.given_name),
            family_name: Set(u.family_name),
            locale: Set(u.locale),
            currency: Set(u.currency),
            preferences: Set("{}".into()),
            notification_prefs: Set("{}".into()),
            second_factor: Set(SECOND_FACTOR_NONE.into()),
            totp_secret_sealed: Set(None),
            totp_last_step: Set(None),
            created_at: Set(u.now),
            updated_at: Set(u.now),
            deleted_at: Set(None),
        };
        if let Err(e) = user::Entity::insert(row)
            .exec_without_returning(self.db())
            .await
        {
            if is_unique_violation(&e) {
                return Err(self
                    .taken_field(&e, email.as_deref(), phone.as_deref())
                    .await);
            }
            return Err(e.into());
        }
        self.user_by_id(&u.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {} vanished", u.id)))
    }

    /// Which of the user's unique columns a violation was about.
    async fn taken_field(&self, e: &DbErr, email: Option<&str>, phone: Option<&str>) -> StoreError {
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = e.sql_err() {
            // SQLite names `users.email`, PostgreSQL the index `ux_users_email`.
            if msg.contains("email") {
                return StoreError::Conflict("email");
            }
            if msg.contains("phone") {
                return StoreError::Conflict("phone");
            }
        }
        if let Some(email) = email
            && matches!(self.user_by_email(email).await, Ok(Some(_)))
        {
            return StoreError::Conflict("email");
        }
        if let Some(phone) = phone
            && matches!(self.user_by_phone(phone).await, Ok(Some(_)))
        {
            return StoreError::Conflict("phone");
        }
        StoreError::Conflict("id")
    }

    /// The account, anonymised ones included (check `deleted_at`).
    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(user::Entity::find_by_id(id.to_owned())
            .one(self.db())
            .await?)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(normalise_email(email)))
            .one(self.db())
            .await?)
    }

    pub async fn user_by_phone(&self, phone: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::Phone.eq(normalise_phone(phone)))
            .one(self.db())
            .await?)
    }

    async fn update_user(
        &self,
        user_id: &str,
        set: Vec<(user::Column, Expr)>,
        extra: Condition,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        update_user_in(self.db(), user_id, set, extra, now).await
    }

    /// [`Store::update_user`] and, when it applied, `events` in the same transaction: the
    /// events' ids, or `None` when no active account `user_id` matched (nothing written).
    async fn update_user_with_events(
        &self,
        user_id: &str,
        set: Vec<(user::Column, Expr)>,
        now: DateTime<Utc>,
        events: Vec<NewEvent>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let txn = begin_write(self.db()).await?;
        if !update_user_in(&txn, user_id, set, Condition::all(), now).await? {
            return Ok(None);
        }
        let ids = enqueue_events(&txn, events, now).await?;
        txn.commit().await?;
        Ok(Some(ids))
    }

    /// Marks `email` verified if it is still the account's address.
    pub async fn mark_email_verified(
        &self,
        user_id: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.update_user(
            user_id,
            vec![(user::Column::EmailVerifiedAt, Expr::value(now))],
            Condition::all().add(user::Column::Email.eq(normalise_email(email))),
            now,
        )
        .await
    }

    /// Marks `phone` verified if it is still the account's number.
    pub async fn mark_phone_verified(
        &self,
        user_id: &str,
        phone: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.update_user(
            user_id,
            vec![(user::Column::PhoneVerifiedAt, Expr::value(now))],
            Condition::all().add(user::Column::Phone.eq(normalise_phone(phone))),
            now,
        )
        .await
    }

    pub async fn set_password_hash(
        &self,
        user_id: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .set_password_hash_with_events(user_id, hash, now, Vec::new())
            .await?
            .is_some())
    }

    /// [`Store::set_password_hash`] with the outbox events that tell of it (the account's
    /// "password changed" notice), in the same transaction: their ids, or `None` when there is
    /// no such active account.
    pub async fn set_password_hash_with_events(
        &self,
        user_id: &str,
        hash: &str,
        now: DateTime<Utc>,
        events: Vec<NewEvent>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        self.update_user_with_events(
            user_id,
            vec![
                (user::Column::PasswordHash, Expr::value(hash)),
                (user::Column::PasswordChangedAt, Expr::value(now)),
            ],
            now,
            events,
        )
        .await
    }

    /// Applies profile changes to an active account; `None` when there is none,
    /// `Conflict("email" | "phone")` when a new address belongs to another account.
    pub async fn update_profile(
        &self,
        user_id: &str,
        p: &ProfileUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<UserRow>, StoreError> {
        let mut set: Vec<(user::Column, Expr)> = Vec::new();
        for (col, v) in [
            (user::Column::NameZh, &p.name_zh),
            (user::Column::GivenName, &p.given_name),
            (user::Column::FamilyName, &p.family_name),
        ] {
            if let Some(v) = v {
                set.push((col, Expr::value(v.clone())));
            }
        }
        if let Some(locale) = &p.locale {
            set.push((user::Column::Locale, Expr::value(locale.clone())));
        }
        if let Some(currency) = &p.currency {
            set.push((user::Column::Currency, Expr::value(currency.clone())));
        }
        let email = p.email.as_ref().map(|e| e.as_deref().map(normalise_email));
        let phone = p.phone.as_ref().map(|e| e.as_deref().map(normalise_phone));
        for (col, verified_col, value, verified) in [
            (
                user::Column::Email,
                user::Column::EmailVerifiedAt,
                &email,
                p.email_verified_at,
            ),
            (
                user::Column::Phone,
                user::Column::PhoneVerifiedAt,
                &phone,
                p.phone_verified_at,
            ),
        ] {
            let Some(value) = value else { continue };
            // SET expressions all see the old row, so the CASE compares with the stored value.
            let same = match value {
                Some(v) => Expr::col(col).eq(v.clone()),
                None => Expr::col(col).is_null(),
            };
            set.push((
                verified_col,
                Expr::case(same, Expr::col(verified_col))
                    .finally(Expr::value(verified))
                    .into(),
            ));
            set.push((col, Expr::value(value.clone())));
        }
        match self.update_user(user_id, set, Condition::all(), now).await {
            Ok(true) => self.user_by_id(user_id).await,
            Ok(false) => Ok(None),
            Err(StoreError::Db(e)) if is_unique_violation(&e) => Err(self
                .taken_field(
                    &e,
                    email.as_ref().and_then(|e| e.as_deref()),
                    phone.as_ref().and_then(|p| p.as_deref()),
                )
                .await),
            Err(e) => Err(e),
        }
    }

    /// Search defaults, as a JSON object the service validated.
    pub async fn set_preferences(
        &self,
        user_id: &str,
        json: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.update_user(
            user_id,
            vec![(user::Column::Preferences, Expr::value(json))],
            Condition::all(),
            now,
        )
        .await
    }

    /// Channels per event type, as a JSON object the service validated.
    pub async fn set_notification_prefs(
        &self,
        user_id: &str,
        json: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.update_user(
            user_id,
            vec![(user::Column::NotificationPrefs, Expr::value(json))],
            Condition::all(),
            now,
        )
        .await
    }

    /// Sets the second factor ("none" | "totp" | "sms" | "email") and the sealed TOTP secret
    /// (none unless "totp"). The replay guard restarts with the new secret.
    pub async fn set_second_factor(
        &self,
        user_id: &str,
        kind: &str,
        totp_secret_sealed: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .set_second_factor_with_events(user_id, kind, totp_secret_sealed, now, Vec::new())
            .await?
            .is_some())
    }

    /// [`Store::set_second_factor`] with the outbox events that tell of it, in the same
    /// transaction: their ids, or `None` when there is no such active account.
    pub async fn set_second_factor_with_events(
        &self,
        user_id: &str,
        kind: &str,
        totp_secret_sealed: Option<String>,
        now: DateTime<Utc>,
        events: Vec<NewEvent>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        self.update_user_with_events(
            user_id,
            vec![
                (user::Column::SecondFactor, Expr::value(kind)),
                (
                    user::Column::TotpSecretSealed,
                    Expr::value(totp_secret_sealed),
                ),
                (user::Column::TotpLastStep, Expr::value(Option::<i64>::None)),
            ],
            now,
            events,
        )
        .await
    }

    /// Records `step` as the last accepted TOTP step if it is later than the last one: `false`
    /// for a replay (the same or an earlier step), even when two requests race.
    pub async fn advance_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let updated = user::Entity::update_many()
            .col_expr(user::Column::TotpLastStep, Expr::value(step))
            .filter(user::Column::Id.eq(user_id))
            .filter(active_user())
            .filter(
                Condition::any()
                    .add(user::Column::TotpLastStep.is_null())
                    .add(user::Column::TotpLastStep.lt(step)),
            )
            .exec(self.db())
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// Deletes an account the way the law means it: personal columns cleared (e-mail and phone
    /// become NULL, so they can register again), `deleted_at` set, travellers, identities,
    /// roles, codes, challenges, recovery codes and notifications deleted, payment methods
    /// soft-deleted with their tokens dropped, sessions and API tokens revoked — in one
    /// transaction. Orders, payments and the audit log stay. `false` when there was no active
    /// account.
    pub async fn anonymise_user(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let txn = begin_write(self.db()).await?;
        let Some(before) = lock_active_user(&txn, user_id).await? else {
            txn.rollback().await?;
            return Ok(false);
        };
        let none_s = || Expr::value(Option::<String>::None);
        let none_t = || Expr::value(Option::<DateTime<Utc>>::None);
        let cleared = user::Entity::update_many()
            .col_expr(user::Column::Email, none_s())
            .col_expr(user::Column::EmailVerifiedAt, none_t())
            .col_expr(user::Column::Phone, none_s())
            .col_expr(user::Column::PhoneVerifiedAt, none_t())
            .col_expr(user::Column::PasswordHash, none_s())
            .col_expr(user::Column::NameZh, none_s())
            .col_expr(user::Column::GivenName, none_s())
            .col_expr(user::Column::FamilyName, none_s())
            .col_expr(user::Column::Preferences, Expr::value("{}"))
            .col_expr(user::Column::NotificationPrefs, Expr::value("{}"))
            .col_expr(user::Column::SecondFactor, Expr::value(SECOND_FACTOR_NONE))
            .col_expr(user::Column::TotpSecretSealed, none_s())
            .col_expr(user::Column::TotpLastStep, Expr::value(Option::<i64>::None))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .col_expr(user::Column::DeletedAt, Expr::value(now))
            .filter(user::Column::Id.eq(user_id))
            .filter(active_user())
            .exec(&txn)
            .await?;
        if cleared.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        traveller::Entity::delete_many()
            .filter(traveller::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        payment_method::Entity::update_many()
            .col_expr(payment_method::Column::DeletedAt, Expr::value(now))
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?;
        payment_method::Entity::update_many()
            .col_expr(payment_method::Column::IsDefault, Expr::value(false))
            .col_expr(payment_method::Column::TokenSealed, Expr::value(""))
            .filter(payment_method::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        session::Entity::update_many()
            .col_expr(session::Column::Ip, none_s())
            .col_expr(session::Column::UserAgent, none_s())
            .filter(session::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(now))
            .filter(api_token::Column::UserId.eq(user_id))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        user_identity::Entity::delete_many()
            .filter(user_identity::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        user_role::Entity::delete_many()
            .filter(user_role::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        auth_challenge::Entity::delete_many()
            .filter(auth_challenge::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let mut addresses = vec![user_id.to_owned()];
        addresses.extend(before.email.clone());
        addresses.extend(before.phone.clone());
        one_time_code::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(one_time_code::Column::UserId.eq(user_id))
                    .add(one_time_code::Column::Destination.is_in(addresses.clone())),
            )
            .exec(&txn)
            .await?;
        notification::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(notification::Column::UserId.eq(user_id))
                    .add(notification::Column::Destination.is_in(addresses)),
            )
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    // ---------------------------------------------------------------- roles

    /// Stored roles, sorted (customer is implicit and never listed).
    pub async fn roles_of(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .order_by_asc(user_role::Column::Role)
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| r.role)
            .collect())
    }

    /// `true` when newly granted, `false` when the user had it already.
    pub async fn grant_role(
        &self,
        user_id: &str,
        role: &str,
        by: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let inserted = user_role::Entity::insert(user_role::ActiveModel {
            user_id: Set(user_id.to_owned()),
            role: Set(role.to_owned()),
            granted_by: Set(by.map(str::to_owned)),
            granted_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([user_role::Column::UserId, user_role::Column::Role])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(inserted == 1)
    }

    /// `true` when the user had the role.
    pub async fn revoke_role(&self, user_id: &str, role: &str) -> Result<bool, StoreError> {
        let deleted = user_role::Entity::delete_many()
            .filter(user_role::Column::UserId.eq(user_id))
            .filter(user_role::Column::Role.eq(role))
            .exec(self.db())
            .await?;
        Ok(deleted.rows_affected == 1)
    }

    /// Active accounts holding `role`, oldest first.
    pub async fn users_with_role(&self, role: &str) -> Result<Vec<UserRow>, StoreError> {
        Ok(user::Entity::find()
            .filter(
                Expr::col(user::Column::Id).in_subquery(
                    Query::select()
                        .column(user_role::Column::UserId)
                        .from(user_role::Entity)
                        .and_where(Expr::col(user_role::Column::Role).eq(role))
                        .to_owned(),
                ),
            )
            .filter(active_user())
            .order_by_asc(user::Column::CreatedAt)
            .order_by_asc(user::Column::Id)
            .all(self.db())
            .await?)
    }

    /// Active accounts for the admin page, oldest first, with the total matching: `query`
    /// matches part of the e-mail, phone or any name, case-insensitively.
    pub async fn list_users(
        &self,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<UserRow>, u64), StoreError> {
        let mut cond = active_user();
        if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
            let pattern = format!("%{}%", like_escape(&q.to_lowercase()));
            let mut any = Condition::any();
            for col in [
                user::Column::Email,
                user::Column::Phone,
                user::Column::NameZh,
                user::Column::GivenName,
                user::Column::FamilyName,
                user::Column::Id,
            ] {
                any = any.add(
                    Expr::expr(Func::lower(Expr::col(col)))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                );
            }
            cond = cond.add(any);
        }
        let total = user::Entity::find()
            .filter(cond.clone())
            .count(self.db())
            .await?;
        let rows = user::Entity::find()
            .filter(cond)
            .order_by_asc(user::Column::CreatedAt)
            .order_by_asc(user::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(self.db())
            .await?;
        Ok((rows, total))
    }

    // ---------------------------------------------------------------- identities

    /// Links an OpenID identity; `Conflict("identity")` when it is linked to an account already.
    pub async fn link_identity(&self, i: NewIdentity) -> Result<IdentityRow, StoreError> {
        Ok(self.link_identity_with_events(i, Vec::new()).await?.0)
    }

    /// [`Store::link_identity`] with the outbox events that tell of it, in the same
    /// transaction; answers the events' ids too.
    pub async fn link_identity_with_events(
        &self,
        i: NewIdentity,
        events: Vec<NewEvent>,
    ) -> Result<(IdentityRow, Vec<String>), StoreError> {
        let now = i.now;
        let txn = begin_write(self.db()).await?;
        let row = user_identity::ActiveModel {
            id: Set(i.id.clone()),
            user_id: Set(i.user_id),
            issuer: Set(i.issuer),
            subject: Set(i.subject),
            email: Set(i.email.as_deref().map(normalise_email)),
            created_at: Set(i.now),
        };
        match user_identity::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Conflict("identity")),
            Err(e) => return Err(e.into()),
        }
        let linked = user_identity::Entity::find_by_id(i.id.clone())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("identity {} vanished", i.id)))?;
        let ids = enqueue_events(&txn, events, now).await?;
        txn.commit().await?;
        Ok((linked, ids))
    }

    pub async fn identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<IdentityRow>, StoreError> {
        Ok(user_identity::Entity::find()
            .filter(user_identity::Column::Issuer.eq(issuer))
            .filter(user_identity::Column::Subject.eq(subject))
            .one(self.db())
            .await?)
    }

    pub async fn identities_of(&self, user_id: &str) -> Result<Vec<IdentityRow>, StoreError> {
        Ok(user_identity::Entity::find()
            .filter(user_identity::Column::UserId.eq(user_id))
            .order_by_asc(user_identity::Column::CreatedAt)
            .order_by_asc(user_identity::Column::Id)
            .all(self.db())
            .await?)
    }

    /// `true` when the user's identity `id` was unlinked. (Whether the account keeps another way
    /// to sign in is the service's check.)
    pub async fn unlink_identity(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .unlink_identity_with_events(user_id, id, Vec::new(), Utc::now())
            .await?
            .is_some())
    }

    /// [`Store::unlink_identity`] with the outbox events that tell of it, in the same
    /// transaction: their ids, or `None` when there was no such identity (nothing written).
    pub async fn unlink_identity_with_events(
        &self,
        user_id: &str,
        id: &str,
        events: Vec<NewEvent>,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let txn = begin_write(self.db()).await?;
        let deleted = user_identity::Entity::delete_many()
            .filter(user_identity::Column::Id.eq(id))
            .filter(user_identity::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        if deleted.rows_affected != 1 {
            return Ok(None);
        }
        let ids = enqueue_events(&txn, events, now).await?;
        txn.commit().await?;
        Ok(Some(ids))
    }

    // ---------------------------------------------------------------- sessions

    pub async fn create_session(&self, s: NewSession) -> Result<SessionRow, StoreError> {
        let row = session::ActiveModel {
            id: Set(s.id.clone()),
            token_hash: Set(s.token_hash),
            user_id: Set(s.user_id),
            created_at: Set(s.now),
            last_seen_at: Set(s.now),
            expires_at: Set(s.expires_at),
            ip: Set(s.ip),
            user_agent: Set(s.user_agent),
            revoked_at: Set(None),
        };
        session::Entity::insert(row)
            .exec_without_returning(self.db())
            .await?;
        session::Entity::find_by_id(s.id.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("session {} vanished", s.id)))
    }

    /// The live session with this token hash (not revoked, not expired) and its active user.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(SessionRow, UserRow)>, StoreError> {
        let Some(s) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token_hash))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let user = user::Entity::find_by_id(s.user_id.clone())
            .filter(active_user())
            .one(self.db())
            .await?;
        Ok(user.map(|u| (s, u)))
    }

    /// Notes activity on a live session and moves its expiry; `false` when it is no longer live.
    pub async fn touch_session(
        &self,
        id: &str,
        now: DateTime<Utc>,
        new_expiry: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let updated = session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(session::Column::ExpiresAt, Expr::value(new_expiry))
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .exec(self.db())
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// The user's live sessions, most recently seen first.
    pub async fn sessions_of(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionRow>, StoreError> {
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .order_by_desc(session::Column::LastSeenAt)
            .order_by_desc(session::Column::Id)
            .all(self.db())
            .await?)
    }

    /// Revokes one of the user's own sessions; `false` when it is not theirs or already ended.
    pub async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let updated = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// Revokes every session of the user except `keep` (none: all); returns how many.
    pub async fn revoke_other_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut update = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null());
        if let Some(keep) = keep {
            update = update.filter(session::Column::Id.ne(keep));
        }
        Ok(update.exec(self.db()).await?.rows_affected)
    }

    // ---------------------------------------------------------------- API tokens

    pub async fn create_api_token(&self, t: NewApiToken) -> Result<ApiTokenRow, StoreError> {
        let row = api_token::ActiveModel {
            id: Set(t.id.clone()),
            user_id: Set(t.user_id),
            name: Set(t.name),
            token_hash: Set(t.token_hash),
            prefix: Set(t.prefix),
            created_at: Set(t.now),
            last_used_at: Set(None),
            revoked_at: Set(None),
        };
        api_token::Entity::insert(row)
            .exec_without_returning(self.db())
            .await?;
        api_token::Entity::find_by_id(t.id.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("API token {} vanished", t.id)))
    }

    /// The unrevoked token with this hash and its active user.
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiTokenRow, UserRow)>, StoreError> {
        let Some(t) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let user = user::Entity::find_by_id(t.user_id.clone())
            .filter(active_user())
            .one(self.db())
            .await?;
        Ok(user.map(|u| (t, u)))
    }

    pub async fn touch_api_token(&self, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let updated = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// The user's unrevoked tokens, newest first.
    pub async fn api_tokens_of(&self, user_id: &str) -> Result<Vec<ApiTokenRow>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(user_id))
            .filter(api_token::Column::RevokedAt.is_null())
            .order_by_desc(api_token::Column::CreatedAt)
            .order_by_desc(api_token::Column::Id)
            .all(self.db())
            .await?)
    }

    /// Revokes one of the user's own tokens; `false` when it is not theirs or already revoked.
    pub async fn revoke_api_token(
        &self,
        user_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let updated = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::UserId.eq(user_id))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(updated.rows_affected == 1)
    }

    // ---------------------------------------------------------------- one-time codes

    /// Stores a new code; earlier unused codes for the same purpose and destination stop
    /// working (marked consumed), so only the latest code sent is live.
    pub async fn insert_code(&self, c: NewCode) -> Result<(), StoreError> {
        self.insert_code_with_events(c, Vec::new())
            .await
            .map(|_| ())
    }

    /// [`Store::insert_code`] with the outbox events that send the code, in the same
    /// transaction: the message exists exactly when the code does. Answers the events' ids.
    pub async fn insert_code_with_events(
        &self,
        c: NewCode,
        events: Vec<NewEvent>,
    ) -> Result<Vec<String>, StoreError> {
        let now = c.now;
        let txn = begin_write(self.db()).await?;
        one_time_code::Entity::update_many()
            .col_expr(one_time_code::Column::ConsumedAt, Expr::value(c.now))
            .filter(one_time_code::Column::Purpose.eq(c.purpose.clone()))
            .filter(one_time_code::Column::Destination.eq(c.destination.clone()))
            .filter(one_time_code::Column::ConsumedAt.is_null())
            .exec(&txn)
            .await?;
        one_time_code::Entity::insert(one_time_code::ActiveModel {
            id: Set(c.id),
            purpose: Set(c.purpose),
            destination: Set(c.destination),
            user_id: Set(c.user_id),
            code_hash: Set(c.code_hash),
            created_at: Set(c.now),
            expires_at: Set(c.expires_at),
            attempts: Set(0),
            consumed_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        let ids = enqueue_events(&txn, events, now).await?;
        txn.commit().await?;
        Ok(ids)
    }

    /// Checks a submitted code against the latest live code for the purpose and destination.
    /// Every submission first takes one of the `max_attempts` tries with a conditional
    /// increment — so a burst of guesses cannot outrun the counter — and a right code is then
    /// consumed with a conditional update, so of several concurrent right submissions exactly
    /// one gets `Ok`.
    pub async fn consume_code(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        now: DateTime<Utc>,
        max_attempts: i32,
    ) -> Result<CodeOutcome, StoreError> {
        let Some(code) = one_time_code::Entity::find()
            .filter(one_time_code::Column::Purpose.eq(purpose))
            .filter(one_time_code::Column::Destination.eq(destination))
            .filter(one_time_code::Column::ConsumedAt.is_null())
            .order_by_desc(one_time_code::Column::CreatedAt)
            .order_by_desc(one_time_code::Column::Id)
            .one(self.db())
            .await?
        else {
            return Ok(CodeOutcome::NotFound);
        };
        if code.expires_at <= now {
            return Ok(CodeOutcome::Expired);
        }
        let live = || {
            Condition::all()
                .add(one_time_code::Column::Id.eq(code.id.clone()))
                .add(one_time_code::Column::ConsumedAt.is_null())
        };
        let took_try = one_time_code::Entity::update_many()
            .col_expr(
                one_time_code::Column::Attempts,
                Expr::col(one_time_code::Column::Attempts).add(1),
            )
            .filter(live())
            .filter(one_time_code::Column::Attempts.lt(max_attempts))
            .exec(self.db())
            .await?;
        if took_try.rows_affected != 1 {
            let again = one_time_code::Entity::find_by_id(code.id.clone())
                .one(self.db())
                .await?;
            return Ok(match again {
                Some(c) if c.consumed_at.is_none() => CodeOutcome::TooManyAttempts,
                _ => CodeOutcome::NotFound,
            });
        }
        if same_hash(&code.code_hash, code_hash) {
            let consumed = one_time_code::Entity::update_many()
                .col_expr(one_time_code::Column::ConsumedAt, Expr::value(now))
                .filter(live())
                .exec(self.db())
                .await?;
            return Ok(if consumed.rows_affected == 1 {
                CodeOutcome::Ok {
                    user_id: code.user_id,
                }
            } else {
                CodeOutcome::NotFound
            });
        }
        let attempts = one_time_code::Entity::find_by_id(code.id.clone())
            .one(self.db())
            .await?
            .map_or(max_attempts, |c| c.attempts);
        Ok(CodeOutcome::Wrong {
            attempts_left: Ord::max(max_attempts - attempts, 0),
        })
    }

    /// Codes sent for the purpose and destination since `since` (for send rate limits).
    pub async fn recent_code_count(
        &self,
        purpose: &str,
        destination: &str,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(one_time_code::Entity::find()
            .filter(one_time_code::Column::Purpose.eq(purpose))
            .filter(one_time_code::Column::Destination.eq(destination))
            .filter(one_time_code::Column::CreatedAt.gte(since))
            .count(self.db())
            .await?)
    }

    // ---------------------------------------------------------------- challenges

    pub async fn insert_challenge(&self, c: NewChallenge) -> Result<ChallengeRow, StoreError> {
        Ok(self.insert_challenge_with_events(c, Vec::new()).await?.0)
    }

    /// [`Store::insert_challenge`] with the outbox events that send it (the password-reset
    /// link), in the same transaction. Answers the challenge and the events' ids.
    pub async fn insert_challenge_with_events(
        &self,
        c: NewChallenge,
        events: Vec<NewEvent>,
    ) -> Result<(ChallengeRow, Vec<String>), StoreError> {
        let now = c.now;
        let row = auth_challenge::ActiveModel {
            id: Set(c.id.clone()),
            token_hash: Set(c.token_hash),
            user_id: Set(c.user_id),
            purpose: Set(c.purpose),
            data: Set(c.data),
            created_at: Set(c.now),
            expires_at: Set(c.expires_at),
            attempts: Set(0),
            consumed_at: Set(None),
            ip: Set(c.ip),
        };
        let txn = begin_write(self.db()).await?;
        auth_challenge::Entity::insert(row)
            .exec_without_returning(&txn)
            .await?;
        let ids = enqueue_events(&txn, events, now).await?;
        let row = auth_challenge::Entity::find_by_id(c.id.clone())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("challenge {} vanished", c.id)))?;
        txn.commit().await?;
        Ok((row, ids))
    }

    fn live_challenge(token_hash: &str, purpose: &str, now: DateTime<Utc>) -> Condition {
        Condition::all()
            .add(auth_challenge::Column::TokenHash.eq(token_hash))
            .add(auth_challenge::Column::Purpose.eq(purpose))
            .add(auth_challenge::Column::ConsumedAt.is_null())
            .add(auth_challenge::Column::ExpiresAt.gt(now))
    }

    /// The live (unused, unexpired) challenge, without using it.
    pub async fn challenge_by_hash(
        &self,
        token_hash: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ChallengeRow>, StoreError> {
        Ok(auth_challenge::Entity::find()
            .filter(Self::live_challenge(token_hash, purpose, now))
            .one(self.db())
            .await?)
    }

    /// Uses the challenge up: `true` for exactly one caller, however many race.
    pub async fn consume_challenge(
        &self,
        token_hash: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let consumed = auth_challenge::Entity::update_many()
            .col_expr(auth_challenge::Column::ConsumedAt, Expr::value(now))
            .filter(Self::live_challenge(token_hash, purpose, now))
            .exec(self.db())
            .await?;
        Ok(consumed.rows_affected == 1)
    }

    /// Challenges of `purpose` made for the user since `since` (for send rate limits).
    pub async fn recent_challenge_count(
        &self,
        user_id: &str,
        purpose: &str,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(auth_challenge::Entity::find()
            .filter(auth_challenge::Column::UserId.eq(user_id))
            .filter(auth_challenge::Column::Purpose.eq(purpose))
            .filter(auth_challenge::Column::CreatedAt.gte(since))
            .count(self.db())
            .await?)
    }

    /// Takes one of `max_attempts` tries on a challenge BEFORE the answer is checked, so a burst
    /// of concurrent guesses gets at most `max_attempts` checks. Returns the tries left after
    /// this one, or `None` when none were left (or it was used). Use this (then
    /// [`Store::consume_challenge`] on a right answer) or [`Store::fail_challenge`] after a
    /// wrong one, not both.
    pub async fn claim_challenge_attempt(
        &self,
        id: &str,
        max_attempts: i32,
    ) -> Result<Option<i32>, StoreError> {
        // RETURNING reads the count this very update wrote (SQLite ≥ 3.35 and PostgreSQL), so
        // concurrent claims each see their own number.
        let claimed = auth_challenge::Entity::update_many()
            .col_expr(
                auth_challenge::Column::Attempts,
                Expr::col(auth_challenge::Column::Attempts).add(1),
            )
            .filter(auth_challenge::Column::Id.eq(id))
            .filter(auth_challenge::Column::ConsumedAt.is_null())
            .filter(auth_challenge::Column::Attempts.lt(max_attempts))
            .exec_with_returning(self.db())
            .await?;
        let Some(attempts) = claimed.first().map(|c| c.attempts) else {
            return Ok(None);
        };
        Ok(Some(Ord::max(max_attempts - attempts, 0)))
    }

    /// Counts a wrong answer (conditional increment); at `max_attempts` the challenge is dead
    /// (its expiry moves back to its creation). Returns the tries left (0: dead).
    pub async fn fail_challenge(&self, id: &str, max_attempts: i32) -> Result<i32, StoreError> {
        let left = self
            .claim_challenge_attempt(id, max_attempts)
            .await?
            .unwrap_or(0);
        if left == 0 {
            auth_challenge::Entity::update_many()
                .col_expr(
                    auth_challenge::Column::ExpiresAt,
                    Expr::col(auth_challenge::Column::CreatedAt),
                )
                .filter(auth_challenge::Column::Id.eq(id))
                .filter(auth_challenge::Column::Attempts.gte(max_attempts))
                .exec(self.db())
                .await?;
        }
        Ok(left)
    }

    // ---------------------------------------------------------------- recovery codes

    /// Replaces the user's recovery codes with `hashes` (SHA-256 hex of the normalised codes;
    /// empty: removes them), in one transaction.
    pub async fn replace_recovery_codes(
        &self,
        user_id: &str,
        hashes: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let txn = begin_write(self.db()).await?;
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        if !hashes.is_empty() {
            recovery_code::Entity::insert_many(hashes.into_iter().map(|code_hash| {
                recovery_code::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    user_id: Set(user_id.to_owned()),
                    code_hash: Set(code_hash),
                    created_at: Set(now),
                    used_at: Set(None),
                }
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Uses one of the user's recovery codes: `true` exactly once per code.
    pub async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(code) = recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .filter(recovery_code::Column::CodeHash.eq(code_hash))
            .filter(recovery_code::Column::UsedAt.is_null())
            .one(self.db())
            .await?
        else {
            return Ok(false);
        };
        let used = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
            .filter(recovery_code::Column::Id.eq(code.id))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(used.rows_affected == 1)
    }

    pub async fn recovery_codes_left(&self, user_id: &str) -> Result<u64, StoreError> {
        Ok(recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .filter(recovery_code::Column::UsedAt.is_null())
            .count(self.db())
            .await?)
    }

    // ---------------------------------------------------------------- throttle

    pub async fn throttle_state(&self, key: &str) -> Result<Option<ThrottleRow>, StoreError> {
        Ok(auth_throttle::Entity::find_by_id(key.to_owned())
            .one(self.db())
            .await?)
    }

    /// Writes the state for `key` whatever was there (last writer wins; see
    /// [`Store::swap_throttle_state`] for the race-free form).
    pub async fn save_throttle_state(
        &self,
        key: &str,
        failures: i64,
        window_started_at: DateTime<Utc>,
        last_failure_at: DateTime<Utc>,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        auth_throttle::Entity::insert(auth_throttle::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(failures),
            window_started_at: Set(window_started_at),
            last_failure_at: Set(last_failure_at),
            locked_until: Set(locked_until),
        })
        .on_conflict(
            OnConflict::column(auth_throttle::Column::Key)
                .update_columns([
                    auth_throttle::Column::Failures,
                    auth_throttle::Column::WindowStartedAt,
                    auth_throttle::Column::LastFailureAt,
                    auth_throttle::Column::LockedUntil,
                ])
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }

    /// Compare-and-swap: writes `next` only if the stored state is still `expected` (compared
    /// by failure count and window start; `None`: no row yet). `false` means another request
    /// got there first: read again, recompute, retry — so concurrent failures are all counted.
    pub async fn swap_throttle_state(
        &self,
        expected: Option<&ThrottleRow>,
        next: &ThrottleRow,
    ) -> Result<bool, StoreError> {
        let Some(expected) = expected else {
            let inserted =
                auth_throttle::Entity::insert(auth_throttle::ActiveModel::from(next.clone()))
                    .on_conflict(
                        OnConflict::column(auth_throttle::Column::Key)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(self.db())
                    .await?;
            return Ok(inserted == 1);
        };
        let updated = auth_throttle::Entity::update_many()
            .col_expr(auth_throttle::Column::Failures, Expr::value(next.failures))
            .col_expr(
                auth_throttle::Column::WindowStartedAt,
                Expr::value(next.window_started_at),
            )
            .col_expr(
                auth_throttle::Column::LastFailureAt,
                Expr::value(next.last_failure_at),
            )
            .col_expr(
                auth_throttle::Column::LockedUntil,
                Expr::value(next.locked_until),
            )
            .filter(auth_throttle::Column::Key.eq(next.key.clone()))
            .filter(auth_throttle::Column::Failures.eq(expected.failures))
            .filter(auth_throttle::Column::WindowStartedAt.eq(expected.window_started_at))
            .exec(self.db())
            .await?;
        Ok(updated.rows_affected == 1)
    }

    pub async fn clear_throttle(&self, key: &str) -> Result<(), StoreError> {
        auth_throttle::Entity::delete_many()
            .filter(auth_throttle::Column::Key.eq(key))
            .exec(self.db())
            .await?;
        Ok(())
    }

    // ---------------------------------------------------------------- housekeeping

    /// Deletes codes, challenges and sessions that expired before `before`, and throttle
    /// states last touched before it; returns how many rows went.
    pub async fn purge_expired_auth(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut n = one_time_code::Entity::delete_many()
            .filter(one_time_code::Column::ExpiresAt.lt(before))
            .exec(self.db())
            .await?
            .rows_affected;
        n += auth_challenge::Entity::delete_many()
            .filter(auth_challenge::Column::ExpiresAt.lt(before))
            .exec(self.db())
            .await?
            .rows_affected;
        n += session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(before))
            .exec(self.db())
            .await?
            .rows_affected;
        n += auth_throttle::Entity::delete_many()
            .filter(auth_throttle::Column::LastFailureAt.lt(before))
            .filter(
                Condition::any()
                    .add(auth_throttle::Column::LockedUntil.is_null())
                    .add(auth_throttle::Column::LockedUntil.lt(before)),
            )
            .exec(self.db())
            .await?
            .rows_affected;
        Ok(n)
    }

    // ---------------------------------------------------------------- export

    /// Everything stored about the user, as JSON, for "export my data"; `None` when there is no
    /// such account. Secrets stay out (password hash, TOTP secret, token hashes, payment
    /// tokens); document numbers stay sealed for the service to open.
    pub async fn export_user(&self, user_id: &str) -> Result<Option<Value>, StoreError> {
        let Some(u) = self.user_by_id(user_id).await? else {
            return Ok(None);
        };
        let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
        let profile = json!({
            "id": u.id,
            "email": u.email,
            "email_verified_at": u.email_verified_at,
            "phone": u.phone,
            "phone_verified_at": u.phone_verified_at,
            "has_password": u.password_hash.is_some(),
            "name_zh": u.name_zh,
            "given_name": u.given_name,
            "family_name": u.family_name,
            "locale": u.locale,
            "currency": u.currency,
            "preferences": parse(&u.preferences),
            "notification_prefs": parse(&u.notification_prefs),
            "second_factor": u.second_factor,
            "password_changed_at": u.password_changed_at,
            "created_at": u.created_at,
            "updated_at": u.updated_at,
            "deleted_at": u.deleted_at,
        });
        let identities: Vec<Value> = self
            .identities_of(user_id)
            .await?
            .into_iter()
            .map(|i| {
                json!({
                    "issuer": i.issuer, "subject": i.subject, "email": i.email,
                    "created_at": i.created_at,
                })
            })
            .collect();
        let travellers: Vec<Value> = self
            .travellers_of(user_id)
            .await?
            .into_iter()
            .map(|t| {
                json!({
                    "id": t.id, "given_name": t.given_name, "family_name": t.family_name,
                    "name_zh": t.name_zh, "date_of_birth": t.date_of_birth, "gender": t.gender,
                    "nationality": t.nationality, "document_type": t.document_type,
                    "document_number_sealed": t.document_number_sealed,
                    "document_country": t.document_country,
                    "document_expiry": t.document_expiry,
                    "created_at": t.created_at, "updated_at": t.updated_at,
                })
            })
            .collect();
        let payment_methods: Vec<Value> = payment_method::Entity::find()
            .filter(payment_method::Column::UserId.eq(user_id))
            .order_by_asc(payment_method::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(|p| {
                json!({
                    "id": p.id, "provider": p.provider, "brand": p.brand, "last4": p.last4,
                    "exp_month": p.exp_month, "exp_year": p.exp_year,
                    "is_default": p.is_default, "created_at": p.created_at,
                    "deleted_at": p.deleted_at,
                })
            })
            .collect();
        let sessions: Vec<Value> = session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .order_by_asc(session::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| {
                json!({
                    "id": s.id, "created_at": s.created_at, "last_seen_at": s.last_seen_at,
                    "expires_at": s.expires_at, "ip": s.ip, "user_agent": s.user_agent,
                    "revoked_at": s.revoked_at,
                })
            })
            .collect();
        let api_tokens: Vec<Value> = api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(user_id))
            .order_by_asc(api_token::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(|t| {
                json!({
                    "id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at,
                    "last_used_at": t.last_used_at, "revoked_at": t.revoked_at,
                })
            })
            .collect();
        let notifications: Vec<Value> = notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .order_by_asc(notification::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(|n| {
                json!({
                    "channel": n.channel, "destination": n.destination, "event": n.event,
                    "locale": n.locale, "subject": n.subject, "body": n.body,
                    "status": n.status, "created_at": n.created_at,
                })
            })
            .collect();
        let audit: Vec<Value> = self
            .audit_about_user(user_id)
            .await?
            .into_iter()
            .map(|a| {
                json!({
                    "at": a.at, "actor_user_id": a.actor_user_id, "action": a.action,
                    "target": a.target, "ip": a.ip, "detail": parse(&a.detail),
                })
            })
            .collect();
        Ok(Some(json!({
            "profile": profile,
            "roles": self.roles_of(user_id).await?,
            "identities": identities,
            "travellers": travellers,
            "payment_methods": payment_methods,
            "sessions": sessions,
            "api_tokens": api_tokens,
            "notifications": notifications,
            "audit": audit,
        })))
    }
}
