//! Trip orders: from flight offers and hotel rates to a held, paid and confirmed order.
//!
//! - [`Orders::create`] prices every item again with its supplier (a changed price must be
//!   accepted), checks the travellers, holds the seats and rooms at the suppliers and writes the
//!   order, its items, travellers, reminders and the first timeline entry in one transaction.
//!   A hold that fails half-way gives back what it took; nothing half-made is stored.
//! - [`Orders::pay`] moves the order to `awaiting_payment` with a conditional update (so a
//!   double click or a racing expiry cannot both win), authorises the payment, confirms every
//!   item with its supplier (retrying what can be retried), then captures what was confirmed.
//!   When no supplier confirms, the authorisation is voided: the traveller is never charged
//!   for nothing, and is told. A hold that expired while paying is never charged.
//! - [`Orders::sweep`] expires unpaid holds, gives their inventory back and sends the pre-trip
//!   reminders that are due.
//!
//! Every state change goes through the domain's state machine
//! (`wayfare_domain::order::OrderStatus::apply`) and is written with its timeline entry.

mod create;
mod error;
mod messages;
mod methods;
mod pay;
mod payments;
pub mod schedule_changes;
mod sweep;
mod view;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use wayfare_accounts::Sealer;
use wayfare_notify::Notifier;
use wayfare_payments::PaymentProvider;
use wayfare_store::Store;
use wayfare_suppliers::aggregate::FlightAggregator;
use wayfare_suppliers::hotel_aggregate::HotelAggregator;

pub use create::{
    ContactInput, CreateOrder, Created, HotelRateInput, PassengerInput, Quote, QuotedItem,
    RoomGuestInput,
};
pub use error::BookingError;
pub use messages::{ORDER_MESSAGE_EVENT, OrderMessages};
pub use methods::{
    InstalmentOffer, MethodOffer, PaymentOptions, PaymentSettings, SavedCard, capture_for,
};
pub use pay::PayRequest;
pub use payments::{PaymentDetail, ReconcileFix, ReconcileReport, RefundAsk, WebhookOutcome};
pub use sweep::SweepReport;
pub use view::{
    ItemView, OrderEventView, OrderSummary, OrderView, PaymentView, RefundView, TravellerView,
};

/// The clock flows read "now" from (tests pass a fixed one).
pub use wayfare_domain::Clock;

/// Lifetimes and retries.
#[derive(Debug, Clone)]
pub struct OrdersConfig {
    /// How long an unpaid order holds its seats and rooms.
    pub hold: Duration,
    /// Attempts to confirm an item with its supplier after payment (the first included).
    pub confirm_attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub retry_backoff: StdDuration,
    /// Absolute base URL for links in messages (`https://travel.example`).
    pub public_base_url: String,
    /// How long before departure or check-in the reminder goes out.
    pub reminder_before: Duration,
    /// Key for the guest tokens that open one order each (the installation's secret).
    pub token_key: Vec<u8>,
    /// The sweeper reconciles payments left open for this long.
    pub reconcile_after: Duration,
    /// Which payment methods and instalment plans are offered.
    pub payments: PaymentSettings,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        OrdersConfig {
            hold: Duration::minutes(wayfare_domain::order::DEFAULT_HOLD_MINUTES),
            confirm_attempts: 3,
            retry_backoff: StdDuration::from_millis(200),
            public_base_url: "http://localhost:8080".into(),
            reminder_before: Duration::hours(wayfare_domain::order::REMINDER_HOURS_BEFORE),
            token_key: Vec::new(),
            reconcile_after: Duration::minutes(2),
            payments: PaymentSettings::default(),
        }
    }
}

/// Who is acting on an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Booking without an account.
    Guest,
    /// A signed-in traveller for themselves.
    Customer { user_id: String },
    /// A customer-service agent for a customer (who receives the confirmation).
    Agent { agent_id: String },
    /// The platform itself (expiry, retries).
    System,
}

