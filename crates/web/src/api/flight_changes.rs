//! Flight schedule changes: the admin's simulation of an airline delaying, retiming or
//! cancelling a built-in flight (then applied to the orders at once), and Duffel's webhook
//! announcing airline-initiated changes. Applying them is the booking service's
//! (`wayfare_booking::schedule_changes`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wayfare_booking::schedule_changes::ChangeOutcome;
use wayfare_domain::account::Role;
use wayfare_domain::flight::AirlineCode;
use wayfare_store::audit::NewAuditEntry;
use wayfare_suppliers::builtin::simulation::{MAX_DELAY_MINUTES, SimulatedChange};
use wayfare_suppliers::duffel::webhook::{
    SIGNATURE_HEADER, WebhookError, default_tolerance, parse_event, verify_signature,
};
use wayfare_suppliers::flight::{FlightSupplier, SupplierError};

use crate::AppState;
use crate::api::types::ErrorBody;
use crate::auth::{SignedInUser, require_role};
use crate::error::{ErrorCode, WebError};
use crate::extract::ApiJson;
use crate::middleware::RequestContext;

/// Adds the flight-change routes.
pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(simulate_schedule_change))
        .routes(routes!(duffel_webhook))
}

/// An airline's change to one dated flight of the built-in airline, as the admin simulates it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateScheduleChange {
    /// The marketing carrier: `MU`.
    pub carrier: String,
    /// The number without the carrier: `5101`.
    pub flight_number: i64,
    /// The local departure date as booked, `YYYY-MM-DD`.
    pub date: String,
    /// `delay`, `retime` or `cancel`.
    pub change: String,
    /// For a delay: minutes after the scheduled departure, 1 to 2880.
    pub minutes: Option<i64>,
    /// For a retime: the new local departure time, `HH:MM`.
    pub departs: Option<String>,
}

/// What the simulation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleChangeSimulated {
    /// Changes recorded in the supplier's feed (one per order flying it; none when announced
    /// before).
    pub recorded: usize,
    /// Our orders that now show the change.
    pub applied_orders: Vec<String>,
}

/// The flight and change asked for, or the first field that is wrong.
fn parse_simulation(
    body: &SimulateScheduleChange,
) -> Result<(AirlineCode, u16, NaiveDate, SimulatedChange), WebError> {
    let carrier = AirlineCode::parse(&body.carrier)
        .map_err(|_| WebError::invalid_field("carrier", "reason-unknown-airline"))?;
    let number = u16::try_from(body.flight_number)
        .ok()
        .filter(|n| (1..=9999).contains(n))
        .ok_or_else(|| WebError::invalid_field("flight_number", "reason-flight-number"))?;
    let date = NaiveDate::parse_from_str(body.date.trim(), "%Y-%m-%d")
        .map_err(|_| WebError::invalid_field("date", "reason-invalid-date"))?;
    let change = match body.change.trim() {
        "delay" => {
            let minutes = body
                .minutes
                .ok_or_else(|| WebError::invalid_field("minutes", "reason-required"))?;
            let minutes = u32::try_from(minutes)
                .ok()
                .filter(|m| (1..=MAX_DELAY_MINUTES).contains(m))
                .ok_or_else(|| {
                    WebError::invalid_field("minutes", "reason-flight-delay-minutes")
                        .arg("max", i64::from(MAX_DELAY_MINUTES))
                })?;
            SimulatedChange::Delay { minutes }
        }
        "retime" => {
            let departs = body
                .departs
                .as_deref()
                .ok_or_else(|| WebError::invalid_field("departs", "reason-required"))?;
            let departs_local = NaiveTime::parse_from_str(departs.trim(), "%H:%M")
                .map_err(|_| WebError::invalid_field("departs", "reason-invalid-time"))?;
            SimulatedChange::Retime { departs_local }
        }
        "cancel" => SimulatedChange::Cancel,
        _ => {
            return Err(WebError::invalid_field(
                "change",
                "reason-flight-change-kind",
            ));
        }
    };
    Ok((carrier, number, date, change))
}

