"""English dates for an international audience (ADR 0033): day before month, month in
words, 24-hour clock — "7 December 2026, 20:30" and, short, "7 Dec 2026, 20:30".

Django's own `en` formats are American ("12/07/2026 8:30 p.m."): a festival in Lyon
read in English would show its dates month first, which a European reader takes for the
12th of July. Only the formats shown to people change; what forms accept stays Django's
(and every date field of Rideau takes the browser's ISO date/time inputs).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
