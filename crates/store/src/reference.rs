//! Reference data bundled in the binary (derived from published data sets, see
//! `data/reference/README.md`) and its tables: airports, airlines, cities.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait, QueryOrder, TransactionTrait};
use serde::Deserialize;
use wayfare_domain::reference::{Airline, Airport, City};

use crate::entity::{airline, airport, city};
use crate::{Store, StoreError};

const AIRPORTS_CSV: &str = include_str!("../../../data/reference/airports.csv");
const AIRLINES_CSV: &str = include_str!("../../../data/reference/airlines.csv");
const CITIES_CSV: &str = include_str!("../../../data/reference/cities.csv");

/// Rows per INSERT: keeps every statement under SQLite's bound-parameter limit.
const BATCH: usize = 500;

#[derive(Debug, Deserialize)]
struct AirportRow {
    iata: String,
    icao: Option<String>,
    name: String,
    name_zh: Option<String>,
    city: String,
    city_zh: Option<String>,
    city_geonameid: Option<i64>,
    municipality: Option<String>,
    subd: Option<String>,
    country: String,
    lat: f64,
    lon: f64,
    tz: String,
    elevation_ft: Option<i32>,
}

#[derive(Debug, Deserialize)]
struct AirlineRow {
    iata: String,
    icao: Option<String>,
    name: String,
    callsign: Option<String>,
    country: Option<String>,
    alliance: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CityRow {
    geonameid: i64,
    name: String,
    name_zh: Option<String>,
    country: String,
    admin1: Option<String>,
    lat: f64,
    lon: f64,
    population: i64,
    tz: String,
}

fn parse_csv<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>, StoreError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| StoreError::BundledData(format!("{name} row {}: {e}", i + 2))))
        .collect()
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

/// The bundled reference data, parsed.
#[derive(Debug)]
pub struct BundledReference {
    airports: Vec<AirportRow>,
    airlines: Vec<AirlineRow>,
    cities: Vec<CityRow>,
}

impl BundledReference {
    pub fn load() -> Result<BundledReference, StoreError> {
        Ok(BundledReference {
            airports: parse_csv("airports.csv", AIRPORTS_CSV)?,
            airlines: parse_csv("airlines.csv", AIRLINES_CSV)?,
            cities: parse_csv("cities.csv", CITIES_CSV)?,
        })
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        (self.airports.len(), self.airlines.len(), self.cities.len())
    }
}

/// How many rows each reference table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReferenceCounts {
    pub airports: u64,
    pub airlines: u64,
    pub cities: u64,
}

