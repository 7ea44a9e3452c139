//! Fans a search out to every enabled supplier at once, each with its own time budget. A
//! supplier that fails or runs out of time leaves a warning and the others' offers stand;
//! identical itineraries from two suppliers keep the cheaper offer.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use wayfare_domain::flight::offer::Offer;
use wayfare_domain::flight::ranking;
use wayfare_domain::flight::search::FlightSearch;

use crate::flight::{FlightSupplier, SupplierError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplierWarning {
    pub supplier: String,
    /// `timeout` or `error`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct SearchOutcome {
    pub offers: Vec<Offer>,
    pub warnings: Vec<SupplierWarning>,
}

pub struct FlightAggregator {
    suppliers: Vec<(Arc<dyn FlightSupplier>, Duration)>,
}

impl std::fmt::Debug for FlightAggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.suppliers.iter().map(|(s, b)| (s.name(), b)))
            .finish()
    }
}

impl FlightAggregator {
    pub fn new() -> FlightAggregator {
        FlightAggregator {
            suppliers: Vec::new(),
        }
    }

    /// Adds a supplier with the time it is given to answer a search.
    pub fn with(mut self, supplier: Arc<dyn FlightSupplier>, budget: Duration) -> FlightAggregator {
        self.suppliers.push((supplier, budget));
        self
    }

    pub fn supplier_names(&self) -> Vec<&'static str> {
        self.suppliers.iter().map(|(s, _)| s.name()).collect()
    }

    pub async fn search(&self, search: &FlightSearch) -> SearchOutcome {
        let calls = self.suppliers.iter().map(|(s, budget)| async move {
            let r = tokio::time::timeout(*budget, s.search(search)).await;
            (s.name(), r)
        });
        let mut offers = Vec::new();
        let mut warnings = Vec::new();
        for (name, result) in futures::future::join_all(calls).await {
            match result {
                Ok(Ok(mut o)) => offers.append(&mut o),
                Ok(Err(e)) => {
                    tracing::warn!(supplier = name, error = %e, "supplier search failed");
                    let kind = if matches!(e, SupplierError::Timeout { .. }) {
                        "timeout"
                    } else {
                        "error"
                    };
                    warnings.push(SupplierWarning {
                        supplier: name.to_owned(),
                        kind,
                    });
                }
                Err(_) => {
                    tracing::warn!(supplier = name, "supplier search ran out of time");
                    warnings.push(SupplierWarning {
                        supplier: name.to_owned(),
                        kind: "timeout",
                    });
                }
            }
        }
        SearchOutcome {
            offers: ranking::finish(offers, search),
            warnings,
        }
    }

    /// The supplier that made an offer, from the offer id's prefix.
    pub fn supplier_for(&self, offer_id: &str) -> Option<&Arc<dyn FlightSupplier>> {
        self.suppliers
            .iter()
            .map(|(s, _)| s)
            .find(|s| match s.name() {
                "builtin" => offer_id.starts_with("bi_"),
                name => offer_id.starts_with(&format!("{name}:")),
            })
    }
}

impl Default for FlightAggregator {
    fn default() -> Self {
        FlightAggregator::new()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
    use wayfare_domain::flight::fare::{Cabin, FareBrand};
    use wayfare_domain::flight::offer::{OfferPrice, OfferSlice, Segment};
    use wayfare_domain::flight::search::{FlightSearch, Passengers};
    use wayfare_domain::{Currency, Money};

    use super::*;
    use crate::flight::{CancellationQuote, OrderRequest, ScheduleChangePage, SupplierOrder};

    fn offer(supplier: &str, id: &str, flight: u16, total: i64) -> Offer {
        let dep = Utc
            .with_ymd_and_hms(2026, 12, 10, 5, 0, 0)
            .unwrap()
            .fixed_offset();
        let arr = Utc
            .with_ymd_and_hms(2026, 12, 10, 18, 0, 0)
            .unwrap()
            .fixed_offset();
        let brand = FareBrand::find(Cabin::Economy, "standard").unwrap();
        let m = |v| Money::from_minor(v, Currency::CNY);
        Offer {
            id: id.into(),
            supplier: supplier.into(),
            expires_at: Utc.with_ymd_and_hms(2026, 12, 1, 0, 30, 0).unwrap(),
            cabin: Cabin::Economy,
            fare_brand: "standard".into(),
            baggage: brand.baggage,
            conditions: brand.conditions(m(total)),
            price: OfferPrice {
                base: m(total),
                taxes: m(0),
                total: m(total),
            },
            available_seats: 9,
            slices: vec![OfferSlice {
                origin: AirportCode::parse("PVG").unwrap(),
                destination: AirportCode::parse("LHR").unwrap(),
                duration_minutes: 780,
                segments: vec![Segment {
                    origin: AirportCode::parse("PVG").unwrap(),
                    destination: AirportCode::parse("LHR").unwrap(),
                    departing_at: dep,
                    arriving_at: arr,
                    marketing_carrier: AirlineCode::parse("MU").unwrap(),
                    flight_number: flight,
                    operating_carrier: AirlineCode::parse("MU").unwrap(),
                    aircraft: "359".into(),
                    duration_minutes: 780,
                }],
            }],
        }
    }

    fn search() -> FlightSearch {
        FlightSearch::one_way(
            AirportCode::parse("PVG").unwrap(),
            AirportCode::parse("LHR").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            Passengers {
                adults: 1,
                children: 0,
                infants: 0,
            },
            Cabin::Economy,
            1,
        )
    }

    /// A stand-in for an outside supplier: answers after `delay`, or fails.
    struct Scripted {
        name: &'static str,
        delay: Duration,
        answer: Result<Vec<Offer>, SupplierError>,
    }

    #[async_trait::async_trait]
    impl FlightSupplier for Scripted {
        fn name(&self) -> &'static str {
            self.name
        }
        async fn search(&self, _: &FlightSearch) -> Result<Vec<Offer>, SupplierError> {
            tokio::time::sleep(self.delay).await;
            self.answer.clone()
        }
        async fn price(&self, id: &str) -> Result<Offer, SupplierError> {
            Err(SupplierError::NotFound(id.into()))
        }
        async fn create_order(&self, _: &OrderRequest) -> Result<SupplierOrder, SupplierError> {
            Err(SupplierError::Unsupported {
                supplier: self.name.into(),
                operation: "create_order",
            })
        }
        async fn pay_order(
            &self,
            _: &str,
            _: wayfare_domain::Money,
            _: &str,
        ) -> Result<SupplierOrder, SupplierError> {
            Err(SupplierError::Unsupported {
                supplier: self.name.into(),
                operation: "pay_order",
            })
        }
        async fn get_order(&self, _: &str) -> Result<SupplierOrder, SupplierError> {
            Err(SupplierError::Unsupported {
                supplier: self.name.into(),
                operation: "get_order",
            })
        }
        async fn quote_cancellation(&self, _: &str) -> Result<CancellationQuote, SupplierError> {
            Err(SupplierError::Unsupported {
                supplier: self.name.into(),
                operation: "quote_cancellation",
            })
        }
        async fn confirm_cancellation(&self, _: &str) -> Result<CancellationQuote, SupplierError> {
            Err(SupplierError::Unsupported {
                supplier: self.name.into(),
                operation: "confirm_cancellation",
            })
        }
        async fn schedule_changes(
            &self,
            _: Option<&str>,
        ) -> Result<ScheduleChangePage, SupplierError> {
            Err(SupplierError::Unsupported {
                supplier: self.name.into(),
                operation: "schedule_changes",
            })
        }
    }