impl Actor {
    /// As written in the timeline: `guest`, `user:<id>`, `agent:<id>`, `system`.
    pub fn label(&self) -> String {
        match self {
            Actor::Guest => "guest".into(),
            Actor::Customer { user_id } => format!("user:{user_id}"),
            Actor::Agent { agent_id } => format!("agent:{agent_id}"),
            Actor::System => "system".into(),
        }
    }
}

/// Who is looking at an order, and what opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// A signed-in user; `staff` when they may see any customer's order (agents, supervisors,
    /// admins).
    User { user_id: String, staff: bool },
    /// The bearer of an order's guest token.
    GuestToken(String),
}

/// The order service. Cheap to clone.
#[derive(Clone)]
pub struct Orders {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    flights: Arc<FlightAggregator>,
    hotels: Arc<HotelAggregator>,
    /// Each wrapped to count its calls in `payment_metrics`.
    payments: Vec<Arc<dyn PaymentProvider>>,
    payment_metrics: Arc<wayfare_payments::metered::PaymentMetrics>,
    notifier: Notifier,
    sealer: Sealer,
    /// IATA code → ISO country, to tell domestic from international trips.
    airport_countries: std::collections::HashMap<String, String>,
    clock: Clock,
    config: OrdersConfig,
    /// Makes the PDF itinerary attached to confirmations (set by the web layer, which has
    /// the words and place names).
    itinerary: std::sync::OnceLock<Arc<dyn ItineraryMaker>>,
}

/// Makes an order's PDF itinerary.
#[async_trait::async_trait]
pub trait ItineraryMaker: Send + Sync {
    async fn itinerary(&self, order: &OrderView) -> Result<wayfare_notify::Attachment, String>;
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders").finish_non_exhaustive()
    }
}

/// What the service is built from.
pub struct OrdersParts {
    pub store: Store,
    pub flights: Arc<FlightAggregator>,
    pub hotels: Arc<HotelAggregator>,
    pub payments: Vec<Arc<dyn PaymentProvider>>,
    pub notifier: Notifier,
    pub sealer: Sealer,
    pub clock: Clock,
    pub config: OrdersConfig,
}

impl Orders {
    /// The brand messages and itineraries carry.
    pub fn brand(&self) -> &wayfare_notify::templates::Brand {
        self.inner.notifier.brand()
    }

    /// Sets what makes the PDF itineraries (once; later calls are ignored).
    pub fn set_itinerary_maker(&self, maker: Arc<dyn ItineraryMaker>) {
        let _ = self.inner.itinerary.set(maker);
    }

    /// The order's PDF itinerary, when a maker is set.
    pub async fn itinerary_pdf(
        &self,
        order: &OrderView,
    ) -> Result<wayfare_notify::Attachment, BookingError> {
        let maker = self
            .inner
            .itinerary
            .get()
            .ok_or_else(|| BookingError::Internal("no itinerary maker".into()))?;
        maker.itinerary(order).await.map_err(BookingError::Internal)
    }

