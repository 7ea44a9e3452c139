//! The PDF itinerary of an order: the order page's words (place and airline names, local
//! times, the hotel's stay and cancellation terms, the price) laid out by
//! `wayfare_itinerary`. Downloaded from the order page (`/bookings/{id}/itinerary.pdf`) and
//! the API (`/api/v1/orders/{id}/itinerary.pdf`), and attached to confirmations by the outbox
//! worker through [`Itineraries`].
//!
//! A Chinese-language order is printed in Chinese when a CJK font was found at start-up, and
//! in English otherwise (the start-up warned once) rather than with missing glyphs.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use wayfare_booking::{ItineraryMaker, OrderView};
use wayfare_domain::flight::offer::Offer;
use wayfare_itinerary as it;

use super::{RateDetails, Words, booked_item, builtin_property, load_order, payment_status_words};
use crate::error::WebError;
use crate::i18n::Locale;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::when;

/// The itinerary's words for `order` in `locale` (English when Chinese cannot be printed).
pub async fn itinerary_of(state: &AppState, order: &OrderView) -> it::Itinerary {
    let fonts = &state.config().itinerary_fonts;
    let wanted = Locale::from_tag(&order.locale).unwrap_or(state.config().default_locale);
    let locale = if wanted.is_chinese() && !fonts.has_cjk() {
        Locale::from_tag("en").unwrap_or(wanted)
    } else {
        wanted
    };
    let w = Words::in_locale(state, locale).with_airlines().await;
    let t = |k: &str| w.t(&format!("itinerary-{k}"));
    let mut flights = Vec::new();
    let mut hotels = Vec::new();
    for item in &order.items {
        let trip = booked_item(&w, item);
        if item.kind == "flight" {
            let Ok(offer) = serde_json::from_value::<Offer>(item.details.clone()) else {
                continue;
            };
            let cabin = w.t(&format!("flights-cabin-{}", offer.cabin.as_str()));
            let segments = offer
                .slices
                .iter()
                .flat_map(|s| s.segments.iter())
                .map(|g| {
                    let place = |code: &str| format!("{code} {}", w.airport_name(code));
                    let local = |t: &chrono::DateTime<chrono::FixedOffset>| {
                        let hours = t.offset().local_minus_utc() / 3600;
                        let minutes = (t.offset().local_minus_utc().abs() % 3600) / 60;
                        let offset = if minutes == 0 {
                            format!("UTC{hours:+}")
                        } else {
                            format!("UTC{hours:+}:{minutes:02}")
                        };
                        format!("{} ({offset})", t.format("%Y-%m-%d %H:%M"))
                    };
                    it::Segment {
                        flight: g.flight_designator(),
                        carrier: w.airline(g.marketing_carrier.as_str()),
                        from: place(g.origin.as_str()),
                        to: place(g.destination.as_str()),
                        departs: local(&g.departing_at),
                        arrives: local(&g.arriving_at),
                        duration: w.duration(g.duration_minutes),
                        cabin: cabin.clone(),
                        aircraft: Some(g.aircraft.clone()).filter(|a| !a.is_empty()),
                    }
                })
                .collect();
            flights.push(it::FlightPart {
                title: trip.title.clone(),
                pnr: item.confirmation.clone(),
                segments,
            });
        } else {
            let address = item.details["hotel_id"]
                .as_str()
                .and_then(|id| builtin_property(state, id))
                .map(|p| w.text(&p.address))
                .unwrap_or_default();
            let requests: Vec<String> = order
                .travellers
                .iter()
                .filter(|g| g.item == Some(item.position))
                .filter_map(|g| g.special_requests.clone())
                .filter(|s| !s.is_empty())
                .collect();
            let stay = serde_json::from_value::<RateDetails>(item.details.clone()).ok();
            let (check_in, check_out, nights) = stay
                .map(|r| {
                    (
                        w.date_long(r.check_in),
                        w.date_long(r.check_out),
                        w.tn(
                            "hotels-nights",
                            "count",
                            (r.check_out - r.check_in).num_days(),
                        ),
                    )
                })
                .unwrap_or_default();
            hotels.push(it::HotelPart {
                name: trip.hotel_name.clone(),
                address,
                check_in,
                check_out,
                nights,
                rooms: trip.rooms.clone(),
                confirmation: item.confirmation.clone(),
                cancellation: trip
                    .cancellation
                    .iter()
                    .map(|l| l.text.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                special_requests: (!requests.is_empty()).then(|| requests.join("; ")),
            });
        }
    }
    let tickets: Vec<String> = order
        .items
        .iter()
        .filter(|i| i.kind == "flight")
        .flat_map(|i| i.tickets.iter().cloned())
        .collect();
    let passengers: Vec<it::Passenger> = order
        .travellers
        .iter()
        .filter(|p| p.role != "guest")
        .enumerate()
        .map(|(n, p)| it::Passenger {
            name: format!("{}/{}", p.family_name, p.given_name),
            kind: w.t(&format!("bookings-kind-{}", p.kind)),
            ticket: tickets.get(n).cloned(),
            document: p.passport_last4.as_ref().map(|l| format!("••••{l}")),
        })
        .collect();
    let price_lines = order
        .price
        .lines
        .iter()
        .map(|l| it::PriceLine {
            label: w.t(&format!(
                "bookings-line-{}",
                l.kind.as_str().replace('_', "-")
            )),
            amount: w.money(l.amount),
        })
        .collect();
    let payments = order
        .payments
        .iter()
        .map(|p| it::PaymentLine {
            label: format!(
                "{} · {}",
                super::method_label(&p.payment_method),
                payment_status_words(&w, &p.status)
            ),
            amount: w.money(p.amount),
            at: when(p.created_at),
        })
        .collect();
    let brand = state.orders().brand();
    it::Itinerary {
        language: if locale.is_chinese() {
            it::Language::ZhCn
        } else {
            it::Language::En
        },
        brand: brand.name.clone(),
        brand_color: brand.primary_color.clone(),
        reference: order.reference.clone(),
        status: w.status(order.status),
        issued_at: when(state.orders().now()),
        contact: format!("{} · {}", order.contact_email, order.contact_phone),
        flights,
        hotels,
        passengers,
        price_lines,
        total: w.money(order.total_amount),
        payments,
        notes: vec![t("note")],
        labels: it::Labels {
            title: t("title"),
            reference: t("reference"),
            status: t("status"),
            issued: t("issued"),
            contact: t("contact"),
            flights: t("flights"),
            pnr: t("pnr"),
            flight: t("flight"),
            departs: t("departs"),
            arrives: t("arrives"),
            duration: t("duration"),
            cabin: t("cabin"),
            passengers: t("passengers"),
            ticket: t("ticket"),
            document: t("document"),
            hotels: t("hotels"),
            check_in: t("check-in"),
            check_out: t("check-out"),
            nights: t("nights"),
            rooms: t("rooms"),
            confirmation: t("confirmation"),
            cancellation: t("cancellation"),
            special_requests: t("special-requests"),
            price: t("price"),
            total: t("total"),
            payments: t("payments"),
            footer: w.ts("itinerary-footer", &[("brand", &brand.name)]),
        },
    }
}

/// The PDF of `order`.
pub async fn pdf_of(
    state: &AppState,
    order: &OrderView,
) -> Result<wayfare_notify::Attachment, String> {
    let doc = itinerary_of(state, order).await;
    let fonts = state.config().itinerary_fonts.clone();
    let bytes = tokio::task::spawn_blocking(move || it::render(&doc, &fonts))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(wayfare_notify::Attachment {
        filename: format!("itinerary-{}.pdf", order.reference),
        content_type: "application/pdf".into(),
        content: bytes,
    })
}

/// The PDF as a download.
pub fn pdf_response(pdf: wayfare_notify::Attachment) -> Response {
    let mut res = pdf.content.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", pdf.filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

/// `GET /bookings/{id}/itinerary.pdf`: whoever may see the order page.
pub async fn download(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (order, _) = load_order(&state, &ctx, &headers, &id).await?;
    let pdf = pdf_of(&state, &order)
        .await
        .map_err(|e| WebError::internal(format!("itinerary: {e}")))?;
    Ok(pdf_response(pdf))
}

/// Makes itineraries for the booking service from a weak handle on the app's state.
pub struct StateItineraries {
    state: crate::state::WeakAppState,
}

impl StateItineraries {
    pub fn new(state: &AppState) -> StateItineraries {
        StateItineraries {
            state: state.downgrade(),
        }
    }
}

#[async_trait::async_trait]
impl ItineraryMaker for StateItineraries {
    async fn itinerary(&self, order: &OrderView) -> Result<wayfare_notify::Attachment, String> {
        let state = self
            .state
            .upgrade()
            .ok_or_else(|| "the app is shutting down".to_owned())?;
        pdf_of(&state, order).await
    }
}
