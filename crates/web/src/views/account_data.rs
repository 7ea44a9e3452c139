//! Account pages for the traveller's own data: saved travellers, preferences, payment
//! methods, notification settings and history, export and deletion. Forms post with the CSRF
//! token; a refused field comes back inline in the user's language with a 4xx status.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wayfare_accounts::AuthError;
use wayfare_accounts::payment_methods::{BRANDS, PaymentMethod, PaymentMethodInput};
use wayfare_accounts::preferences::{notification_prefs, travel_preferences};
use wayfare_accounts::travellers::{DOCUMENT_TYPES, GENDERS, Traveller, TravellerInput};
use wayfare_domain::account::preferences::{
    MealPreference, NotificationEvent, SeatPreference, TravelPreferences,
};
use wayfare_domain::flight::fare::Cabin;
use wayfare_domain::hotel::Amenity;

use crate::api::me_data::export_response;
use crate::auth::{SESSION_COOKIE, SignedInUser, clear_cookie};
use crate::error::WebError;
use crate::extract::WebForm;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::auth::FormError;
use crate::views::{Choice, Page, see_other, when};

/// The routes of these pages, merged into the page router.
pub fn routes(pages: Router<AppState>) -> Router<AppState> {
    pages
        .route(
            "/account/travellers",
            get(travellers).post(create_traveller),
        )
        .route("/account/travellers/new", get(new_traveller))
        .route(
            "/account/travellers/{id}",
            get(edit_traveller).post(update_traveller),
        )
        .route("/account/travellers/{id}/delete", post(delete_traveller))
        .route(
            "/account/preferences",
            get(preferences).post(save_preferences),
        )
        .route(
            "/account/payment-methods",
            get(payment_methods).post(add_payment_method),
        )
        .route(
            "/account/payment-methods/{id}/default",
            post(default_payment_method),
        )
        .route(
            "/account/payment-methods/{id}/delete",
            post(delete_payment_method),
        )
        .route(
            "/account/notifications",
            get(notifications).post(save_notifications),
        )
        .route("/account/privacy", get(privacy))
        .route("/account/privacy/export", get(export))
        .route("/account/privacy/delete", post(delete_account))
}

/// Which message to show after a redirect (`?done=…`), from a fixed list.
#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

fn done_notice(page: &Page, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "traveller-added" => "account-traveller-added",
        "traveller-saved" => "account-traveller-saved",
        "traveller-deleted" => "account-traveller-deleted",
        "preferences" => "account-prefs-saved",
        "card-added" => "account-card-added",
        "card-default" => "account-card-default-set",
        "card-deleted" => "account-card-deleted",
        "notifications" => "account-notify-saved",
        _ => return None,
    };
    Some(page.t(key))
}

/// A refused form: 4xx errors are shown on the page, 5xx fail the request.
fn form_error(e: AuthError, ctx: &RequestContext) -> Result<(FormError, StatusCode), WebError> {
    web_form_error(WebError::from(e), ctx)
}

fn web_form_error(e: WebError, ctx: &RequestContext) -> Result<(FormError, StatusCode), WebError> {
    if e.code.status().is_server_error() {
        return Err(e);
    }
    Ok((FormError::from_web(&e, ctx), e.code.status()))
}

fn with_status(status: StatusCode, body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    *res.status_mut() = status;
    res
}

fn field_error<'a>(error: &'a Option<FormError>, field: &str) -> Option<&'a str> {
    error
        .as_ref()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
}

fn choices(
    page: &Page,
    values: &[&str],
    prefix: &str,
    selected: Option<&str>,
    with_none: bool,
) -> Vec<Choice> {
    let mut out = Vec::new();
    if with_none {
        out.push(Choice {
            value: String::new(),
            label: page.t("account-choose-none"),
            selected: selected.is_none_or(str::is_empty),
        });
    }
    out.extend(values.iter().map(|v| Choice {
        value: (*v).to_owned(),
        label: page.t(&format!("{prefix}{}", v.replace('_', "-"))),
        selected: selected == Some(*v),
    }));
    out
}

// ----- travellers -----------------------------------------------------------------------------

