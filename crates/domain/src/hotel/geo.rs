//! Points and map boxes for hotels. Distances are the flights' great-circle distance.

use serde::Serialize;

use crate::flight::geo::great_circle_km;

/// A position in degrees: latitude −90…90, longitude −180…180, both finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Option<GeoPoint> {
        (valid_lat(lat) && valid_lon(lon)).then_some(GeoPoint { lat, lon })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Great-circle distance in kilometres.
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        great_circle_km(self.lat, self.lon, other.lat, other.lon)
    }
}

pub fn valid_lat(lat: f64) -> bool {
    lat.is_finite() && (-90.0..=90.0).contains(&lat)
}

pub fn valid_lon(lon: f64) -> bool {
    lon.is_finite() && (-180.0..=180.0).contains(&lon)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BoxError {
    #[error("latitude out of range")]
    Latitude,
    #[error("longitude out of range")]
    Longitude,
    #[error("south is not below north")]
    Inverted,
    #[error("west and east enclose no longitude")]
    Empty,
}

/// The part of the map on screen. `west > east` means the box crosses the antimeridian
/// (west 170, east −170 is the 20° around 180).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoundingBox {
    south: f64,
    west: f64,
    north: f64,
    east: f64,
}

impl BoundingBox {
    pub fn new(south: f64, west: f64, north: f64, east: f64) -> Result<BoundingBox, BoxError> {
        if !valid_lat(south) || !valid_lat(north) {
            return Err(BoxError::Latitude);
        }
        if !valid_lon(west) || !valid_lon(east) {
            return Err(BoxError::Longitude);
        }
        if south >= north {
            return Err(BoxError::Inverted);
        }
        let b = BoundingBox {
            south,
            west,
            north,
            east,
        };
        if b.width_degrees() <= 0.0 {
            return Err(BoxError::Empty);
        }
        Ok(b)
    }

    pub fn south(self) -> f64 {
        self.south
    }

    pub fn west(self) -> f64 {
        self.west
    }

    pub fn north(self) -> f64 {
        self.north
    }

    pub fn east(self) -> f64 {
        self.east
    }

    pub fn crosses_antimeridian(self) -> bool {
        self.west > self.east
    }

    /// Degrees of longitude covered, up to 360.
    pub fn width_degrees(self) -> f64 {
        if self.crosses_antimeridian() {
            self.east + 360.0 - self.west
        } else {
            self.east - self.west
        }
    }

    /// Edges included.
    pub fn contains(self, p: GeoPoint) -> bool {
        if p.lat < self.south || p.lat > self.north {
            return false;
        }
        if self.crosses_antimeridian() {
            p.lon >= self.west || p.lon <= self.east
        } else {
            p.lon >= self.west && p.lon <= self.east
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_refuse_bad_coordinates() {
        assert!(GeoPoint::new(31.2, 121.5).is_some());
        assert!(GeoPoint::new(90.0, -180.0).is_some());
        for (lat, lon) in [
            (90.01, 0.0),
            (-91.0, 0.0),
            (0.0, 180.5),
            (0.0, -181.0),
            (f64::NAN, 0.0),
            (0.0, f64::INFINITY),
        ] {
            assert!(GeoPoint::new(lat, lon).is_none(), "{lat} {lon}");
        }
    }

    #[test]
    fn distance_uses_the_great_circle() {
        // The Bund to People's Square, Shanghai: about 1.8 km.
        let bund = GeoPoint::new(31.2400, 121.4900).unwrap();
        let square = GeoPoint::new(31.2326, 121.4737).unwrap();
        let d = bund.distance_km(square);
        assert!((1.5..2.0).contains(&d), "{d}");
        assert!(bund.distance_km(bund).abs() < 1e-9);
    }

    #[test]
    fn boxes_and_the_antimeridian() {
        let p = |lat, lon| GeoPoint::new(lat, lon).unwrap();
        let shanghai = BoundingBox::new(31.0, 121.0, 31.5, 122.0).unwrap();
        assert!(shanghai.contains(p(31.2, 121.5)));
        assert!(shanghai.contains(p(31.0, 121.0)), "edges are inside");
        assert!(!shanghai.contains(p(31.6, 121.5)) && !shanghai.contains(p(31.2, 120.9)));
        assert!(!shanghai.crosses_antimeridian());

        let fiji = BoundingBox::new(-20.0, 175.0, -15.0, -178.0).unwrap();
        assert!(fiji.crosses_antimeridian());
        assert!((fiji.width_degrees() - 7.0).abs() < 1e-9);
        assert!(fiji.contains(p(-17.0, 178.0)) && fiji.contains(p(-17.0, -179.0)));
        assert!(!fiji.contains(p(-17.0, 0.0)));

        let world = BoundingBox::new(-90.0, -180.0, 90.0, 180.0).unwrap();
        assert!((world.width_degrees() - 360.0).abs() < 1e-9);

        assert_eq!(
            BoundingBox::new(31.5, 121.0, 31.0, 122.0),
            Err(BoxError::Inverted)
        );
        assert_eq!(
            BoundingBox::new(31.0, 121.0, 31.0, 122.0),
            Err(BoxError::Inverted)
        );
        assert_eq!(
            BoundingBox::new(31.0, 121.0, 31.5, 121.0),
            Err(BoxError::Empty)
        );
        assert_eq!(
            BoundingBox::new(31.0, 180.0, 31.5, -180.0),
            Err(BoxError::Empty)
        );
        assert_eq!(
            BoundingBox::new(-95.0, 121.0, 31.5, 122.0),
            Err(BoxError::Latitude)
        );
        assert_eq!(
            BoundingBox::new(31.0, 121.0, 31.5, 190.0),
            Err(BoxError::Longitude)
        );
    }
}
