## Booking pages: checkout, payment, the sandbox bank check, the order, my bookings, find a booking.

bookings-nav-mine = My bookings
bookings-nav-find = Find a booking
bookings-book = Book
bookings-book-fare = Book this fare

## Checkout

bookings-checkout-title = Checkout
bookings-your-trip = Your trip
bookings-item-flight = Flight
bookings-item-hotel = Hotel
bookings-item-total = Price
bookings-total = Total
bookings-price-title = Price breakdown
bookings-line-base-fare = Fare
bookings-line-room-price = Room price
bookings-line-taxes = Taxes
bookings-line-fees = Fees
bookings-line-discount = Discount
bookings-cancellation = Cancellation terms
bookings-price-changed = The price changed from { $from } to { $to }.
bookings-price-changed-item = The price of { $item } changed from { $from } to { $to }.
bookings-price-changed-accept = Continuing books at the new total of { $total }.
bookings-add-hotel = Add a hotel in { $city }
bookings-search-flights = Search flights
bookings-search-hotels = Search hotels
bookings-form-problems = Please check the details below:
bookings-agent-title = Booking for a customer
bookings-customer = Customer (e-mail or phone)
bookings-customer-hint = The order is placed for this customer; they receive the confirmation. Leave empty to book for yourself.
bookings-passengers-title = Passengers
bookings-names-passport = Enter names exactly as printed on each passport.
bookings-names-id = Enter names as on the ID card or passport used to travel.
bookings-passenger-title = Passenger { $n } · { $kind }
bookings-kind-adult = Adult
bookings-kind-child = Child (2–11)
bookings-kind-infant = Infant (under 2)
bookings-fill-saved = Fill from a saved traveller
bookings-fill-saved-none = Enter details by hand
bookings-field-type = Passenger type
bookings-field-given-name = Given names
bookings-field-family-name = Surname
bookings-field-born-on = Date of birth
bookings-field-gender = Gender
bookings-field-nationality = Nationality (two letters)
bookings-field-passport-number = Passport number
bookings-field-passport-expiry = Passport expiry date
bookings-choose = Choose…
bookings-gender-f = Female
bookings-gender-m = Male
bookings-passport-saved = Leave blank to use the saved passport { $masked }.
bookings-guests-title = Hotel guests
bookings-room-title = Room { $n }
bookings-room-title-named = Room { $n } · { $room }
bookings-lead-guest-hint = The guest the room is booked under; they show ID at check-in.
bookings-special-requests = Special requests
bookings-special-requests-hint = For example a high floor or a late arrival. The hotel tries but can't promise.
bookings-optional = (optional)
bookings-contact-title = Contact details
bookings-contact-hint = We send the confirmation and any changes here.
bookings-contact-email = E-mail
bookings-contact-phone = Mobile number
bookings-hold-explain = We hold the seats and rooms for 15 minutes while you pay. Nothing is charged yet.
bookings-continue-to-payment = Continue to payment

## Payment

bookings-pay-title = Payment
bookings-pay-lead = Booking { $reference } is held for you. Pay before the time runs out to confirm it.
bookings-hold-left = Time left to pay:
bookings-hold-until = Held until { $time }.
bookings-hold-over = The time to pay has run out.
bookings-card-title = Card
bookings-sandbox-note = Test payments: this is the sandbox, no real money moves. Choose a test card to see what happens.
bookings-card-succeeds = pays successfully
bookings-card-3ds = asks your bank to confirm (3-D Secure)
bookings-card-fails = is declined ({ $code })
bookings-pay-submit = Pay { $total }
bookings-pay-now = Pay now
bookings-payment-in-progress = Your payment is being processed. This page shows the result once it is known.
bookings-declined-insufficient-funds = Your card was declined: insufficient funds. Nothing was charged; please try another card.
bookings-declined-lost-card = Your card was declined because it was reported lost. Nothing was charged; please try another card.
bookings-declined-stolen-card = Your card was declined because it was reported stolen. Nothing was charged; please try another card.
bookings-declined-expired-card = Your card has expired. Nothing was charged; please try another card.
bookings-declined-incorrect-cvc = The card's security code is incorrect. Nothing was charged; please try again.
bookings-declined-processing-error = The card couldn't be processed. Nothing was charged; please try again.
bookings-declined-payment-intent-authentication-failure = Your bank didn't confirm the payment. Nothing was charged; please try again or use another card.
bookings-expired-title = The time to pay ran out
bookings-expired-body = Booking { $reference } was not paid in time, so its seats and rooms were released. Nothing was charged. Prices and availability may have changed; please search again.
bookings-see-order = See the expired booking

