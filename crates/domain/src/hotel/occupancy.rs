//! Who sleeps in which room. A party asks for 1–8 rooms, each with its adults and the ages of
//! its children; a room type holds a room request when its capacity allows, under these rules:
//!
//! - children aged [`OccupancyRules::adult_from_age`] (default 12) or older count as adults;
//! - infants, younger than [`OccupancyRules::infant_under_age`] (default 2), sleep in a cot and
//!   count against no bed, up to the room's `max_infants` cots; further infants count as
//!   children;
//! - children may take adult places the adults leave free (a 2-adult room holds 1 adult and
//!   2 children if its occupancy allows), but adults never take children's places;
//! - adults plus children (not cot infants) may not exceed `max_occupancy`.

use serde::{Deserialize, Serialize};

/// Rooms one search or booking may ask for.
pub const MAX_ROOMS: usize = 8;
/// Adults per requested room (large family rooms and dorm-style homestays reach 8).
pub const MAX_ADULTS_PER_ROOM: u8 = 8;
/// Children per requested room.
pub const MAX_CHILDREN_PER_ROOM: u8 = 6;
/// The oldest age that is still a child.
pub const MAX_CHILD_AGE: u8 = 17;

/// How ages map to places in a room. Hotels differ; the default is the common one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupancyRules {
    /// Children this age or older take an adult place.
    pub adult_from_age: u8,
    /// Children younger than this are infants: a cot, no bed.
    pub infant_under_age: u8,
}

impl Default for OccupancyRules {
    fn default() -> OccupancyRules {
        OccupancyRules {
            adult_from_age: 12,
            infant_under_age: 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OccupancyError {
    #[error("from 1 to {MAX_ROOMS} rooms")]
    RoomCount,
    #[error("from 1 to {MAX_ADULTS_PER_ROOM} adults per room")]
    Adults,
    #[error("at most {MAX_CHILDREN_PER_ROOM} children per room")]
    Children,
    #[error("a child is aged 0 to {MAX_CHILD_AGE}")]
    ChildAge,
}

/// One room as the party asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RoomRequest {
    adults: u8,
    children_ages: Vec<u8>,
}

impl RoomRequest {
    pub fn new(adults: u8, children_ages: Vec<u8>) -> Result<RoomRequest, OccupancyError> {
        if !(1..=MAX_ADULTS_PER_ROOM).contains(&adults) {
            return Err(OccupancyError::Adults);
        }
        if children_ages.len() > usize::from(MAX_CHILDREN_PER_ROOM) {
            return Err(OccupancyError::Children);
        }
        if children_ages.iter().any(|a| *a > MAX_CHILD_AGE) {
            return Err(OccupancyError::ChildAge);
        }
        Ok(RoomRequest {
            adults,
            children_ages,
        })
    }

    pub fn adults(&self) -> u8 {
        self.adults
    }

    pub fn children_ages(&self) -> &[u8] {
        &self.children_ages
    }

    pub fn guests(&self) -> u32 {
        u32::from(self.adults) + self.children_ages.len() as u32
    }

    /// The places this request takes under `rules`.
    pub fn occupants(&self, rules: &OccupancyRules) -> Occupants {
        let mut o = Occupants {
            adults: self.adults,
            children: 0,
            infants: 0,
        };
        for &age in &self.children_ages {
            if age >= rules.adult_from_age {
                o.adults += 1;
            } else if age < rules.infant_under_age {
                o.infants += 1;
            } else {
                o.children += 1;
            }
        }
        o
    }
}

/// Places in a room as counted under [`OccupancyRules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Occupants {
    pub adults: u8,
    pub children: u8,
    pub infants: u8,
}

/// The rooms a party asks for: 1 to [`MAX_ROOMS`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Party {
    rooms: Vec<RoomRequest>,
}

impl Party {
    pub fn new(rooms: Vec<RoomRequest>) -> Result<Party, OccupancyError> {
        if rooms.is_empty() || rooms.len() > MAX_ROOMS {
            return Err(OccupancyError::RoomCount);
        }
        Ok(Party { rooms })
    }

    pub fn rooms(&self) -> &[RoomRequest] {
        &self.rooms
    }

    pub fn room_count(&self) -> u8 {
        self.rooms.len() as u8
    }

    pub fn adults(&self) -> u32 {
        self.rooms.iter().map(|r| u32::from(r.adults)).sum()
    }

