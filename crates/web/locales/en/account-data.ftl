## Account data: travellers, preferences, payment methods, notifications, privacy

account-cancel = Cancel
account-edit = Edit
account-delete = Delete
account-choose-none = No preference
account-newer = Newer
account-older = Older

## Saved travellers
account-travellers-title = Travellers
account-travellers-lead = Save the people you book for, with their travel documents, to fill in bookings in one step. Document numbers are stored encrypted.
account-travellers-empty = No travellers saved yet.
account-traveller-add = Add a traveller
account-traveller-added = Traveller saved.
account-traveller-saved = Changes saved.
account-traveller-deleted = Traveller deleted.
account-traveller-new-title = Add a traveller
account-traveller-edit-title = Edit traveller
account-traveller-names-hint = Names exactly as printed in the passport, in Latin letters.
account-traveller-family-name = Surname (as in passport)
account-traveller-given-name = Given names (as in passport)
account-traveller-name-zh = Chinese name (optional)
account-traveller-dob = Date of birth
account-traveller-gender = Gender
account-traveller-nationality = Nationality
account-traveller-country-hint = Two-letter country codes, such as CN, HK or GB.
account-traveller-document = Travel document
account-traveller-document-type = Document type
account-traveller-document-number = Document number
account-traveller-document-keep = Stored: { $masked }. Leave blank to keep it.
account-traveller-document-country = Issuing country
account-traveller-expiry = Expiry date
account-gender-female = Female
account-gender-male = Male
account-gender-unspecified = Unspecified (X)
account-doc-type-passport = Passport
account-doc-type-national-id = Resident identity card
account-doc-type-hk-macau-permit = Exit-entry permit to Hong Kong and Macau
account-doc-type-taiwan-permit = Exit-entry permit to Taiwan
account-doc-type-home-return-permit = Home return permit (Hong Kong and Macau residents)
account-doc-type-taiwan-compatriot-permit = Mainland travel permit for Taiwan residents

## Preferences
account-prefs-title = Preferences
account-prefs-lead = Your usual choices. Searches start from them and you can always change them there.
account-prefs-saved = Preferences saved.
account-prefs-flights = Flights
account-prefs-cabin = Cabin
account-prefs-airlines = Preferred airlines
account-prefs-airlines-hint = Two-character airline codes separated by commas, most preferred first, such as CA, MU.
account-prefs-seat = Seat
account-prefs-meal = Special meal
account-prefs-hotels = Hotels
account-prefs-stars = Hotel class
account-prefs-stars-at-least = { $count ->
    [one] 1 star or more
   *[other] { $count } stars or more
}
account-prefs-amenities = Amenities I look for
account-prefs-site = Language and currency
account-prefs-language = Language
account-prefs-currency = Currency
account-prefs-from-account = From your preferences
account-seat-window = Window
account-seat-aisle = Aisle
account-meal-avml = Asian vegetarian
account-meal-bbml = Baby food
account-meal-blml = Bland
account-meal-chml = Child
account-meal-dbml = Diabetic
account-meal-fpml = Fruit platter
account-meal-gfml = Gluten-free
account-meal-hnml = Hindu
account-meal-ksml = Kosher
account-meal-lcml = Low calorie
account-meal-lfml = Low fat
account-meal-lsml = Low salt
account-meal-moml = Muslim
account-meal-nlml = Lactose-free
account-meal-rvml = Raw vegetarian
account-meal-sfml = Seafood
account-meal-vgml = Vegan
account-meal-vjml = Jain vegetarian
account-meal-vlml = Vegetarian (lacto-ovo)
account-meal-voml = Oriental vegetarian

