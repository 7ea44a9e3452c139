//! Where a traveller may want to stay: cities, landmarks (the bundled, curated
//! `data/reference/landmarks.csv`) and airports, found by name in Chinese or English for the
//! hotel destination box, and resolved to a point for the search.

use std::collections::HashMap;

use wayfare_domain::reference::City;

use crate::text::fold;

const LANDMARKS_CSV: &str = include_str!("../../../data/reference/landmarks.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    City,
    Landmark,
    Airport,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Place {
    pub kind: PlaceKind,
    /// `city:<geonameid>`, `landmark:<id>` or `airport:<IATA>`.
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    /// The city it is in (itself for a city), in each language.
    pub city_en: String,
    pub city_zh: String,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub city_id: Option<i64>,
    /// Bigger first among equal matches: population for cities, a fixed share for others.
    #[serde(skip)]
    pub weight: i64,
}

/// An airport as the place index needs it.
#[derive(Debug, Clone)]
pub struct PlaceAirport {
    pub iata: String,
    pub name: String,
    pub city_en: String,
    pub city_zh: Option<String>,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub city_id: Option<i64>,
}

#[derive(Debug, Default)]
pub struct PlaceIndex {
    places: Vec<Place>,
    /// Folded name or alias → places, best first.
    by_name: HashMap<String, Vec<u32>>,
    /// Every folded name and alias with its place, sorted, for prefix search.
    sorted_names: Vec<(String, u32)>,
}

#[derive(Debug, thiserror::Error)]
#[error("bundled landmarks are invalid: {0}")]
pub struct PlaceDataError(String);

fn landmarks(cities: &HashMap<i64, &City>) -> Result<Vec<(Place, Vec<String>)>, PlaceDataError> {
    let mut out = Vec::new();
    let mut reader = csv::Reader::from_reader(LANDMARKS_CSV.as_bytes());
    for row in reader.records() {
        let r = row.map_err(|e| PlaceDataError(e.to_string()))?;
        let field = |i: usize| r.get(i).unwrap_or_default().trim().to_owned();
        let num = |i: usize| {
            field(i)
                .parse::<f64>()
                .map_err(|_| PlaceDataError(format!("{}: column {i}", field(0))))
        };
        let city_id = field(5).parse::<i64>().ok();
        let city = city_id.and_then(|id| cities.get(&id));
        let aliases = field(3)
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        out.push((
            Place {
                kind: PlaceKind::Landmark,
                id: format!("landmark:{}", field(0)),
                name_en: field(1),
                name_zh: field(2),
                city_en: city.map_or_else(|| field(6), |c| c.name.clone()),
                city_zh: city
                    .and_then(|c| c.name_zh.clone())
                    .unwrap_or_else(|| field(6)),
                country: field(7),
                lat: num(8)?,
                lon: num(9)?,
                city_id,
                weight: city.map_or(0, |c| c.population / 4),
            },
            aliases,
        ));
    }
    Ok(out)
}

impl PlaceIndex {
    /// Cities, the bundled landmarks and `airports`.
    pub fn build(
        cities: &[City],
        airports: Vec<PlaceAirport>,
    ) -> Result<PlaceIndex, PlaceDataError> {
        let by_id: HashMap<i64, &City> = cities.iter().map(|c| (c.geonameid, c)).collect();
        let mut entries: Vec<(Place, Vec<String>)> = cities
            .iter()
            .map(|c| {
                let zh = c.name_zh.clone().unwrap_or_else(|| c.name.clone());
                (
                    Place {
                        kind: PlaceKind::City,
                        id: format!("city:{}", c.geonameid),
                        name_en: c.name.clone(),
                        name_zh: zh.clone(),
                        city_en: c.name.clone(),
                        city_zh: zh,
                        country: c.country.clone(),
                        lat: c.lat,
                        lon: c.lon,
                        city_id: Some(c.geonameid),
                        weight: c.population,
                    },
                    Vec::new(),
                )
            })
            .collect();
        entries.extend(landmarks(&by_id)?);
        entries.extend(airports.into_iter().map(|a| {
            let city = a.city_id.and_then(|id| by_id.get(&id));
            let code = a.iata.clone();
            (
                Place {
                    kind: PlaceKind::Airport,
                    id: format!("airport:{}", a.iata),
                    name_en: a.name,
                    name_zh: format!(
                        "{} {}",
                        a.city_zh.clone().unwrap_or_else(|| a.city_en.clone()),
                        a.iata
                    ),
                    city_en: a.city_en.clone(),
                    city_zh: a.city_zh.unwrap_or(a.city_en),
                    country: a.country,
                    lat: a.lat,
                    lon: a.lon,
                    city_id: a.city_id,
                    weight: city.map_or(0, |c| c.population / 8),
                },
                vec![code],
            )
        }));
        let mut index = PlaceIndex::default();
        for (i, (place, aliases)) in entries.into_iter().enumerate() {
            let i = i as u32;
            let mut names: Vec<String> = [place.name_en.as_str(), place.name_zh.as_str()]
                .into_iter()
                .chain(aliases.iter().map(String::as_str))
                .map(fold)
                .filter(|n| !n.is_empty())
                .collect();
            names.sort();
            names.dedup();
            for n in names {
                index.by_name.entry(n.clone()).or_default().push(i);
                index.sorted_names.push((n, i));
            }
            index.places.push(place);
        }
        let places = &index.places;
        let rank = |i: &u32| {
            let p = &places[*i as usize];
            let kind = match p.kind {
                PlaceKind::City => 0,
                PlaceKind::Landmark => 1,
                PlaceKind::Airport => 2,
            };
            (kind, std::cmp::Reverse(p.weight))
        };
        for ids in index.by_name.values_mut() {
            ids.sort_by_key(rank);
        }
        index.sorted_names.sort();
        Ok(index)
    }

    pub fn get(&self, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.id == id)
    }

    /// A city by GeoNames id or by exact name in either language (the most populous of
    /// namesakes).
    pub fn city(&self, query: &str) -> Option<&Place> {
        let q = query.trim();
        if let Ok(id) = q.parse::<i64>() {
            return self.get(&format!("city:{id}"));
        }
        let q = q.strip_prefix("city:").unwrap_or(q);
        if let Ok(id) = q.parse::<i64>() {
            return self.get(&format!("city:{id}"));
        }
        self.by_name
            .get(&fold(q))?
            .iter()
            .map(|&i| &self.places[i as usize])
            .find(|p| p.kind == PlaceKind::City)
    }

    /// Any place by id (`landmark:…`) or exact name, cities first.
    pub fn resolve(&self, query: &str) -> Option<&Place> {
        let q = query.trim();
        if q.contains(':') {
            return self.get(q);
        }
        self.by_name
            .get(&fold(q))?
            .first()
            .map(|&i| &self.places[i as usize])
    }

    /// Places whose name or alias starts with `query` (then contains it, for 2+ characters),
    /// exact matches first, then cities, landmarks and airports, bigger first.
    pub fn suggest(&self, query: &str, limit: usize) -> Vec<&Place> {
        let q = fold(query.trim());
        if q.is_empty() {
            return Vec::new();
        }
        let start = self
            .sorted_names
            .partition_point(|(n, _)| n.as_str() < q.as_str());
        let mut hits: Vec<(u8, u32)> = self.sorted_names[start..]
            .iter()
            .take_while(|(n, _)| n.starts_with(&q))
            .map(|(n, i)| (u8::from(*n != q), *i))
            .collect();
        if hits.len() < limit && q.chars().count() >= 2 {
            hits.extend(
                self.sorted_names
                    .iter()
                    .filter(|(n, _)| !n.starts_with(&q) && n.contains(&q))
                    .map(|(_, i)| (2, *i)),
            );
        }
        let places = &self.places;
        hits.sort_by_key(|&(exact, i)| {
            let p = &places[i as usize];
            let kind = match p.kind {
                PlaceKind::City => 0,
                PlaceKind::Landmark => 1,
                PlaceKind::Airport => 2,
            };
            (exact, kind, std::cmp::Reverse(p.weight), i)
        });
        let mut seen = std::collections::HashSet::new();
        hits.into_iter()
            .filter(|(_, i)| seen.insert(*i))
            .take(limit)
            .map(|(_, i)| &self.places[i as usize])
            .collect()
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city(id: i64, name: &str, zh: &str, pop: i64, lat: f64, lon: f64) -> City {
        City {
            geonameid: id,
            name: name.into(),
            name_zh: Some(zh.into()),
            country: "CN".into(),
            admin1: None,
            lat,
            lon,
            population: pop,
            tz: "Asia/Shanghai".into(),
        }
    }

    fn index() -> PlaceIndex {
        PlaceIndex::build(
            &[
                city(1796236, "Shanghai", "上海", 22_315_474, 31.22, 121.46),
                city(1816670, "Beijing", "北京", 18_960_744, 39.91, 116.40),
                city(1, "Shangrao", "上饶", 1_000_000, 28.45, 117.94),
            ],
            vec![PlaceAirport {
                iata: "PVG".into(),
                name: "Shanghai Pudong International Airport".into(),
                city_en: "Shanghai".into(),
                city_zh: Some("上海".into()),
                country: "CN".into(),
                lat: 31.14,
                lon: 121.81,
                city_id: Some(1796236),
            }],
        )
        .unwrap()
    }

    #[test]
    fn cities_resolve_by_name_in_both_languages_and_by_id() {
        let idx = index();
        assert_eq!(idx.city("上海").unwrap().city_id, Some(1796236));
        assert_eq!(idx.city("shanghai").unwrap().city_id, Some(1796236));
        assert_eq!(idx.city("1816670").unwrap().name_zh, "北京");
        assert_eq!(idx.city("city:1816670").unwrap().name_en, "Beijing");
        assert!(idx.city("Atlantis").is_none());
    }

    #[test]
    fn bundled_landmarks_load_and_resolve_by_name_and_alias() {
        let idx = index();
        assert!(idx.len() > 600, "landmarks loaded: {}", idx.len());
        let bund = idx.resolve("外滩").expect("the Bund");
        assert_eq!(bund.kind, PlaceKind::Landmark);
        assert_eq!(bund.city_id, Some(1796236));
        assert!((bund.lat - 31.24).abs() < 0.05 && (bund.lon - 121.49).abs() < 0.05);
        assert_eq!(idx.resolve("紫禁城").unwrap().name_zh, "故宫");
    }

    #[test]
    fn suggestions_put_exact_and_cities_first() {
        let idx = index();
        let s = idx.suggest("shang", 5);
        assert_eq!(s[0].name_en, "Shanghai");
        assert!(s.iter().any(|p| p.name_en == "Shangrao"));
        let zh = idx.suggest("上海", 10);
        assert_eq!(zh[0].kind, PlaceKind::City);
        assert!(zh.iter().any(|p| p.kind == PlaceKind::Airport));
        assert!(idx.suggest("pvg", 3).iter().any(|p| p.id == "airport:PVG"));
        assert!(idx.suggest("  ", 3).is_empty());
    }
}
