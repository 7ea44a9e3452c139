//! Duffel Flights (API `v2`) as a [`FlightSupplier`]: the HTTP client here, serde documents in
//! `wire`, mapping to and from our domain in `transform`. Protocol reference:
//! `shared/providers/travel.md` §1.
//!
//! What it does:
//! - **search**: `POST /air/offer_requests?return_offers=false`, then pages of
//!   `GET /air/offers?offer_request_id=…&limit=200&sort=total_amount` following `meta.after`
//!   until it is `null` or [`DuffelConfig::max_offers`] offers are read. An offer that cannot be
//!   mapped is skipped with a warning; a page failing after the first keeps the offers read.
//! - **price**: `GET /air/offers/{id}`.
//! - **create_order**: re-reads the offer (for its `pas_…` ids and current total), then
//!   `POST /air/orders` as `hold` or `instant` (paid from the Duffel balance).
//! - **pay_order**: `GET /air/orders/{id}`, then `POST /air/payments` with the order's current
//!   total from the Duffel balance, then the order read again (ticketed). An order already paid
//!   is answered as it is, without paying again: Duffel documents no idempotency key for
//!   payments, so reading first is what makes a retry safe.
//! - Orders: a hold still awaiting payment after its `payment_required_by` (by
//!   [`DuffelConfig::clock`]) reads as `Expired`; e-tickets come from the order's
//!   `electronic_ticket` documents.
//! - **get_order**, **quote_cancellation**, **confirm_cancellation**: `GET /air/orders/{id}`,
//!   `POST /air/order_cancellations`, `POST /air/order_cancellations/{id}/actions/confirm`.
//! - **schedule_changes**: `Unsupported`. Duffel lists airline-initiated changes per order
//!   (`GET /air/airline_initiated_changes?order_id=`; no cursor over all orders is documented)
//!   and pushes new ones by webhook; [`DuffelSupplier::airline_initiated_changes`] reads one
//!   order's changes, and [`webhook`] checks the webhook's signature and reads the change an
//!   event announces ([`DuffelSupplier::announced_changes`]).
//!
//! Every id we hand out carries the `duffel:` prefix; ids passed in may carry it or not.
//!
//! Answers: a `202 Accepted` order (created later, announced by webhook) is refused as
//! `Rejected { code: "order_pending" }`, never retried nor reported as booked; after a 429 (or
//! `ratelimit-remaining: 0`) calls fail fast with `RateLimited` until `ratelimit-reset` (at most
//! a minute); the `x-request-id` of a failed call is in the error message and the log.

mod transform;
pub mod webhook;
mod wire;

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wayfare_domain::Money;
use wayfare_domain::flight::search::FlightSearch;
use wayfare_domain::flight::{Cabin, Offer};

use crate::flight::{
    CancellationQuote, FlightSupplier, OrderMode, OrderRequest, ScheduleChange, ScheduleChangePage,
    SupplierError, SupplierOrder, SupplierOrderStatus,
};
pub use transform::{AVAILABLE_SEATS, CHILD_SEARCH_AGE, ID_PREFIX, INFANT_SEARCH_AGE};
use transform::{SUPPLIER, duffel_id, our_id, request_id_suffix};

/// Offers asked for per page (Duffel's maximum).
const PAGE_LIMIT: u32 = 200;
/// A bound on pages read for one search, whatever the cursors say.
const MAX_PAGES: usize = 50;
/// The longest we stop calling Duffel after a rate-limit answer, whatever `ratelimit-reset` says.
const MAX_RATE_LIMIT_PAUSE: Duration = Duration::from_secs(60);

/// A Duffel access token. Never printed: `Debug` shows a placeholder and there is no `Display`.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> AccessToken {
        AccessToken(token.into())
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

impl From<String> for AccessToken {
    fn from(s: String) -> Self {
        AccessToken(s)
    }
}

impl From<&str> for AccessToken {
    fn from(s: &str) -> Self {
        AccessToken(s.to_owned())
    }
}

/// "Now", passed in so tests control it (same shape as the built-in supplier's clock).
pub use wayfare_domain::Clock;

