//! When things go wrong after the money: a supplier that cannot confirm (the payment is voided
//! and the traveller told), a trip where only the flight confirms (only the flight is charged),
//! a hold that runs out while the bank checks the card (never charged); and 200 buyers racing
//! for the last rooms of a night. The booking service runs against the real app's store and
//! built-in suppliers; only the outside supplier's answers are scripted.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use wayfare_booking::{
    Actor, BookingError, ContactInput, CreateOrder, HotelRateInput, Orders, OrdersConfig,
    OrdersParts, PassengerInput, PayRequest, RoomGuestInput, Viewer,
};
use wayfare_domain::Money;
use wayfare_domain::flight::Offer;
use wayfare_domain::flight::search::FlightSearch;
use wayfare_payments::SandboxProvider;
use wayfare_store::sea_orm::{ActiveModelTrait, ActiveValue, IntoActiveModel};
use wayfare_suppliers::aggregate::FlightAggregator;
use wayfare_suppliers::flight::{
    CancellationQuote, FlightSupplier, OrderRequest, ScheduleChangePage, SupplierError,
    SupplierOrder,
};
use wayfare_suppliers::hotel::{
    HotelBooking, HotelBookingRequest, HotelCancellationQuote, HotelOffer, HotelPin, HotelRate,
    HotelResults, HotelSupplier,
};
use wayfare_suppliers::hotel_aggregate::HotelAggregator;
use wayfare_testkit::{TestApp, new_client, spawn_app};

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// The built-in airline, except that paying (ticketing) fails as if its system were down.
pub(crate) struct TicketingDown(pub(crate) Arc<dyn FlightSupplier>);

#[async_trait::async_trait]
impl FlightSupplier for TicketingDown {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    async fn search(&self, s: &FlightSearch) -> Result<Vec<Offer>, SupplierError> {
        self.0.search(s).await
    }
    async fn price(&self, id: &str) -> Result<Offer, SupplierError> {
        self.0.price(id).await
    }
    async fn create_order(&self, r: &OrderRequest) -> Result<SupplierOrder, SupplierError> {
        self.0.create_order(r).await
    }
    async fn pay_order(&self, _: &str, _: Money, _: &str) -> Result<SupplierOrder, SupplierError> {
        Err(SupplierError::Unavailable {
            supplier: "builtin".into(),
            reason: "ticketing is down".into(),
        })
    }
    async fn get_order(&self, id: &str) -> Result<SupplierOrder, SupplierError> {
        self.0.get_order(id).await
    }
    async fn quote_cancellation(&self, id: &str) -> Result<CancellationQuote, SupplierError> {
        self.0.quote_cancellation(id).await
    }
    async fn confirm_cancellation(&self, id: &str) -> Result<CancellationQuote, SupplierError> {
        self.0.confirm_cancellation(id).await
    }
    async fn schedule_changes(&self, c: Option<&str>) -> Result<ScheduleChangePage, SupplierError> {
        self.0.schedule_changes(c).await
    }
}

/// The built-in hotels, except that confirming a hold is refused.
struct HotelRefuses(Arc<dyn HotelSupplier>);