## Payment methods
account-cards-title = Payment methods
account-cards-empty = No payment methods saved.
account-card-add = Add a card
account-card-add-lead = Cards are saved as a token from the payment provider. We never store the card number or security code.
account-card-token = Provider token
account-card-brand = Card brand
account-card-last4 = Last four digits
account-card-exp-month = Expiry month
account-card-exp-year = Expiry year
account-card-save = Save card
account-card-added = Card saved.
account-card-default = Default
account-card-default-set = Default card changed.
account-card-make-default = Make default
account-card-deleted = Card removed.
account-card-expires = Expires { $date }
account-card-brand-visa = Visa
account-card-brand-mastercard = Mastercard
account-card-brand-amex = American Express
account-card-brand-unionpay = UnionPay
account-card-brand-jcb = JCB
account-card-brand-discover = Discover
account-card-brand-diners = Diners Club
account-card-brand-other = Other card

## Notifications
account-notify-title = Notifications
account-notify-settings = What we send you
account-notify-saved = Notification settings saved.
account-notify-always = Always sent, to keep your account safe.
account-notify-always-booking = Always sent: your confirmation, with the itinerary, is your proof of booking.
account-notify-channel-email = E-mail
account-notify-channel-sms = SMS
account-notify-event-booking-confirmed = Booking confirmations
account-notify-event-booking-changed = Schedule changes and cancellations
account-notify-event-payment-receipt = Payment receipts
account-notify-event-refund-update = Refund updates
account-notify-event-account-security = Account security
account-notify-event-marketing = Offers and news
account-notify-history = Messages sent to you
account-notify-history-empty = No messages yet.
account-notify-failed = Not delivered

## Privacy
account-privacy-title = Privacy and data
account-export-title = Download your data
account-export-lead = A JSON file with everything we store about you: profile, preferences, travellers with their documents, payment methods (without card details) and sign-in history.
account-export-button = Download my data
account-delete-title = Delete account
account-delete-lead = Your personal details, travellers and saved cards are deleted and you are signed out everywhere. Bookings and payments are kept as the law requires, without your name. This cannot be undone.
account-delete-button = Delete my account
account-delete-needs-password = Set a password on the security page first, to confirm the deletion.

## Why a field was refused
reason-country-code = use a two-letter country code such as CN.
reason-date-format = use a date such as 1990-05-17.
reason-date-of-birth = the date of birth can't be in the future.
reason-gender = choose female, male or unspecified.
reason-document-type = choose the kind of document.
reason-document-number = use 5 to { $max } letters and digits, as printed.
reason-document-expired = this document has expired.
reason-too-many-travellers = you can save up to { $max } travellers.
reason-unknown-channel = the channels are email and sms.
reason-unknown-notification = we don't know that kind of notification.
reason-card-data-refused = never send card numbers or security codes; use the payment provider's token.
reason-card-number-refused = that looks like a card number; use the payment provider's token instead.
reason-payment-provider = use the payment provider's code, such as stripe.
reason-payment-token = use the token from the payment provider, such as pm_….
reason-card-brand = choose the card brand.
reason-card-last4 = enter the last four digits of the card.
reason-card-exp-month = choose a month from 1 to 12.
reason-card-exp-year = enter the four-digit year.
reason-card-expired = this card has expired.
reason-unknown-seat = choose window or aisle.
reason-unknown-meal = use a special-meal code such as VGML.
reason-unknown-field = that field isn't accepted here.

## Field names in error messages
field-date_of_birth = date of birth
field-gender = gender
field-nationality = nationality
field-document_type = document type
field-document_number = document number
field-document_country = issuing country
field-document_expiry = expiry date
field-travellers = travellers
field-seat = seat
field-meal = meal
field-cabin = cabin
field-preferred_airlines = preferred airlines
field-hotel_min_stars = hotel class
field-hotel_amenities = amenities
field-language = language
field-channel = channel
field-event = notification
field-provider = payment provider
field-provider_token = provider token
field-brand = card brand
field-last4 = last four digits
field-exp_month = expiry month
field-exp_year = expiry year
field-cvv = security code
field-cvc = security code
field-number = card number
field-card_number = card number
