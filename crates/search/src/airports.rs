//! Airport autocomplete: a query matches the IATA or ICAO code, the city (English or Chinese)
//! or the airport name (any word prefix, or a substring for Chinese). Ranking, best first:
//! exact code, exact city, city prefix, name word prefix, substring; within a kind, bigger
//! airports first (major hubs, then the population of the city served), then the code.

use std::cmp::Reverse;

use wayfare_domain::reference::Airport;

use crate::text::fold;

/// How a query matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Code,
    City,
    CityPrefix,
    Name,
    Substring,
}

/// The busiest airports in the world by passengers (ACI's published rankings), in rough
/// order; they rank first among equally good matches. Other airports rank by city population.
const MAJOR_AIRPORTS: &[&str] = &[
    "ATL", "DXB", "DFW", "HND", "LHR", "DEN", "IST", "LAX", "ORD", "DEL", "CDG", "JFK", "CAN",
    "AMS", "PVG", "SIN", "ICN", "FRA", "MAD", "BKK", "PEK", "SZX", "KUL", "BCN", "SFO", "DOH",
    "CTU", "HKG", "NRT", "KMG", "XIY", "SHA", "PKX", "CGK", "TPE", "SYD", "MEL", "YYZ", "YVR",
    "MUC", "FCO", "LGW", "EWR", "SEA", "MIA", "LAS", "MCO", "CLT", "PHX", "IAH", "BOS", "MSP",
    "DTW", "PHL", "LGA", "MNL", "BOM", "CKG", "HGH", "NKG", "WUH", "CSX", "XMN", "TAO", "ZRH",
    "VIE", "CPH", "OSL", "ARN", "DUB", "LIS", "MXP", "ORY", "STN", "KIX", "FUK", "CTS", "GMP",
    "CJU", "SGN", "HAN", "MFM", "AUH", "JED", "RUH", "CAI", "JNB", "GRU", "MEX", "BOG", "SCL",
    "LIM", "EZE", "GIG", "TFU", "HAK", "SYX", "URC", "DLC", "SHE", "HRB", "TSN", "CGO", "KWE",
];

#[derive(Debug, Clone)]
struct Entry {
    code: String,
    icao: String,
    city: String,
    city_zh: String,
    municipality: String,
    name: String,
    name_words: Vec<String>,
    name_zh: String,
    /// Higher is bigger; used only to order equally good matches.
    weight: i64,
}

/// One autocomplete answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AirportMatch<'a> {
    pub airport: &'a Airport,
    pub kind: MatchKind,
}

/// All airports, folded for matching.
#[derive(Debug, Clone)]
pub struct AirportIndex {
    airports: Vec<Airport>,
    entries: Vec<Entry>,
}

impl AirportIndex {
    /// Builds the index. `city_population` gives the population of the city an airport
    /// serves (from the cities table), used to rank equally good matches.
    pub fn build(
        airports: Vec<Airport>,
        city_population: impl Fn(&Airport) -> Option<i64>,
    ) -> Self {
        let entries = airports
            .iter()
            .map(|a| {
                let name = fold(&a.name);
                let major_rank = MAJOR_AIRPORTS.iter().position(|c| *c == a.iata);
                let weight = match major_rank {
                    // Hubs above any city population, in their listed order.
                    Some(rank) => 1_000_000_000_000 - rank as i64,
                    None => {
                        let pop = city_population(a).unwrap_or(0);
                        // An "International" airport outranks a regional field in the same city.
                        let intl = if name.contains("international") { 1 } else { 0 };
                        pop * 2 + intl
                    }
                };
                Entry {
                    code: a.iata.to_ascii_lowercase(),
                    icao: a.icao.as_deref().unwrap_or("").to_ascii_lowercase(),
                    city: fold(&a.city),
                    city_zh: a.city_zh.clone().unwrap_or_default(),
                    municipality: a.municipality.as_deref().map(fold).unwrap_or_default(),
                    name_words: name.split(' ').map(str::to_owned).collect(),
                    name,
                    name_zh: a.name_zh.clone().unwrap_or_default(),
                    weight,
                }
            })
            .collect();
        AirportIndex { airports, entries }
    }