#[async_trait::async_trait]
impl HotelSupplier for HotelRefuses {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    async fn search(
        &self,
        s: &wayfare_domain::hotel::HotelSearch,
    ) -> Result<HotelResults, SupplierError> {
        self.0.search(s).await
    }
    async fn map(
        &self,
        s: &wayfare_domain::hotel::HotelMapSearch,
    ) -> Result<Vec<HotelPin>, SupplierError> {
        self.0.map(s).await
    }
    async fn rates(
        &self,
        id: &str,
        s: &wayfare_domain::hotel::HotelSearch,
    ) -> Result<HotelOffer, SupplierError> {
        self.0.rates(id, s).await
    }
    async fn check_rate(&self, id: &str) -> Result<HotelRate, SupplierError> {
        self.0.check_rate(id).await
    }
    async fn book(&self, r: &HotelBookingRequest) -> Result<HotelBooking, SupplierError> {
        self.0.book(r).await
    }
    async fn get_booking(&self, id: &str) -> Result<HotelBooking, SupplierError> {
        self.0.get_booking(id).await
    }
    async fn quote_cancellation(&self, id: &str) -> Result<HotelCancellationQuote, SupplierError> {
        self.0.quote_cancellation(id).await
    }
    async fn confirm_cancellation(
        &self,
        id: &str,
    ) -> Result<HotelCancellationQuote, SupplierError> {
        self.0.confirm_cancellation(id).await
    }
    async fn hold(
        &self,
        r: &HotelBookingRequest,
        until: DateTime<Utc>,
    ) -> Result<HotelBooking, SupplierError> {
        self.0.hold(r, until).await
    }
    async fn confirm_hold(&self, _: &str) -> Result<HotelBooking, SupplierError> {
        Err(SupplierError::Rejected {
            supplier: "builtin".into(),
            code: "overbooked".into(),
            message: "the hotel has no room after all".into(),
        })
    }
    async fn release_hold(&self, id: &str) -> Result<HotelBooking, SupplierError> {
        self.0.release_hold(id).await
    }
}

/// A booking service over the app's store whose suppliers may be scripted.
async fn orders_with(
    app: &TestApp,
    flights: Arc<dyn FlightSupplier>,
    hotels: Arc<dyn HotelSupplier>,
) -> Orders {
    let store = app.state.store().clone();
    let clock: wayfare_booking::Clock = Arc::new(Utc::now);
    Orders::new(OrdersParts {
        store: store.clone(),
        flights: Arc::new(FlightAggregator::new().with(flights, StdDuration::from_secs(5))),
        hotels: Arc::new(HotelAggregator::new().with(hotels, StdDuration::from_secs(5))),
        payments: vec![Arc::new(SandboxProvider::new(store, clock.clone()))],
        notifier: app.state.accounts().notifier().clone(),
        sealer: app.state.accounts().sealer().clone(),
        clock,
        config: OrdersConfig {
            retry_backoff: StdDuration::from_millis(5),
            token_key: b"test".to_vec(),
            ..OrdersConfig::default()
        },
    })
    .await
    .unwrap()
}

fn builtin_flights(app: &TestApp) -> Arc<dyn FlightSupplier> {
    app.state.flights().builtin().unwrap().clone()
}

fn builtin_hotels(app: &TestApp) -> Arc<dyn HotelSupplier> {
    app.state.hotels().builtin().unwrap().clone()
}