/// A traveller in the list.
#[derive(Debug, Clone)]
pub struct TravellerItem {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub document: String,
    pub expiry: String,
    pub date_of_birth: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/travellers.html")]
pub struct TravellersTemplate {
    page: Page,
    travellers: Vec<TravellerItem>,
    notice: Option<String>,
}

fn traveller_item(page: &Page, t: &Traveller) -> TravellerItem {
    let doc_type = t
        .document_type
        .as_deref()
        .map(|d| page.t(&format!("account-doc-type-{}", d.replace('_', "-"))))
        .unwrap_or_default();
    TravellerItem {
        id: t.id.clone(),
        name: format!("{} {}", t.family_name, t.given_name),
        name_zh: t.name_zh.clone().unwrap_or_default(),
        document: match &t.document_number_masked {
            Some(m) => format!("{doc_type} {m}"),
            None => doc_type,
        },
        expiry: t.document_expiry.map(|d| d.to_string()).unwrap_or_default(),
        date_of_birth: t.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
    }
}

pub async fn travellers(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Query(q): Query<DoneQuery>,
) -> Result<TravellersTemplate, WebError> {
    let page = Page::new(&state, &ctx);
    let list = state.accounts().travellers(&user).await?;
    Ok(TravellersTemplate {
        travellers: list.iter().map(|t| traveller_item(&page, t)).collect(),
        notice: done_notice(&page, q.done.as_deref()),
        page,
    })
}

/// The traveller form as posted (and as shown again).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TravellerForm {
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    document_type: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    document_country: String,
    #[serde(default)]
    document_expiry: String,
}