    fn scripted(
        name: &'static str,
        delay_ms: u64,
        answer: Result<Vec<Offer>, SupplierError>,
    ) -> Arc<dyn FlightSupplier> {
        Arc::new(Scripted {
            name,
            delay: Duration::from_millis(delay_ms),
            answer,
        })
    }

    #[tokio::test]
    async fn a_slow_supplier_degrades_to_partial_results_with_a_warning() {
        let agg = FlightAggregator::new()
            .with(
                scripted(
                    "builtin",
                    0,
                    Ok(vec![offer("builtin", "bi_1", 551, 400_000)]),
                ),
                Duration::from_millis(500),
            )
            .with(
                scripted(
                    "duffel",
                    2_000,
                    Ok(vec![offer("duffel", "duffel:off_1", 219, 300_000)]),
                ),
                Duration::from_millis(50),
            );
        let started = std::time::Instant::now();
        let out = agg.search(&search()).await;
        assert!(
            started.elapsed() < Duration::from_millis(1_000),
            "did not wait for the slow supplier"
        );
        assert_eq!(out.offers.len(), 1);
        assert_eq!(out.offers[0].supplier, "builtin");
        assert_eq!(
            out.warnings,
            vec![SupplierWarning {
                supplier: "duffel".into(),
                kind: "timeout"
            }]
        );
    }

    #[tokio::test]
    async fn a_failing_supplier_leaves_an_error_warning() {
        let agg = FlightAggregator::new()
            .with(
                scripted(
                    "builtin",
                    0,
                    Ok(vec![offer("builtin", "bi_1", 551, 400_000)]),
                ),
                Duration::from_millis(500),
            )
            .with(
                scripted(
                    "duffel",
                    0,
                    Err(SupplierError::Unavailable {
                        supplier: "duffel".into(),
                        reason: "503".into(),
                    }),
                ),
                Duration::from_millis(500),
            );
        let out = agg.search(&search()).await;
        assert_eq!(out.offers.len(), 1);
        assert_eq!(out.warnings[0].kind, "error");
    }

    #[tokio::test]
    async fn the_same_itinerary_from_two_suppliers_keeps_the_cheaper() {
        let agg = FlightAggregator::new()
            .with(
                scripted(
                    "builtin",
                    0,
                    Ok(vec![
                        offer("builtin", "bi_1", 551, 400_000),
                        offer("builtin", "bi_2", 219, 500_000),
                    ]),
                ),
                Duration::from_millis(500),
            )
            .with(
                scripted(
                    "duffel",
                    0,
                    Ok(vec![offer("duffel", "duffel:off_1", 551, 380_000)]),
                ),
                Duration::from_millis(500),
            );
        let out = agg.search(&search()).await;
        assert!(out.warnings.is_empty());
        let ids: Vec<&str> = out.offers.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, vec!["duffel:off_1", "bi_2"]);
        assert!(
            agg.supplier_for("bi_123")
                .is_some_and(|s| s.name() == "builtin")
        );
        assert!(
            agg.supplier_for("duffel:off_9")
                .is_some_and(|s| s.name() == "duffel")
        );
        assert!(agg.supplier_for("zz").is_none());
    }
}
