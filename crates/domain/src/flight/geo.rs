//! Great-circle distance between airports.

const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Distance in kilometres between two points given in degrees (haversine).
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().atan2((1.0 - a).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        // PVG–LHR is about 9,200 km; PEK–SHA about 1,080 km.
        let d = great_circle_km(31.1434, 121.8052, 51.4706, -0.4619);
        assert!((9_100.0..9_300.0).contains(&d), "{d}");
        let d = great_circle_km(40.0801, 116.5846, 31.1979, 121.3363);
        assert!((1_050.0..1_110.0).contains(&d), "{d}");
        assert!(great_circle_km(10.0, 20.0, 10.0, 20.0).abs() < 1e-9);
    }
}