#[derive(Clone)]
pub struct DuffelConfig {
    /// `https://api.duffel.com`; a local fake in tests.
    pub base_url: String,
    pub access_token: AccessToken,
    /// For each search request (offer request, offer pages) and the reads (offer, order,
    /// airline changes). Duffel answers a search within 20 s by default.
    pub search_timeout: Duration,
    /// For order creation and cancellations, which wait on the airline (up to 120 s).
    pub order_timeout: Duration,
    /// Sent as `supplier_timeout` (ms, clamped to Duffel's 2 000–60 000); Duffel's 20 s if unset.
    pub supplier_timeout_ms: Option<u32>,
    /// Stop paging once this many offers are mapped.
    pub max_offers: usize,
    /// Compared with a hold's `payment_required_by` before paying it. [`Utc::now`] by default.
    pub clock: Clock,
}

impl fmt::Debug for DuffelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuffelConfig")
            .field("base_url", &self.base_url)
            .field("access_token", &self.access_token)
            .field("search_timeout", &self.search_timeout)
            .field("order_timeout", &self.order_timeout)
            .field("supplier_timeout_ms", &self.supplier_timeout_ms)
            .field("max_offers", &self.max_offers)
            .finish_non_exhaustive()
    }
}

impl DuffelConfig {
    pub const DEFAULT_BASE_URL: &'static str = "https://api.duffel.com";

    pub fn new(access_token: impl Into<AccessToken>) -> DuffelConfig {
        DuffelConfig {
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            access_token: access_token.into(),
            search_timeout: Duration::from_secs(25),
            order_timeout: Duration::from_secs(130),
            supplier_timeout_ms: None,
            max_offers: 500,
            clock: Arc::new(Utc::now),
        }
    }
}

pub struct DuffelSupplier {
    http: reqwest::Client,
    base_url: String,
    config: DuffelConfig,
    /// Set from `ratelimit-reset` when Duffel says we are out of requests; until then calls
    /// fail fast with `RateLimited` instead of adding to the pile.
    paused_until: Mutex<Option<Instant>>,
}

