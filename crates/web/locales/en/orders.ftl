## Orders: errors and reasons.

error-offer-unavailable = That offer is no longer available. Please search again.
error-price-changed = The price has changed to { $total }. Please review and accept the new price to continue.
error-price-changed-generic = The price has changed. Please review and accept the new price to continue.
error-sold-out = Sorry, that just sold out. Please choose another flight or room.
error-hold-expired = Your reservation has expired and the seats and rooms were released. Nothing was charged. Please book again.
error-order-not-payable = This order can't be paid in its current state.
error-payment-in-progress = A payment for this order is already in progress. Please wait a moment.
error-payment-declined = Your payment was declined. Nothing was charged; please try another card.
error-payment-unavailable = The payment service isn't available right now. Nothing was charged; please try again shortly.
error-supplier-unavailable = The airline or hotel system isn't answering right now. Please try again shortly.
error-supplier-rejected = The airline or hotel couldn't accept these details. Please check them and try again.
error-confirmation-failed = We couldn't confirm order { $reference } with the airline or hotel. Your payment was released and nothing was charged.
error-confirmation-failed-generic = We couldn't confirm your order with the airline or hotel. Your payment was released and nothing was charged.
error-idempotency-key-reused = This Idempotency-Key was already used for a different request.
error-request-in-progress = The same request is still being processed. Please wait a moment.

reason-order-empty = choose a flight or a hotel to book.
reason-rate-rooms = this rate is for { $count } rooms; name a guest for each.
reason-room-party = this room's guests don't match the rate you chose.
reason-no-exchange-rate = prices can't be shown in that currency right now.
reason-passenger-type = choose adult, child or infant.
reason-infant-without-adult = each infant needs an adult of their own.
reason-payment-unavailable-provider = that payment method isn't available.
reason-payment-method = that card or payment method can't be used.
reason-idempotency-key = send 1–255 characters.
reason-amount = enter an amount such as 1234.50.
reason-born-in-future = the date of birth is in the future.
reason-passenger-too-old = this traveller is { $age } on the travel date; choose the matching passenger type.
reason-passenger-too-young = this traveller is only { $age } on the travel date; choose the matching passenger type.
reason-passport-required = a passport is required for international travel.
reason-passport-number = enter 5–20 letters and digits as printed on the passport.
reason-passport-expired = the passport has expired by the travel date.
reason-passport-expires-soon = the passport must be valid for { $months } months after the trip.
reason-nationality = enter the two-letter country code, e.g. CN or GB.
reason-passenger-gender = choose female or male, as on the passport.

## Payments: staff operations and provider notifications.
error-payment-state = This payment can't do that in its current state.
error-refund-not-allowed = Nothing more can be refunded from this payment.
error-webhook-rejected = The notification could not be verified and was ignored.
reason-capture-amount = capture at most the authorised amount, in its currency.
reason-refund-currency = refund in the payment's currency.
reason-card-number-not-accepted = send the token from the payment form, never a card number.
error-event-not-dead = Only an event that failed for good can be sent again.
reason-unknown-status = the statuses are pending, delivered and dead.