    pub fn children(&self) -> u32 {
        self.rooms
            .iter()
            .map(|r| r.children_ages.len() as u32)
            .sum()
    }

    pub fn guests(&self) -> u32 {
        self.rooms.iter().map(RoomRequest::guests).sum()
    }
}

/// Who a room type may sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCapacity {
    pub max_adults: u8,
    pub max_children: u8,
    /// Adults and children together.
    pub max_occupancy: u8,
    /// Cots for infants.
    pub max_infants: u8,
}

impl RoomCapacity {
    /// Whether these occupants fit (see the module rules). Branch-light, no allocation.
    pub fn holds(self, o: Occupants) -> bool {
        let cots = o.infants.min(self.max_infants);
        let children = u16::from(o.children) + u16::from(o.infants - cots);
        let adults = u16::from(o.adults);
        let free_adult_places = u16::from(self.max_adults).saturating_sub(adults);
        adults <= u16::from(self.max_adults)
            && children <= u16::from(self.max_children) + free_adult_places
            && adults + children <= u16::from(self.max_occupancy)
    }

    pub fn holds_request(self, r: &RoomRequest, rules: &OccupancyRules) -> bool {
        self.holds(r.occupants(rules))
    }
}

/// A room type on offer for the stay: its capacity, how many rooms are left on every night,
/// and the price of one room for the stay (minor units, the same currency for all options).
/// Give one option per room type (its cheapest rate plan that passes the filters): rooms of
/// one type share their inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomOption {
    pub capacity: RoomCapacity,
    pub rooms_left: u16,
    pub price_minor: i64,
}

/// Which option each requested room gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    options: [u32; MAX_ROOMS],
    len: u8,
    total_minor: i64,
}

impl Assignment {
    /// The option index for each requested room, in the party's order.
    pub fn options(&self) -> &[u32] {
        &self.options[..usize::from(self.len)]
    }

    /// The sum of the chosen options' prices.
    pub fn total_minor(&self) -> i64 {
        self.total_minor
    }
}

/// The cheapest way to give every requested room a room type that holds it without selling
/// more rooms of a type than are left; `None` when the party cannot be housed.
///
/// Exact: room places are taken cheapest first and kept when the requests can be re-matched
/// to include them (the greedy algorithm on the transversal matroid, with augmenting paths),
/// which is optimal because a room's price does not depend on who sleeps in it. At most
/// `options × 8` augmenting searches over at most 8 requests; one room is a single scan.
pub fn cheapest_assignment(
    party: &Party,
    options: &[RoomOption],
    rules: &OccupancyRules,
) -> Option<Assignment> {
    let n = party.rooms.len();
    let mut occ = [Occupants::default(); MAX_ROOMS];
    for (o, r) in occ.iter_mut().zip(&party.rooms) {
        *o = r.occupants(rules);
    }
    let fits = |t: usize, r: usize| options[t].capacity.holds(occ[r]);

    if n == 1 {
        let (t, o) = options
            .iter()
            .enumerate()
            .filter(|(t, o)| o.rooms_left > 0 && fits(*t, 0))
            .min_by_key(|(t, o)| (o.price_minor, *t))?;
        let mut options_out = [0u32; MAX_ROOMS];
        options_out[0] = t as u32;
        return Some(Assignment {
            options: options_out,
            len: 1,
            total_minor: o.price_minor,
        });
    }

    let mut order: Vec<u32> = (0..options.len() as u32)
        .filter(|t| options[*t as usize].rooms_left > 0)
        .collect();
    order.sort_by_key(|t| (options[*t as usize].price_minor, *t));

    let mut held: [Option<u32>; MAX_ROOMS] = [None; MAX_ROOMS];
    let mut housed = 0;
    for &t in &order {
        let left = usize::from(options[t as usize].rooms_left);
        let mut used = 0;
        while used < left && housed < n {
            let mut seen = [false; MAX_ROOMS];
            if !augment(t, n, &mut held, &mut seen, &fits) {
                // Every room of this type is alike: if one finds no guests, none will.
                break;
            }
            used += 1;
            housed += 1;
        }
        if housed == n {
            break;
        }
    }
    if housed < n {
        return None;
    }
    let mut out = [0u32; MAX_ROOMS];
    let mut total = 0i64;
    for (slot, h) in out.iter_mut().zip(&held[..n]) {
        let t = (*h)?;
        *slot = t;
        total = total.saturating_add(options[t as usize].price_minor);
    }
    Some(Assignment {
        options: out,
        len: n as u8,
        total_minor: total,
    })
}