## The sandbox's 3-D Secure page

bookings-3ds-sandbox = Sandbox bank
bookings-3ds-title = Your bank wants to confirm this payment
bookings-3ds-lead = This stands in for your bank's 3-D Secure check. Approve to go on with the payment, or refuse to stop it.
bookings-3ds-approve = Approve payment
bookings-3ds-refuse = Refuse
bookings-3ds-note = Test page of the payment sandbox: no real bank is involved.
bookings-finish-3ds = Confirm with your bank
bookings-reference = Booking reference
bookings-amount = Amount
bookings-card = Card

## The order

bookings-order-title = Booking { $reference }
bookings-confirmed-banner = Booking confirmed — reference { $reference }
bookings-confirmed-sent = We've sent the confirmation by e-mail and text message.
bookings-status = Status
bookings-booked-on = Booked
bookings-status-held = Held, awaiting payment
bookings-status-awaiting-payment = Payment in progress
bookings-status-paid = Paid, confirming
bookings-status-confirmed = Confirmed
bookings-status-expired = Expired
bookings-status-cancelled = Cancelled
bookings-item-status-held = Held
bookings-item-status-confirmed = Confirmed
bookings-item-status-released = Released
bookings-item-status-failed = Not confirmed
bookings-pnr = Airline reference (PNR)
bookings-hotel-confirmation = Hotel confirmation number
bookings-tickets = Ticket numbers
bookings-travellers-title = Travellers
bookings-lead-guest = Lead guest
bookings-guest-room = Room { $room }, { $hotel }
bookings-special-requests-shown = Requests: { $text }
bookings-born-on = Born { $date }
bookings-nationality-shown = Nationality { $country }
bookings-passport-shown = Passport ending { $last4 }, valid until { $expiry }
bookings-payments-title = Payments
bookings-payments-none = No payment yet.
bookings-payment-captured = ({ $amount } charged)
bookings-refunds-title = Refunds
bookings-when = When
bookings-who = By
bookings-event = What happened
bookings-timeline-title = History
bookings-payment-status-pending = Requested
bookings-payment-status-requires-action = Waiting for your bank
bookings-payment-status-processing = Processing
bookings-payment-status-succeeded = Paid
bookings-payment-status-failed = Declined, not charged
bookings-payment-status-requires-capture = Authorised, not yet charged
bookings-payment-status-partially-captured = Partly charged
bookings-payment-status-cancelled = Cancelled, not charged
bookings-payment-status-manual-review = Being checked by our finance team
bookings-event-created = Booking made and held
bookings-event-payment-started = Payment started
bookings-event-payment-failed = Payment declined
bookings-event-payment-requires-action = Bank asked to confirm the payment
bookings-event-payment-succeeded = Payment authorised
bookings-event-suppliers-confirmed = Confirmed by the airline and hotel
bookings-event-suppliers-failed = Not confirmed by the airline or hotel; payment given back
bookings-event-hold-expired = Hold expired; seats and rooms released
bookings-event-cancelled = Cancelled
bookings-actor-you = You
bookings-actor-guest = Guest
bookings-actor-traveller = Traveller
bookings-actor-agent = Wayfare agent
bookings-actor-system = Wayfare

## My bookings

bookings-mine-title = My bookings
bookings-upcoming = Upcoming
bookings-past = Past
bookings-ended = Cancelled and expired
bookings-upcoming-empty = No upcoming trips. Time to plan one?
bookings-past-empty = No past trips yet.
bookings-ended-empty = Nothing cancelled or expired.
bookings-view = View
bookings-placed-by-you = placed by you for a customer

## Find a booking

