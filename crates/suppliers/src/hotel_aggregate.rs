//! Fans a hotel search out to every enabled hotel supplier at once, each with its own time
//! budget, and merges their pages into one ranked page. A supplier that fails or runs out of
//! time leaves a warning and the others' results stand. Prices from suppliers that sell in
//! other currencies are ranked through the display rates (the offers keep their own currency).

use std::sync::Arc;
use std::time::Duration;

use wayfare_domain::RateTable;
use wayfare_domain::hotel::ranking::{self, RankFacts};
use wayfare_domain::hotel::{HotelMapSearch, HotelSearch, PropertyId};

use crate::aggregate::SupplierWarning;
use crate::flight::SupplierError;
use crate::hotel::{HotelOffer, HotelPin, HotelSupplier};

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
