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

## Hotel pages (search form, results, a hotel, deals)
hotels-nav = Hotels
hotels-tabs-label = What to search
hotels-title = Hotels
hotels-lead = Hotels, resorts, homestays and hostels by destination and dates, priced for every room and guest.
hotels-popular = Popular destinations
hotels-landing-heading = { $what } hotels
hotels-landing-lead = Choose a destination and your dates, or start from one of the popular destinations below.
hotels-themes-title = Stays for every kind of trip
hotels-theme-blurb-family = Family rooms, kids' clubs and pools
hotels-theme-blurb-resort = Sun, sea and everything on site
hotels-theme-blurb-business = Near offices, with desks and meeting rooms
hotels-theme-blurb-luxury = The finest hotels in town
hotels-theme-blurb-boutique = Small hotels with character
hotels-theme-blurb-homestay = Stay with local hosts
hotels-theme-blurb-spa = Spas, hot springs and time to unwind
hotels-theme-blurb-budget = Clean rooms that cost less
hotels-chains-title = Hotel groups
hotels-chains-lead = Every hotel of a group in the destination you choose.

## Search form
hotels-form-title = Search hotels
hotels-form-stay-title = Your stay
hotels-form-submit = Search hotels
hotels-form-stay-submit = Show rooms and prices
hotels-form-dest-placeholder = City, landmark or airport — e.g. 上海, The Bund, PVG
hotels-form-suggestions = Matching destinations
hotels-form-rooms-hint = Leave a room at "—" if you don't need it; choose an age for each child travelling.
hotels-form-children-hint = Children's ages at check-in decide which rooms fit and what they cost.
hotels-form-age-missing = Choose an age for each child.
hotels-form-add-room = Add a room
hotels-form-remove-room = Remove this room
hotels-form-room-unused = —
hotels-form-age-none = —
hotels-form-age-infant = Under 1
hotels-form-age-years = { $age ->
    [one] 1 year
   *[other] { $age } years
}
hotels-room-n = Room { $n }
hotels-field-dest = Destination
hotels-field-in = Check-in
hotels-field-out = Check-out
hotels-field-rooms = Rooms and guests
hotels-field-adults = Adults
hotels-field-children = Children
hotels-field-ages = Children's ages
hotels-field-child-age = Child { $n } age
hotels-field-room-n = { $field } (room { $n })
hotels-field-price = Price per night
hotels-field-stars = Star rating
hotels-field-amenities = Amenities
hotels-field-themes = Themes
hotels-field-chains = Hotel group
hotels-field-brands = Brands
hotels-field-review = Guest rating
hotels-field-sort = Sort
hotels-field-page = Page
hotels-field-nights = Nights
hotels-reason-nights = choose from 1 to { $max } nights.
hotels-place-city = City
hotels-place-landmark = Landmark
hotels-place-airport = Airport

## Results
hotels-results-title = Hotels in { $place }
hotels-results-heading = Hotels
hotels-modify = Change search
hotels-nights = { $count ->
    [one] 1 night
   *[other] { $count } nights
}
hotels-party-rooms = { $count ->
    [one] 1 room
   *[other] { $count } rooms
}
hotels-party-adults = { $count ->
    [one] 1 adult
   *[other] { $count } adults
}
hotels-party-children = { $count ->
    [one] 1 child
   *[other] { $count } children
}
hotels-view-label = Show as
hotels-view-list = List
hotels-view-map = Map
hotels-sort-label = Sort hotels
hotels-filters = Filters
hotels-filters-active = { $count ->
    [one] 1 filter on
   *[other] { $count } filters on
}
hotels-filters-apply = Apply filters
hotels-filters-clear = Clear filters
hotels-filter-stay = Your stay
hotels-filter-free-cancellation = Free cancellation
hotels-filter-breakfast = Breakfast included
hotels-filter-pay-at-hotel = Pay at the hotel
hotels-filter-deals = Deals only
hotels-filter-min = From
hotels-filter-max = To
hotels-filter-any = Any
hotels-filter-price-hint = Per room and night, taxes included.
hotels-filter-amenities-hint = Hotels with all the ones you tick.
hotels-review-any = Any rating
hotels-review-min = { $score }+
hotels-count = { $count ->
    [one] 1 hotel
   *[other] { $count } hotels
}
hotels-count-some = Hotels { $from }–{ $to } of { $total }
hotels-currency-note = Prices per room and night with taxes; filters are in { $currency }.
hotels-partial = Some results could not be loaded in time ({ $suppliers }), so this list may be incomplete.
hotels-none-title = No hotels match
hotels-none-body = Try other dates, or fewer filters.
hotels-suggest-clear = Clear all filters
hotels-suggest-dates = Try from { $date }
hotels-pages = Pages
hotels-page-prev = Previous
hotels-page-next = Next
hotels-deals-link = Today's best hotel deals

