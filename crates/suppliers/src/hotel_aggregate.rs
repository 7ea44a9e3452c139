//! Fans a hotel search out to every enabled hotel supplier at once, each with its own time
//! budget, and merges their pages into one ranked page. A supplier that fails or runs out of
//! time leaves a warning and the others' results stand. Prices from suppliers that sell in
//! other currencies are ranked through the display rates (the offers keep their own currency).
//! Calls about one rate or booking (holds, their confirmation and release) go to the supplier
//! the id's prefix names.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use wayfare_domain::RateTable;
use wayfare_domain::hotel::ranking::{self, RankFacts};
use wayfare_domain::hotel::{HotelMapSearch, HotelSearch, PropertyId};

use crate::aggregate::SupplierWarning;
use crate::flight::SupplierError;
use crate::hotel::{HotelBooking, HotelBookingRequest, HotelOffer, HotelPin, HotelSupplier};

/// One merged page.
#[derive(Debug, Clone, Default)]
pub struct HotelSearchOutcome {
    /// `offset .. offset + limit` of the merged order.
    pub offers: Vec<HotelOffer>,
    pub total: usize,
    pub warnings: Vec<SupplierWarning>,
}

#[derive(Debug, Clone, Default)]
pub struct HotelMapOutcome {
    pub pins: Vec<HotelPin>,
    pub warnings: Vec<SupplierWarning>,
}

pub struct HotelAggregator {
    suppliers: Vec<(Arc<dyn HotelSupplier>, Duration)>,
}

impl std::fmt::Debug for HotelAggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.suppliers.iter().map(|(s, b)| (s.name(), b)))
            .finish()
    }
}

/// The id prefix of a supplier's hotels, rates and bookings.
pub fn id_prefix(supplier: &str) -> String {
    match supplier {
        "builtin" => "bh_".to_owned(),
        "hotelbeds" => "hb_".to_owned(),
        other => format!("{other}_"),
    }
}

fn warning(name: &str, error: Option<&SupplierError>) -> SupplierWarning {
    let kind = match error {
        None | Some(SupplierError::Timeout { .. }) => "timeout",
        Some(_) => "error",
    };
    SupplierWarning {
        supplier: name.to_owned(),
        kind,
    }
}

/// A stable number for a string id, for the last tie-break.
fn tie_id(id: &str) -> PropertyId {
    // FNV-1a: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    PropertyId(h)
}

impl HotelAggregator {
    pub fn new() -> HotelAggregator {
        HotelAggregator {
            suppliers: Vec::new(),
        }
    }

    pub fn with(mut self, supplier: Arc<dyn HotelSupplier>, budget: Duration) -> HotelAggregator {
        self.suppliers.push((supplier, budget));
        self
    }

