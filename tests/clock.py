"""The tests' clock: one fixed school day for the whole run, in every process of it.

The test world (tests/conftest.py) is laid out around today. So that no test depends on the day
it runs, today is TESTS_TODAY (by default Wednesday 18 November 2026: mid-term, mid-month, a
school day) at 10:00 Moscow time, and the clock runs on from there (time-machine). The processes
a test starts (a Celery worker, gunicorn, the dev server, manage.py, moto) run on the same clock:
PYTHONPATH names tests/clockhook, whose sitecustomize applies the same shift (TESTS_CLOCK_SHIFT)
as each of them starts; the browser's pages get it from Playwright (tests/conftest.py: Browser).

Edge days are tested on purpose (tests/test_edge_days.py travels to them; tests of today's lessons
go to Monday on a Sunday), and `make test-dates` runs the modules that read the date with
TESTS_TODAY on a Sunday, a 1st, a 31st and public holidays."""

import os
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as daytime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

DEFAULT_DAY = "2026-11-18"
MOSCOW = ZoneInfo("Europe/Moscow")
HOOK = Path(__file__).resolve().parent / "clockhook"


def fixed_day():
    return date.fromisoformat(os.environ.get("TESTS_TODAY") or DEFAULT_DAY)


def start():
    """Puts this process on the run's clock, once, and passes it on to the processes it starts."""
    if "TESTS_CLOCK_SHIFT" not in os.environ:
        moment = datetime.combine(fixed_day(), daytime(10, 0), MOSCOW)
        os.environ["TESTS_CLOCK_SHIFT"] = repr(moment.timestamp() - time.time())
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HOOK), os.environ.get("PYTHONPATH")]))
    if not time_machine.escape_hatch.is_travelling():
        time_machine.travel(time.time() + float(os.environ["TESTS_CLOCK_SHIFT"]), tick=True).start()


def school_day_from(day):
    """`day`, or the Monday after it when it is a Sunday: no school has lessons on Sundays."""
    return day + timedelta(days=1) if day.isoweekday() == 7 else day


@contextmanager
def travel_to(day, hour=10):
    """This process at `hour` o'clock Moscow time of `day`, the clock running on from there (for
    what a test does itself: the processes it started stay on the run's day)."""
    with time_machine.travel(datetime.combine(day, daytime(hour, 0), MOSCOW), tick=True):
        yield