bookings-find-title = Find a booking
bookings-find-lead = Enter the booking reference and the e-mail address the booking was made with.
bookings-find-submit = Find booking
bookings-find-not-found = We couldn't find a booking with that reference and e-mail address. Please check both and try again.
bookings-find-sign-in = Booked with an account?
bookings-more-cards = More test cards: declines and the bank's check
bookings-supplier-price = { $amount } in the supplier's currency

## Payment methods

bookings-method-title = How would you like to pay?
bookings-method-card = Card
bookings-method-card-hint = Visa, Mastercard, American Express, UnionPay
bookings-method-instalments = Pay in instalments
bookings-method-instalments-hint = Monthly payments on your card, with a small fee
bookings-method-paypal = PayPal
bookings-method-paypal-hint = You approve the payment on PayPal's page
bookings-method-alipay = Alipay
bookings-method-alipay-hint = You pay on Alipay's page or in the Alipay app
bookings-method-wechatpay = WeChat Pay
bookings-method-wechatpay-hint = Scan a code with WeChat, or pay in WeChat on your phone
bookings-method-klarna = Klarna
bookings-method-klarna-hint = Pay later or in parts with Klarna
bookings-plan-title = Instalment plan
bookings-plan-label = { $count } × { $amount }
bookings-plan-detail = Fee { $fee } · { $total } in all · due { $dates }
bookings-plan-note = Your card is charged the total, fee included, when your booking is confirmed; your card's plan spreads it over the monthly payments shown.
bookings-new-card = A new card
bookings-card-needs-js = Entering a new card needs JavaScript: your card goes straight to our payment provider, never to us.
bookings-card-by-stripe = Your card details go straight to Stripe, our payment provider; we only receive a token.
bookings-wallet-note = You will be taken to the provider's page to approve the payment, then brought back here.
bookings-no-methods = No payment method can pay this booking in its currency. Please contact us.
bookings-payment-instalments = in { $count } instalments (fee { $fee })
bookings-payment-processing = We are waiting for the payment provider's answer. This page updates by itself; you will not be charged twice.
reason-payment-method-not-offered = that payment method isn't offered for this booking.
reason-instalments-not-offered = that instalment plan isn't offered for this booking.
reason-saved-card = choose one of your own saved cards.
bookings-refresh = Refresh now

## WeChat Pay and Klarna on the payment page

bookings-wechat-note = On a computer you scan a code with WeChat; on your phone you pay in WeChat Pay.
bookings-wechat-title = Pay with WeChat Pay
bookings-wechat-qr-alt = WeChat Pay code for this booking
bookings-wechat-scan = Open WeChat, tap + then Scan, and scan this code to pay.
bookings-wechat-scan-in-wechat = Already in WeChat? Press and hold the code, then choose to recognise it.
bookings-wechat-sheet = Confirm the payment in WeChat's payment window.
bookings-wechat-open = Open WeChat Pay
bookings-wechat-h5 = Pay on WeChat Pay's page; you will be brought back here.
bookings-wechat-waiting = Waiting for WeChat Pay. This page looks again every few seconds and moves on once you have paid.
bookings-wechat-paid = I have paid
bookings-wechat-other-way = Pay another way
bookings-wechat-continue = Continue paying with WeChat Pay
bookings-wechat-notice-not-yet = WeChat Pay has not received your payment yet. If you have just paid, wait a moment.
bookings-wechat-notice-unavailable = We could not reach WeChat Pay just now. Your payment is safe; try again in a moment.
bookings-wechat-notice-cancelled = The payment was cancelled. You can open WeChat Pay again or pay another way.
bookings-wechat-notice-failed = WeChat Pay could not take the payment. You can try again or pay another way.
bookings-wechat-authorize-failed = WeChat could not confirm who is paying. Please try again, or choose another way to pay.
bookings-wechat-unavailable = We could not reach WeChat just now. Please try again in a moment, or choose another way to pay.
bookings-klarna-needs-js = Paying with Klarna needs JavaScript: Klarna's own window asks for your details.
bookings-klarna-refused = Klarna can't be used for this booking. Please choose another way to pay.
bookings-klarna-unavailable = Klarna could not be loaded just now. Please try again, or choose another way to pay.