async fn offer_id(app: &TestApp, from: &str, to: &str, days: i64) -> String {
    let res = new_client()
        .post(app.url("/api/v1/flights/search"))
        .json(&json!({"slices": [{"origin": from, "destination": to, "departure_date": date_in(days)}],
                      "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 0, "limit": 5}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["offers"][0]["id"]
        .as_str()
        .expect("an offer")
        .to_owned()
}

/// A rate for one room, two adults, two nights, at a hotel in `city`.
async fn rate_id(app: &TestApp, city: &str, days: i64) -> String {
    let res = new_client()
        .post(app.url("/api/v1/hotels/search"))
        .json(
            &json!({"destination": {"city": city}, "check_in_date": date_in(days),
                      "check_out_date": date_in(days + 2), "rooms": [{"adults": 2}]}),
        )
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let id = body["hotels"][0]["id"]
        .as_str()
        .expect("a hotel")
        .to_owned();
    let rates: Value = new_client()
        .get(app.url(&format!(
            "/api/v1/hotels/{id}/rates?check_in_date={}&check_out_date={}&rooms=2",
            date_in(days),
            date_in(days + 2)
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    rates["rates"][0]["id"].as_str().unwrap().to_owned()
}

fn passenger() -> PassengerInput {
    PassengerInput {
        kind: "adult".into(),
        given_name: "Wei".into(),
        family_name: "Li".into(),
        born_on: chrono::NaiveDate::from_ymd_opt(1985, 3, 9),
        gender: Some("m".into()),
        nationality: Some("CN".into()),
        passport_number: Some("E7654321".into()),
        passport_expires_on: chrono::NaiveDate::from_ymd_opt(2035, 1, 1),
    }
}

pub(crate) fn order_for(offer: Option<String>, rate: Option<String>) -> CreateOrder {
    CreateOrder {
        flight_offer_ids: offer.into_iter().collect(),
        hotel_rates: rate
            .into_iter()
            .map(|rate_id| HotelRateInput {
                rate_id,
                rooms: vec![RoomGuestInput {
                    guest_name: Some("Wei LI".into()),
                    ..Default::default()
                }],
                special_requests: None,
            })
            .collect(),
        passengers: vec![passenger()],
        contact: ContactInput {
            email: "wei@example.com".into(),
            phone: "+8613800138001".into(),
        },
        locale: "en".into(),
        ..Default::default()
    }
}

fn pay(key: &str, method: &str) -> PayRequest {
    PayRequest {
        provider: "sandbox".into(),
        payment_method: method.into(),
        idempotency_key: key.into(),
        ..PayRequest::default()
    }
}

#[tokio::test]
async fn when_no_supplier_confirms_the_payment_is_voided_and_the_traveller_told() {
    let app = spawn_app().await;
    let orders = orders_with(
        &app,
        Arc::new(TicketingDown(builtin_flights(&app))),
        builtin_hotels(&app),
    )
    .await;
    let offer = offer_id(&app, "PEK", "SHA", 9).await;
    let created = orders
        .create(
            &order_for(Some(offer), None),
            &Actor::Guest,
            &app.state.rates(),
        )
        .await
        .unwrap();
    let id = created.order.id.clone();
    let viewer = Viewer::GuestToken(created.guest_token.unwrap());
    let err = orders
        .pay(&id, &viewer, &Actor::Guest, &pay("k1", "pm_card_visa"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, BookingError::ConfirmationFailed { .. }),
        "{err:?}"
    );
    let store = app.state.store();
    let order = store.order(&id).await.unwrap().unwrap();
    assert_eq!(order.status, "cancelled");
    let payment = &store.order_payments(&id).await.unwrap()[0];
    assert_eq!(payment.status, "cancelled", "the authorisation was voided");
    assert_eq!(payment.captured_minor, 0, "nothing was charged");
    let item = &store.order_items(&id).await.unwrap()[0];
    assert_eq!(item.status, "released");
    assert_eq!(item.attempts, 3, "tried three times");
    let supplier_order = store
        .flight_order(item.supplier_ref.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        supplier_order.status, "cancelled",
        "the seats went back on sale"
    );
    let mail = app
        .wait_for_message("wei@example.com", "couldn't confirm booking")
        .await;
    assert!(mail.contains(&order.reference), "{mail}");
    let events: Vec<String> = store
        .order_events(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "payment_started",
            "payment_succeeded",
            "suppliers_failed"
        ]
    );
}

#[tokio::test]
async fn when_only_the_flight_confirms_only_the_flight_is_charged() {
    let app = spawn_app().await;
    let orders = orders_with(
        &app,
        builtin_flights(&app),
        Arc::new(HotelRefuses(builtin_hotels(&app))),
    )
    .await;
    let offer = offer_id(&app, "PEK", "SHA", 9).await;
    let rate = rate_id(&app, "上海", 9).await;
    let created = orders
        .create(
            &order_for(Some(offer), Some(rate)),
            &Actor::Guest,
            &app.state.rates(),
        )
        .await
        .unwrap();
    let id = created.order.id.clone();
    let viewer = Viewer::GuestToken(created.guest_token.unwrap());
    let view = orders
        .pay(&id, &viewer, &Actor::Guest, &pay("k1", "pm_card_visa"))
        .await
        .unwrap();
    assert_eq!(view.status.as_str(), "confirmed");
    assert_eq!(view.items[0].status.as_str(), "confirmed");
    assert_eq!(view.items[1].status.as_str(), "failed");
    let payment = &view.payments[0];
    assert_eq!(
        payment.captured, view.items[0].total_amount,
        "the hotel was not charged"
    );
    assert!(payment.captured.minor() < view.total_amount.minor());
    // The hotel's rooms went back.
    let store = app.state.store();
    let hotel_item = &store.order_items(&id).await.unwrap()[1];
    let booking = store
        .hotel_booking(hotel_item.supplier_ref.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(booking.status, "expired");
    app.wait_for_message("wei@example.com", "Part of booking")
        .await;
}

#[tokio::test]
async fn a_hold_that_expires_while_the_bank_checks_the_card_is_never_charged() {
    let app = spawn_app().await;
    let orders = app.state.orders().clone();
    let offer = offer_id(&app, "PEK", "SHA", 9).await;
    let created = orders
        .create(
            &order_for(Some(offer), None),
            &Actor::Guest,
            &app.state.rates(),
        )
        .await
        .unwrap();
    let id = created.order.id.clone();
    let viewer = Viewer::GuestToken(created.guest_token.unwrap());
    let waiting = orders
        .pay(
            &id,
            &viewer,
            &Actor::Guest,
            &pay("k1", "pm_card_authenticationRequired"),
        )
        .await
        .unwrap();
    assert_eq!(waiting.status.as_str(), "awaiting_payment");
    // The sweeper does not expire an order whose payment is under way.
    let store = app.state.store();
    let row = store.order(&id).await.unwrap().unwrap();
    let mut active = row.into_active_model();
    active.hold_expires_at = ActiveValue::Set(Utc::now() - Duration::seconds(1));
    active.update(store.db()).await.unwrap();
    orders.sweep().await.unwrap();
    assert_eq!(
        store.order(&id).await.unwrap().unwrap().status,
        "awaiting_payment"
    );
    // The bank says yes, too late: voided, expired, released.
    let payment_id = waiting.payments[0].id.clone();
    let err = orders
        .complete_payment_action(&id, &payment_id, true, &viewer, &Actor::Guest)
        .await
        .unwrap_err();
    assert!(matches!(err, BookingError::HoldExpired), "{err:?}");
    let order = store.order(&id).await.unwrap().unwrap();
    assert_eq!(order.status, "expired");
    let payment = &store.order_payments(&id).await.unwrap()[0];
    assert_eq!(payment.status, "cancelled");
    assert_eq!(payment.captured_minor, 0);
    assert_eq!(store.order_items(&id).await.unwrap()[0].status, "released");
}

#[tokio::test]
async fn two_hundred_buyers_race_for_the_last_rooms_of_a_night_and_exactly_that_many_win() {
    let app = spawn_app().await;
    let orders = app.state.orders().clone();
    let rate = rate_id(&app, "北京", 16).await;
    // Take rooms straight at the supplier until three are left.
    let hotels = builtin_hotels(&app);
    let mut n = 0;
    loop {
        let r = hotels.check_rate(&rate).await.unwrap();
        if r.rooms_left <= 3 {
            assert_eq!(r.rooms_left, 3, "rooms go one by one");
            break;
        }
        hotels
            .hold(
                &HotelBookingRequest {
                    rate_id: rate.clone(),
                    room_guests: vec![wayfare_suppliers::hotel::GuestName {
                        given_name: "PRE".into(),
                        family_name: "SOLD".into(),
                    }],
                    holder: wayfare_suppliers::hotel::GuestName {
                        given_name: "PRE".into(),
                        family_name: "SOLD".into(),
                    },
                    email: "presold@example.com".into(),
                    phone: "+8613800138000".into(),
                    special_requests: None,
                    expected_total: r.price.total,
                    idempotency_key: format!("presale-{n}"),
                },
                Utc::now() + Duration::minutes(30),
            )
            .await
            .unwrap();
        n += 1;
        assert!(n < 500, "the allotment is finite");
    }
    let mut order = order_for(None, Some(rate.clone()));
    order.passengers.clear();
    let attempts = (0..200).map(|_| {
        let orders = orders.clone();
        let order = order.clone();
        let rates = app.state.rates();
        tokio::spawn(async move { orders.create(&order, &Actor::Guest, &rates).await })
    });
    let mut won = 0;
    for r in futures::future::join_all(attempts).await {
        match r.unwrap() {
            Ok(_) => won += 1,
            Err(BookingError::SoldOut { .. }) => {}
            Err(e) => panic!("a losing buyer must hear 'sold out', got {e:?}"),
        }
    }
    assert_eq!(won, 3);
    use wayfare_store::sea_orm::{EntityTrait, PaginatorTrait};
    let db = app.state.store().db();
    assert_eq!(
        wayfare_store::entity::order::Entity::find()
            .count(db)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        wayfare_store::entity::order_item::Entity::find()
            .count(db)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        hotels
            .check_rate(&rate)
            .await
            .map(|r| r.rooms_left)
            .unwrap_or(0),
        0
    );
    // No night of the stay went beyond the allotment.
    let sales = wayfare_store::entity::hotel_room_sale::Entity::find()
        .all(db)
        .await
        .unwrap();
    let key = wayfare_suppliers::builtin::hotel_supplier::RateKey::parse(&rate).unwrap();
    let index = app.state.hotels().builtin().unwrap().index();
    let position = index.position(key.property).unwrap();
    let listing = index.listing(position);
    for s in sales.iter().filter(|s| s.hotel_id == key.property.0 as i64) {
        let allotment = listing
            .rooms
            .iter()
            .find(|r| r.room.code.as_str() == s.room_type)
            .unwrap()
            .allotment;
        assert!(s.sold <= i32::from(allotment), "{s:?}");
    }
}

#[tokio::test]
async fn the_pre_trip_reminder_goes_out_once_when_due_and_only_for_confirmed_orders() {
    let app = spawn_app().await;
    let orders = app.state.orders().clone();
    let offer = offer_id(&app, "PEK", "SHA", 9).await;
    let created = orders
        .create(
            &order_for(Some(offer.clone()), None),
            &Actor::Guest,
            &app.state.rates(),
        )
        .await
        .unwrap();
    let unpaid = orders
        .create(
            &order_for(Some(offer), None),
            &Actor::Guest,
            &app.state.rates(),
        )
        .await
        .unwrap();
    let id = created.order.id.clone();
    let viewer = Viewer::GuestToken(created.guest_token.unwrap());
    orders
        .pay(&id, &viewer, &Actor::Guest, &pay("k1", "pm_card_visa"))
        .await
        .unwrap();
    let store = app.state.store();
    let reminders = store.order_reminders(&id).await.unwrap();
    assert_eq!(reminders.len(), 1);
    let departure = store.order_items(&id).await.unwrap()[0].starts_at;
    assert_eq!(reminders[0].due_at, departure - Duration::hours(24));
    assert_eq!(
        orders.sweep().await.unwrap().reminders_sent,
        0,
        "not due yet"
    );
    // A day before departure, for both orders.
    for order_id in [&id, &unpaid.order.id] {
        for r in store.order_reminders(order_id).await.unwrap() {
            let mut active = r.into_active_model();
            active.due_at = ActiveValue::Set(Utc::now() - Duration::seconds(1));
            active.update(store.db()).await.unwrap();
        }
    }
    // Swept here (or by the app's own sweeper, whichever comes first): sent once.
    orders.sweep().await.unwrap();
    let sms = app.wait_for_message("+8613800138001", "Reminder").await;
    assert!(sms.contains(&created.order.reference), "{sms}");
    assert_eq!(orders.sweep().await.unwrap().reminders_sent, 0, "once");
    assert!(
        store.order_reminders(&unpaid.order.id).await.unwrap()[0]
            .sent_at
            .is_some()
    );
    assert!(
        store.order_reminders(&id).await.unwrap()[0]
            .sent_at
            .is_some()
    );
}
