//! What a traveller keeps on their account besides the profile: saved travellers (document
//! numbers sealed by the service) and stored payment methods. Every query is scoped by the
//! owning user, so one user can never read or touch another's rows.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::accounts::{begin_write, lock_active_user};
use crate::entity::{payment_method, traveller};
use crate::{Store, StoreError};

pub type TravellerRow = traveller::Model;
pub type PaymentMethodRow = payment_method::Model;

/// Saved travellers per user.
pub const MAX_TRAVELLERS: u64 = 50;

/// A traveller's details as the user edits them (the whole set; the service merges partial
/// changes onto the stored row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TravellerFields {
    pub given_name: String,
    pub family_name: String,
    pub name_zh: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub document_type: Option<String>,
    pub document_number_sealed: Option<String>,
    pub document_country: Option<String>,
    pub document_expiry: Option<NaiveDate>,
}

impl From<&TravellerRow> for TravellerFields {
    fn from(t: &TravellerRow) -> Self {
        TravellerFields {
            given_name: t.given_name.clone(),
            family_name: t.family_name.clone(),
            name_zh: t.name_zh.clone(),
            date_of_birth: t.date_of_birth,
            gender: t.gender.clone(),
            nationality: t.nationality.clone(),
            document_type: t.document_type.clone(),
            document_number_sealed: t.document_number_sealed.clone(),
            document_country: t.document_country.clone(),
            document_expiry: t.document_expiry,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewPaymentMethod {
    pub id: String,
    pub user_id: String,
    pub provider: String,
    pub token_sealed: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
    pub now: DateTime<Utc>,
}

impl Store {
    // ---------------------------------------------------------------- travellers

    /// The user's travellers, in the order they were added.
    pub async fn travellers_of(&self, user_id: &str) -> Result<Vec<TravellerRow>, StoreError> {
        Ok(traveller::Entity::find()
            .filter(traveller::Column::UserId.eq(user_id))
            .order_by_asc(traveller::Column::CreatedAt)
            .order_by_asc(traveller::Column::Id)
            .all(self.db())
            .await?)
    }

    pub async fn traveller(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<TravellerRow>, StoreError> {
        Ok(traveller::Entity::find_by_id(id.to_owned())
            .filter(traveller::Column::UserId.eq(user_id))
            .one(self.db())
            .await?)
    }

    /// Adds a traveller to an active account: `Conflict("travellers")` at
    /// [`MAX_TRAVELLERS`], `Corrupt` when there is no such active account.
    pub async fn create_traveller(
        &self,
        user_id: &str,
        id: &str,
        f: &TravellerFields,
        now: DateTime<Utc>,
    ) -> Result<TravellerRow, StoreError> {
        let txn = begin_write(self.db()).await?;
        if lock_active_user(&txn, user_id).await?.is_none() {
            txn.rollback().await?;
            return Err(StoreError::Corrupt(format!("no active user {user_id}")));
        }
        let count = traveller::Entity::find()
            .filter(traveller::Column::UserId.eq(user_id))
            .count(&txn)
            .await?;
        if count >= MAX_TRAVELLERS {
            txn.rollback().await?;
            return Err(StoreError::Conflict("travellers"));
        }
        traveller::Entity::insert(traveller::ActiveModel {
            id: Set(id.to_owned()),
            user_id: Set(user_id.to_owned()),
            given_name: Set(f.given_name.clone()),
            family_name: Set(f.family_name.clone()),
            name_zh: Set(f.name_zh.clone()),
            date_of_birth: Set(f.date_of_birth),
            gender: Set(f.gender.clone()),
            nationality: Set(f.nationality.clone()),
            document_type: Set(f.document_type.clone()),
            document_number_sealed: Set(f.document_number_sealed.clone()),
            document_country: Set(f.document_country.clone()),
            document_expiry: Set(f.document_expiry),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        self.traveller(user_id, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("traveller {id} vanished")))
    }

    /// Replaces the details of one of the user's travellers; `None` when it is not theirs.
    pub async fn update_traveller(
        &self,
        user_id: &str,
        id: &str,
        f: &TravellerFields,
        now: DateTime<Utc>,
    ) -> Result<Option<TravellerRow>, StoreError> {
        let updated = traveller::Entity::update_many()
            .col_expr(
                traveller::Column::GivenName,
                Expr::value(f.given_name.clone()),
            )
            .col_expr(
                traveller::Column::FamilyName,
                Expr::value(f.family_name.clone()),
            )
            .col_expr(traveller::Column::NameZh, Expr::value(f.name_zh.clone()))
            .col_expr(traveller::Column::DateOfBirth, Expr::value(f.date_of_birth))
            .col_expr(traveller::Column::Gender, Expr::value(f.gender.clone()))
            .col_expr(
                traveller::Column::Nationality,
                Expr::value(f.nationality.clone()),
            )
            .col_expr(
                traveller::Column::DocumentType,
                Expr::value(f.document_type.clone()),
            )
            .col_expr(
                traveller::Column::DocumentNumberSealed,
                Expr::value(f.document_number_sealed.clone()),
            )
            .col_expr(
                traveller::Column::DocumentCountry,
                Expr::value(f.document_country.clone()),
            )
            .col_expr(
                traveller::Column::DocumentExpiry,
                Expr::value(f.document_expiry),
            )
            .col_expr(traveller::Column::UpdatedAt, Expr::value(now))
            .filter(traveller::Column::Id.eq(id))
            .filter(traveller::Column::UserId.eq(user_id))
            .exec(self.db())
            .await?;
        if updated.rows_affected != 1 {
            return Ok(None);
        }
        self.traveller(user_id, id).await
    }

    /// `true` when one of the user's travellers was deleted.
    pub async fn delete_traveller(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let deleted = traveller::Entity::delete_many()
            .filter(traveller::Column::Id.eq(id))
            .filter(traveller::Column::UserId.eq(user_id))
            .exec(self.db())
            .await?;
        Ok(deleted.rows_affected == 1)
    }

    // ---------------------------------------------------------------- payment methods

    /// The user's payment methods not deleted: the default first, then newest first.
    pub async fn payment_methods_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<PaymentMethodRow>, StoreError> {
        Ok(payment_method::Entity::find()
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::DeletedAt.is_null())
            .order_by_desc(payment_method::Column::IsDefault)
            .order_by_desc(payment_method::Column::CreatedAt)
            .order_by_desc(payment_method::Column::Id)
            .all(self.db())
            .await?)
    }

    /// One of the user's payment methods not deleted.
    pub async fn payment_method(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<PaymentMethodRow>, StoreError> {
        Ok(payment_method::Entity::find_by_id(id.to_owned())
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::DeletedAt.is_null())
            .one(self.db())
            .await?)
    }

    /// The user's default payment method, if any.
    pub async fn default_payment_method(
        &self,
        user_id: &str,
    ) -> Result<Option<PaymentMethodRow>, StoreError> {
        Ok(payment_method::Entity::find()
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::DeletedAt.is_null())
            .filter(payment_method::Column::IsDefault.eq(true))
            .one(self.db())
            .await?)
    }

    /// Stores a payment method for an active account; the user's first one becomes the
    /// default. `Corrupt` when there is no such active account.
    pub async fn add_payment_method(
        &self,
        p: NewPaymentMethod,
    ) -> Result<PaymentMethodRow, StoreError> {
        let txn = begin_write(self.db()).await?;
        if lock_active_user(&txn, &p.user_id).await?.is_none() {
            txn.rollback().await?;
            return Err(StoreError::Corrupt(format!("no active user {}", p.user_id)));
        }
        let has_default = payment_method::Entity::find()
            .filter(payment_method::Column::UserId.eq(p.user_id.clone()))
            .filter(payment_method::Column::DeletedAt.is_null())
            .filter(payment_method::Column::IsDefault.eq(true))
            .count(&txn)
            .await?
            > 0;
        payment_method::Entity::insert(payment_method::ActiveModel {
            id: Set(p.id.clone()),
            user_id: Set(p.user_id.clone()),
            provider: Set(p.provider),
            token_sealed: Set(p.token_sealed),
            brand: Set(p.brand),
            last4: Set(p.last4),
            exp_month: Set(p.exp_month),
            exp_year: Set(p.exp_year),
            is_default: Set(!has_default),
            created_at: Set(p.now),
            deleted_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        self.payment_method(&p.user_id, &p.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("payment method {} vanished", p.id)))
    }

    /// Makes one of the user's payment methods the default, and no other; `false` when it is
    /// not theirs (or deleted).
    pub async fn set_default_payment_method(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let txn = begin_write(self.db()).await?;
        if lock_active_user(&txn, user_id).await?.is_none() {
            txn.rollback().await?;
            return Ok(false);
        }
        let target = payment_method::Entity::find_by_id(id.to_owned())
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::DeletedAt.is_null())
            .one(&txn)
            .await?;
        if target.is_none() {
            txn.rollback().await?;
            return Ok(false);
        }
        payment_method::Entity::update_many()
            .col_expr(payment_method::Column::IsDefault, Expr::value(false))
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::Id.ne(id))
            .filter(payment_method::Column::IsDefault.eq(true))
            .exec(&txn)
            .await?;
        payment_method::Entity::update_many()
            .col_expr(payment_method::Column::IsDefault, Expr::value(true))
            .filter(payment_method::Column::Id.eq(id))
            .filter(payment_method::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Deletes one of the user's payment methods (kept for the payments that used it, no
    /// longer listed); if it was the default, the newest remaining one becomes the default.
    /// `false` when it is not theirs or already deleted.
    pub async fn delete_payment_method(
        &self,
        user_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let txn = begin_write(self.db()).await?;
        if lock_active_user(&txn, user_id).await?.is_none() {
            txn.rollback().await?;
            return Ok(false);
        }
        let Some(target) = payment_method::Entity::find_by_id(id.to_owned())
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::DeletedAt.is_null())
            .one(&txn)
            .await?
        else {
            txn.rollback().await?;
            return Ok(false);
        };
        let deleted = payment_method::Entity::update_many()
            .col_expr(payment_method::Column::DeletedAt, Expr::value(now))
            .col_expr(payment_method::Column::IsDefault, Expr::value(false))
            .filter(payment_method::Column::Id.eq(id))
            .filter(payment_method::Column::UserId.eq(user_id))
            .filter(payment_method::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?;
        if deleted.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        if target.is_default
            && let Some(next) = payment_method::Entity::find()
                .filter(payment_method::Column::UserId.eq(user_id))
                .filter(payment_method::Column::DeletedAt.is_null())
                .order_by_desc(payment_method::Column::CreatedAt)
                .order_by_desc(payment_method::Column::Id)
                .limit(1)
                .one(&txn)
                .await?
        {
            payment_method::Entity::update_many()
                .col_expr(payment_method::Column::IsDefault, Expr::value(true))
                .filter(payment_method::Column::Id.eq(next.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(true)
    }
}