## A hotel in a list
hotels-stars-label = { $count ->
    [one] 1-star hotel
   *[other] { $count }-star hotel
}
hotels-reviews = { $count ->
    [one] 1 review
   *[other] { $count } reviews
}
hotels-reviews-none = No reviews yet
hotels-review-superb = Superb
hotels-review-excellent = Excellent
hotels-review-good = Good
hotels-review-fair = Fair
hotels-distance-centre = the centre
hotels-distance-from = { $km } km from { $place }
hotels-badge-free-cancellation = Free cancellation
hotels-per-night = per room per night
hotels-price-total = { $amount } in all for { $nights }, taxes included
hotels-saving = −{ $percent }%
hotels-rooms-left = { $count ->
    [one] Only 1 room left at this price
   *[other] Only { $count } rooms left at this price
}
hotels-see-rooms = See rooms

## Map
hotels-map-label = Map of hotels in { $place }
hotels-map-caption = { $count ->
    [one] 1 hotel on the map. Prices per room and night; select a group to look closer.
   *[other] { $count } hotels on the map. Prices per room and night; select a group to look closer.
}
hotels-map-cluster = { $count } hotels from { $price }
hotels-map-list = Hotels on the map, cheapest first
hotels-map-list-some = The { $shown } cheapest of { $total } hotels on the map
hotels-map-whole = Show the whole area
hotels-map-zoom-in = Zoom in
hotels-map-zoom-out = Zoom out
hotels-from-nightly = from { $price }

## A hotel
hotels-back = ← Back to the results
hotels-photos = Photos
hotels-photos-note = Illustrations drawn for this hotel, not photographs.
hotels-photo-exterior = { $hotel }: the building
hotels-photo-room = { $hotel }: a guest room
hotels-photo-lobby = { $hotel }: the lobby
hotels-photo-pool = { $hotel }: the pool
hotels-photo-view = { $hotel }: the view
hotels-photo-bathroom = { $hotel }: a bathroom
hotels-rates-title = Rooms and prices
hotels-change-stay = Change dates or guests
hotels-rate-count = { $count ->
    [one] 1 way to stay
   *[other] { $count } ways to stay
}
hotels-rate-currency-note = Prices in { $currency }, as the hotel charges; an estimate in { $display } is shown beside them.
hotels-rates-note = Prices are for the whole stay and every room, taxes and fees included, and are held for 30 minutes.
hotels-rate-nightly = { $amount } per room per night · { $nights }
hotels-rate-taxes = Includes { $amount } taxes and fees
hotels-rate-taxes-none = Taxes included
hotels-rate-pay-now = Pay now when you book
hotels-rate-pay-at-hotel = Pay at the hotel; nothing to pay now
hotels-cancellation = Cancellation
hotels-cancel-none-detail = Non-refundable: no refund if you cancel or don't arrive.
hotels-cancel-free-then = Free cancellation until { $deadline } (hotel time); after that { $charge }.
hotels-cancel-then = From { $deadline } (hotel time): { $charge }.
hotels-cancel-now = Cancelling now costs { $charge }.
hotels-charge-nights = { $nights ->
    [one] 1 night's price ({ $amount })
   *[other] { $nights } nights' price ({ $amount })
}
hotels-charge-percent = { $percent }% of the price ({ $amount })
hotels-charge-amount = { $amount }
hotels-charge-all = the full price ({ $amount })
hotels-no-rooms-title = No rooms left for these dates
hotels-no-rooms-body = Every room is taken, or none fits your party. Try other dates.
hotels-try-date = From { $date }
hotels-room-size = { $m2 } m²
hotels-amenities-title = Amenities
hotels-amenities-none = The hotel lists no amenities.
hotels-location-title = Location
hotels-location-map = Map around { $hotel }
hotels-location-caption = The hotel and its neighbours, with prices per room and night.
hotels-location-centre = { $km } km from the centre of { $city }
hotels-location-coordinates = { $lat }, { $lng }
hotels-policies-title = Good to know
hotels-policy-check-in = Check-in from { $time }
hotels-policy-check-out = Check-out until { $time }
hotels-policy-zone = Times are the hotel's local time ({ $zone }).
hotels-policy-zone-utc = Times are in UTC.
hotels-more-title = More hotels
hotels-more-chain = More { $chain } hotels in { $city }
hotels-more-city = All hotels in { $city }

## Deals
hotels-deals-title = Hotel deals
hotels-deals-lead = The biggest savings right now in our most popular destinations, for two adults.
hotels-deals-submit = Show deals
hotels-deals-none = No deals for these dates. Try other dates.
hotels-deals-all = All deals in { $city }
hotels-map-osm-credit = © OpenStreetMap contributors