    pub fn supplier_names(&self) -> Vec<&'static str> {
        self.suppliers.iter().map(|(s, _)| s.name()).collect()
    }

    /// The supplier behind a hotel, rate, booking or quote id, from its prefix.
    pub fn supplier_for(&self, id: &str) -> Option<&Arc<dyn HotelSupplier>> {
        self.suppliers
            .iter()
            .map(|(s, _)| s)
            .find(|s| id.starts_with(&id_prefix(s.name())))
    }

    /// The supplier behind `id`, or `NotFound` for an id no configured supplier owns.
    fn route(&self, id: &str) -> Result<&Arc<dyn HotelSupplier>, SupplierError> {
        self.supplier_for(id)
            .ok_or_else(|| SupplierError::NotFound(id.to_owned()))
    }

    /// Holds the rooms of `request.rate_id` until `until` at the supplier of that rate (see
    /// [`HotelSupplier::hold`]); `Unsupported` from a supplier that cannot hold.
    pub async fn hold(
        &self,
        request: &HotelBookingRequest,
        until: DateTime<Utc>,
    ) -> Result<HotelBooking, SupplierError> {
        self.route(&request.rate_id)?.hold(request, until).await
    }

    /// Confirms a hold at the supplier of `booking_id` (see [`HotelSupplier::confirm_hold`]).
    pub async fn confirm_hold(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        self.route(booking_id)?.confirm_hold(booking_id).await
    }

    /// Releases a hold at the supplier of `booking_id` (see [`HotelSupplier::release_hold`]).
    pub async fn release_hold(&self, booking_id: &str) -> Result<HotelBooking, SupplierError> {
        self.route(booking_id)?.release_hold(booking_id).await
    }

    /// Every supplier's page, merged in the search's order; `rates` ranks prices of other
    /// currencies in the search currency.
    pub async fn search(&self, search: &HotelSearch, rates: &RateTable) -> HotelSearchOutcome {
        let calls = self.suppliers.iter().map(|(s, budget)| async move {
            (
                s.name(),
                tokio::time::timeout(*budget, s.search(search)).await,
            )
        });
        let mut offers = Vec::new();
        let mut total = 0;
        let mut warnings = Vec::new();
        let answered = futures::future::join_all(calls).await;
        let several = answered.len() > 1;
        for (name, result) in answered {
            match result {
                Ok(Ok(page)) => {
                    total += page.total;
                    offers.extend(page.offers.into_iter().filter(|o| o.cheapest().is_some()));
                }
                Ok(Err(e)) => {
                    tracing::warn!(supplier = name, error = %e, "hotel supplier search failed");
                    warnings.push(warning(name, Some(&e)));
                }
                Err(_) => {
                    tracing::warn!(supplier = name, "hotel supplier search ran out of time");
                    warnings.push(warning(name, None));
                }
            }
        }
        // One supplier's page is already in order; several are ranked together.
        if several {
            let currency = search.currency;
            let from = search.distance_from;
            ranking::sort(&mut offers, search.sort, |o| {
                let cheapest = o.cheapest().map(|r| r.price.total);
                let price_minor = cheapest
                    .map(|m| {
                        rates
                            .convert(m, currency)
                            .map_or(m.minor(), |c| c.to.minor())
                    })
                    .unwrap_or(i64::MAX);
                RankFacts {
                    id: tie_id(&o.hotel.id),
                    price_minor,
                    distance_km: o.hotel.location.distance_km(from),
                    reviews: o.hotel.reviews,
                    stars: o.hotel.stars,
                    deal: o.rates.iter().any(|r| r.price.is_deal()),
                }
            });
        }
        let page = offers
            .into_iter()
            .skip(search.offset)
            .take(search.limit)
            .collect();
        HotelSearchOutcome {
            offers: page,
            total,
            warnings,
        }
    }

    /// Every supplier's pins for the box.
    pub async fn map(&self, search: &HotelMapSearch) -> HotelMapOutcome {
        let calls = self.suppliers.iter().map(|(s, budget)| async move {
            (s.name(), tokio::time::timeout(*budget, s.map(search)).await)
        });
        let mut out = HotelMapOutcome::default();
        for (name, result) in futures::future::join_all(calls).await {
            match result {
                Ok(Ok(mut pins)) => out.pins.append(&mut pins),
                Ok(Err(e)) => {
                    tracing::warn!(supplier = name, error = %e, "hotel supplier map failed");
                    out.warnings.push(warning(name, Some(&e)));
                }
                Err(_) => out.warnings.push(warning(name, None)),
            }
        }
        out
    }
}

impl Default for HotelAggregator {
    fn default() -> Self {
        HotelAggregator::new()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use wayfare_domain::hotel::HotelMapSearch;
    use wayfare_domain::{Currency, Money};

    use super::*;
    use crate::hotel::{
        GuestName, HotelBookingRequest, HotelCancellationQuote, HotelRate, HotelResults,
    };

    /// A supplier that only records which hold calls reached it.
    struct Recorder {
        name: &'static str,
        calls: Mutex<Vec<String>>,
    }

    impl Recorder {
        fn answer(&self, call: String) -> Result<HotelBooking, SupplierError> {
            self.calls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(call);
            Err(SupplierError::NoSeats)
        }
    }

    #[async_trait::async_trait]
    impl HotelSupplier for Recorder {
        fn name(&self) -> &'static str {
            self.name
        }
        async fn search(&self, _: &HotelSearch) -> Result<HotelResults, SupplierError> {
            Ok(HotelResults::default())
        }
        async fn map(&self, _: &HotelMapSearch) -> Result<Vec<HotelPin>, SupplierError> {
            Ok(Vec::new())
        }
        async fn rates(&self, id: &str, _: &HotelSearch) -> Result<HotelOffer, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn check_rate(&self, id: &str) -> Result<HotelRate, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn book(&self, r: &HotelBookingRequest) -> Result<HotelBooking, SupplierError> {
            Err(SupplierError::NotFound(r.rate_id.clone()))
        }
        async fn hold(
            &self,
            r: &HotelBookingRequest,
            until: DateTime<Utc>,
        ) -> Result<HotelBooking, SupplierError> {
            self.answer(format!("hold {} {}", r.rate_id, until.timestamp()))
        }
        async fn confirm_hold(&self, id: &str) -> Result<HotelBooking, SupplierError> {
            self.answer(format!("confirm {id}"))
        }
        async fn release_hold(&self, id: &str) -> Result<HotelBooking, SupplierError> {
            self.answer(format!("release {id}"))
        }
        async fn get_booking(&self, id: &str) -> Result<HotelBooking, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn quote_cancellation(
            &self,
            id: &str,
        ) -> Result<HotelCancellationQuote, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn confirm_cancellation(
            &self,
            id: &str,
        ) -> Result<HotelCancellationQuote, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
    }

