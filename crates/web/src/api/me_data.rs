//! `/api/v1/me/…` for the caller's own data: saved travellers, preferences, payment methods,
//! notification settings and history, export and deletion. Everything is scoped to the caller;
//! another user's ids answer 404.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wayfare_accounts::payment_methods::{PaymentMethod, PaymentMethodInput, refuse_card_data};
use wayfare_accounts::preferences::{notification_prefs, travel_preferences};
use wayfare_accounts::travellers::{Traveller, TravellerInput};
use wayfare_domain::account::preferences::{
    MealPreference, NotificationPrefs, SeatPreference, TravelPreferences,
};

use crate::api::types::ErrorBody;
use crate::auth::{SESSION_COOKIE, SignedInUser, clear_cookie};
use crate::error::WebError;
use crate::extract::{ApiJson, ApiQuery};
use crate::middleware::RequestContext;
use crate::state::AppState;

/// Adds these endpoints to the `/api/v1` router.
pub fn routes(v1: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    v1.routes(routes!(list_travellers, add_traveller))
        .routes(routes!(get_traveller, patch_traveller, delete_traveller))
        .routes(routes!(get_preferences, put_preferences))
        .routes(routes!(list_payment_methods, add_payment_method))
        .routes(routes!(delete_payment_method))
        .routes(routes!(default_payment_method))
        .routes(routes!(list_notifications))
        .routes(routes!(get_notification_prefs, put_notification_prefs))
        .routes(routes!(export))
        .routes(routes!(delete_me))
}

// ----- travellers -----------------------------------------------------------------------------

