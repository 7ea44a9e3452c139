//! Display exchange rates: read into a [`RateTable`], written by the seed and (later) by admins.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};
use wayfare_domain::{Currency, ExchangeRate, RateTable};

use crate::entity::exchange_rate;
use crate::{Store, StoreError};

/// The currency every stored rate is quoted against.
pub const REFERENCE_CURRENCY: Currency = Currency::USD;

/// Demo display rates (units per 1 USD), roughly the market in late 2026; an operator replaces
/// them with a feed or edits them in the back office.
const DEMO_RATES: &[(&str, &str)] = &[
    ("CNY", "7.1200"),
    ("HKD", "7.7800"),
    ("TWD", "31.500"),
    ("JPY", "152.40"),
    ("KRW", "1385.00"),
    ("SGD", "1.3300"),
    ("MYR", "4.4500"),
    ("THB", "34.200"),
    ("EUR", "0.9200"),
    ("GBP", "0.7800"),
    ("CHF", "0.8800"),
    ("AED", "3.6725"),
    ("AUD", "1.5200"),
    ("NZD", "1.6700"),
    ("CAD", "1.3800"),
];

pub fn demo_rates(as_of: DateTime<Utc>) -> Vec<ExchangeRate> {
    DEMO_RATES
        .iter()
        .filter_map(|(code, rate)| {
            Some(ExchangeRate {
                base: REFERENCE_CURRENCY,
                quote: Currency::parse(code).ok()?,
                rate: rate.parse().ok()?,
                source: "demo".to_owned(),
                as_of,
            })
        })
        .collect()
}

/// The fixed timestamp the demo rates claim, so re-seeding is byte-for-byte idempotent.
pub fn demo_rates_as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

impl Store {
    pub async fn exchange_rates(&self) -> Result<Vec<ExchangeRate>, StoreError> {
        let rows = exchange_rate::Entity::find()
            .order_by_asc(exchange_rate::Column::Quote)
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|r| {
                let bad =
                    |what: &str| StoreError::Corrupt(format!("exchange rate {}: {what}", r.quote));
                Ok(ExchangeRate {
                    base: Currency::parse(&r.base).map_err(|_| bad("base"))?,
                    quote: Currency::parse(&r.quote).map_err(|_| bad("quote"))?,
                    rate: r.rate.parse().map_err(|_| bad("rate"))?,
                    source: r.source,
                    as_of: r.as_of,
                })
            })
            .collect()
    }

    pub async fn rate_table(&self) -> Result<RateTable, StoreError> {
        RateTable::new(REFERENCE_CURRENCY, self.exchange_rates().await?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Stores rates. With `overwrite` false, a currency that already has a rate keeps it (the
    /// seed uses this so that re-seeding never undoes an admin's edit).
    pub async fn put_exchange_rates(
        &self,
        rates: &[ExchangeRate],
        overwrite: bool,
    ) -> Result<(), StoreError> {
        if rates.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let models = rates.iter().map(|r| exchange_rate::ActiveModel {
            quote: Set(r.quote.code().to_owned()),
            base: Set(r.base.code().to_owned()),
            rate: Set(r.rate.normalize().to_string()),
            source: Set(r.source.clone()),
            as_of: Set(r.as_of),
            updated_at: Set(now),
        });
        let mut on_conflict = OnConflict::column(exchange_rate::Column::Quote);
        if overwrite {
            on_conflict.update_columns([
                exchange_rate::Column::Base,
                exchange_rate::Column::Rate,
                exchange_rate::Column::Source,
                exchange_rate::Column::AsOf,
                exchange_rate::Column::UpdatedAt,
            ]);
        } else {
            on_conflict.do_nothing();
        }
        exchange_rate::Entity::insert_many(models)
            .on_conflict(on_conflict)
            .exec_without_returning(self.db())
            .await?;
        Ok(())
    }
}
