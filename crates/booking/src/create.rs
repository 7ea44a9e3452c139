//! Creating an order: price every item again, check the travellers against the trip, hold the
//! inventory at each supplier, then write the order in one transaction. If any hold fails, the
//! holds already taken are given back before answering; if the write fails, likewise.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use wayfare_domain::account::{EmailAddress, Identifier, PhoneNumber};
use wayfare_domain::flight::offer::Offer;
use wayfare_domain::order::traveller::validate_guest_name;
use wayfare_domain::order::{
    BookingReference, OrderStatus, PassengerKind, PassengerRules, PriceBreakdown, PriceLineKind,
    TravellerInput, validate_passenger,
};
use wayfare_domain::{Currency, Money, RateTable};
use wayfare_store::accounts::NewUser;
use wayfare_store::orders::{
    InsertOrder, NewOrder, OrderEventRow, OrderItemRow, OrderReminderRow, OrderTravellerRow,
};
use wayfare_suppliers::flight::{OrderMode, OrderRequest, PassengerDetails, PassengerType};
use wayfare_suppliers::hotel::{GuestName, HotelBookingRequest, HotelRate};

use crate::error::BookingError;
use crate::view::{OrderView, assemble_view};
use crate::{Actor, Orders, new_id};

/// Most flight offers and hotel rates in one order.
pub const MAX_FLIGHTS: usize = 4;
pub const MAX_HOTELS: usize = 4;
pub const MAX_PASSENGERS: usize = 9;
const SPECIAL_REQUESTS_MAX: usize = 500;

#[derive(Debug, Clone, Default)]
pub struct CreateOrder {
    pub flight_offer_ids: Vec<String>,
    pub hotel_rates: Vec<HotelRateInput>,
    pub passengers: Vec<PassengerInput>,
    pub contact: ContactInput,
    /// The total the traveller saw and accepts; another current total is `PriceChanged`.
    pub accept_price: Option<Money>,
    /// The order's currency; the first item's when absent.
    pub currency: Option<Currency>,
    /// The language of the messages about this order.
    pub locale: String,
    /// For an agent: the customer (e-mail or phone) the order is for, created when unknown.
    pub customer: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct HotelRateInput {
    pub rate_id: String,
    pub rooms: Vec<RoomGuestInput>,
    pub special_requests: Option<String>,
}

/// A room's lead guest, by full name or by parts, and the party it is for (checked against the
/// rate's rooms when given).
#[derive(Debug, Clone, Default)]
pub struct RoomGuestInput {
    pub guest_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub adults: Option<u8>,
    pub children_ages: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default)]
pub struct PassengerInput {
    /// `adult`, `child` or `infant`.
    pub kind: String,
    pub given_name: String,
    pub family_name: String,
    pub born_on: Option<NaiveDate>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub passport_number: Option<String>,
    pub passport_expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub email: String,
    pub phone: String,
}

/// An order priced but not held.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Quote {
    pub items: Vec<QuotedItem>,
    pub price: PriceBreakdown,
    pub total: Money,
    /// A flight crosses a border: passports are required.
    pub international: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotedItem {
    /// `flight` or `hotel`.
    pub kind: &'static str,
    pub supplier: String,
    pub offer_id: String,
    /// In the order's currency.
    pub total: Money,
    pub supplier_total: Money,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The flight offer or hotel rate as priced now.
    pub details: serde_json::Value,
}

/// A created order, and for a guest the token that opens it (shown once).
#[derive(Debug, Clone)]
pub struct Created {
    pub order: OrderView,
    pub guest_token: Option<String>,
}

/// One item priced again.
enum Priced {
    Flight(Offer),
    Hotel(HotelRate),
}

struct PricedItem {
    priced: Priced,
    supplier: String,
    offer_id: String,
    supplier_total: Money,
    lines: Vec<(PriceLineKind, Money)>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// The position in `hotel_rates` for hotels.
    input: usize,
}

/// A hold taken at a supplier, to give back if the order is not made.
pub(crate) struct TakenHold {
    pub kind: &'static str,
    pub offer_id: String,
    pub supplier_ref: Option<String>,
}