fn supplier_unavailable(supplier: &str, e: &SupplierError) -> WebError {
    let mut w = WebError::new(ErrorCode::SupplierUnavailable).detail("supplier", supplier.into());
    w.internal = Some(e.to_string());
    w
}

/// Simulates an airline delaying, retiming or cancelling a flight of the built-in airline on
/// one date, then applies the changes to the orders flying it at once: each order's flight and
/// timeline show it, and its traveller (and the agent who placed it) are told, once. The same
/// change announced again records nothing. Audited.
#[utoipa::path(post, path = "/admin/flights/schedule-changes", tag = "admin",
    request_body = SimulateScheduleChange,
    responses((status = 200, description = "Recorded and applied", body = ScheduleChangeSimulated),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "A field is wrong (`validation_failed`, `details.field` names it)", body = ErrorBody),
        (status = 503, description = "The built-in supplier is not available", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn simulate_schedule_change(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    ApiJson(body): ApiJson<SimulateScheduleChange>,
) -> Result<Json<ScheduleChangeSimulated>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let (carrier, number, date, change) = parse_simulation(&body)?;
    let builtin = state
        .flights()
        .builtin()
        .ok_or_else(|| WebError::new(ErrorCode::SupplierUnavailable))?;
    let supplier = builtin.name();
    let recorded = builtin
        .simulate_schedule_change(carrier, number, date, change)
        .await
        .map_err(|e| match &e {
            SupplierError::Rejected { code, .. } if code == "invalid_delay" => {
                WebError::invalid_field("minutes", "reason-flight-delay-minutes")
                    .arg("max", i64::from(MAX_DELAY_MINUTES))
            }
            _ => supplier_unavailable(supplier, &e),
        })?;
    let orders = state.orders();
    orders.follow_schedule_changes().await?;
    // Whoever applied each change (this call or the background follower), its order shows it.
    let mut applied_orders: Vec<String> = Vec::new();
    for c in &recorded {
        let outcome = orders.apply_schedule_change(supplier, c).await?;
        if let Some(id) = outcome.shown_on()
            && !applied_orders.iter().any(|a| a == id)
        {
            applied_orders.push(id.to_owned());
        }
    }
    let detail = serde_json::json!({
        "change": body.change.trim(),
        "minutes": body.minutes,
        "departs": body.departs,
        "recorded": recorded.len(),
        "orders": applied_orders,
    });
    state
        .store()
        .append_audit(NewAuditEntry {
            at: orders.now(),
            actor_user_id: Some(user.user.id.clone()),
            action: "flights.schedule_change_simulated".into(),
            target: Some(format!("{carrier}{number}/{date}")),
            ip: ctx.ip.clone(),
            detail: detail.to_string(),
        })
        .await
        .map_err(WebError::internal)?;
    Ok(Json(ScheduleChangeSimulated {
        recorded: recorded.len(),
        applied_orders,
    }))
}

/// What a verified Duffel event came to.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlightWebhookAck {
    /// `applied`, `duplicate`, `no_change`, `unknown` (no such order at Duffel) or `ignored`
    /// (an event we do not act on).
    pub outcome: String,
}

fn ack(outcome: &str) -> Json<FlightWebhookAck> {
    Json(FlightWebhookAck {
        outcome: outcome.to_owned(),
    })
}

fn rejected(e: WebhookError) -> WebError {
    let mut w = WebError::new(ErrorCode::WebhookRejected);
    w.internal = Some(e.to_string());
    w
}