impl Store {
    /// Upserts all bundled reference rows in one transaction; running it twice changes nothing.
    pub async fn load_reference(
        &self,
        data: &BundledReference,
    ) -> Result<ReferenceCounts, StoreError> {
        let txn = self.db().begin().await?;
        for chunk in data.airports.chunks(BATCH) {
            let models = chunk.iter().map(|r| airport::ActiveModel {
                iata: Set(r.iata.clone()),
                icao: Set(non_empty(r.icao.clone())),
                name: Set(r.name.clone()),
                name_zh: Set(non_empty(r.name_zh.clone())),
                city: Set(r.city.clone()),
                city_zh: Set(non_empty(r.city_zh.clone())),
                city_geonameid: Set(r.city_geonameid),
                municipality: Set(non_empty(r.municipality.clone())),
                subdivision: Set(non_empty(r.subd.clone())),
                country: Set(r.country.clone()),
                lat: Set(r.lat),
                lon: Set(r.lon),
                tz: Set(r.tz.clone()),
                elevation_ft: Set(r.elevation_ft),
            });
            airport::Entity::insert_many(models)
                .on_conflict(
                    OnConflict::column(airport::Column::Iata)
                        .update_columns([
                            airport::Column::Icao,
                            airport::Column::Name,
                            airport::Column::NameZh,
                            airport::Column::City,
                            airport::Column::CityZh,
                            airport::Column::CityGeonameid,
                            airport::Column::Municipality,
                            airport::Column::Subdivision,
                            airport::Column::Country,
                            airport::Column::Lat,
                            airport::Column::Lon,
                            airport::Column::Tz,
                            airport::Column::ElevationFt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in data.airlines.chunks(BATCH) {
            let models = chunk.iter().map(|r| airline::ActiveModel {
                iata: Set(r.iata.clone()),
                icao: Set(non_empty(r.icao.clone())),
                name: Set(r.name.clone()),
                callsign: Set(non_empty(r.callsign.clone())),
                country: Set(non_empty(r.country.clone())),
                alliance: Set(non_empty(r.alliance.clone())),
            });
            airline::Entity::insert_many(models)
                .on_conflict(
                    OnConflict::column(airline::Column::Iata)
                        .update_columns([
                            airline::Column::Icao,
                            airline::Column::Name,
                            airline::Column::Callsign,
                            airline::Column::Country,
                            airline::Column::Alliance,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in data.cities.chunks(BATCH) {
            let models = chunk.iter().map(|r| city::ActiveModel {
                geonameid: Set(r.geonameid),
                name: Set(r.name.clone()),
                name_zh: Set(non_empty(r.name_zh.clone())),
                country: Set(r.country.clone()),
                admin1: Set(non_empty(r.admin1.clone())),
                lat: Set(r.lat),
                lon: Set(r.lon),
                population: Set(r.population),
                tz: Set(r.tz.clone()),
            });
            city::Entity::insert_many(models)
                .on_conflict(
                    OnConflict::column(city::Column::Geonameid)
                        .update_columns([
                            city::Column::Name,
                            city::Column::NameZh,
                            city::Column::Country,
                            city::Column::Admin1,
                            city::Column::Lat,
                            city::Column::Lon,
                            city::Column::Population,
                            city::Column::Tz,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        self.reference_counts().await
    }

    pub async fn reference_counts(&self) -> Result<ReferenceCounts, StoreError> {
        Ok(ReferenceCounts {
            airports: airport::Entity::find().count(self.db()).await?,
            airlines: airline::Entity::find().count(self.db()).await?,
            cities: city::Entity::find().count(self.db()).await?,
        })
    }

    pub async fn airports(&self) -> Result<Vec<Airport>, StoreError> {
        let rows = airport::Entity::find()
            .order_by_asc(airport::Column::Iata)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Airport {
                iata: r.iata,
                icao: r.icao,
                name: r.name,
                name_zh: r.name_zh,
                city: r.city,
                city_zh: r.city_zh,
                city_geonameid: r.city_geonameid,
                municipality: r.municipality,
                country: r.country,
                lat: r.lat,
                lon: r.lon,
                tz: r.tz,
            })
            .collect())
    }

    pub async fn airlines(&self) -> Result<Vec<Airline>, StoreError> {
        let rows = airline::Entity::find()
            .order_by_asc(airline::Column::Iata)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Airline {
                iata: r.iata,
                icao: r.icao,
                name: r.name,
                callsign: r.callsign,
                country: r.country,
                alliance: r.alliance,
            })
            .collect())
    }

    pub async fn cities(&self) -> Result<Vec<City>, StoreError> {
        let rows = city::Entity::find()
            .order_by_desc(city::Column::Population)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| City {
                geonameid: r.geonameid,
                name: r.name,
                name_zh: r.name_zh,
                country: r.country,
                admin1: r.admin1,
                lat: r.lat,
                lon: r.lon,
                population: r.population,
                tz: r.tz,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_reference_parses_and_has_the_hubs() {
        let data = BundledReference::load().unwrap();
        let (airports, airlines, cities) = data.counts();
        assert!(airports > 7_000, "{airports} airports");
        assert!(airlines > 500, "{airlines} airlines");
        assert!(cities > 5_000, "{cities} cities");
        for hub in ["PEK", "PKX", "PVG", "SHA", "LHR", "JFK", "SIN", "DXB"] {
            let a = data.airports.iter().find(|a| a.iata == hub);
            assert!(a.is_some(), "{hub} missing");
            let a = a.unwrap();
            assert!(a.tz.contains('/'), "{hub} tz {}", a.tz);
            assert!((-90.0..=90.0).contains(&a.lat) && (-180.0..=180.0).contains(&a.lon));
        }
        let pvg = data.airports.iter().find(|a| a.iata == "PVG").unwrap();
        assert_eq!(pvg.city_zh.as_deref(), Some("上海"));
        assert!(
            data.airlines
                .iter()
                .any(|a| a.iata == "CA" && a.name.contains("China"))
        );
    }
}