impl fmt::Debug for DuffelSupplier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuffelSupplier")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// One answer from Duffel: a 2xx status and the raw (decompressed) body.
struct Reply {
    status: StatusCode,
    request_id: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn parse<T: DeserializeOwned>(&self) -> Result<T, SupplierError> {
        serde_json::from_slice(&self.body).map_err(|e| SupplierError::Protocol {
            supplier: SUPPLIER.into(),
            detail: format!(
                "HTTP {} body is not the expected document: {e}{}",
                self.status.as_u16(),
                request_id_suffix(self.request_id.as_deref())
            ),
        })
    }

    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl DuffelSupplier {
    pub fn new(config: DuffelConfig) -> Result<DuffelSupplier, SupplierError> {
        let mut headers = HeaderMap::new();
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", config.access_token.expose_secret()))
                .map_err(|_| SupplierError::Authentication {
                    supplier: SUPPLIER.into(),
                })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert("duffel-version", HeaderValue::from_static("v2"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        // `Accept-Encoding: gzip` is added, and the answer decompressed, by reqwest's `gzip`.
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!(
                "wayfare/",
                env!("CARGO_PKG_VERSION"),
                " (duffel connector)"
            ))
            .gzip(true)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SupplierError::Unavailable {
                supplier: SUPPLIER.into(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(DuffelSupplier {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            config,
            paused_until: Mutex::new(None),
        })
    }

    /// The airline-initiated changes of one order (`GET /air/airline_initiated_changes?order_id=`),
    /// each with the itinerary as it stands after the change.
    pub async fn airline_initiated_changes(
        &self,
        order_id: &str,
    ) -> Result<Vec<ScheduleChange>, SupplierError> {
        let id = checked_id(order_id)?;
        let reply = self
            .send::<()>(
                Method::GET,
                "/air/airline_initiated_changes",
                &[("order_id", id.to_owned())],
                None,
                self.config.search_timeout,
                order_id,
            )
            .await?;
        let list: wire::ListDocument<wire::AirlineInitiatedChange> = reply.parse()?;
        if list.data.is_empty() {
            return Ok(vec![]);
        }
        let (order, order_reply_id) = self.fetch_order(id).await?;
        list.data
            .iter()
            .map(|aic| {
                transform::schedule_change(aic, &order)
                    .map_err(|e| e.into_protocol(reply.request_id().or(order_reply_id.as_deref())))
            })
            .collect()
    }

    async fn fetch_offer(&self, id: &str) -> Result<(wire::Offer, Option<String>), SupplierError> {
        let reply = self
            .send::<()>(
                Method::GET,
                &format!("/air/offers/{id}"),
                &[],
                None,
                self.config.search_timeout,
                &our_id(id),
            )
            .await?;
        let doc: wire::Document<wire::Offer> = reply.parse()?;
        Ok((doc.data, reply.request_id))
    }

    /// Duffel's order as ours, with a hold whose payment deadline has passed as `Expired`.
    fn our_order(
        &self,
        o: &wire::Order,
        cabin_fallback: Option<Cabin>,
        request_id: Option<&str>,
    ) -> Result<SupplierOrder, SupplierError> {
        transform::order(o, cabin_fallback)
            .map(|order| transform::lapse_unpaid_hold(order, (self.config.clock)()))
            .map_err(|e| e.into_protocol(request_id))
    }

    async fn fetch_order(&self, id: &str) -> Result<(wire::Order, Option<String>), SupplierError> {
        let reply = self
            .send::<()>(
                Method::GET,
                &format!("/air/orders/{id}"),
                &[],
                None,
                self.config.search_timeout,
                &our_id(id),
            )
            .await?;
        let doc: wire::Document<wire::Order> = reply.parse()?;
        Ok((doc.data, reply.request_id))
    }

    /// Reads the offer pages of an offer request until the cursor ends or enough are mapped.
    async fn collect_offers(
        &self,
        offer_request: &str,
        cabin: Cabin,
    ) -> Result<Vec<Offer>, SupplierError> {
        let mut offers = Vec::new();
        let mut after: Option<String> = None;
        let mut cursors_seen = HashSet::new();
        for page_number in 0..MAX_PAGES {
            let mut query = vec![
                ("offer_request_id", offer_request.to_owned()),
                ("limit", PAGE_LIMIT.to_string()),
                ("sort", "total_amount".to_owned()),
            ];
            if let Some(cursor) = &after {
                query.push(("after", cursor.clone()));
            }
            let page = self
                .send::<()>(
                    Method::GET,
                    "/air/offers",
                    &query,
                    None,
                    self.config.search_timeout,
                    offer_request,
                )
                .await
                .and_then(|reply| {
                    let list: wire::ListDocument<serde_json::Value> = reply.parse()?;
                    Ok((list, reply.request_id))
                });
            let (list, request_id) = match page {
                Ok(page) => page,
                Err(error) if page_number > 0 => {
                    tracing::warn!(supplier = SUPPLIER, offer_request, page_number, %error,
                        kept = offers.len(), "an offer page failed; keeping the offers already read");
                    break;
                }
                Err(error) => return Err(error),
            };
            for raw in list.data {
                let raw_id = raw
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
                    .to_owned();
                let mapped = serde_json::from_value::<wire::Offer>(raw)
                    .map_err(|e| e.to_string())
                    .and_then(|o| transform::offer(&o, Some(cabin)).map_err(|e| e.to_string()));
                match mapped {
                    Ok(offer) => offers.push(offer),
                    Err(reason) => tracing::warn!(supplier = SUPPLIER, offer = %raw_id,
                        request_id = request_id.as_deref().unwrap_or(""), %reason, "offer skipped"),
                }
                if offers.len() >= self.config.max_offers {
                    return Ok(offers);
                }
            }
            match list.meta.and_then(|m| m.after) {
                Some(cursor) if cursors_seen.insert(cursor.clone()) => after = Some(cursor),
                Some(cursor) => {
                    tracing::warn!(supplier = SUPPLIER, offer_request, %cursor, "offer cursor repeated; stopping");
                    break;
                }
                None => break,
            }
        }
        Ok(offers)
    }

    /// Sends one request and returns a 2xx answer; anything else becomes a [`SupplierError`].
    /// `subject` is the id the call is about, named in `NotFound`/`OfferExpired`.
    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        timeout: Duration,
        subject: &str,
    ) -> Result<Reply, SupplierError> {
        self.check_rate_limit_pause()?;
        let started = Instant::now();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .timeout(timeout);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            // `.json` also sets `Content-Type: application/json`.
            request = request.json(&wire::RequestEnvelope { data: body });
        }
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.note_rate_limit(status, response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(&e))?
            .to_vec();
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let rid = request_id.as_deref().unwrap_or("");
        if status.is_success() {
            tracing::debug!(supplier = SUPPLIER, %method, path, status = status.as_u16(), request_id = rid, elapsed_ms, "duffel call");
            return Ok(Reply {
                status,
                request_id,
                body,
            });
        }
        let error =
            transform::error_from_response(status.as_u16(), request_id.as_deref(), &body, subject);
        tracing::warn!(supplier = SUPPLIER, %method, path, status = status.as_u16(), request_id = rid, elapsed_ms, %error, "duffel call failed");
        Err(error)
    }

    fn check_rate_limit_pause(&self) -> Result<(), SupplierError> {
        let mut paused = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        match *paused {
            Some(until) if Instant::now() < until => Err(SupplierError::RateLimited {
                supplier: SUPPLIER.into(),
            }),
            Some(_) => {
                *paused = None;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// On a 429, or when `ratelimit-remaining` hits 0, pause until `ratelimit-reset`.
    fn note_rate_limit(&self, status: StatusCode, headers: &HeaderMap) {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let exhausted =
            header("ratelimit-remaining").and_then(|v| v.trim().parse::<u64>().ok()) == Some(0);
        if status != StatusCode::TOO_MANY_REQUESTS && !exhausted {
            return;
        }
        let Some(wait) = header("ratelimit-reset").and_then(|v| until_reset(v, Utc::now())) else {
            return;
        };
        let until = Instant::now() + wait.min(MAX_RATE_LIMIT_PAUSE);
        let mut paused = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        *paused = Some(paused.map_or(until, |p| p.max(until)));
        tracing::warn!(
            supplier = SUPPLIER,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "duffel rate limit reached; pausing calls"
        );
    }
}

/// How long until `ratelimit-reset`: an HTTP-date (as Duffel's SDK reads it), or a number —
/// seconds from now, or a Unix time when it is that large.
fn until_reset(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let at = match value.parse::<i64>() {
        Ok(n) if n > 1_000_000_000 => DateTime::from_timestamp(n, 0)?,
        Ok(n) => return u64::try_from(n).ok().map(Duration::from_secs),
        Err(_) => DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc),
    };
    (at - now).to_std().ok()
}

fn transport_error(e: &reqwest::Error) -> SupplierError {
    if e.is_timeout() {
        SupplierError::Timeout {
            supplier: SUPPLIER.into(),
        }
    } else if e.is_decode() || e.is_body() {
        SupplierError::Protocol {
            supplier: SUPPLIER.into(),
            detail: format!("unreadable response body: {e}"),
        }
    } else {
        SupplierError::Unavailable {
            supplier: SUPPLIER.into(),
            reason: e.to_string(),
        }
    }
}

/// Duffel's id from ours; an id that cannot be Duffel's is simply not found.
fn checked_id(id: &str) -> Result<&str, SupplierError> {
    duffel_id(id).ok_or_else(|| SupplierError::NotFound(id.to_owned()))
}

#[async_trait::async_trait]
impl FlightSupplier for DuffelSupplier {
    fn name(&self) -> &'static str {
        SUPPLIER
    }

    async fn search(&self, search: &FlightSearch) -> Result<Vec<Offer>, SupplierError> {
        let body = wire::OfferRequestBody::from(search);
        let mut query = vec![("return_offers", "false".to_owned())];
        if let Some(ms) = self.config.supplier_timeout_ms {
            query.push(("supplier_timeout", ms.clamp(2_000, 60_000).to_string()));
        }
        let reply = self
            .send(
                Method::POST,
                "/air/offer_requests",
                &query,
                Some(&body),
                self.config.search_timeout,
                "offer request",
            )
            .await?;
        let request: wire::Document<wire::OfferRequest> = reply.parse()?;
        self.collect_offers(&request.data.id, search.cabin).await
    }

    async fn price(&self, offer_id: &str) -> Result<Offer, SupplierError> {
        let id = checked_id(offer_id)?;
        let (offer, request_id) = self.fetch_offer(id).await?;
        transform::offer(&offer, None).map_err(|e| e.into_protocol(request_id.as_deref()))
    }

    async fn create_order(&self, request: &OrderRequest) -> Result<SupplierOrder, SupplierError> {
        let id = checked_id(&request.offer_id)?;
        let (offer, request_id) = self.fetch_offer(id).await?;
        let current =
            transform::offer(&offer, None).map_err(|e| e.into_protocol(request_id.as_deref()))?;
        match &request.mode {
            OrderMode::Instant { payment } if *payment != current.price.total => {
                return Err(SupplierError::PriceChanged {
                    new_total: current.price.total,
                });
            }
            OrderMode::Hold
                if offer
                    .payment_requirements
                    .as_ref()
                    .is_some_and(|p| p.requires_instant_payment) =>
            {
                return Err(SupplierError::Rejected {
                    supplier: SUPPLIER.into(),
                    code: "instant_payment_required".into(),
                    message: format!(
                        "offer {} cannot be held; it must be paid now",
                        request.offer_id
                    ),
                });
            }
            _ => {}
        }
        let body = transform::order_body(&offer, request)?;
        let sent = self
            .send(
                Method::POST,
                "/air/orders",
                &[],
                Some(&body),
                self.config.order_timeout,
                &request.offer_id,
            )
            .await;
        let reply = match sent {
            Ok(reply) => reply,
            // Duffel's advice: fetch the offer again and retry with its new total.
            Err(SupplierError::Rejected { code, message, .. }) if code == "price_changed" => {
                return match self.fetch_offer(id).await.and_then(|(o, rid)| {
                    transform::offer(&o, None).map_err(|e| e.into_protocol(rid.as_deref()))
                }) {
                    Ok(fresh) => Err(SupplierError::PriceChanged {
                        new_total: fresh.price.total,
                    }),
                    Err(_) => Err(SupplierError::Rejected {
                        supplier: SUPPLIER.into(),
                        code,
                        message,
                    }),
                };
            }
            Err(e) => return Err(e),
        };
        if reply.status == StatusCode::ACCEPTED {
            // Accepted but not confirmed: the outcome arrives as an `order.created` or
            // `order.creation_failed` webhook. Retrying could book twice, so this is a refusal
            // the caller must not retry; support finds it by request id or idempotency key.
            tracing::warn!(supplier = SUPPLIER, offer = %request.offer_id, idempotency_key = %request.idempotency_key,
                request_id = reply.request_id().unwrap_or(""), "order accepted (202) but not confirmed");
            return Err(SupplierError::Rejected {
                supplier: SUPPLIER.into(),
                code: "order_pending".into(),
                message: format!(
                    "Duffel accepted the order but has not confirmed it; do not retry, wait for the \
                     order.created or order.creation_failed webhook{}",
                    request_id_suffix(reply.request_id())
                ),
            });
        }
        let doc: wire::Document<wire::Order> = reply.parse()?;
        self.our_order(&doc.data, Some(current.cabin), reply.request_id())
    }

    /// Pays a hold in full from the Duffel balance (`POST /air/payments`), then answers the
    /// order as Duffel shows it afterwards (ticketed).
    ///
    /// Idempotency: Duffel documents no idempotency header or key for payments, and the body
    /// is exactly `{order_id, payment}` (no metadata), so `idempotency_key` only goes to the
    /// log. What makes a retry safe is reading the order first: once paid it no longer awaits
    /// payment and is answered as it is, with no second payment. If a payment is refused, the
    /// order is read once more, so a concurrent payment that won the race is still success.
    ///
    /// Refusals before anything is paid:
    /// - cancelled order: `Rejected { code: "order_cancelled" }`;
    /// - `payment_required_by` passed (the order maps as `Expired`): `OfferExpired(order_id)`.
    ///   The hold has lapsed and the airline releases the seats: what was held cannot be bought
    ///   at any price and the way forward is a new search, which is what `OfferExpired` tells
    ///   booking. (`PriceChanged` would invite a pointless retry, `NotFound` would deny the
    ///   order exists, and `Rejected` is for refusals a caller can act on.) Checked before the
    ///   price for that reason;
    /// - `payment` is not the current total (amount or currency): `PriceChanged` with it.
    async fn pay_order(
        &self,
        order_id: &str,
        payment: Money,
        idempotency_key: &str,
    ) -> Result<SupplierOrder, SupplierError> {
        let id = checked_id(order_id)?;
        let (order, request_id) = self.fetch_order(id).await?;
        let current = self.our_order(&order, None, request_id.as_deref())?;
        match current.status {
            SupplierOrderStatus::Held => {}
            SupplierOrderStatus::Confirmed => {
                tracing::info!(supplier = SUPPLIER, order = %order_id, %idempotency_key,
                    "order already paid; answering it without paying again");
                return Ok(current);
            }
            SupplierOrderStatus::Cancelled => {
                return Err(SupplierError::Rejected {
                    supplier: SUPPLIER.into(),
                    code: "order_cancelled".into(),
                    message: format!("order {order_id} is cancelled and cannot be paid"),
                });
            }
            SupplierOrderStatus::Expired => {
                return Err(SupplierError::OfferExpired(order_id.to_owned()));
            }
        }
        if payment != current.total {
            return Err(SupplierError::PriceChanged {
                new_total: current.total,
            });
        }
        let body = transform::payment_body(&order);
        let sent = self
            .send(
                Method::POST,
                "/air/payments",
                &[],
                Some(&body),
                self.config.order_timeout,
                order_id,
            )
            .await;
        match sent {
            Ok(reply) => {
                let paid = reply
                    .parse::<wire::Document<wire::PaymentRecord>>()
                    .map(|d| d.data.id);
                tracing::info!(supplier = SUPPLIER, order = %order_id, %idempotency_key,
                    payment = paid.as_deref().unwrap_or("?"), request_id = reply.request_id().unwrap_or(""),
                    "hold order paid");
            }
            Err(refused @ SupplierError::Rejected { .. }) => {
                // Paid meanwhile by another attempt, or re-priced: the order says which.
                let again = self
                    .fetch_order(id)
                    .await
                    .and_then(|(o, rid)| self.our_order(&o, None, rid.as_deref()));
                return match again {
                    Ok(o) if o.status == SupplierOrderStatus::Confirmed => Ok(o),
                    Ok(o) if o.status == SupplierOrderStatus::Held && o.total != payment => {
                        Err(SupplierError::PriceChanged { new_total: o.total })
                    }
                    _ => Err(refused),
                };
            }
            // Whether it was paid is unknown (timeout, 5xx): a retry reads the order first.
            Err(e) => return Err(e),
        }
        // Paid. Should this read fail, a retry reads the order first and finds it paid.
        let (paid, request_id) = self.fetch_order(id).await?;
        let unticketed = transform::unticketed_passengers(&paid);
        let mapped = self.our_order(&paid, None, request_id.as_deref())?;
        if mapped.status != SupplierOrderStatus::Confirmed || !unticketed.is_empty() {
            tracing::warn!(supplier = SUPPLIER, order = %order_id, status = ?mapped.status, ?unticketed,
                request_id = request_id.as_deref().unwrap_or(""), "order paid but not (fully) ticketed yet");
        }
        Ok(mapped)
    }

    async fn get_order(&self, order_id: &str) -> Result<SupplierOrder, SupplierError> {
        let id = checked_id(order_id)?;
        let (order, request_id) = self.fetch_order(id).await?;
        self.our_order(&order, None, request_id.as_deref())
    }

    async fn quote_cancellation(&self, order_id: &str) -> Result<CancellationQuote, SupplierError> {
        let id = checked_id(order_id)?;
        let body = wire::CreateCancellationBody {
            order_id: id.to_owned(),
        };
        let reply = self
            .send(
                Method::POST,
                "/air/order_cancellations",
                &[],
                Some(&body),
                self.config.order_timeout,
                order_id,
            )
            .await?;
        let doc: wire::Document<wire::OrderCancellation> = reply.parse()?;
        transform::cancellation(&doc.data).map_err(|e| e.into_protocol(reply.request_id()))
    }

    async fn confirm_cancellation(
        &self,
        quote_id: &str,
    ) -> Result<CancellationQuote, SupplierError> {
        let id = checked_id(quote_id)?;
        let reply = self
            .send::<()>(
                Method::POST,
                &format!("/air/order_cancellations/{id}/actions/confirm"),
                &[],
                None,
                self.config.order_timeout,
                quote_id,
            )
            .await?;
        let doc: wire::Document<wire::OrderCancellation> = reply.parse()?;
        transform::cancellation(&doc.data).map_err(|e| e.into_protocol(reply.request_id()))
    }

    /// Unsupported: Duffel lists airline-initiated changes per order, not as one feed with a
    /// cursor, and announces new ones by the `order.airline_initiated_change_detected` webhook.
    /// Use [`DuffelSupplier::airline_initiated_changes`] per order instead.
    async fn schedule_changes(
        &self,
        _cursor: Option<&str>,
    ) -> Result<ScheduleChangePage, SupplierError> {
        Err(SupplierError::Unsupported {
            supplier: SUPPLIER.into(),
            operation: "schedule_changes",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_reset_forms() {
        let now = "2026-01-10T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            until_reset("Sat, 10 Jan 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(until_reset("12", now), Some(Duration::from_secs(12)));
        assert_eq!(
            until_reset(&(now.timestamp() + 5).to_string(), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(until_reset("Sat, 10 Jan 2026 11:00:00 GMT", now), None);
        assert_eq!(until_reset("soon", now), None);
    }

    #[test]
    fn the_token_never_prints() {
        let config = DuffelConfig::new("duffel_test_s3cr3t");
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let supplier = DuffelSupplier::new(config).unwrap();
        assert!(!format!("{supplier:?}").contains("s3cr3t"));
    }
}