/// Duffel's webhook. The `X-Duffel-Signature` is checked over the raw body first (a
/// signature more than five minutes from now is refused); one that does not verify is 400 and
/// changes nothing. An `order.airline_initiated_change_detected` event's change is read from
/// Duffel and applied to the order that booked it, once however often it is delivered; other
/// events are acknowledged and ignored.
#[utoipa::path(
    post,
    path = "/webhooks/duffel",
    tag = "flights",
    request_body(content = String, description = "The event exactly as Duffel sends it", content_type = "application/json"),
    responses(
        (status = 200, description = "Verified and handled", body = FlightWebhookAck),
        (status = 400, description = "`webhook_rejected`: missing or wrong signature, stale timestamp, unreadable", body = ErrorBody),
        (status = 404, description = "Duffel webhooks are not configured", body = ErrorBody),
        (status = 503, description = "Duffel could not be read now; it delivers again later", body = ErrorBody),
    )
)]
pub async fn duffel_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<FlightWebhookAck>, WebError> {
    let Some(receiver) = state.flights().duffel_webhook() else {
        return Err(WebError::not_found());
    };
    let orders = state.orders();
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    verify_signature(
        &receiver.secret,
        signature,
        &body,
        orders.now(),
        default_tolerance(),
    )
    .map_err(rejected)?;
    let event = parse_event(&body).map_err(rejected)?;
    let Some(notice) = event.airline_initiated_change() else {
        return Ok(ack("ignored"));
    };
    let supplier = receiver.supplier.name();
    let changes = match receiver.supplier.announced_changes(&notice).await {
        Ok(c) => c,
        Err(SupplierError::NotFound(_)) => return Ok(ack("unknown")),
        Err(e) => return Err(supplier_unavailable(supplier, &e)),
    };
    let mut outcome = "no_change";
    for c in &changes {
        match orders.apply_schedule_change(supplier, c).await? {
            ChangeOutcome::Applied { .. } => outcome = "applied",
            ChangeOutcome::AlreadyApplied { .. } if outcome == "no_change" => outcome = "duplicate",
            _ => {}
        }
    }
    Ok(ack(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(change: &str, minutes: Option<i64>, departs: Option<&str>) -> SimulateScheduleChange {
        SimulateScheduleChange {
            carrier: "mu".into(),
            flight_number: 5101,
            date: "2026-12-01".into(),
            change: change.into(),
            minutes,
            departs: departs.map(str::to_owned),
        }
    }

    fn field_of(e: WebError) -> String {
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        e.details["field"].as_str().unwrap().to_owned()
    }

    #[test]
    fn a_simulation_is_read_or_refused_by_field() {
        let (carrier, number, date, change) =
            parse_simulation(&body("delay", Some(90), None)).unwrap();
        assert_eq!(
            (carrier.as_str(), number, date.to_string()),
            ("MU", 5101, "2026-12-01".to_owned())
        );
        assert_eq!(change, SimulatedChange::Delay { minutes: 90 });
        assert_eq!(
            parse_simulation(&body("retime", None, Some("06:45")))
                .unwrap()
                .3,
            SimulatedChange::Retime {
                departs_local: NaiveTime::from_hms_opt(6, 45, 0).unwrap()
            }
        );
        assert_eq!(
            parse_simulation(&body("cancel", None, None)).unwrap().3,
            SimulatedChange::Cancel
        );
        for (b, field) in [
            (body("delay", Some(0), None), "minutes"),
            (body("delay", Some(-30), None), "minutes"),
            (body("delay", Some(2881), None), "minutes"),
            (body("delay", None, None), "minutes"),
            (body("retime", None, Some("25:00")), "departs"),
            (body("retime", None, None), "departs"),
            (body("divert", None, None), "change"),
            (
                SimulateScheduleChange {
                    carrier: "M".into(),
                    ..body("cancel", None, None)
                },
                "carrier",
            ),
            (
                SimulateScheduleChange {
                    flight_number: 0,
                    ..body("cancel", None, None)
                },
                "flight_number",
            ),
            (
                SimulateScheduleChange {
                    flight_number: 70_000,
                    ..body("cancel", None, None)
                },
                "flight_number",
            ),
            (
                SimulateScheduleChange {
                    date: "2026-13-01".into(),
                    ..body("cancel", None, None)
                },
                "date",
            ),
        ] {
            assert_eq!(field_of(parse_simulation(&b).unwrap_err()), field);
        }
    }
}
