# Wayfare — English. Every key here must also exist in every other locale (a test checks).

language-native-name = English
site-name = Wayfare
site-description = Flights and hotels worldwide, booked in Chinese or English, paid your way.

## Navigation and layout
nav-skip-to-content = Skip to content
nav-label = Main
nav-home = Home
nav-airports = Airports
nav-api = Developers
prefs-language = Language
prefs-currency = Currency
prefs-apply = Apply
footer-tagline = flights and hotels for travellers in China and around the world.
footer-nav-label = Footer
footer-api-docs = API documentation
footer-openapi = OpenAPI document
footer-prices-in = Prices are shown in { $currency } at display rates; you pay in the currency stated at checkout.
footer-data-credits = Airport data: airportsdata (MIT). Airline data: OpenFlights (ODbL 1.0). City data: GeoNames (CC BY 4.0).

## Home
home-title = Flights and hotels
home-hero-title = Go further, book with confidence
home-hero-lead = Flights across the world's airlines and hotels in thousands of cities — clear prices in your currency, fair change and refund rules, and help in Chinese or English.
home-finder-label = Find an airport
home-finder-placeholder = City, airport or code — e.g. 上海, London, PVG
home-finder-submit = Search
home-finder-hint = Type a city, airport name or three-letter code in Chinese or English.
home-finder-results = Matching airports
home-finder-none = No airport matches that.
home-offer-title = What Wayfare offers
home-offer-flights-title = Flights
home-offer-flights-body = One-way, round-trip and multi-city trips with connections that can really be made, filters, and a calendar of the cheapest days.
home-offer-hotels-title = Hotels
home-offer-hotels-body = Hotels by destination and dates for every room and guest, with maps, themes, deals and the chains you trust.
home-offer-payments-title = Pay your way
home-offer-payments-body = Cards, Alipay, WeChat Pay, PayPal, instalments or your Wayfare wallet — with prices that never change between search and payment.
home-offer-support-title = Help when you need it
home-offer-support-body = Change or refund with fees worked out from the fare and hotel rules, and chat with our assistant or an agent.
home-data-title = Built on real data
home-data-body = Every airport, airline and city comes from published data sets, with local time zones, so times and connections are right.
home-data-airports = Airports
home-data-airlines = Airlines
home-data-cities = Cities
home-rates-title = Display rates in { $currency }
home-rates-none = No other currencies are configured.
home-rates-col-currency = Currency
home-rates-col-amount = Amount
home-rates-note = Rates as of { $date }, rounded half to even. Used to show prices only.

## Airport finder page
airports-title = Airports
airports-heading = Airports matching “{ $query }”
airports-prompt = Search airports by city, name or code.
airports-col-code = Code
airports-col-name = Airport
airports-col-city = City
airports-col-country = Country
airports-col-tz = Time zone
airports-none = No airport matches “{ $query }”. Try a city name or a three-letter code.
airports-count = { $count ->
    [one] One airport
   *[other] { $count } airports
}

## Error pages
error-page-title-400 = That request didn't work
error-page-title-403 = Not allowed
error-page-title-404 = Page not found
error-page-title-500 = Something went wrong on our side
error-page-home = Back to the home page

## Error messages (API and pages); keys are error- plus the error code
error-not-found = We couldn't find what you asked for.
error-method-not-allowed = That action isn't available here.
error-invalid-json = The request body isn't valid JSON for this endpoint.
error-invalid-query = The request's query parameters are missing or malformed.
error-invalid-form = The form data couldn't be read.
error-validation-failed = Please check “{ $field }”: { $reason }
error-validation-failed-generic = Some of the information sent isn't valid.
error-unsupported-media-type = Send this request as JSON (Content-Type: application/json).
error-payload-too-large = The request is too large.
error-csrf-failed = Your session's security check failed. Reload the page and try again.
error-request-timeout = That took too long. Please try again.
error-unknown-currency = “{ $code }” isn't a currency we know.
error-unknown-currency-generic = That isn't a currency we know.
error-no-exchange-rate = We have no exchange rate for { $code }.
error-no-exchange-rate-generic = We have no exchange rate for that currency.
error-database-unavailable = The service is temporarily unavailable. Please try again shortly.
error-internal = Something went wrong on our side. We've logged it; please try again.

## Reasons for validation errors
reason-required = this is required.
reason-too-long = this is too long.
reason-limit-range = choose a number from 1 to { $max }.
reason-unknown-language = that language isn't available.
reason-unknown-currency = that currency isn't available.
reason-not-a-number = enter an amount such as 100 or 99.50.
reason-too-precise = this currency has { $digits } decimal places.
reason-out-of-range = the amount is too large.

## Currency names
currency-AED = UAE dirham
currency-AUD = Australian dollar
currency-CAD = Canadian dollar
currency-CHF = Swiss franc
currency-CNY = Chinese yuan
currency-EUR = Euro
currency-GBP = British pound
currency-HKD = Hong Kong dollar
currency-JPY = Japanese yen
currency-KRW = South Korean won
currency-MYR = Malaysian ringgit
currency-NZD = New Zealand dollar
currency-SGD = Singapore dollar
currency-THB = Thai baht
currency-TWD = New Taiwan dollar
currency-USD = US dollar

## Flight search validation
reason-slice-count = give from 1 to { $max } flights (slices).
reason-unknown-airport = we don't know that airport; use a three-letter IATA code such as PVG.
reason-same-origin-destination = the destination must differ from the origin.
reason-invalid-date = use a date such as 2026-12-10.
reason-date-in-past = that date has passed.
reason-date-beyond-horizon = flights can't be booked that far ahead yet.
reason-date-before-previous = this flight leaves before the previous one.
reason-invalid-time = use a time such as 08:30.
reason-adult-required = at least one adult must travel.
reason-infants-exceed-adults = each infant must sit on an adult's lap; add adults or remove infants.
reason-too-many-passengers = at most { $max } travellers can book together.
reason-unknown-cabin = choose economy, premium_economy, business or first.
reason-max-connections = choose from 0 to { $max } connections.
reason-unknown-airline = use two-character airline codes such as CA.
reason-range-inverted = the maximum is below the minimum.
reason-unknown-sort = sort by best, price, duration, departure or arrival.