    pub fn len(&self) -> usize {
        self.airports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.airports.is_empty()
    }

    /// Looks up one airport by IATA code (any case).
    pub fn get(&self, iata: &str) -> Option<&Airport> {
        let code = iata.trim().to_ascii_uppercase();
        self.airports
            .binary_search_by(|a| a.iata.as_str().cmp(code.as_str()))
            .ok()
            .map(|i| &self.airports[i])
    }

    pub fn all(&self) -> &[Airport] {
        &self.airports
    }

    /// The best `limit` matches for `query`; an empty query matches nothing.
    pub fn search(&self, query: &str, limit: usize) -> Vec<AirportMatch<'_>> {
        let q = fold(query);
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let query = Query::new(q);
        let mut hits: Vec<(MatchKind, Reverse<i64>, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| classify(e, &query).map(|k| (k, Reverse(e.weight), i)))
            .collect();
        // Only the best `limit` need ordering.
        if hits.len() > limit {
            hits.select_nth_unstable(limit - 1);
            hits.truncate(limit);
        }
        // Airports are sorted by code, so the index breaks ties by code.
        hits.sort_unstable();
        hits.into_iter()
            .take(limit)
            .map(|(kind, _, i)| AirportMatch {
                airport: &self.airports[i],
                kind,
            })
            .collect()
    }
}

/// A folded query with what the matcher derives from it, computed once per search.
struct Query {
    text: String,
    /// " text": a word boundary inside a name.
    spaced: String,
    multi_word: bool,
    ascii: bool,
}

impl Query {
    fn new(text: String) -> Query {
        Query {
            spaced: format!(" {text}"),
            multi_word: text.contains(' '),
            ascii: text.is_ascii(),
            text,
        }
    }
}