impl TravellerForm {
    fn from_traveller(t: &Traveller) -> TravellerForm {
        TravellerForm {
            given_name: t.given_name.clone(),
            family_name: t.family_name.clone(),
            name_zh: t.name_zh.clone().unwrap_or_default(),
            date_of_birth: t.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            gender: t.gender.clone().unwrap_or_default(),
            nationality: t.nationality.clone().unwrap_or_default(),
            document_type: t.document_type.clone().unwrap_or_default(),
            document_number: String::new(),
            document_country: t.document_country.clone().unwrap_or_default(),
            document_expiry: t.document_expiry.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// What the service takes. On an edit a blank number keeps the stored one, unless the
    /// document type was cleared too.
    fn input(&self, editing: bool) -> TravellerInput {
        let number = if editing && self.document_number.trim().is_empty() {
            self.document_type.trim().is_empty().then(String::new)
        } else {
            Some(self.document_number.clone())
        };
        TravellerInput {
            given_name: Some(self.given_name.clone()),
            family_name: Some(self.family_name.clone()),
            name_zh: Some(self.name_zh.clone()),
            date_of_birth: Some(self.date_of_birth.clone()),
            gender: Some(self.gender.clone()),
            nationality: Some(self.nationality.clone()),
            document_type: Some(self.document_type.clone()),
            document_number: number,
            document_country: Some(self.document_country.clone()),
            document_expiry: Some(self.document_expiry.clone()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account/traveller_form.html")]
pub struct TravellerFormTemplate {
    page: Page,
    /// None when adding.
    id: Option<String>,
    form: TravellerForm,
    /// The stored number, masked (editing only).
    masked_number: String,
    genders: Vec<Choice>,
    document_types: Vec<Choice>,
    error: Option<FormError>,
}

impl TravellerFormTemplate {
    fn err(&self, field: &str) -> Option<&str> {
        field_error(&self.error, field)
    }

    fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/account/travellers/{id}"),
            None => "/account/travellers".to_owned(),
        }
    }
}

fn traveller_form_page(
    state: &AppState,
    ctx: &RequestContext,
    id: Option<String>,
    form: TravellerForm,
    masked_number: String,
    error: Option<FormError>,
) -> TravellerFormTemplate {
    let page = Page::new(state, ctx);
    TravellerFormTemplate {
        genders: choices(&page, GENDERS, "account-gender-", Some(&form.gender), true),
        document_types: choices(
            &page,
            DOCUMENT_TYPES,
            "account-doc-type-",
            Some(&form.document_type),
            true,
        ),
        page,
        id,
        form,
        masked_number,
        error,
    }
}

pub async fn new_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    _user: SignedInUser,
) -> TravellerFormTemplate {
    traveller_form_page(
        &state,
        &ctx,
        None,
        TravellerForm {
            document_type: "passport".into(),
            ..TravellerForm::default()
        },
        String::new(),
        None,
    )
}

pub async fn create_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<TravellerForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .add_traveller(&user, form.input(false), &ctx.meta())
        .await
    {
        Ok(_) => Ok(see_other("/account/travellers?done=traveller-added")),
        Err(e) => {
            let (error, status) = form_error(e, &ctx)?;
            let tpl = traveller_form_page(&state, &ctx, None, form, String::new(), Some(error));
            Ok(with_status(status, tpl))
        }
    }
}

pub async fn edit_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<TravellerFormTemplate, WebError> {
    let t = state.accounts().traveller(&user, &id).await?;
    Ok(traveller_form_page(
        &state,
        &ctx,
        Some(t.id.clone()),
        TravellerForm::from_traveller(&t),
        t.document_number_masked.clone().unwrap_or_default(),
        None,
    ))
}

pub async fn update_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
    WebForm(form): WebForm<TravellerForm>,
) -> Result<Response, WebError> {
    let accounts = state.accounts();
    match accounts
        .update_traveller(&user, &id, form.input(true), &ctx.meta())
        .await
    {
        Ok(_) => Ok(see_other("/account/travellers?done=traveller-saved")),
        Err(AuthError::NotFound) => Err(WebError::not_found()),
        Err(e) => {
            let (error, status) = form_error(e, &ctx)?;
            let masked = accounts
                .traveller(&user, &id)
                .await?
                .document_number_masked
                .unwrap_or_default();
            let tpl = traveller_form_page(&state, &ctx, Some(id), form, masked, Some(error));
            Ok(with_status(status, tpl))
        }
    }
}

pub async fn delete_traveller(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .delete_traveller(&user, &id, &ctx.meta())
        .await?;
    Ok(see_other("/account/travellers?done=traveller-deleted"))
}

// ----- preferences ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "account/preferences.html")]
pub struct PreferencesTemplate {
    page: Page,
    seats: Vec<Choice>,
    meals: Vec<Choice>,
    cabins: Vec<Choice>,
    airlines: String,
    stars: Vec<Choice>,
    amenities: Vec<Choice>,
    languages: Vec<Choice>,
    currencies: Vec<Choice>,
    notice: Option<String>,
    error: Option<FormError>,
}

impl PreferencesTemplate {
    fn err(&self, field: &str) -> Option<&str> {
        field_error(&self.error, field)
    }
}

fn preferences_page(
    state: &AppState,
    ctx: &RequestContext,
    p: &TravelPreferences,
    notice: Option<String>,
    error: Option<FormError>,
) -> PreferencesTemplate {
    let page = Page::new(state, ctx);
    let none = || Choice {
        value: String::new(),
        label: page.t("account-choose-none"),
        selected: false,
    };
    let mut seats = vec![none()];
    seats.extend(SeatPreference::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: page.t(&format!("account-seat-{}", s.as_str())),
        selected: p.seat == Some(*s),
    }));
    let mut meals = vec![none()];
    meals.extend(MealPreference::ALL.iter().map(|m| Choice {
        value: m.as_str().to_owned(),
        label: format!(
            "{} · {}",
            m.as_str(),
            page.t(&format!("account-meal-{}", m.as_str().to_ascii_lowercase()))
        ),
        selected: p.meal == Some(*m),
    }));
    let mut cabins = vec![none()];
    cabins.extend(Cabin::ALL.iter().map(|c| Choice {
        value: c.as_str().to_owned(),
        label: page.t(&format!("flights-cabin-{}", c.as_str().replace('_', "-"))),
        selected: p.cabin.as_deref() == Some(c.as_str()),
    }));
    let mut stars = vec![none()];
    stars.extend((1..=5u8).map(|n| Choice {
        value: n.to_string(),
        label: page.tn("account-prefs-stars-at-least", "count", i64::from(n)),
        selected: p.hotel_min_stars == Some(n),
    }));
    let amenities = Amenity::ALL
        .iter()
        .map(|a| Choice {
            value: a.as_str().to_owned(),
            label: page.t(&format!("hotels-amenity-{}", a.as_str())),
            selected: p.hotel_amenities.iter().any(|x| x == a.as_str()),
        })
        .collect();
    let mut languages = vec![Choice {
        selected: p.language.is_none(),
        ..none()
    }];
    languages.extend(page.locales.iter().map(|l| Choice {
        value: l.value.clone(),
        label: l.label.clone(),
        selected: p.language.as_deref() == Some(l.value.as_str()),
    }));
    let mut currencies = vec![Choice {
        selected: p.currency.is_none(),
        ..none()
    }];
    currencies.extend(page.currencies.iter().map(|c| Choice {
        value: c.value.clone(),
        label: c.label.clone(),
        selected: p.currency.as_deref() == Some(c.value.as_str()),
    }));
    for list in [&mut seats, &mut meals, &mut cabins, &mut stars] {
        if !list.iter().skip(1).any(|c| c.selected) {
            list[0].selected = true;
        }
    }
    PreferencesTemplate {
        seats,
        meals,
        cabins,
        airlines: p.preferred_airlines.join(", "),
        stars,
        amenities,
        languages,
        currencies,
        notice,
        error,
        page,
    }
}

