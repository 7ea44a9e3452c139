# Wayfare — English: flight search, results and explore pages.
# Every key here must also exist in zh-CN/flights.ftl (a test checks).

## Navigation
nav-flights = Flights
nav-explore = Explore

## Search form
flights-title = Search flights
flights-lead = One-way, round-trip or multi-city, with connections that can really be made. Times are local at each airport.
flights-form-title = Where are you flying?
flights-trip-legend = Trip type
flights-trip-oneway = One-way
flights-trip-round = Round trip
flights-trip-multi = Multi-city
flights-form-airport-placeholder = City, airport or code
flights-form-swap = Swap origin and destination
flights-form-return-hint = (round trip only)
flights-form-more-flights = More flights
flights-form-multi-hint = For a multi-city trip, add up to two more flights here; leave them empty otherwise.
flights-form-add-flight = Add another flight
flights-form-adults-age = 12+
flights-form-children-age = 2–11
flights-form-infants-age = under 2, on lap
flights-form-party-rule = Up to 9 travellers in all. Each infant travels on an adult's lap, so there can be no more infants than adults.
flights-form-party-over = Too many travellers: at most 9, and no more infants than adults.
flights-form-change = Allow changing airports in the same city
flights-form-change-hint = e.g. arrive at Pudong (PVG) and leave from Hongqiao (SHA); allow time for the transfer.
flights-form-submit = Search flights
flights-explore-link = Not sure where to go? Explore the cheapest destinations
flights-errors-title = Please check your search
flights-reason-choose = Please choose a value from the list.

## Field names (error messages and labels)
flights-field-from = From
flights-field-to = To
flights-field-depart = Departure date
flights-field-return = Return date
flights-field-party = Travellers
flights-field-adults = Adults
flights-field-children = Children
flights-field-infants = Infants
flights-field-cabin = Cabin
flights-field-stops = Stops
flights-field-sort = Sort
flights-field-airline = Airlines
flights-field-via = Connecting airports
flights-field-max-price = Highest price
flights-field-max-hours = Longest journey (each way)
flights-field-limit = Results per page
flights-field-origin = From
flights-field-lat = Your position
flights-field-budget = Budget
flights-field-dtime = Departure time, flight { $n }
flights-field-range-from = Earliest departure
flights-field-range-to = Latest departure
flights-field-search = Search
flights-field-numbered = { $field } (flight { $n })

## Cabins, brands, stops
flights-cabin-economy = Economy
flights-cabin-premium-economy = Premium economy
flights-cabin-business = Business
flights-cabin-first = First
flights-brand-basic = Basic
flights-brand-standard = Standard
flights-brand-flex = Flex
flights-max-stops-0 = Direct only
flights-max-stops-1 = Up to 1 stop
flights-max-stops-2 = Up to 2 stops
flights-stops = { $count ->
    [0] Direct
    [one] 1 stop
   *[other] { $count } stops
}

## Travellers
flights-party-adults = { $count ->
    [one] { $count } adult
   *[other] { $count } adults
}
flights-party-children = { $count ->
    [one] { $count } child
   *[other] { $count } children
}
flights-party-infants = { $count ->
    [one] { $count } infant
   *[other] { $count } infants
}

## Dates and durations
flights-duration-hm = { $h } h { $m } min
flights-duration-h = { $h } h
flights-duration-m = { $m } min
flights-date-short = { $day } { $month }
flights-date-weekday = { $weekday } { $date }
flights-weekday-1 = Mon
flights-weekday-2 = Tue
flights-weekday-3 = Wed
flights-weekday-4 = Thu
flights-weekday-5 = Fri
flights-weekday-6 = Sat
flights-weekday-7 = Sun
flights-month-1 = Jan
flights-month-2 = Feb
flights-month-3 = Mar
flights-month-4 = Apr
flights-month-5 = May
flights-month-6 = Jun
flights-month-7 = Jul
flights-month-8 = Aug
flights-month-9 = Sep
flights-month-10 = Oct
flights-month-11 = Nov
flights-month-12 = Dec
flights-arrives-days-later = { $count ->
    [one] arrives the next day
   *[other] arrives { $count } days later
}

## Results page
flights-results-title = { $route } flights
flights-route = { $from } → { $to }
flights-route-round = { $from } ⇄ { $to }
flights-modify = Change search
flights-results-heading = Flights
flights-count = { $count ->
    [one] 1 flight
   *[other] { $count } flights
}
flights-count-some = Showing { $shown } of { $total } flights
flights-show-more = Show more flights
flights-currency-note = Prices in { $currency }; amounts marked ≈ are in { $display } at today's display rate.
flights-approx = ≈ { $amount } (approx.)
flights-price-note = { $count ->
    [one] Total incl. taxes
   *[other] Total for { $count } travellers, incl. taxes
}
flights-seats-left = { $count ->
    [one] Only 1 seat left at this price
   *[other] Only { $count } seats left at this price
}
flights-partial = Some results could not be loaded in time ({ $suppliers }), so this list may be incomplete.
flights-offer-title = Flight option { $n }
flights-airport-change = Airport change
flights-slice-oneway = Flight
flights-slice-outbound = Outbound
flights-slice-return = Return
flights-slice-n = Flight { $n }

