//! Reference data as the rest of the system sees it: airports, airlines and cities with their
//! English and Chinese names. Loading and storing them is the store crate's work.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Airport {
    pub iata: String,
    pub icao: Option<String>,
    pub name: String,
    /// Chinese name where a published source gives one; never invented.
    pub name_zh: Option<String>,
    pub city: String,
    pub city_zh: Option<String>,
    pub city_geonameid: Option<i64>,
    /// The municipality the airport is in, when it differs from the city it serves
    /// (XIY serves Xi'an from Xianyang).
    pub municipality: Option<String>,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub tz: String,
}

impl Airport {
    /// The name for a reader of Chinese (`chinese`) or of anything else (the English name).
    pub fn display_name(&self, chinese: bool) -> String {
        if chinese {
            self.display_name_zh()
        } else {
            self.name.clone()
        }
    }

    /// The name to show a Chinese reader: the published Chinese name, otherwise the city's
    /// Chinese name with the code ("上海 PVG"), otherwise the English name.
    pub fn display_name_zh(&self) -> String {
        match (&self.name_zh, &self.city_zh) {
            (Some(n), _) => n.clone(),
            (None, Some(city)) => format!("{city} {}", self.iata),
            (None, None) => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Airline {
    pub iata: String,
    pub icao: Option<String>,
    pub name: String,
    pub callsign: Option<String>,
    pub country: Option<String>,
    pub alliance: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct City {
    pub geonameid: i64,
    pub name: String,
    pub name_zh: Option<String>,
    pub country: String,
    pub admin1: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub population: i64,
    pub tz: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pvg() -> Airport {
        Airport {
            iata: "PVG".into(),
            icao: Some("ZSPD".into()),
            name: "Shanghai Pudong International Airport".into(),
            name_zh: None,
            city: "Shanghai".into(),
            city_zh: Some("上海".into()),
            city_geonameid: Some(1796236),
            municipality: None,
            country: "CN".into(),
            lat: 31.1434,
            lon: 121.8052,
            tz: "Asia/Shanghai".into(),
        }
    }

    #[test]
    fn chinese_display_name_falls_back_to_city_and_code() {
        let mut a = pvg();
        assert_eq!(a.display_name_zh(), "上海 PVG");
        a.name_zh = Some("上海浦东国际机场".into());
        assert_eq!(a.display_name_zh(), "上海浦东国际机场");
        a.name_zh = None;
        a.city_zh = None;
        assert_eq!(a.display_name_zh(), "Shanghai Pudong International Airport");
    }
}