pub async fn preferences(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Query(q): Query<DoneQuery>,
) -> PreferencesTemplate {
    let page = Page::new(&state, &ctx);
    let notice = done_notice(&page, q.done.as_deref());
    preferences_page(&state, &ctx, &travel_preferences(&user.user), notice, None)
}

/// The preferences form: repeated `amenities`, so read as pairs.
fn preferences_from_form(
    fields: &[(String, String)],
) -> Result<TravelPreferences, (TravelPreferences, WebError)> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let opt = |k: &str| Some(get(k)).filter(|v| !v.is_empty());
    let mut p = TravelPreferences {
        cabin: opt("cabin"),
        preferred_airlines: get("preferred_airlines")
            .split([',', ' ', '，', '、'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        hotel_amenities: fields
            .iter()
            .filter(|(n, _)| n == "amenities")
            .map(|(_, v)| v.clone())
            .collect(),
        language: opt("language"),
        currency: opt("currency"),
        ..TravelPreferences::default()
    };
    let stars = get("hotel_min_stars");
    if !stars.is_empty() {
        match stars.parse::<u8>() {
            Ok(n) => p.hotel_min_stars = Some(n),
            Err(_) => {
                return Err((
                    p,
                    WebError::invalid_field("hotel_min_stars", "reason-star-rating"),
                ));
            }
        }
    }
    if let Some(s) = opt("seat") {
        match SeatPreference::parse(&s) {
            Some(s) => p.seat = Some(s),
            None => return Err((p, WebError::invalid_field("seat", "reason-unknown-seat"))),
        }
    }
    if let Some(m) = opt("meal") {
        match MealPreference::parse(&m) {
            Some(m) => p.meal = Some(m),
            None => return Err((p, WebError::invalid_field("meal", "reason-unknown-meal"))),
        }
    }
    Ok(p)
}

pub async fn save_preferences(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(fields): WebForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (prefs, error) = match preferences_from_form(&fields) {
        Ok(p) => {
            match state
                .accounts()
                .set_travel_preferences(&user, p.clone(), &ctx.meta())
                .await
            {
                Ok(_) => return Ok(see_other("/account/preferences?done=preferences")),
                Err(e) => (p, WebError::from(e)),
            }
        }
        Err((p, e)) => (p, e),
    };
    let (error, status) = web_form_error(error, &ctx)?;
    let tpl = preferences_page(&state, &ctx, &prefs, None, Some(error));
    Ok(with_status(status, tpl))
}

// ----- payment methods ------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "account/payment_methods.html")]
pub struct PaymentMethodsTemplate {
    page: Page,
    methods: Vec<PaymentMethod>,
    brands: Vec<Choice>,
    form: CardForm,
    notice: Option<String>,
    error: Option<FormError>,
}

impl PaymentMethodsTemplate {
    fn err(&self, field: &str) -> Option<&str> {
        field_error(&self.error, field)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CardForm {
    #[serde(default)]
    provider_token: String,
    #[serde(default)]
    brand: String,
    #[serde(default)]
    last4: String,
    #[serde(default)]
    exp_month: String,
    #[serde(default)]
    exp_year: String,
}

async fn payment_methods_page(
    state: &AppState,
    ctx: &RequestContext,
    user: &SignedInUser,
    form: CardForm,
    notice: Option<String>,
    error: Option<FormError>,
) -> Result<PaymentMethodsTemplate, WebError> {
    let page = Page::new(state, ctx);
    let methods = state.accounts().payment_methods(user).await?;
    let brands = BRANDS
        .iter()
        .map(|b| Choice {
            value: (*b).to_owned(),
            label: page.t(&format!("account-card-brand-{b}")),
            selected: form.brand == *b,
        })
        .collect();
    Ok(PaymentMethodsTemplate {
        page,
        methods,
        brands,
        form,
        notice,
        error,
    })
}

pub async fn payment_methods(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Query(q): Query<DoneQuery>,
) -> Result<PaymentMethodsTemplate, WebError> {
    let page = Page::new(&state, &ctx);
    let notice = done_notice(&page, q.done.as_deref());
    payment_methods_page(&state, &ctx, &user, CardForm::default(), notice, None).await
}

pub async fn add_payment_method(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<CardForm>,
) -> Result<Response, WebError> {
    let input = PaymentMethodInput {
        provider: String::new(),
        token: form.provider_token.clone(),
        brand: form.brand.clone(),
        last4: form.last4.clone(),
        exp_month: form.exp_month.clone(),
        exp_year: form.exp_year.clone(),
    };
    match state
        .accounts()
        .add_payment_method(&user, input, &ctx.meta())
        .await
    {
        Ok(_) => Ok(see_other("/account/payment-methods?done=card-added")),
        Err(e) => {
            let (error, status) = form_error(e, &ctx)?;
            // Never echo what may be a card number back into the page.
            let form = CardForm {
                provider_token: String::new(),
                ..form
            };
            let tpl = payment_methods_page(&state, &ctx, &user, form, None, Some(error)).await?;
            Ok(with_status(status, tpl))
        }
    }
}

pub async fn default_payment_method(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .set_default_payment_method(&user, &id, &ctx.meta())
        .await?;
    Ok(see_other("/account/payment-methods?done=card-default"))
}

pub async fn delete_payment_method(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .delete_payment_method(&user, &id, &ctx.meta())
        .await?;
    Ok(see_other("/account/payment-methods?done=card-deleted"))
}

// ----- notifications --------------------------------------------------------------------------

/// One event's row of the settings table.
#[derive(Debug, Clone)]
pub struct NotifyRow {
    pub event: String,
    pub label: String,
    pub switchable: bool,
    /// Why it cannot be switched off (shown when it cannot).
    pub always: String,
    /// (input name, on) per channel: email, then sms.
    pub cells: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub struct HistoryItem {
    pub when: String,
    pub channel: String,
    pub destination: String,
    pub subject: String,
    pub body: String,
    pub failed: bool,
}

const HISTORY_PAGE: u64 = 20;

#[derive(Template, WebTemplate)]
#[template(path = "account/notifications.html")]
pub struct NotificationsTemplate {
    page: Page,
    rows: Vec<NotifyRow>,
    history: Vec<HistoryItem>,
    page_no: u64,
    has_next: bool,
    notice: Option<String>,
    error: Option<FormError>,
}

pub async fn notifications(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Query(q): Query<DoneQuery>,
) -> Result<NotificationsTemplate, WebError> {
    let page = Page::new(&state, &ctx);
    let notice = done_notice(&page, q.done.as_deref());
    notifications_page(&state, &ctx, &user, q.page.unwrap_or(1), notice, None).await
}

async fn notifications_page(
    state: &AppState,
    ctx: &RequestContext,
    user: &SignedInUser,
    page_no: u64,
    notice: Option<String>,
    error: Option<FormError>,
) -> Result<NotificationsTemplate, WebError> {
    let page = Page::new(state, ctx);
    let prefs = notification_prefs(&user.user);
    let matrix = prefs.matrix();
    let rows = NotificationEvent::ALL
        .iter()
        .map(|e| NotifyRow {
            event: e.as_str().to_owned(),
            label: page.t(&format!(
                "account-notify-event-{}",
                e.as_str().replace('_', "-")
            )),
            switchable: e.is_switchable(),
            always: match e {
                NotificationEvent::BookingConfirmed => page.t("account-notify-always-booking"),
                _ => page.t("account-notify-always"),
            },
            cells: matrix
                .iter()
                .filter(|(_, ev, _)| ev == e)
                .map(|(c, ev, on)| (format!("{}.{}", c.as_str(), ev.as_str()), *on))
                .collect(),
        })
        .collect();
    let page_no = page_no.clamp(1, 1000);
    let rows_h = state
        .accounts()
        .notification_history(user, HISTORY_PAGE + 1, (page_no - 1) * HISTORY_PAGE)
        .await?;
    let has_next = rows_h.len() as u64 > HISTORY_PAGE;
    let history = rows_h
        .into_iter()
        .take(HISTORY_PAGE as usize)
        .map(|n| HistoryItem {
            when: when(n.created_at),
            channel: page.t(&format!("account-notify-channel-{}", n.channel)),
            destination: n.destination,
            subject: n.subject.unwrap_or_default(),
            body: n.body,
            failed: n.status != "sent",
        })
        .collect();
    Ok(NotificationsTemplate {
        page,
        rows,
        history,
        page_no,
        has_next,
        notice,
        error,
    })
}

pub async fn save_notifications(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(fields): WebForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    // Every switchable box is on the form: ticked ones arrive, the rest are off.
    let mut settings = Vec::new();
    for (c, e, _) in notification_prefs(&user.user).matrix() {
        if !e.is_switchable() {
            continue;
        }
        let name = format!("{}.{}", c.as_str(), e.as_str());
        let on = fields.iter().any(|(k, _)| *k == name);
        settings.push((c.as_str().to_owned(), e.as_str().to_owned(), on));
    }
    match state
        .accounts()
        .set_notification_prefs(&user, &settings, &ctx.meta())
        .await
    {
        Ok(_) => Ok(see_other("/account/notifications?done=notifications")),
        Err(e) => {
            let (error, status) = form_error(e, &ctx)?;
            let tpl = notifications_page(&state, &ctx, &user, 1, None, Some(error)).await?;
            Ok(with_status(status, tpl))
        }
    }
}

// ----- privacy --------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "account/privacy.html")]
pub struct PrivacyTemplate {
    page: Page,
    has_password: bool,
    error: Option<FormError>,
}

pub async fn privacy(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> PrivacyTemplate {
    PrivacyTemplate {
        page: Page::new(&state, &ctx),
        has_password: user.user.password_hash.is_some(),
        error: None,
    }
}

pub async fn export(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> Result<Response, WebError> {
    let data = state.accounts().export_data(&user, &ctx.meta()).await?;
    Ok(export_response(&data))
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
}

pub async fn delete_account(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<DeleteForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .delete_account(&user, &form.password, &ctx.meta())
        .await
    {
        Ok(()) => {
            let mut res = see_other("/");
            res.headers_mut().insert(
                header::SET_COOKIE,
                clear_cookie(SESSION_COOKIE, state.config().secure_cookies || ctx.secure),
            );
            Ok(res)
        }
        Err(e) => {
            let (error, status) = form_error(e, &ctx)?;
            let tpl = PrivacyTemplate {
                page: Page::new(&state, &ctx),
                has_password: user.user.password_hash.is_some(),
                error: Some(error),
            };
            Ok(with_status(status, tpl))
        }
    }
}
