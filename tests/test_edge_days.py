"""The days at the edges, on purpose: the run's own fixed day in every process, a month's last
evening and the first night of the next in Moscow time, a Sunday, the break between terms."""

import subprocess
import sys
from datetime import date

from django.utils import timezone
from django_tenants.utils import schema_context

from journal.models import Lesson
from monitoring.reports import previous_month, previous_week

from . import clock


def test_the_run_and_every_process_it_starts_live_on_the_fixed_day():
    assert date.today() == timezone.localdate() == clock.fixed_day()
    started = subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.date.today())"], capture_output=True, text=True
    )
    assert started.stdout.strip() == clock.fixed_day().isoformat()


def test_a_month_ends_at_midnight_in_moscow_not_in_utc():
    with clock.travel_to(date(2026, 12, 31), hour=23):  # 20:00 UTC: still December
        assert previous_month() == date(2026, 11, 1)
    with clock.travel_to(date(2027, 1, 1), hour=0):  # 21:00 UTC on the 31st: January in Moscow
        assert previous_month() == date(2026, 12, 1)


def test_a_sunday_closes_its_week():
    with clock.travel_to(date(2026, 12, 6)):  # a Sunday
        assert previous_week() == date(2026, 11, 23)
    with clock.travel_to(date(2026, 12, 7)):  # the Monday after
        assert previous_week() == date(2026, 11, 30)


def test_no_lesson_is_held_in_the_break_between_terms(world, db):
    holiday = world.calendar_a.holiday
    with schema_context(world.a.school.schema_name):
        lessons = Lesson.objects.filter(school_class=world.a.school_class)
        assert lessons.filter(date__lt=holiday.starts_on).exists() and lessons.filter(date__gt=holiday.ends_on).exists()
        assert not lessons.filter(date__range=(holiday.starts_on, holiday.ends_on)).exists()
