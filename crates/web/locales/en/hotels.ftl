# Wayfare — English: hotel search validation and the names of hotel codes.
# Every key here must also exist in zh-CN/hotels.ftl (a test checks).

## Hotel search validation (reason keys used by wayfare_domain::hotel::search)
reason-destination-kind = give exactly one destination: a city, a place, an airport, or lat and lon.
reason-unknown-city = we don't know that city; try its name or choose it from the list.
reason-unknown-place = we couldn't find that place; try a landmark, district or street.
reason-latitude-range = latitude must be between -90 and 90.
reason-longitude-range = longitude must be between -180 and 180.
reason-radius-range = choose a radius above 0 and up to { $max } km.
reason-radius-with-city = a radius goes with a place, an airport or coordinates, not a city.
reason-check-out-before-check-in = check-out must be after check-in.
reason-stay-too-long = a stay can be at most { $max } nights; book longer stays in parts.
reason-stay-beyond-horizon = rooms can't be booked that far ahead yet.
reason-room-count = choose from 1 to { $max } rooms.
reason-room-adults = each room needs from 1 to { $max } adults.
reason-room-children = at most { $max } children per room.
reason-child-age = give each child's age at check-in, from 0 to { $max }.
reason-price-basis = choose nightly or total.
reason-star-rating = stars go from 1 to 5.
reason-unknown-amenity = we don't know that amenity; use codes such as wifi, pool or parking.
reason-unknown-theme = we don't know that theme; use codes such as family, business or resort.
reason-invalid-code = use a code of letters, digits, _ or -, such as marriott.
reason-review-score-range = choose a review score from 0 to 10.
reason-distance-range = choose a distance above 0 and up to { $max } km.
reason-unknown-hotel-sort = sort by recommended, price, distance, review_score or stars.
reason-offset-range = start from result 0 up to { $max }.
reason-bbox-inverted = the south edge must be below the north edge.
reason-bbox-empty = the west and east edges must differ.
reason-zoom-range = choose a zoom level from 0 to { $max }.

## Amenities
hotels-amenity-wifi = Free Wi-Fi
hotels-amenity-parking = Parking
hotels-amenity-pool = Swimming pool
hotels-amenity-gym = Fitness centre
hotels-amenity-spa = Spa
hotels-amenity-restaurant = Restaurant
hotels-amenity-bar = Bar
hotels-amenity-airport_shuttle = Airport shuttle
hotels-amenity-breakfast = Breakfast available
hotels-amenity-pet_friendly = Pets allowed
hotels-amenity-ev_charging = EV charging
hotels-amenity-family_rooms = Family rooms
hotels-amenity-accessible = Accessible
hotels-amenity-business_centre = Business centre
hotels-amenity-laundry = Laundry
hotels-amenity-non_smoking = Non-smoking
hotels-amenity-air_conditioning = Air conditioning
hotels-amenity-kitchen = Kitchen
hotels-amenity-front_desk_24h = 24-hour front desk
hotels-amenity-luggage_storage = Luggage storage
hotels-amenity-meeting_rooms = Meeting rooms
hotels-amenity-kids_club = Kids' club
hotels-amenity-hot_spring = Hot spring
hotels-amenity-beach_access = Beach access
hotels-amenity-room_service = Room service
hotels-amenity-elevator = Lift

## Themes
hotels-theme-family = Family
hotels-theme-business = Business
hotels-theme-resort = Resort
hotels-theme-boutique = Boutique
hotels-theme-homestay = Homestay
hotels-theme-hostel = Hostel
hotels-theme-spa = Spa
hotels-theme-luxury = Luxury
hotels-theme-beach = Beach
hotels-theme-ski = Ski
hotels-theme-romantic = Romantic
hotels-theme-budget = Budget

## Beds
hotels-bed-single = { $count ->
    [one] 1 single bed
   *[other] { $count } single beds
}
hotels-bed-double = { $count ->
    [one] 1 double bed
   *[other] { $count } double beds
}
hotels-bed-queen = { $count ->
    [one] 1 queen bed
   *[other] { $count } queen beds
}
hotels-bed-king = { $count ->
    [one] 1 king bed
   *[other] { $count } king beds
}
hotels-bed-bunk = { $count ->
    [one] 1 bunk bed
   *[other] { $count } bunk beds
}
hotels-bed-sofa_bed = { $count ->
    [one] 1 sofa bed
   *[other] { $count } sofa beds
}
hotels-bed-futon = { $count ->
    [one] 1 futon
   *[other] { $count } futons
}

## Room facilities
hotels-facility-private_bathroom = Private bathroom
hotels-facility-shared_bathroom = Shared bathroom
hotels-facility-bathtub = Bathtub
hotels-facility-balcony = Balcony
hotels-facility-sea_view = Sea view
hotels-facility-city_view = City view
hotels-facility-mountain_view = Mountain view
hotels-facility-window = Window
hotels-facility-kitchenette = Kitchenette
hotels-facility-minibar = Minibar
hotels-facility-coffee_machine = Coffee machine
hotels-facility-desk = Desk
hotels-facility-safe = Safe
hotels-facility-tv = TV
hotels-facility-air_conditioning = Air conditioning
hotels-facility-heating = Heating
hotels-facility-soundproof = Soundproofed
hotels-facility-connecting_rooms = Connecting rooms
hotels-facility-smoking_allowed = Smoking allowed

## Rate plans
hotels-board-room_only = Room only
hotels-board-breakfast = Breakfast included
hotels-board-half_board = Half board
hotels-board-full_board = Full board
hotels-board-all_inclusive = All inclusive
hotels-payment-pay_now = Pay now
hotels-payment-pay_at_hotel = Pay at the hotel
hotels-member-rate = Member rate

## Cancellation
hotels-cancel-non-refundable = Non-refundable
hotels-cancel-free-until = Free cancellation until { $deadline }
hotels-cancel-from = From { $deadline }:
hotels-cancel-charge-amount = { $amount } per room
hotels-cancel-charge-nights = { $nights ->
    [one] the first night
   *[other] the first { $nights } nights
}
hotels-cancel-charge-percent = { $percent }% of the total

## Promotions
hotels-promo-percent_off = { $percent }% off
hotels-promo-early_bird = Early bird: { $percent }% off
hotels-promo-last_minute = Last minute: { $percent }% off
hotels-promo-stay_pay = Stay { $stay }, pay { $pay }
hotels-deal = Deal
hotels-was-price = Was { $amount }

## Sort and price basis
hotels-sort-recommended = Recommended
hotels-sort-price = Lowest price
hotels-sort-distance = Distance
hotels-sort-review_score = Guest rating
hotels-sort-stars = Stars
hotels-price-basis-nightly = Per night
hotels-price-basis-total = Total stay
reason-rooms-format = write rooms as adults and children's ages, such as 2:5|1 (two adults with a five-year-old, and one adult).
