# Django's English abbreviates the month ("Nov. 29, 2026"); the portal spells it out
# everywhere, as its French does (November 29, 2026).
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, g:i a"
# English sets the sign against the number (82%).
PERCENT_FORMAT = "%(value)s%%"