    /// Builds the service, reading the airports' countries from the store.
    pub async fn new(parts: OrdersParts) -> Result<Orders, wayfare_store::StoreError> {
        let airport_countries = parts
            .store
            .airports()
            .await?
            .into_iter()
            .map(|a| (a.iata, a.country))
            .collect();
        let payment_metrics = wayfare_payments::metered::PaymentMetrics::new();
        let payments = parts
            .payments
            .into_iter()
            .map(|p| payment_metrics.wrap(p))
            .collect();
        Ok(Orders {
            inner: Arc::new(Inner {
                store: parts.store,
                flights: parts.flights,
                hotels: parts.hotels,
                payments,
                payment_metrics,
                notifier: parts.notifier,
                sealer: parts.sealer,
                airport_countries,
                clock: parts.clock,
                config: parts.config,
                itinerary: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The time as the databases keep it, so that an order shown from what was just written
    /// reads the same as when read back.
    pub fn now(&self) -> DateTime<Utc> {
        wayfare_store::stored_time((self.inner.clock)())
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &OrdersConfig {
        &self.inner.config
    }

    /// The payment providers' names, in the order configured.
    pub fn payment_providers(&self) -> Vec<&'static str> {
        self.inner.payments.iter().map(|p| p.name()).collect()
    }

    /// Calls, outcomes and latency per payment provider, and webhook failures.
    pub fn payment_metrics(&self) -> &Arc<wayfare_payments::metered::PaymentMetrics> {
        &self.inner.payment_metrics
    }

    fn provider(&self, name: &str) -> Option<&Arc<dyn PaymentProvider>> {
        self.inner.payments.iter().find(|p| p.name() == name)
    }
}

/// A random id with a prefix: `ord_…`, `oit_…`.
pub(crate) fn new_id(prefix: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let mut s = String::with_capacity(prefix.len() + 21);
    s.push_str(prefix);
    s.push('_');
    for _ in 0..20 {
        s.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    s
}

impl Orders {
    /// Applies `event` to an order that is in `from`, through the domain's state machine, as
    /// one conditional update with its timeline entry. `None` when the order was no longer in
    /// `from` (or, with `hold_unexpired`, its hold had run out): someone else moved it first.
    pub(crate) async fn move_order(
        &self,
        order_id: &str,
        from: wayfare_domain::order::OrderStatus,
        event: wayfare_domain::order::OrderEvent,
        actor: &str,
        reason: &str,
        hold_unexpired: bool,
    ) -> Result<Option<wayfare_store::orders::OrderRow>, BookingError> {
        self.move_order_with(
            order_id,
            from,
            event,
            actor,
            reason,
            hold_unexpired,
            None,
            &[],
        )
        .await
    }

    /// [`Orders::move_order`] telling the traveller `messages` (`booking-confirmed` …): each
    /// an outbox event written with the move, once per order and message.
    pub(crate) async fn move_order_telling(
        &self,
        order_id: &str,
        from: wayfare_domain::order::OrderStatus,
        event: wayfare_domain::order::OrderEvent,
        reason: &str,
        messages: &[&str],
    ) -> Result<Option<wayfare_store::orders::OrderRow>, BookingError> {
        self.move_order_with(
            order_id, from, event, "system", reason, false, None, messages,
        )
        .await
    }

    /// [`Orders::move_order`] writing a payment row and the outbox events of `messages` for the
    /// traveller in the same transaction, only if the order moves.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn move_order_with(
        &self,
        order_id: &str,
        from: wayfare_domain::order::OrderStatus,
        event: wayfare_domain::order::OrderEvent,
        actor: &str,
        reason: &str,
        hold_unexpired: bool,
        payment: Option<wayfare_store::orders::PaymentWrite<'_>>,
        messages: &[&str],
    ) -> Result<Option<wayfare_store::orders::OrderRow>, BookingError> {
        self.move_order_writing(
            order_id,
            from,
            event,
            actor,
            reason,
            hold_unexpired,
            payment,
            |now| {
                messages
                    .iter()
                    .map(|m| messages::order_message_event(order_id, m, now))
                    .collect()
            },
        )
        .await
    }

    /// The one conditional move every other goes through: the order from `from` by `event`,
    /// with its timeline entry, `payment` and the outbox events `events` makes for the move's
    /// instant, in one transaction; `None` when the order was no longer in `from`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn move_order_writing(
        &self,
        order_id: &str,
        from: wayfare_domain::order::OrderStatus,
        event: wayfare_domain::order::OrderEvent,
        actor: &str,
        reason: &str,
        hold_unexpired: bool,
        payment: Option<wayfare_store::orders::PaymentWrite<'_>>,
        events: impl FnOnce(chrono::DateTime<chrono::Utc>) -> Vec<wayfare_store::outbox::NewEvent>,
    ) -> Result<Option<wayfare_store::orders::OrderRow>, BookingError> {
        let to = from
            .apply(event)
            .map_err(|e| BookingError::Internal(e.to_string()))?;
        let now = self.now();
        Ok(self
            .inner
            .store
            .transition_order(wayfare_store::orders::Transition {
                order_id,
                from: &[from.as_str()],
                to: to.as_str(),
                event: event.as_str(),
                actor,
                reason,
                now,
                hold_unexpired,
                payment,
                events: events(now),
            })
            .await?)
    }
}
