//! Room types: who may sleep in them, their beds, size and in-room facilities.

use serde::{Deserialize, Serialize};

use super::codes::{coded_enum, flag_set, short_code};
use super::occupancy::RoomCapacity;
use super::property::LocalizedText;

short_code!(
    /// A room type within one property, such as `deluxe_king`.
    RoomTypeCode,
    "room type code"
);

coded_enum! {
    pub enum BedType ("bed type") {
        Single = "single",
        Double = "double",
        Queen = "queen",
        King = "king",
        Bunk = "bunk",
        SofaBed = "sofa_bed",
        Futon = "futon",
    }
}

impl BedType {
    /// Adults one bed of this type sleeps.
    pub fn sleeps(self) -> u8 {
        match self {
            BedType::Single | BedType::SofaBed | BedType::Futon => 1,
            // A bunk is two singles stacked.
            BedType::Double | BedType::Queen | BedType::King | BedType::Bunk => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bed {
    pub kind: BedType,
    pub count: u8,
}

coded_enum! {
    /// What is in the room itself (as opposed to the property's amenities).
    pub enum RoomFacility ("room facility") {
        PrivateBathroom = "private_bathroom",
        SharedBathroom = "shared_bathroom",
        Bathtub = "bathtub",
        Balcony = "balcony",
        SeaView = "sea_view",
        CityView = "city_view",
        MountainView = "mountain_view",
        Window = "window",
        Kitchenette = "kitchenette",
        Minibar = "minibar",
        CoffeeMachine = "coffee_machine",
        Desk = "desk",
        Safe = "safe",
        Tv = "tv",
        AirConditioning = "air_conditioning",
        Heating = "heating",
        Soundproof = "soundproof",
        ConnectingRooms = "connecting_rooms",
        SmokingAllowed = "smoking_allowed",
    }
}

flag_set! {
    pub struct RoomFacilities(u32) of RoomFacility;
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoomType {
    pub code: RoomTypeCode,
    pub name: LocalizedText,
    pub capacity: RoomCapacity,
    /// The beds in the room.
    pub beds: Vec<Bed>,
    pub size_m2: Option<u16>,
    pub facilities: RoomFacilities,
}

impl RoomType {
    /// Adults the beds sleep.
    pub fn bed_places(&self) -> u8 {
        self.beds
            .iter()
            .map(|b| b.kind.sleeps().saturating_mul(b.count))
            .fold(0, u8::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bed_places_and_codes() {
        let room = RoomType {
            code: RoomTypeCode::parse("family_suite").unwrap(),
            name: LocalizedText::new("Family Suite", "家庭套房"),
            capacity: RoomCapacity {
                max_adults: 3,
                max_children: 2,
                max_occupancy: 4,
                max_infants: 1,
            },
            beds: vec![
                Bed {
                    kind: BedType::King,
                    count: 1,
                },
                Bed {
                    kind: BedType::Bunk,
                    count: 1,
                },
            ],
            size_m2: Some(45),
            facilities: RoomFacilities::EMPTY.with(RoomFacility::Bathtub),
        };
        assert_eq!(room.bed_places(), 4);
        for b in BedType::ALL {
            assert_eq!(BedType::parse(b.as_str()), Some(*b));
        }
        for f in RoomFacility::ALL {
            assert_eq!(RoomFacility::parse(f.as_str()), Some(*f));
        }
        let json = serde_json::to_string(&room.beds[1]).unwrap();
        assert_eq!(json, r#"{"kind":"bunk","count":1}"#);
    }
}