struct Passenger {
    kind: PassengerKind,
    details: TravellerInput,
}

fn field_error(
    field: String,
    reason: &'static str,
    arg: Option<(&'static str, i64)>,
) -> BookingError {
    BookingError::Invalid { field, reason, arg }
}

/// A full name split into given names and family name: `Mei Ling ZHANG` (the family name
/// last), `ZHANG, Mei Ling` (family name first, before a comma), or `张美玲` (the first
/// character is the family name).
fn split_name(full: &str) -> (String, String) {
    let full = full.trim();
    if let Some((family, given)) = full.split_once(',') {
        return (given.trim().to_owned(), family.trim().to_owned());
    }
    if let Some((given, family)) = full.rsplit_once(char::is_whitespace) {
        return (given.trim().to_owned(), family.trim().to_owned());
    }
    let mut chars = full.chars();
    match chars.next() {
        Some(first) if !first.is_ascii() && chars.clone().next().is_some() => {
            (chars.collect(), first.to_string())
        }
        _ => (String::new(), full.to_owned()),
    }
}

impl Orders {
    /// Prices, checks, holds and writes a new order. `rates` converts items priced in other
    /// currencies into the order's.
    pub async fn create(
        &self,
        req: &CreateOrder,
        actor: &Actor,
        rates: &RateTable,
    ) -> Result<Created, BookingError> {
        let now = self.now();
        if req.flight_offer_ids.is_empty() && req.hotel_rates.is_empty() {
            return Err(BookingError::invalid(
                "flight_offer_ids",
                "reason-order-empty",
            ));
        }
        if req.flight_offer_ids.len() > MAX_FLIGHTS {
            return Err(field_error(
                "flight_offer_ids".into(),
                "reason-too-many-items",
                Some(("max", MAX_FLIGHTS as i64)),
            ));
        }
        if req.hotel_rates.len() > MAX_HOTELS {
            return Err(field_error(
                "hotel_rates".into(),
                "reason-too-many-items",
                Some(("max", MAX_HOTELS as i64)),
            ));
        }
        if req.passengers.len() > MAX_PASSENGERS {
            return Err(field_error(
                "passengers".into(),
                "reason-too-many-items",
                Some(("max", MAX_PASSENGERS as i64)),
            ));
        }
        let email = EmailAddress::parse(&req.contact.email)
            .map_err(|e| field_error("contact.email".into(), e.reason_key(), e.arg()))?;
        let phone = PhoneNumber::parse(&req.contact.phone).map_err(|e| {
            field_error(
                "contact.phone".into(),
                e.reason_key(),
                e.args().first().copied(),
            )
        })?;
        // Who the order belongs to.
        let (user_id, agent_id) = match actor {
            Actor::Guest | Actor::System => (None, None),
            Actor::Customer { user_id } => (Some(user_id.clone()), None),
            Actor::Agent { agent_id } => {
                let customer = req
                    .customer
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| BookingError::invalid("customer", "reason-required"))?;
                let id = self.customer_for(customer, &req.locale, now).await?;
                (Some(id), Some(agent_id.clone()))
            }
        };

        let (items, breakdown, total) = self.price_items(req, rates, true).await?;

        // 3. Travellers.
        let flights: Vec<&Offer> = items
            .iter()
            .filter_map(|i| match &i.priced {
                Priced::Flight(o) => Some(o),
                Priced::Hotel(_) => None,
            })
            .collect();
        let passengers = self.check_passengers(req, &flights, now)?;
        let mut guests: Vec<Vec<(String, String)>> = Vec::new();
        for (h, input) in req.hotel_rates.iter().enumerate() {
            let mut rooms = Vec::new();
            for (r, g) in input.rooms.iter().enumerate() {
                let (given, family) = match (&g.given_name, &g.family_name, &g.guest_name) {
                    (Some(given), Some(family), _) => (given.clone(), family.clone()),
                    (_, _, Some(full)) => split_name(full),
                    _ => (String::new(), String::new()),
                };
                let names = validate_guest_name(&given, &family).map_err(|problems| {
                    let p = problems[0];
                    let field = if g.guest_name.is_some() && g.given_name.is_none() {
                        "guest_name"
                    } else {
                        p.field
                    };
                    field_error(
                        format!("hotel_rates[{h}].rooms[{r}].{field}"),
                        p.reason_key(),
                        p.arg,
                    )
                })?;
                rooms.push(names);
            }
            guests.push(rooms);
        }

        // 4. The traveller accepts this price.
        if let Some(accepted) = req.accept_price
            && accepted != total
        {
            return Err(BookingError::PriceChanged { total });
        }

        // 5. Hold everything, or nothing.
        let order_id = new_id("ord");
        let hold_until = now + self.inner.config.hold;
        let mut taken: Vec<TakenHold> = Vec::new();
        let mut refs: Vec<(Option<String>, Option<String>)> = Vec::new();
        let mut hotel_names: Vec<Option<serde_json::Value>> = Vec::new();
        let mut hold_expires_at = hold_until;
        for (position, item) in items.iter().enumerate() {
            let key = format!("{order_id}-{position}");
            let held = match &item.priced {
                Priced::Flight(offer) => {
                    let request = OrderRequest {
                        offer_id: offer.id.clone(),
                        passengers: passengers
                            .iter()
                            .enumerate()
                            .map(|(n, p)| supplier_passenger(n, p, &passengers, &email, &phone))
                            .collect(),
                        mode: OrderMode::Hold,
                        idempotency_key: key,
                    };
                    match self.flight_supplier(&item.offer_id, position) {
                        Ok(s) => s.create_order(&request).await.map(|o| {
                            if let Some(by) = o.payment_required_by {
                                hold_expires_at = hold_expires_at.min(by);
                            }
                            (Some(o.id), Some(o.booking_reference))
                        }),
                        Err(e) => {
                            self.release_taken(&taken).await;
                            return Err(e);
                        }
                    }
                }
                Priced::Hotel(rate) => {
                    let rooms = &guests[item.input];
                    let input = &req.hotel_rates[item.input];
                    let name = |(g, f): &(String, String)| GuestName {
                        given_name: g.clone(),
                        family_name: f.clone(),
                    };
                    let request = HotelBookingRequest {
                        rate_id: rate.id.clone(),
                        room_guests: rooms.iter().map(name).collect(),
                        holder: rooms.first().map(name).unwrap_or(GuestName {
                            given_name: String::new(),
                            family_name: String::new(),
                        }),
                        email: email.as_str().to_owned(),
                        phone: phone.as_str().to_owned(),
                        special_requests: input
                            .special_requests
                            .as_deref()
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned),
                        expected_total: rate.price.total,
                        idempotency_key: key,
                    };
                    match self.hotel_supplier(&item.offer_id, position) {
                        // A little longer than ours, so the supplier never lets go first.
                        Ok(s) => match s.hold(&request, hold_until + Duration::minutes(5)).await {
                            Ok(b) => {
                                hotel_names.push(serde_json::to_value(&b.hotel.name).ok());
                                Ok((Some(b.id), None))
                            }
                            // It cannot hold: the rate was just checked; it is booked at
                            // confirmation.
                            Err(wayfare_suppliers::flight::SupplierError::Unsupported {
                                ..
                            }) => {
                                hotel_names.push(None);
                                Ok((None, None))
                            }
                            Err(e) => Err(e),
                        },
                        Err(e) => {
                            self.release_taken(&taken).await;
                            return Err(e);
                        }
                    }
                }
            };
            match held {
                Ok((supplier_ref, confirmation)) => {
                    taken.push(TakenHold {
                        kind: match item.priced {
                            Priced::Flight(_) => "flight",
                            Priced::Hotel(_) => "hotel",
                        },
                        offer_id: item.offer_id.clone(),
                        supplier_ref: supplier_ref.clone(),
                    });
                    refs.push((supplier_ref, confirmation));
                }
                Err(e) => {
                    self.release_taken(&taken).await;
                    return Err(BookingError::from_supplier(position, e));
                }
            }
        }

        // 6. Write it all at once.
        let guest_token = matches!(actor, Actor::Guest).then(|| self.guest_token(&order_id));
        let first_start = items.iter().map(|i| i.starts_at).min().unwrap_or(now);
        let last_end = items.iter().map(|i| i.ends_at).max().unwrap_or(now);
        let price_json = serde_json::to_string(&breakdown)
            .map_err(|e| BookingError::Internal(format!("price: {e}")))?;
        let mut item_rows = Vec::new();
        let mut reminders = Vec::new();
        for (position, (item, (supplier_ref, confirmation))) in items.iter().zip(&refs).enumerate()
        {
            let details = match &item.priced {
                Priced::Flight(o) => serde_json::to_string(o),
                Priced::Hotel(r) => {
                    let mut v = serde_json::to_value(r)
                        .map_err(|e| BookingError::Internal(format!("details: {e}")))?;
                    let nth = items[..position]
                        .iter()
                        .filter(|i| matches!(i.priced, Priced::Hotel(_)))
                        .count();
                    if let (Some(obj), Some(Some(name))) = (v.as_object_mut(), hotel_names.get(nth))
                    {
                        obj.insert("hotel_name".into(), name.clone());
                    }
                    serde_json::to_string(&v)
                }
            }
            .map_err(|e| BookingError::Internal(format!("details: {e}")))?;
            let item_total = breakdown
                .item_total(position)
                .map_err(|e| BookingError::Internal(format!("item total: {e}")))?;
            item_rows.push(OrderItemRow {
                id: new_id("oit"),
                order_id: order_id.clone(),
                position: position as i32,
                kind: match item.priced {
                    Priced::Flight(_) => "flight".into(),
                    Priced::Hotel(_) => "hotel".into(),
                },
                supplier: item.supplier.clone(),
                status: "held".into(),
                offer_id: item.offer_id.clone(),
                supplier_ref: supplier_ref.clone(),
                confirmation: confirmation.clone(),
                tickets: "[]".into(),
                details,
                supplier_total_minor: item.supplier_total.minor(),
                supplier_currency: item.supplier_total.currency().code().to_owned(),
                total_minor: item_total.minor(),
                starts_at: item.starts_at,
                ends_at: item.ends_at,
                attempts: 0,
                last_error: None,
                created_at: now,
                updated_at: now,
            });
            let due = item.starts_at - self.inner.config.reminder_before;
            if due > now {
                reminders.push(OrderReminderRow {
                    id: new_id("orm"),
                    order_id: order_id.clone(),
                    item_position: position as i32,
                    kind: match item.priced {
                        Priced::Flight(_) => "departure".into(),
                        Priced::Hotel(_) => "check_in".into(),
                    },
                    due_at: due,
                    claimed_until: None,
                    sent_at: None,
                });
            }
        }
        let mut travellers = Vec::new();
        for (n, p) in passengers.iter().enumerate() {
            let id = new_id("otr");
            let d = &p.details;
            let number = d.passport_number.as_deref();
            travellers.push(OrderTravellerRow {
                id: id.clone(),
                order_id: order_id.clone(),
                position: n as i32,
                role: "passenger".into(),
                kind: p.kind.as_str().into(),
                item_position: None,
                room: None,
                given_name: d.given_name.clone(),
                family_name: d.family_name.clone(),
                born_on: d.born_on,
                gender: d.gender.clone(),
                nationality: d.nationality.clone(),
                document_sealed: number
                    .map(|n| self.inner.sealer.seal(n, &format!("order-traveller:{id}"))),
                document_last4: number.map(|n| {
                    n.chars()
                        .rev()
                        .take(4)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect()
                }),
                document_expires_on: d.passport_expires_on,
                special_requests: None,
            });
        }
        for (position, item) in items.iter().enumerate() {
            if let Priced::Hotel(_) = &item.priced {
                let input = &req.hotel_rates[item.input];
                for (room, (given, family)) in guests[item.input].iter().enumerate() {
                    travellers.push(OrderTravellerRow {
                        id: new_id("otr"),
                        order_id: order_id.clone(),
                        position: travellers.len() as i32,
                        role: "guest".into(),
                        kind: "adult".into(),
                        item_position: Some(position as i32),
                        room: Some(room as i32),
                        given_name: given.clone(),
                        family_name: family.clone(),
                        born_on: None,
                        gender: None,
                        nationality: None,
                        document_sealed: None,
                        document_last4: None,
                        document_expires_on: None,
                        special_requests: (room == 0)
                            .then(|| input.special_requests.clone())
                            .flatten()
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty()),
                    });
                }
            }
        }
        for _ in 0..8 {
            let reference = BookingReference::generate(&mut rand::rng());
            let order = wayfare_store::orders::OrderRow {
                id: order_id.clone(),
                reference: reference.as_str().to_owned(),
                status: OrderStatus::Held.as_str().into(),
                user_id: user_id.clone(),
                agent_id: agent_id.clone(),
                contact_email: email.as_str().to_owned(),
                contact_phone: phone.as_str().to_owned(),
                currency: breakdown.currency.code().to_owned(),
                total_minor: total.minor(),
                price: price_json.clone(),
                hold_expires_at,
                guest_token_hash: guest_token
                    .as_deref()
                    .map(|t| wayfare_domain::account::sha256_hex(t.as_bytes())),
                locale: req.locale.clone(),
                starts_at: first_start,
                ends_at: last_end,
                created_at: now,
                updated_at: now,
            };
            let new = NewOrder {
                order,
                items: item_rows.clone(),
                travellers: travellers.clone(),
                reminders: reminders.clone(),
                actor: actor.label(),
                reason: String::new(),
            };
            match self.inner.store.insert_order(new).await {
                Ok(InsertOrder::Inserted(row)) => {
                    // Shown from what was just written, as a read would give it back.
                    let created = OrderEventRow {
                        id: 0,
                        order_id: row.id.clone(),
                        event: "created".into(),
                        from_status: None,
                        to_status: row.status.clone(),
                        actor: actor.label(),
                        reason: String::new(),
                        at: row.created_at,
                    };
                    let order = assemble_view(
                        row,
                        item_rows,
                        travellers,
                        vec![created],
                        Vec::new(),
                        Vec::new(),
                    )?;
                    return Ok(Created { order, guest_token });
                }
                Ok(InsertOrder::ReferenceTaken) => continue,
                Err(e) => {
                    self.release_taken(&taken).await;
                    return Err(e.into());
                }
            }
        }
        self.release_taken(&taken).await;
        Err(BookingError::Internal(
            "no free booking reference after 8 draws".into(),
        ))
    }

    /// Every item priced again with its supplier, and the price in the order's currency.
    async fn price_items(
        &self,
        req: &CreateOrder,
        rates: &RateTable,
        with_guests: bool,
    ) -> Result<(Vec<PricedItem>, PriceBreakdown, Money), BookingError> {
        // 1. Every item priced again.
        let mut items: Vec<PricedItem> = Vec::new();
        for (i, offer_id) in req.flight_offer_ids.iter().enumerate() {
            let supplier = self
                .inner
                .flights
                .supplier_for(offer_id)
                .ok_or(BookingError::OfferUnavailable { item: items.len() })?;
            let offer = supplier
                .price(offer_id)
                .await
                .map_err(|e| BookingError::from_supplier(i, e))?;
            let (first, last) = match (offer.slices.first(), offer.slices.last()) {
                (Some(f), Some(l)) => (f, l),
                _ => return Err(BookingError::OfferUnavailable { item: i }),
            };
            let starts_at = first
                .departing_at()
                .ok_or(BookingError::OfferUnavailable { item: i })?
                .with_timezone(&Utc);
            let ends_at = last
                .arriving_at()
                .ok_or(BookingError::OfferUnavailable { item: i })?
                .with_timezone(&Utc);
            let p = &offer.price;
            let mut lines = vec![
                (PriceLineKind::BaseFare, p.base),
                (PriceLineKind::Taxes, p.taxes),
            ];
            let rest = p.total.minor() - p.base.minor() - p.taxes.minor();
            if rest > 0 {
                lines.push((
                    PriceLineKind::Fees,
                    Money::from_minor(rest, p.total.currency()),
                ));
            }
            items.push(PricedItem {
                supplier: supplier.name().to_owned(),
                offer_id: offer_id.clone(),
                supplier_total: p.total,
                lines,
                starts_at,
                ends_at,
                input: i,
                priced: Priced::Flight(offer),
            });
        }
        for (h, input) in req.hotel_rates.iter().enumerate() {
            let position = items.len();
            let supplier = self
                .inner
                .hotels
                .supplier_for(&input.rate_id)
                .ok_or(BookingError::OfferUnavailable { item: position })?;
            let rate = supplier
                .check_rate(&input.rate_id)
                .await
                .map_err(|e| BookingError::from_supplier(position, e))?;
            if with_guests && input.rooms.len() != rate.rooms.len() {
                return Err(field_error(
                    format!("hotel_rates[{h}].rooms"),
                    "reason-rate-rooms",
                    Some(("count", rate.rooms.len() as i64)),
                ));
            }
            for (r, (asked, offered)) in input.rooms.iter().zip(&rate.rooms).enumerate() {
                let adults_differ = asked.adults.is_some_and(|a| a != offered.adults);
                let children_differ = asked.children_ages.as_ref().is_some_and(|c| {
                    let (mut a, mut b) = (c.clone(), offered.children_ages.clone());
                    a.sort_unstable();
                    b.sort_unstable();
                    a != b
                });
                if adults_differ || children_differ {
                    return Err(field_error(
                        format!("hotel_rates[{h}].rooms[{r}]"),
                        "reason-room-party",
                        None,
                    ));
                }
            }
            if input
                .special_requests
                .as_deref()
                .is_some_and(|s| s.chars().count() > SPECIAL_REQUESTS_MAX)
            {
                return Err(field_error(
                    format!("hotel_rates[{h}].special_requests"),
                    "reason-too-long",
                    Some(("max", SPECIAL_REQUESTS_MAX as i64)),
                ));
            }
            let p = &rate.price;
            items.push(PricedItem {
                supplier: supplier.name().to_owned(),
                offer_id: input.rate_id.clone(),
                supplier_total: p.total,
                lines: vec![
                    (PriceLineKind::RoomPrice, p.subtotal),
                    (PriceLineKind::Discount, p.discount),
                    (PriceLineKind::Taxes, p.taxes),
                    (PriceLineKind::Fees, p.fees),
                ],
                // The hotel's own local times: the reminder goes a day before check-in opens
                // there, not at a fixed hour of UTC.
                starts_at: rate.check_in_at,
                ends_at: rate.check_out_at,
                input: h,
                priced: Priced::Hotel(rate),
            });
        }

        // 2. The price in the order's currency.
        let currency = req
            .currency
            .or_else(|| items.first().map(|i| i.supplier_total.currency()))
            .ok_or_else(|| BookingError::invalid("currency", "reason-required"))?;
        let mut breakdown = PriceBreakdown::new(currency);
        for (i, item) in items.iter().enumerate() {
            for (kind, amount) in &item.lines {
                let converted = if amount.currency() == currency {
                    *amount
                } else {
                    rates
                        .convert(*amount, currency)
                        .map_err(|_| BookingError::invalid("currency", "reason-no-exchange-rate"))?
                        .to
                };
                breakdown
                    .push(i, *kind, converted)
                    .map_err(|e| BookingError::Internal(format!("price line: {e}")))?;
            }
        }
        let total = breakdown
            .total()
            .map_err(|e| BookingError::Internal(format!("total: {e}")))?;

        Ok((items, breakdown, total))
    }

    /// The order as it would be priced now, without holding anything: what the checkout page
    /// shows before the traveller fills in their details (room guests are not needed yet).
    pub async fn quote(&self, req: &CreateOrder, rates: &RateTable) -> Result<Quote, BookingError> {
        let (items, breakdown, total) = self.price_items(req, rates, false).await?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let details = match &item.priced {
                Priced::Flight(o) => serde_json::to_value(o),
                Priced::Hotel(r) => serde_json::to_value(r),
            }
            .map_err(|e| BookingError::Internal(format!("details: {e}")))?;
            out.push(QuotedItem {
                kind: match item.priced {
                    Priced::Flight(_) => "flight",
                    Priced::Hotel(_) => "hotel",
                },
                supplier: item.supplier.clone(),
                offer_id: item.offer_id.clone(),
                total: breakdown
                    .item_total(i)
                    .map_err(|e| BookingError::Internal(format!("item total: {e}")))?,
                supplier_total: item.supplier_total,
                starts_at: item.starts_at,
                ends_at: item.ends_at,
                details,
            });
        }
        let flights: Vec<&Offer> = items
            .iter()
            .filter_map(|i| match &i.priced {
                Priced::Flight(o) => Some(o),
                Priced::Hotel(_) => None,
            })
            .collect();
        Ok(Quote {
            international: self.crosses_border(&flights),
            items: out,
            price: breakdown,
            total,
        })
    }

    /// Whether any flight crosses a border (unknown airports count as crossing: asking for a
    /// passport is the safe side).
    pub(crate) fn crosses_border(&self, flights: &[&Offer]) -> bool {
        let countries: Vec<Option<&String>> = flights
            .iter()
            .flat_map(|o| o.slices.iter())
            .flat_map(|s| s.segments.iter())
            .flat_map(|s| {
                [
                    s.origin.as_str().to_owned(),
                    s.destination.as_str().to_owned(),
                ]
            })
            .map(|code| self.inner.airport_countries.get(&code))
            .collect();
        countries.iter().any(Option::is_none) || countries.windows(2).any(|w| w[0] != w[1])
    }

    /// The flight passengers, checked against the trip's dates and borders.
    fn check_passengers(
        &self,
        req: &CreateOrder,
        flights: &[&Offer],
        now: DateTime<Utc>,
    ) -> Result<Vec<Passenger>, BookingError> {
        if flights.is_empty() {
            return Ok(Vec::new());
        }
        if req.passengers.is_empty() {
            return Err(BookingError::invalid("passengers", "reason-required"));
        }
        let departures: Vec<NaiveDate> = flights
            .iter()
            .flat_map(|o| o.slices.iter())
            .flat_map(|s| s.segments.iter())
            .map(|s| s.departing_at.date_naive())
            .collect();
        let (Some(first), Some(last)) = (departures.iter().min(), departures.iter().max()) else {
            return Err(BookingError::OfferUnavailable { item: 0 });
        };
        let international = self.crosses_border(flights);
        let rules = PassengerRules {
            today: now.date_naive(),
            first_travel: *first,
            last_travel: *last,
            international,
        };
        let mut out = Vec::new();
        for (n, p) in req.passengers.iter().enumerate() {
            let kind = PassengerKind::parse(&p.kind).ok_or_else(|| {
                BookingError::invalid(format!("passengers[{n}].type"), "reason-passenger-type")
            })?;
            let input = TravellerInput {
                given_name: p.given_name.clone(),
                family_name: p.family_name.clone(),
                born_on: p.born_on,
                gender: p.gender.clone(),
                nationality: p.nationality.clone(),
                passport_number: p.passport_number.clone(),
                passport_expires_on: p.passport_expires_on,
            };
            let details = validate_passenger(kind, &input, &rules).map_err(|problems| {
                let p = problems[0];
                field_error(
                    format!("passengers[{n}].{}", p.field),
                    p.reason_key(),
                    p.arg,
                )
            })?;
            out.push(Passenger { kind, details });
        }
        let adults = out
            .iter()
            .filter(|p| p.kind == PassengerKind::Adult)
            .count();
        let infants = out
            .iter()
            .filter(|p| p.kind == PassengerKind::Infant)
            .count();
        if adults == 0 {
            return Err(BookingError::invalid("passengers", "reason-adult-required"));
        }
        if infants > adults {
            return Err(BookingError::invalid(
                "passengers",
                "reason-infant-without-adult",
            ));
        }
        Ok(out)
    }

    /// The customer an agent books for: found by e-mail or phone, or created without a password
    /// (they can set one with a reset link).
    async fn customer_for(
        &self,
        customer: &str,
        locale: &str,
        now: DateTime<Utc>,
    ) -> Result<String, BookingError> {
        let id = Identifier::parse(customer)
            .map_err(|e| BookingError::invalid("customer", e.reason_key()))?;
        let store = &self.inner.store;
        let found = match &id {
            Identifier::Email(e) => store.user_by_email(e.as_str()).await?,
            Identifier::Phone(p) => store.user_by_phone(p.as_str()).await?,
        };
        if let Some(user) = found.filter(|u| u.deleted_at.is_none()) {
            return Ok(user.id);
        }
        let user = store
            .create_user(NewUser {
                id: new_id("usr"),
                email: id.email().map(|e| e.as_str().to_owned()),
                email_verified_at: None,
                phone: match &id {
                    Identifier::Phone(p) => Some(p.as_str().to_owned()),
                    Identifier::Email(_) => None,
                },
                phone_verified_at: None,
                password_hash: None,
                name_zh: None,
                given_name: None,
                family_name: None,
                locale: if locale.is_empty() {
                    "en".into()
                } else {
                    locale.to_owned()
                },
                currency: "CNY".into(),
                now,
            })
            .await;
        match user {
            Ok(u) => Ok(u.id),
            // Created by a racing request a moment ago.
            Err(wayfare_store::StoreError::Conflict(_)) => {
                let again = match &id {
                    Identifier::Email(e) => store.user_by_email(e.as_str()).await?,
                    Identifier::Phone(p) => store.user_by_phone(p.as_str()).await?,
                };
                again
                    .map(|u| u.id)
                    .ok_or(BookingError::Internal("customer vanished".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn flight_supplier(
        &self,
        offer_id: &str,
        item: usize,
    ) -> Result<&std::sync::Arc<dyn wayfare_suppliers::flight::FlightSupplier>, BookingError> {
        self.inner
            .flights
            .supplier_for(offer_id)
            .ok_or(BookingError::OfferUnavailable { item })
    }

    pub(crate) fn hotel_supplier(
        &self,
        rate_id: &str,
        item: usize,
    ) -> Result<&std::sync::Arc<dyn wayfare_suppliers::hotel::HotelSupplier>, BookingError> {
        self.inner
            .hotels
            .supplier_for(rate_id)
            .ok_or(BookingError::OfferUnavailable { item })
    }

    /// Gives back holds taken for an order that is not being made. Failures are logged: the
    /// supplier's own hold time ends them anyway.
    pub(crate) async fn release_taken(&self, taken: &[TakenHold]) {
        for t in taken {
            if let Err(e) = self
                .release_hold(t.kind, &t.offer_id, t.supplier_ref.as_deref())
                .await
            {
                tracing::warn!(offer = %t.offer_id, error = %e, "could not give a hold back; it will expire");
            }
        }
    }
}

/// A passenger as the flight supplier takes it; infants sit with the adults in order.
fn supplier_passenger(
    n: usize,
    p: &Passenger,
    all: &[Passenger],
    email: &EmailAddress,
    phone: &PhoneNumber,
) -> PassengerDetails {
    let infant_of = (p.kind == PassengerKind::Infant)
        .then(|| {
            let nth = all[..n]
                .iter()
                .filter(|x| x.kind == PassengerKind::Infant)
                .count();
            all.iter()
                .enumerate()
                .filter(|(_, x)| x.kind == PassengerKind::Adult)
                .nth(nth)
                .map(|(i, _)| i)
        })
        .flatten();
    PassengerDetails {
        passenger_type: match p.kind {
            PassengerKind::Adult => PassengerType::Adult,
            PassengerKind::Child => PassengerType::Child,
            PassengerKind::Infant => PassengerType::InfantWithoutSeat,
        },
        given_name: p.details.given_name.clone(),
        family_name: p.details.family_name.clone(),
        born_on: p.details.born_on.unwrap_or_default(),
        gender: p.details.gender.clone().unwrap_or_default(),
        email: email.as_str().to_owned(),
        phone: phone.as_str().to_owned(),
        infant_of,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_the_usual_ways() {
        assert_eq!(
            split_name("Mei Ling ZHANG"),
            ("Mei Ling".into(), "ZHANG".into())
        );
        assert_eq!(
            split_name("ZHANG, Mei Ling"),
            ("Mei Ling".into(), "ZHANG".into())
        );
        assert_eq!(split_name("张美玲"), ("美玲".into(), "张".into()));
        assert_eq!(split_name("Madonna"), ("".into(), "Madonna".into()));
    }
}
