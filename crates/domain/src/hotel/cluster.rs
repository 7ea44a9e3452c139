//! Map clusters: hotels in the visible box grouped into grid cells so a zoomed-out map shows
//! "38 hotels from ¥320" instead of 38 overlapping pins.
//!
//! The grid is the Web Mercator tile grid at the map's zoom, each 256-pixel tile cut into
//! 4 × 4 cells (64 pixels). Cells are fixed to the world, not to the box, so panning never
//! regroups hotels, and a cell at zoom z + 1 lies inside one cell at zoom z. Output is in cell
//! order (north-west first) and does not depend on the order of the pins.

use serde::Serialize;

use super::geo::{BoundingBox, GeoPoint};
use super::property::PropertyId;
use crate::money::Money;

/// Cells per tile side, as a power of two (2 → 4 × 4 cells).
pub const CELL_SHIFT: u8 = 2;
/// The deepest zoom with its own grid; deeper zooms use this one.
pub const MAX_ZOOM: u8 = 22;
/// Web Mercator stops here; pins nearer the poles sit in the edge row.
const MAX_MERCATOR_LAT: f64 = 85.051_128_78;

/// A hotel on the map with its cheapest price for the search (in the search currency), if
/// it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pin {
    pub id: PropertyId,
    pub location: GeoPoint,
    pub price: Option<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cluster {
    /// The mean position of its hotels.
    pub centre: GeoPoint,
    pub count: u32,
    pub min_price: Option<Money>,
    /// The hotel itself when the cluster is a single pin.
    pub property: Option<PropertyId>,
}

/// The cell of a point at `zoom`: row-major index on the world grid.
fn cell(p: GeoPoint, zoom: u8) -> u64 {
    let n = 1u64 << (u32::from(zoom.min(MAX_ZOOM)) + u32::from(CELL_SHIFT));
    let x = (p.lon() + 180.0) / 360.0;
    let lat = p
        .lat()
        .clamp(-MAX_MERCATOR_LAT, MAX_MERCATOR_LAT)
        .to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    let index = |v: f64| ((v * n as f64) as u64).min(n - 1);
    index(y) * n + index(x)
}