/// A saved traveller. The document number is only ever shown masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TravellerJson {
    pub id: String,
    /// As on the passport, in capitals.
    pub given_name: String,
    pub family_name: String,
    pub name_zh: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// `female`, `male` or `unspecified`.
    pub gender: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    /// `passport`, `national_id`, `hk_macau_permit`, `taiwan_permit`, `home_return_permit` or
    /// `taiwan_compatriot_permit`.
    pub document_type: Option<String>,
    /// e.g. `E•••••567`.
    pub document_number_masked: Option<String>,
    pub document_country: Option<String>,
    pub document_expiry: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Traveller> for TravellerJson {
    fn from(t: Traveller) -> Self {
        TravellerJson {
            id: t.id,
            given_name: t.given_name,
            family_name: t.family_name,
            name_zh: t.name_zh,
            date_of_birth: t.date_of_birth,
            gender: t.gender,
            nationality: t.nationality,
            document_type: t.document_type,
            document_number_masked: t.document_number_masked,
            document_country: t.document_country,
            document_expiry: t.document_expiry,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Traveller fields. On PATCH absent fields stay as they are; an empty string clears an
/// optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TravellerBody {
    /// Latin letters as on the passport (required when adding).
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub name_zh: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub document_type: Option<String>,
    /// Stored encrypted; answers show it masked.
    pub document_number: Option<String>,
    pub document_country: Option<String>,
    /// `YYYY-MM-DD`, not in the past.
    pub document_expiry: Option<String>,
}

impl From<TravellerBody> for TravellerInput {
    fn from(b: TravellerBody) -> Self {
        TravellerInput {
            given_name: b.given_name,
            family_name: b.family_name,
            name_zh: b.name_zh,
            date_of_birth: b.date_of_birth,
            gender: b.gender,
            nationality: b.nationality,
            document_type: b.document_type,
            document_number: b.document_number,
            document_country: b.document_country,
            document_expiry: b.document_expiry,
        }
    }
}

/// The caller's saved travellers.
#[utoipa::path(get, path = "/me/travellers", tag = "accounts",
    responses((status = 200, description = "In the order they were added", body = [TravellerJson]),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_travellers(
    State(state): State<AppState>,
    user: SignedInUser,
) -> Result<Json<Vec<TravellerJson>>, WebError> {
    let list = state.accounts().travellers(&user).await?;
    Ok(Json(list.into_iter().map(TravellerJson::from).collect()))
}

/// Saves a traveller (at most 50).
#[utoipa::path(post, path = "/me/travellers", tag = "accounts", request_body = TravellerBody,
    responses((status = 201, description = "Saved", body = TravellerJson),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A field is invalid, or the limit is reached", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn add_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    ApiJson(body): ApiJson<TravellerBody>,
) -> Result<Response, WebError> {
    let t = state
        .accounts()
        .add_traveller(&user, body.into(), &ctx.meta())
        .await?;
    Ok((StatusCode::CREATED, Json(TravellerJson::from(t))).into_response())
}

/// One of the caller's travellers.
#[utoipa::path(get, path = "/me/travellers/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Traveller id")),
    responses((status = 200, description = "The traveller", body = TravellerJson),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such traveller of yours", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_traveller(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Json<TravellerJson>, WebError> {
    Ok(Json(state.accounts().traveller(&user, &id).await?.into()))
}

/// Changes a traveller's fields; absent fields stay as they are.
#[utoipa::path(patch, path = "/me/travellers/{id}", tag = "accounts", request_body = TravellerBody,
    params(("id" = String, Path, description = "Traveller id")),
    responses((status = 200, description = "Updated", body = TravellerJson),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such traveller of yours", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn patch_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TravellerBody>,
) -> Result<Json<TravellerJson>, WebError> {
    let t = state
        .accounts()
        .update_traveller(&user, &id, body.into(), &ctx.meta())
        .await?;
    Ok(Json(t.into()))
}

/// Deletes a traveller.
#[utoipa::path(delete, path = "/me/travellers/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Traveller id")),
    responses((status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such traveller of yours", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    state
        .accounts()
        .delete_traveller(&user, &id, &ctx.meta())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- preferences ----------------------------------------------------------------------------

/// Travel preferences: defaults for searches, and the language and currency of the site.
/// Every field is optional; on PUT the whole set is replaced.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesJson {
    /// `window` or `aisle`.
    #[serde(default)]
    pub seat: Option<String>,
    /// An IATA special-meal code such as `VGML`.
    #[serde(default)]
    pub meal: Option<String>,
    /// `economy`, `premium_economy`, `business` or `first`: the flight search default.
    #[serde(default)]
    pub cabin: Option<String>,
    /// Two-character IATA airline codes, most preferred first (at most 10).
    #[serde(default)]
    pub preferred_airlines: Vec<String>,
    /// 1 to 5: the hotel search default.
    #[serde(default)]
    pub hotel_min_stars: Option<u8>,
    /// Amenity codes (`wifi`, `pool` …): the hotel search default.
    #[serde(default)]
    pub hotel_amenities: Vec<String>,
    /// `zh-CN` or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
}

impl From<TravelPreferences> for PreferencesJson {
    fn from(p: TravelPreferences) -> Self {
        PreferencesJson {
            seat: p.seat.map(|s| s.as_str().to_owned()),
            meal: p.meal.map(|m| m.as_str().to_owned()),
            cabin: p.cabin,
            preferred_airlines: p.preferred_airlines,
            hotel_min_stars: p.hotel_min_stars,
            hotel_amenities: p.hotel_amenities,
            language: p.language,
            currency: p.currency,
        }
    }
}

impl PreferencesJson {
    /// The domain value, refusing an unknown seat or meal.
    pub fn into_domain(self) -> Result<TravelPreferences, WebError> {
        let seat = match self.seat.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                SeatPreference::parse(&s.to_ascii_lowercase())
                    .ok_or_else(|| WebError::invalid_field("seat", "reason-unknown-seat"))?,
            ),
        };
        let meal = match self.meal.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => Some(
                MealPreference::parse(m)
                    .ok_or_else(|| WebError::invalid_field("meal", "reason-unknown-meal"))?,
            ),
        };
        Ok(TravelPreferences {
            seat,
            meal,
            cabin: self.cabin,
            preferred_airlines: self.preferred_airlines,
            hotel_min_stars: self.hotel_min_stars,
            hotel_amenities: self.hotel_amenities,
            language: self.language,
            currency: self.currency,
        })
    }
}

/// The caller's travel preferences.
#[utoipa::path(get, path = "/me/preferences", tag = "accounts",
    responses((status = 200, description = "Preferences", body = PreferencesJson),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_preferences(user: SignedInUser) -> Json<PreferencesJson> {
    Json(travel_preferences(&user.user).into())
}

/// Replaces the caller's travel preferences.
#[utoipa::path(put, path = "/me/preferences", tag = "accounts", request_body = PreferencesJson,
    responses((status = 200, description = "Saved (normalised)", body = PreferencesJson),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn put_preferences(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    ApiJson(body): ApiJson<PreferencesJson>,
) -> Result<Json<PreferencesJson>, WebError> {
    let prefs = body.into_domain()?;
    let saved = state
        .accounts()
        .set_travel_preferences(&user, prefs, &ctx.meta())
        .await?;
    Ok(Json(saved.into()))
}

// ----- payment methods ------------------------------------------------------------------------

/// A stored card: what may be shown, never the number or the provider's token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentMethodJson {
    pub id: String,
    pub provider: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
}

impl From<PaymentMethod> for PaymentMethodJson {
    fn from(p: PaymentMethod) -> Self {
        PaymentMethodJson {
            id: p.id,
            provider: p.provider,
            brand: p.brand,
            last4: p.last4,
            exp_month: p.exp_month,
            exp_year: p.exp_year,
            is_default: p.is_default,
            created_at: p.created_at,
        }
    }
}

/// A card as tokenised by the payment provider in the browser or app. Card numbers and
/// security codes are refused (422).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentMethodBody {
    /// `stripe` when absent.
    #[serde(default)]
    pub provider: Option<String>,
    /// The provider's token, e.g. Stripe's `pm_…` (also accepted as `token`). Stored
    /// encrypted and never returned.
    #[serde(alias = "token")]
    pub provider_token: String,
    /// `visa`, `mastercard`, `amex`, `unionpay`, `jcb`, `discover`, `diners` or `other`.
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    /// Four digits.
    pub exp_year: i32,
    /// Anything else: raw card data (`number`, `cvv` …) is refused by name.
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The caller's stored payment methods, the default first.
#[utoipa::path(get, path = "/me/payment-methods", tag = "accounts",
    responses((status = 200, description = "Payment methods", body = [PaymentMethodJson]),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_payment_methods(
    State(state): State<AppState>,
    user: SignedInUser,
) -> Result<Json<Vec<PaymentMethodJson>>, WebError> {
    let list = state.accounts().payment_methods(&user).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Stores a tokenised card; the first becomes the default. Expired cards are refused.
#[utoipa::path(post, path = "/me/payment-methods", tag = "accounts", request_body = PaymentMethodBody,
    responses((status = 201, description = "Stored", body = PaymentMethodJson),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A field is invalid, expired, or raw card data", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn add_payment_method(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    ApiJson(body): ApiJson<PaymentMethodBody>,
) -> Result<Response, WebError> {
    refuse_card_data(body.other.keys().map(String::as_str))?;
    if let Some(unknown) = body.other.keys().next() {
        return Err(WebError::invalid_field(unknown, "reason-unknown-field"));
    }
    let input = PaymentMethodInput {
        provider: body.provider.unwrap_or_default(),
        token: body.provider_token,
        brand: body.brand,
        last4: body.last4,
        exp_month: body.exp_month.to_string(),
        exp_year: body.exp_year.to_string(),
    };
    let p = state
        .accounts()
        .add_payment_method(&user, input, &ctx.meta())
        .await?;
    Ok((StatusCode::CREATED, Json(PaymentMethodJson::from(p))).into_response())
}

/// Deletes a payment method; if it was the default, the newest remaining one becomes it.
#[utoipa::path(delete, path = "/me/payment-methods/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Payment method id")),
    responses((status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such payment method of yours", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_payment_method(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    state
        .accounts()
        .delete_payment_method(&user, &id, &ctx.meta())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a payment method the default (and no other).
#[utoipa::path(post, path = "/me/payment-methods/{id}/default", tag = "accounts",
    params(("id" = String, Path, description = "Payment method id")),
    responses((status = 200, description = "The payment methods now", body = [PaymentMethodJson]),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such payment method of yours", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn default_payment_method(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<PaymentMethodJson>>, WebError> {
    let accounts = state.accounts();
    accounts
        .set_default_payment_method(&user, &id, &ctx.meta())
        .await?;
    let list = accounts.payment_methods(&user).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

// ----- notifications --------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// 1 to 100 (20 when absent).
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// A message sent to the caller. Security codes are masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationJson {
    pub id: String,
    /// `email` or `sms`.
    pub channel: String,
    pub destination: String,
    pub event: String,
    pub subject: Option<String>,
    pub body: String,
    /// `sent` or `failed`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPageJson {
    pub items: Vec<NotificationJson>,
    pub limit: u64,
    pub offset: u64,
    /// The offset of the next page, if there may be one.
    pub next_offset: Option<u64>,
}

/// Messages sent to the caller, newest first.
#[utoipa::path(get, path = "/me/notifications", tag = "accounts", params(HistoryQuery),
    responses((status = 200, description = "One page of the history", body = NotificationPageJson),
        (status = 400, description = "Bad paging", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_notifications(
    State(state): State<AppState>,
    user: SignedInUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<NotificationPageJson>, WebError> {
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let offset = q.offset.unwrap_or(0);
    let rows = state
        .accounts()
        .notification_history(&user, limit, offset)
        .await?;
    let full = rows.len() as u64 == limit;
    Ok(Json(NotificationPageJson {
        items: rows
            .into_iter()
            .map(|n| NotificationJson {
                id: n.id,
                channel: n.channel,
                destination: n.destination,
                event: n.event,
                subject: n.subject,
                body: n.body,
                status: n.status,
                created_at: n.created_at,
            })
            .collect(),
        limit,
        offset,
        next_offset: full.then_some(offset + limit),
    }))
}

/// Channel → event → on. Every event of every channel is listed; `account_security` is always
/// on and `marketing` is off until chosen.
pub type NotificationSettingsJson = BTreeMap<String, BTreeMap<String, bool>>;

fn settings_json(p: &NotificationPrefs) -> NotificationSettingsJson {
    let mut out = NotificationSettingsJson::new();
    for (c, e, on) in p.matrix() {
        out.entry(c.as_str().to_owned())
            .or_default()
            .insert(e.as_str().to_owned(), on);
    }
    out
}

/// Which notifications the caller gets on which channel.
#[utoipa::path(get, path = "/me/notification-preferences", tag = "accounts",
    responses((status = 200, description = "Channel → event → on",
            body = BTreeMap<String, BTreeMap<String, bool>>),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_notification_prefs(user: SignedInUser) -> Json<NotificationSettingsJson> {
    Json(settings_json(&notification_prefs(&user.user)))
}

/// Replaces the settings; events left out go back to their defaults. Security messages
/// cannot be switched off (422).
#[utoipa::path(put, path = "/me/notification-preferences", tag = "accounts",
    request_body = BTreeMap<String, BTreeMap<String, bool>>,
    responses((status = 200, description = "Channel → event → on",
            body = BTreeMap<String, BTreeMap<String, bool>>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Unknown channel or event, or security switched off", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn put_notification_prefs(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    ApiJson(body): ApiJson<NotificationSettingsJson>,
) -> Result<Json<NotificationSettingsJson>, WebError> {
    let settings: Vec<(String, String, bool)> = body
        .into_iter()
        .flat_map(|(c, events)| events.into_iter().map(move |(e, on)| (c.clone(), e, on)))
        .collect();
    let prefs = state
        .accounts()
        .set_notification_prefs(&user, &settings, &ctx.meta())
        .await?;
    Ok(Json(settings_json(&prefs)))
}

// ----- export and deletion --------------------------------------------------------------------

/// Everything stored about the caller as a JSON download: profile, preferences, travellers
/// with their document numbers, payment methods (without tokens), sessions, sign-in methods.
#[utoipa::path(get, path = "/me/export", tag = "accounts",
    responses((status = 200, description = "The export (an attachment)", body = Object),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> Result<Response, WebError> {
    let data = state.accounts().export_data(&user, &ctx.meta()).await?;
    Ok(export_response(&data))
}

/// The export as a download that no cache keeps.
pub fn export_response(data: &serde_json::Value) -> Response {
    let body = serde_json::to_string_pretty(data).unwrap_or_default();
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"wayfare-my-data.json\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountBody {
    /// The current password, to confirm.
    pub password: String,
}

/// Deletes the caller's account: personal data is cleared, travellers and stored cards are
/// removed, every session and API token ends. Orders and payments are kept for the records.
#[utoipa::path(delete, path = "/me", tag = "accounts", request_body = DeleteAccountBody,
    responses((status = 204, description = "Deleted; the session cookie is cleared"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Wrong password", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_me(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    ApiJson(body): ApiJson<DeleteAccountBody>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .delete_account(&user, &body.password, &ctx.meta())
        .await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        clear_cookie(SESSION_COOKIE, state.config().secure_cookies || ctx.secure),
    );
    Ok(res)
}
