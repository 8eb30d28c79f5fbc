"""Days typed into an address (?date=, ?week=, ?month=): only within the years a school record
can hold, so that a page's "previous" and "next" never run past year 1 or 9999."""

from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import get_language

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def day_from(text):
    """The ISO date `text` names, or None when it is no date or out of range."""
    try:
        day = date.fromisoformat(text or "")
    except (TypeError, ValueError):
        return None
    return day if EARLIEST <= day <= LATEST else None


def next_month(day):
    """The first day of the month after the one `day` is in."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


MONTHS = "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split()


def month_name(month):
    """«ноябрь 2026»: a month as a Russian document names it (Django's names in another language)."""
    if get_language() != "ru":
        return date_format(month, "F Y")
    return f"{MONTHS[month.month - 1]} {month.year}"


OF_MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()


def date_in_words(day):
    """«07 декабря 2026 г.»: a document's date (Django's words in another language)."""
    if get_language() != "ru":
        return date_format(day, "j F Y")
    return f"{day:%d} {OF_MONTHS[day.month - 1]} {day.year} г."
