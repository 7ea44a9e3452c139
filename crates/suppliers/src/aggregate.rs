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