fn classify(e: &Entry, query: &Query) -> Option<MatchKind> {
    let q = query.text.as_str();
    if q == e.code || (q.len() == 4 && q == e.icao) {
        return Some(MatchKind::Code);
    }
    if q == e.city || (!e.city_zh.is_empty() && q == e.city_zh) {
        return Some(MatchKind::City);
    }
    if e.city.starts_with(q) || (!e.city_zh.is_empty() && e.city_zh.starts_with(q)) {
        return Some(MatchKind::CityPrefix);
    }
    // A two-letter query also finds codes that start with it ("pv" → PVG, PVD, …).
    if q.len() < 3 && query.ascii && e.code.starts_with(q) {
        return Some(MatchKind::Name);
    }
    if query.multi_word {
        if e.name.starts_with(q) || e.name.contains(query.spaced.as_str()) {
            return Some(MatchKind::Name);
        }
    } else if e.name_words.iter().any(|w| w.starts_with(q)) {
        return Some(MatchKind::Name);
    }
    // Where the airport physically is ("tokoname" → NGO, "xianyang" → XIY).
    if !e.municipality.is_empty() && e.municipality.starts_with(q) {
        return Some(MatchKind::Name);
    }
    if !e.name_zh.is_empty() && e.name_zh.starts_with(q) {
        return Some(MatchKind::Name);
    }
    // Substrings only for queries that are not plain short Latin words (too noisy there).
    let cjk = !query.ascii;
    if (cjk || q.len() >= 4)
        && (e.name_zh.contains(q) || e.city_zh.contains(q) || (cjk && e.name.contains(q)))
    {
        return Some(MatchKind::Substring);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn airport(
        iata: &str,
        name: &str,
        city: &str,
        city_zh: Option<&str>,
        country: &str,
    ) -> Airport {
        Airport {
            iata: iata.into(),
            icao: None,
            name: name.into(),
            name_zh: None,
            city: city.into(),
            city_zh: city_zh.map(Into::into),
            city_geonameid: None,
            municipality: None,
            country: country.into(),
            lat: 0.0,
            lon: 0.0,
            tz: "UTC".into(),
        }
    }

    fn index() -> AirportIndex {
        let mut v = vec![
            airport(
                "PVG",
                "Shanghai Pudong International Airport",
                "Shanghai",
                Some("上海"),
                "CN",
            ),
            airport(
                "SHA",
                "Shanghai Hongqiao International Airport",
                "Shanghai",
                Some("上海"),
                "CN",
            ),
            airport(
                "LHR",
                "London Heathrow Airport",
                "London",
                Some("伦敦"),
                "GB",
            ),
            airport(
                "LGW",
                "London Gatwick Airport",
                "London",
                Some("伦敦"),
                "GB",
            ),
            airport("LCY", "London City Airport", "London", Some("伦敦"), "GB"),
            airport(
                "LGB",
                "Long Beach Airport",
                "Long Beach",
                Some("长滩"),
                "US",
            ),
            airport("YXU", "London International Airport", "London", None, "CA"),
            airport("LDB", "Londrina Airport", "Londrina", None, "BR"),
            airport(
                "PVD",
                "Rhode Island T. F. Green International Airport",
                "Providence",
                None,
                "US",
            ),
            airport(
                "GRU",
                "São Paulo–Guarulhos International Airport",
                "São Paulo",
                Some("圣保罗"),
                "BR",
            ),
        ];
        v.sort_by(|a, b| a.iata.cmp(&b.iata));
        AirportIndex::build(v, |a| match a.city.as_str() {
            "London" if a.country == "GB" => Some(8_900_000),
            "London" => Some(400_000),
            "Long Beach" => Some(460_000),
            "Londrina" => Some(500_000),
            _ => None,
        })
    }

    fn codes(idx: &AirportIndex, q: &str) -> Vec<String> {
        idx.search(q, 10)
            .into_iter()
            .map(|m| m.airport.iata.clone())
            .collect()
    }

    #[test]
    fn chinese_city_finds_all_its_airports() {
        let idx = index();
        let c = codes(&idx, "上海");
        assert_eq!(&c[..2], &["PVG", "SHA"]);
        assert_eq!(codes(&idx, "伦敦")[0], "LHR");
    }

    #[test]
    fn code_first_then_city_then_names() {
        let idx = index();
        assert_eq!(codes(&idx, "lhr")[0], "LHR");
        assert_eq!(codes(&idx, "PVG")[0], "PVG");
        let lon = codes(&idx, "lon");
        assert_eq!(&lon[..3], &["LHR", "LGW", "LCY"], "{lon:?}");
        assert!(lon.contains(&"LGB".to_owned()));
        // A code match beats a city that starts with the same letters.
        let idx2 = index();
        assert_eq!(idx2.search("lgb", 1)[0].kind, MatchKind::Code);
    }

    #[test]
    fn accents_and_word_prefixes() {
        let idx = index();
        assert_eq!(codes(&idx, "sao paulo"), vec!["GRU"]);
        assert_eq!(codes(&idx, "guarul"), vec!["GRU"]);
        assert_eq!(codes(&idx, "heathrow"), vec!["LHR"]);
        assert_eq!(codes(&idx, "pudong"), vec!["PVG"]);
        assert!(codes(&idx, "pv").starts_with(&["PVG".to_owned()]));
    }

    #[test]
    fn empty_and_unknown() {
        let idx = index();
        assert!(idx.search("", 10).is_empty());
        assert!(idx.search("   ", 10).is_empty());
        assert!(idx.search("zzzzzz", 10).is_empty());
        assert_eq!(idx.get("pvg").map(|a| a.iata.as_str()), Some("PVG"));
        assert!(idx.get("XXX").is_none());
    }
}