    /// A supplier that keeps the trait's default hold methods, as Hotelbeds does.
    struct NoHolds;

    #[async_trait::async_trait]
    impl HotelSupplier for NoHolds {
        fn name(&self) -> &'static str {
            "hotelbeds"
        }
        async fn search(&self, _: &HotelSearch) -> Result<HotelResults, SupplierError> {
            Ok(HotelResults::default())
        }
        async fn map(&self, _: &HotelMapSearch) -> Result<Vec<HotelPin>, SupplierError> {
            Ok(Vec::new())
        }
        async fn rates(&self, id: &str, _: &HotelSearch) -> Result<HotelOffer, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn check_rate(&self, id: &str) -> Result<HotelRate, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn book(&self, r: &HotelBookingRequest) -> Result<HotelBooking, SupplierError> {
            Err(SupplierError::NotFound(r.rate_id.clone()))
        }
        async fn get_booking(&self, id: &str) -> Result<HotelBooking, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn quote_cancellation(
            &self,
            id: &str,
        ) -> Result<HotelCancellationQuote, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn confirm_cancellation(
            &self,
            id: &str,
        ) -> Result<HotelCancellationQuote, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
    }

    fn request(rate_id: &str) -> HotelBookingRequest {
        let guest = GuestName {
            given_name: "Min".into(),
            family_name: "Zhang".into(),
        };
        HotelBookingRequest {
            rate_id: rate_id.into(),
            room_guests: vec![guest.clone()],
            holder: guest,
            email: "min@example.com".into(),
            phone: "+8613800138000".into(),
            special_requests: None,
            expected_total: Money::from_minor(10_000, Currency::CNY),
            idempotency_key: "k".into(),
        }
    }

    #[tokio::test]
    async fn hold_calls_go_to_the_supplier_the_id_names() {
        let builtin = Arc::new(Recorder {
            name: "builtin",
            calls: Mutex::new(Vec::new()),
        });
        let other = Arc::new(Recorder {
            name: "acme",
            calls: Mutex::new(Vec::new()),
        });
        let agg = HotelAggregator::new()
            .with(builtin.clone(), Duration::from_secs(1))
            .with(other.clone(), Duration::from_secs(1))
            .with(Arc::new(NoHolds), Duration::from_secs(1));
        let until = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert!(matches!(
            agg.hold(&request("bh_1.flex"), until).await,
            Err(SupplierError::NoSeats)
        ));
        assert!(agg.confirm_hold("acme_bk1").await.is_err());
        assert!(agg.release_hold("bh_bk2").await.is_err());
        assert_eq!(
            *builtin.calls.lock().unwrap(),
            vec!["hold bh_1.flex 1800000000", "release bh_bk2"]
        );
        assert_eq!(*other.calls.lock().unwrap(), vec!["confirm acme_bk1"]);
        // A supplier that cannot hold says so through the trait's default.
        for result in [
            agg.hold(&request("hb_6613.rk"), until).await,
            agg.confirm_hold("hb_1-2").await,
            agg.release_hold("hb_1-2").await,
        ] {
            assert!(
                matches!(&result, Err(SupplierError::Unsupported { supplier, .. }) if supplier == "hotelbeds"),
                "{result:?}"
            );
        }
        assert!(matches!(
            agg.confirm_hold("zz_1").await,
            Err(SupplierError::NotFound(id)) if id == "zz_1"
        ));
    }
}
