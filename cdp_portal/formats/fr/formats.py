# DATE_FORMAT stays Django's "j F Y" (29 novembre 2026).
# Django's "j F Y H:i" runs the date into the time; the comma keeps them apart.
DATETIME_FORMAT = "j F Y, H:i"
# French sets the sign apart with a narrow no-break space (82 %), never wrapped alone.
PERCENT_FORMAT = "%(value)s\u202f%%"
