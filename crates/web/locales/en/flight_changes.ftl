## Flight schedule changes: the admin's simulation of an airline's delay, retime or cancellation.

reason-flight-number = use the flight number without the airline code, from 1 to 9999.
reason-flight-change-kind = choose delay, retime or cancel.
reason-flight-delay-minutes = give a delay from 1 to { $max } minutes.

field-carrier = airline
field-flight_number = flight number
field-date = date
field-change = change
field-minutes = delay in minutes
field-departs = new departure time
