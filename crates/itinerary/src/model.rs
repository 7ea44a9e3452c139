//! What an itinerary prints: display-ready strings the caller has already localized and formatted.

use serde::{Deserialize, Serialize};

/// The language the document is set in: it picks line breaking, punctuation rules and whether a
/// CJK font is put first. Captions themselves come from [`Labels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// Everything printed, as display-ready strings (the caller formats money, dates, local times).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Itinerary {
    pub language: Language,
    /// "Wayfare".
    pub brand: String,
    /// "#0b5cad"; `#rgb` or `#rrggbb`, anything else falls back to [`DEFAULT_BRAND_COLOR`].
    pub brand_color: String,
    /// The booking reference, e.g. "K7QX2M"; also encoded as a QR code.
    pub reference: String,
    /// Already localized, e.g. "Confirmed" / "已确认".
    pub status: String,
    /// e.g. "2026-11-25 10:02 UTC".
    pub issued_at: String,
    /// "a@b.com · +8613800138000".
    pub contact: String,
    pub flights: Vec<FlightPart>,
    pub hotels: Vec<HotelPart>,
    pub passengers: Vec<Passenger>,
    /// Base fare, taxes, fees, discounts … with localized labels.
    pub price_lines: Vec<PriceLine>,
    /// "CNY 1,234.00".
    pub total: String,
    pub payments: Vec<PaymentLine>,
    /// Free lines at the end (e.g. check-in advice).
    pub notes: Vec<String>,
    /// Every fixed caption, localized by the caller.
    pub labels: Labels,
}

/// The brand colour used when [`Itinerary::brand_color`] is not a hex colour.
pub const DEFAULT_BRAND_COLOR: &str = "#0b5cad";

/// One direction of a trip (outbound, return, …) with its segments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlightPart {
    /// "Shanghai → Beijing".
    pub title: String,
    pub pnr: Option<String>,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// "MU 5101".
    pub flight: String,
    pub carrier: String,
    /// "PVG Shanghai Pudong T1".
    pub from: String,
    pub to: String,
    /// Local time at the airport, "2026-12-01 08:00 (UTC+8)".
    pub departs: String,
    pub arrives: String,
    pub duration: String,
    pub cabin: String,
    pub aircraft: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passenger {
    pub name: String,
    /// "Adult", "Child" … localized.
    pub kind: String,
    pub ticket: Option<String>,
    /// A masked passport or ID number.
    pub document: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotelPart {
    pub name: String,
    pub address: String,
    pub check_in: String,
    pub check_out: String,
    pub nights: String,
    /// "Deluxe King · 2 adults · Li Lei".
    pub rooms: Vec<String>,
    pub confirmation: Option<String>,
    pub cancellation: String,
    pub special_requests: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceLine {
    pub label: String,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    /// "Card ·· 4242, captured".
    pub label: String,
    pub amount: String,
    pub at: String,
}

/// Every fixed caption of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    /// "Itinerary".
    pub title: String,
    pub reference: String,
    pub status: String,
    pub issued: String,
    pub contact: String,
    pub flights: String,
    pub pnr: String,
    pub flight: String,
    pub departs: String,
    pub arrives: String,
    pub duration: String,
    pub cabin: String,
    pub passengers: String,
    pub ticket: String,
    pub document: String,
    pub hotels: String,
    pub check_in: String,
    pub check_out: String,
    pub nights: String,
    pub rooms: String,
    pub confirmation: String,
    pub cancellation: String,
    pub special_requests: String,
    pub price: String,
    pub total: String,
    pub payments: String,
    pub footer: String,
}