/// Groups the pins inside `bbox` by grid cell at `zoom`. Pins outside the box are left out.
pub fn cluster_pins(pins: &[Pin], bbox: BoundingBox, zoom: u8) -> Vec<Cluster> {
    let mut keyed: Vec<(u64, PropertyId, usize)> = pins
        .iter()
        .enumerate()
        .filter(|(_, p)| bbox.contains(p.location))
        .map(|(i, p)| (cell(p.location, zoom), p.id, i))
        .collect();
    // By cell, then id: sums are added in the same order whatever order the pins came in.
    keyed.sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < keyed.len() {
        let key = keyed[i].0;
        let (mut lat, mut lon, mut count) = (0.0f64, 0.0f64, 0u32);
        let mut min_price: Option<Money> = None;
        let first = keyed[i].2;
        while i < keyed.len() && keyed[i].0 == key {
            let p = &pins[keyed[i].2];
            lat += p.location.lat();
            lon += p.location.lon();
            count += 1;
            if let Some(price) = p.price
                && min_price.is_none_or(|m| price.minor() < m.minor())
            {
                min_price = Some(price);
            }
            i += 1;
        }
        let n = f64::from(count);
        out.push(Cluster {
            centre: GeoPoint::new(lat / n, lon / n).unwrap_or(pins[first].location),
            count,
            min_price,
            property: (count == 1).then_some(pins[first].id),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    fn pin(id: u64, lat: f64, lon: f64, price: Option<i64>) -> Pin {
        Pin {
            id: PropertyId(id),
            location: GeoPoint::new(lat, lon).unwrap(),
            price: price.map(|p| Money::from_minor(p, Currency::CNY)),
        }
    }

    fn shanghai() -> BoundingBox {
        BoundingBox::new(30.5, 120.5, 32.0, 122.5).unwrap()
    }

    #[test]
    fn near_pins_cluster_and_far_ones_do_not() {
        let pins = [
            pin(1, 31.2355, 121.4885, Some(80_000)),
            pin(2, 31.2365, 121.4895, Some(45_000)),
            pin(3, 31.2360, 121.4890, None),
            pin(4, 31.1434, 121.8052, Some(30_000)),
            pin(5, 39.9, 116.4, Some(1)),
        ];
        let c = cluster_pins(&pins, shanghai(), 11);
        assert_eq!(c.len(), 2);
        let bund = c.iter().find(|c| c.count == 3).unwrap();
        assert_eq!(
            bund.min_price,
            Some(Money::from_minor(45_000, Currency::CNY))
        );
        assert!(bund.property.is_none());
        assert!((bund.centre.lat() - 31.2360).abs() < 1e-9);
        assert!((bund.centre.lon() - 121.4890).abs() < 1e-9);
        let pudong = c.iter().find(|c| c.count == 1).unwrap();
        assert_eq!(pudong.property, Some(PropertyId(4)));
        // Beijing is outside the box. Zoomed right in, the three Bund hotels separate.
        assert_eq!(cluster_pins(&pins, shanghai(), 20).len(), 4);
        // Zoomed right out, everything in the box is one cluster.
        let all = cluster_pins(&pins, shanghai(), 3);
        assert_eq!((all.len(), all[0].count), (1, 4));
        assert!(cluster_pins(&[], shanghai(), 10).is_empty());
    }

    #[test]
    fn the_antimeridian_and_the_poles() {
        let fiji = BoundingBox::new(-20.0, 175.0, -15.0, -178.0).unwrap();
        let pins = [
            pin(1, -17.0, 179.9, Some(1)),
            pin(2, -17.0, -179.9, Some(2)),
            pin(3, -17.0, 0.0, Some(3)),
        ];
        let c = cluster_pins(&pins, fiji, 2);
        // Both sides are in the box; cells never straddle 180°, so they stay apart.
        assert_eq!(c.iter().map(|c| c.count).sum::<u32>(), 2);
        assert_eq!(c.len(), 2);
        let polar = BoundingBox::new(80.0, -10.0, 90.0, 10.0).unwrap();
        let c = cluster_pins(
            &[pin(1, 89.9, 0.0, None), pin(2, 90.0, 0.0, None)],
            polar,
            5,
        );
        assert_eq!((c.len(), c[0].count), (1, 2));
        // Zooms past the deepest grid use it.
        assert_eq!(cell(pins[0].location, 30), cell(pins[0].location, MAX_ZOOM));
    }

    fn arb_pins() -> impl Strategy<Value = Vec<Pin>> {
        proptest::collection::vec(
            (
                30.5f64..32.0,
                120.5f64..122.5,
                proptest::option::of(1i64..1_000_000),
            ),
            0..60,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (lat, lon, price))| pin(i as u64, lat, lon, price))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn clusters_account_for_every_pin_and_nest_by_zoom(pins in arb_pins(), zoom in 0u8..21) {
            let c = cluster_pins(&pins, shanghai(), zoom);
            prop_assert_eq!(c.iter().map(|c| c.count as usize).sum::<usize>(), pins.len());
            let cheapest = pins.iter().filter_map(|p| p.price).map(|m| m.minor()).min();
            prop_assert_eq!(c.iter().filter_map(|c| c.min_price).map(|m| m.minor()).min(), cheapest);
            let deeper = cluster_pins(&pins, shanghai(), zoom + 1);
            prop_assert!(deeper.len() >= c.len());
            for cl in &c {
                prop_assert_eq!(cl.property.is_some(), cl.count == 1);
            }
        }

        #[test]
        fn order_of_pins_does_not_matter(pins in arb_pins(), zoom in 0u8..=22) {
            let mut reversed = pins.clone();
            reversed.reverse();
            prop_assert_eq!(cluster_pins(&pins, shanghai(), zoom), cluster_pins(&reversed, shanghai(), zoom));
        }
    }
}
