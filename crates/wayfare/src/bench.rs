//! `wayfare bench …`: latency percentiles of a query path against a baseline measured in the
//! same process on the same data, printed with the ratio. Benchmarks, not timed tests.

use std::fmt;
use std::time::{Duration, Instant};

use wayfare_search::AirportIndex;
use wayfare_store::sea_orm::{ConnectionTrait, Statement, Value};
use wayfare_store::{Store, StoreError};

use crate::seed;

/// Percentiles of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Percentiles {
    pub p50: Duration,
    pub p99: Duration,
    pub n: usize,
}

impl Percentiles {
    pub fn of(mut samples: Vec<Duration>) -> Percentiles {
        samples.sort_unstable();
        let at = |q: f64| {
            if samples.is_empty() {
                Duration::ZERO
            } else {
                samples[((samples.len() as f64 - 1.0) * q).round() as usize]
            }
        };
        Percentiles {
            p50: at(0.50),
            p99: at(0.99),
            n: samples.len(),
        }
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

#[derive(Debug)]
pub struct AirportBenchReport {
    pub build: Duration,
    pub airports: usize,
    pub index: Percentiles,
    pub sql: Percentiles,
}

impl fmt::Display for AirportBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "airport autocomplete over {} airports", self.airports)?;
        writeln!(
            f,
            "  index build            {:.1} ms",
            self.build.as_secs_f64() * 1e3
        )?;
        writeln!(
            f,
            "  in-memory index  n={:<5} p50 {:>10}  p99 {:>10}",
            self.index.n,
            us(self.index.p50),
            us(self.index.p99)
        )?;
        writeln!(
            f,
            "  SQL LIKE baseline n={:<4} p50 {:>10}  p99 {:>10}",
            self.sql.n,
            us(self.sql.p50),
            us(self.sql.p99)
        )?;
        let ratio = self.sql.p50.as_secs_f64() / self.index.p50.as_secs_f64().max(1e-9);
        write!(f, "  ratio (baseline p50 / index p50): {ratio:.1}x")
    }
}

/// A deterministic query mix: codes, city prefixes and Chinese city names.
fn queries(index: &AirportIndex, n: usize) -> Vec<String> {
    let all = index.all();
    if all.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            // A fixed stride walks the whole list without randomness.
            let a = &all[(i * 7919) % all.len()];
            match i % 4 {
                0 => a.iata.clone(),
                1 => a.city.chars().take(3).collect(),
                2 => a
                    .city_zh
                    .clone()
                    .unwrap_or_else(|| a.city.chars().take(5).collect()),
                _ => a
                    .name
                    .split_whitespace()
                    .next()
                    .unwrap_or("x")
                    .to_lowercase(),
            }
        })
        .collect()
}

pub async fn airports(store: &Store, n: usize) -> Result<AirportBenchReport, StoreError> {
    seed::ensure_base_data(store).await?;
    let t = Instant::now();
    let index = AirportIndex::build(store.airports().await?, |_| None);
    let build = t.elapsed();
    let qs = queries(&index, n.max(1));
    let mut samples = Vec::with_capacity(qs.len());
    let mut found = 0usize;
    for q in &qs {
        let t = Instant::now();
        found += index.search(q, 10).len();
        samples.push(t.elapsed());
    }
    let index_p = Percentiles::of(samples);
    // The baseline: the obvious SQL for the same question, without ranking.
    let sql = "SELECT iata FROM airports WHERE lower(iata) = $1 OR lower(city) LIKE $2 OR lower(name) LIKE $3 \
               OR city_zh LIKE $2 LIMIT 10";
    let backend = store.db().get_database_backend();
    // SQLite numbers its parameters ?1, ?2, ?3; PostgreSQL $1, $2, $3.
    let sql = if backend == wayfare_store::sea_orm::DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    let mut samples = Vec::new();
    for q in qs.iter().take(n.clamp(1, 500)) {
        let ql = q.to_lowercase();
        let stmt = Statement::from_sql_and_values(
            backend,
            &sql,
            [
                Value::from(ql.clone()),
                Value::from(format!("{ql}%")),
                Value::from(format!("%{ql}%")),
            ],
        );
        let t = Instant::now();
        store.db().query_all_raw(stmt).await?;
        samples.push(t.elapsed());
    }
    let sql_p = Percentiles::of(samples);
    tracing::debug!(found, "bench results");
    Ok(AirportBenchReport {
        build,
        airports: index.len(),
        index: index_p,
        sql: sql_p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_right_samples() {
        let s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let p = Percentiles::of(s);
        assert_eq!(p.n, 100);
        assert_eq!(p.p50, Duration::from_millis(51));
        assert_eq!(p.p99, Duration::from_millis(99));
        assert_eq!(Percentiles::of(Vec::new()).p50, Duration::ZERO);
    }
}