## Calendar
flights-calendar-heading = Prices on nearby dates
flights-calendar-title = Cheapest one-way fare by departure date
flights-calendar-depart = Departure date (returning { $date })
flights-calendar-return = Return date (leaving { $date })
flights-calendar-cheapest = cheapest
flights-calendar-none = no flights
flights-calendar-grid = All date combinations (7 × 7)
flights-grid-corner = Depart ↓ / Return →

## Sorting
flights-sort-label = Sort flights
flights-sort-best = Best
flights-sort-price = Cheapest
flights-sort-duration = Fastest
flights-sort-departure = Earliest departure
flights-sort-arrival = Earliest arrival
flights-sort-best-hint = “Best” balances price, travel time and stops: price ÷ the cheapest price + duration ÷ the shortest duration + ¼ for each stop. Lowest first.

## Filters
flights-filters = Filters
flights-filters-active = { $count ->
    [one] 1 filter on
   *[other] { $count } filters on
}
flights-filters-apply = Apply filters
flights-filters-clear = Clear filters
flights-filter-departure = Departure time: { $slice }
flights-filter-airline-hint = With airlines ticked, every flight of the trip is with one of them.
flights-filter-any-price = Any
flights-from-price = from { $price }
flights-time-any = Any time
flights-time-morning = Morning (05:00–12:00)
flights-time-afternoon = Afternoon (12:00–18:00)
flights-time-evening = Evening (18:00–22:00)
flights-time-night = Night (22:00–05:00)
flights-hours-any = Any length
flights-hours-max = { $hours ->
    [one] Up to 1 hour
   *[other] Up to { $hours } hours
}

## Empty state
flights-none-title = No flights match
flights-none-body = Try another date, more stops or fewer filters.
flights-suggest-date = Fly on { $date } from { $price }
flights-suggest-stops = Allow up to 2 stops
flights-suggest-change = Allow changing airports in the same city
flights-suggest-clear = Clear all filters

## Offer details
flights-fare-options = { $count ->
    [one] Fare
   *[other] { $count } fares to choose from
}
flights-fare-count = { $count ->
    [one] 1 fare
   *[other] { $count } fares
}
flights-details = Flight details and fare rules
flights-total-duration = { $duration } in all
flights-aircraft = Aircraft: { $aircraft }
flights-flight-time = Flight time { $duration }
flights-operated-by = Operated by { $carrier }
flights-layover = Layover { $duration } at { $airport }
flights-layover-change = Airport change: you arrive at { $arrive } and leave from { $depart }. Allow time to travel between them.
flights-fare-title = Fare
flights-baggage = Baggage (per traveller)
flights-bag-checked = { $pieces } × { $kg } kg checked bag included
flights-bag-no-checked = No checked bag (can be bought later)
flights-bag-carry-on = { $pieces } × { $kg } kg cabin bag
flights-conditions = Changes and refunds
flights-conditions-note = Fees are per traveller; for a change, any fare difference is added.
flights-refund-fee = Refundable before departure for a fee of { $fee }
flights-refund-free = Refundable before departure free of charge
flights-refund-no = Not refundable
flights-change-fee = Changes allowed before departure for a fee of { $fee }
flights-change-free = Free changes before departure
flights-change-no = No changes allowed
flights-cutoff = { $hours ->
    [one] Refunds and changes close 1 hour before departure
   *[other] Refunds and changes close { $hours } hours before departure
}
flights-cutoff-none = Refunds and changes possible until departure
flights-no-show-forfeit = No-show: the whole fare is lost
flights-no-show-taxes = No-show: only taxes are refunded
flights-no-show-fee = No-show: an extra { $fee } is charged

## Explore
explore-title = Explore cheap flights
explore-lead = See the cheapest places to fly from where you are, over the dates that suit you.
explore-origin = From
explore-near-me = Use my location
explore-locating = Finding your location…
explore-denied = We could not get your location. Type a city or airport instead.
explore-unsupported = This browser cannot share your location. Type a city or airport instead.
explore-submit = Explore
explore-hint = Direct flights, one traveller's fare unless you choose more adults. Budget is for the whole party.
explore-heading-from = Cheapest flights from { $place }
explore-heading-near = Cheapest flights from airports near you
explore-origins = Flying from:
explore-distance = { $km } km away
explore-none = No destinations fit these dates and this budget. Try a longer date range or a higher budget.
explore-results-note = Cheapest first. Choose a destination to see every flight that day.
explore-from-airport = from { $code }
explore-none-nearby = No airport with flights is within 150 km of your position.
explore-bad-position = Your position could not be read; type a city or airport instead.