/// Kuhn's augmenting path: finds a request for one more room of type `t`, moving requests
/// between types they also fit if needed.
fn augment(
    t: u32,
    n: usize,
    held: &mut [Option<u32>; MAX_ROOMS],
    seen: &mut [bool; MAX_ROOMS],
    fits: &impl Fn(usize, usize) -> bool,
) -> bool {
    for r in 0..n {
        if seen[r] || !fits(t as usize, r) {
            continue;
        }
        seen[r] = true;
        let moved = match held[r] {
            None => true,
            Some(other) => augment(other, n, held, seen, fits),
        };
        if moved {
            held[r] = Some(t);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cap(max_adults: u8, max_children: u8, max_occupancy: u8, max_infants: u8) -> RoomCapacity {
        RoomCapacity {
            max_adults,
            max_children,
            max_occupancy,
            max_infants,
        }
    }

    fn req(adults: u8, ages: &[u8]) -> RoomRequest {
        RoomRequest::new(adults, ages.to_vec()).unwrap()
    }

    fn rules() -> OccupancyRules {
        OccupancyRules::default()
    }

    #[test]
    fn requests_and_parties_are_bounded() {
        assert_eq!(RoomRequest::new(0, vec![]), Err(OccupancyError::Adults));
        assert_eq!(RoomRequest::new(9, vec![]), Err(OccupancyError::Adults));
        assert_eq!(RoomRequest::new(2, vec![18]), Err(OccupancyError::ChildAge));
        assert_eq!(
            RoomRequest::new(2, vec![1; 7]),
            Err(OccupancyError::Children)
        );
        assert!(RoomRequest::new(8, vec![0, 17]).is_ok());
        assert_eq!(Party::new(vec![]), Err(OccupancyError::RoomCount));
        assert_eq!(
            Party::new(vec![req(1, &[]); 9]),
            Err(OccupancyError::RoomCount)
        );
        let p = Party::new(vec![req(2, &[5, 13]), req(1, &[])]).unwrap();
        assert_eq!(
            (p.room_count(), p.adults(), p.children(), p.guests()),
            (2, 3, 2, 5)
        );
    }

    #[test]
    fn ages_map_to_places() {
        let o = req(2, &[0, 1, 2, 11, 12, 17]).occupants(&rules());
        assert_eq!(
            o,
            Occupants {
                adults: 4,
                children: 2,
                infants: 2
            }
        );
        let strict = OccupancyRules {
            adult_from_age: 18,
            infant_under_age: 1,
        };
        let o = req(2, &[0, 1, 17]).occupants(&strict);
        assert_eq!((o.adults, o.children, o.infants), (2, 2, 1));
    }

    #[test]
    fn capacity_rules() {
        let double = cap(2, 1, 3, 1);
        let r = rules();
        assert!(double.holds_request(&req(2, &[]), &r));
        assert!(double.holds_request(&req(2, &[5]), &r));
        assert!(!double.holds_request(&req(3, &[]), &r));
        // A 12-year-old is an adult: 3 adults do not fit.
        assert!(!double.holds_request(&req(2, &[12]), &r));
        // Children take a free adult place: 1 adult + 2 children.
        assert!(double.holds_request(&req(1, &[5, 7]), &r));
        // But occupancy still caps: 1 + 3 > 3.
        assert!(!double.holds_request(&req(1, &[5, 7, 9]), &r));
        // An infant in the cot is free; a second infant needs a child place.
        assert!(double.holds_request(&req(2, &[0, 5]), &r));
        assert!(!double.holds_request(&req(2, &[0, 1, 5]), &r));
        assert!(double.holds_request(&req(2, &[0, 1]), &r));
        let no_cot = cap(2, 0, 2, 0);
        assert!(!no_cot.holds_request(&req(2, &[0]), &r));
        assert!(no_cot.holds_request(&req(1, &[0]), &r));
    }

    fn option(capacity: RoomCapacity, rooms_left: u16, price_minor: i64) -> RoomOption {
        RoomOption {
            capacity,
            rooms_left,
            price_minor,
        }
    }

    #[test]
    fn one_room_takes_the_cheapest_type_that_holds_it() {
        let party = Party::new(vec![req(2, &[6])]).unwrap();
        let opts = [
            option(cap(2, 0, 2, 1), 5, 100),
            option(cap(2, 1, 3, 1), 0, 150),
            option(cap(2, 2, 4, 1), 3, 300),
            option(cap(3, 1, 3, 1), 3, 200),
        ];
        let a = cheapest_assignment(&party, &opts, &rules()).unwrap();
        assert_eq!((a.options(), a.total_minor()), (&[3u32][..], 200));
        let nobody = Party::new(vec![req(4, &[])]).unwrap();
        assert!(cheapest_assignment(&nobody, &opts, &rules()).is_none());
    }

    #[test]
    fn several_rooms_respect_rooms_left_and_rematch() {
        // The suite is cheaper, but only it holds the family: the couple is moved to the double.
        let double = option(cap(2, 0, 2, 1), 1, 100);
        let suite = option(cap(2, 2, 4, 1), 1, 90);
        let party = Party::new(vec![req(2, &[]), req(2, &[4, 6])]).unwrap();
        let a = cheapest_assignment(&party, &[double, suite], &rules()).unwrap();
        assert_eq!(a.options(), &[0, 1]);
        assert_eq!(a.total_minor(), 190);
        // Two couples, one double left: the second couple pays for the suite.
        let party = Party::new(vec![req(2, &[]), req(2, &[])]).unwrap();
        let a = cheapest_assignment(&party, &[double, option(cap(2, 2, 4, 1), 1, 300)], &rules())
            .unwrap();
        assert_eq!(a.total_minor(), 400);
        // Not enough rooms at all.
        let three = Party::new(vec![req(2, &[]); 3]).unwrap();
        assert!(
            cheapest_assignment(&three, &[double, option(cap(2, 2, 4, 1), 1, 300)], &rules())
                .is_none()
        );
        // Plenty of one type.
        let eight = Party::new(vec![req(1, &[]); 8]).unwrap();
        let a = cheapest_assignment(&eight, &[option(cap(2, 0, 2, 0), 8, 50)], &rules()).unwrap();
        assert_eq!(a.total_minor(), 400);
        assert!(a.options().iter().all(|t| *t == 0));
    }

    /// Every assignment, for comparing with the fast one.
    fn brute_force(party: &Party, options: &[RoomOption]) -> Option<i64> {
        fn go(
            i: usize,
            party: &Party,
            options: &[RoomOption],
            used: &mut Vec<u16>,
            cost: i64,
            best: &mut Option<i64>,
        ) {
            if i == party.rooms().len() {
                *best = Some(best.map_or(cost, |b| b.min(cost)));
                return;
            }
            for (t, o) in options.iter().enumerate() {
                if used[t] < o.rooms_left && o.capacity.holds_request(&party.rooms()[i], &rules()) {
                    used[t] += 1;
                    go(i + 1, party, options, used, cost + o.price_minor, best);
                    used[t] -= 1;
                }
            }
        }
        let mut best = None;
        go(0, party, options, &mut vec![0; options.len()], 0, &mut best);
        best
    }

    fn arb_request() -> impl Strategy<Value = RoomRequest> {
        (1u8..=4, proptest::collection::vec(0u8..=17, 0..3))
            .prop_map(|(a, ages)| RoomRequest::new(a, ages).unwrap())
    }

    fn arb_option() -> impl Strategy<Value = RoomOption> {
        (1u8..=4, 0u8..=3, 1u8..=6, 0u8..=1, 0u16..=3, 0i64..1_000)
            .prop_map(|(a, c, occ, inf, left, price)| option(cap(a, c, occ, inf), left, price))
    }

    proptest! {
        #[test]
        fn the_assignment_is_valid_and_as_cheap_as_brute_force(
            rooms in proptest::collection::vec(arb_request(), 1..=5),
            options in proptest::collection::vec(arb_option(), 0..6),
        ) {
            let party = Party::new(rooms).unwrap();
            let fast = cheapest_assignment(&party, &options, &rules());
            let slow = brute_force(&party, &options);
            prop_assert_eq!(fast.map(|a| a.total_minor()), slow);
            if let Some(a) = fast {
                let mut used = vec![0u16; options.len()];
                for (r, t) in party.rooms().iter().zip(a.options()) {
                    let o = options[*t as usize];
                    prop_assert!(o.capacity.holds_request(r, &rules()));
                    used[*t as usize] += 1;
                }
                for (u, o) in used.iter().zip(&options) {
                    prop_assert!(*u <= o.rooms_left);
                }
            }
        }
    }
}
