"""The district's pages in Chromium at 1366 px and on a 390 px phone: every indicator of the
dashboard in sight without scrolling sideways, and an official goes from a red figure to the
teacher and class behind it in three clicks."""

import psycopg
import pytest
from django.utils import timezone

from monitoring.models import NAMES
from tests.conftest import database_url_of_tests
from tests.test_browser import sign_in
from tests.test_two_factor import code_now

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def month_figures(world):
    """A month of both schools as their tasks would store it (the widest figures, 100,0), and
    school A's part by teacher with one red figure: committed for the server, removed after."""
    month = timezone.localdate().replace(day=1)
    a = world.a
    with psycopg.connect(database_url_of_tests(), autocommit=True) as own:
        for school in (a.school, world.b.school):
            for code in NAMES:
                own.execute(
                    "INSERT INTO monitoring_schoolmonth (school_id, month, code, numerator, denominator, computed_at)"
                    " VALUES (%s, %s, %s, %s, 1000, now())",
                    [school.pk, month, code, 1000 if code != "Q1" or school != a.school else 400],
                )
        for name, numerator in ((a.class_teacher.full_name, 30), (a.teacher.full_name, 100)):
            own.execute(
                "INSERT INTO monitoring_schoolmonthpart (school_id, month, part, name, code, numerator, denominator)"
                " VALUES (%s, %s, 'teacher', %s, 'Q1', %s, 100)",
                [a.school.pk, month, name, numerator],
            )
    yield month
    with psycopg.connect(database_url_of_tests(), autocommit=True) as own:
        own.execute("DELETE FROM monitoring_schoolmonth WHERE month = %s", [month])
        own.execute("DELETE FROM monitoring_schoolmonthpart WHERE month = %s", [month])


def signed_in(browser, base, user, django_db_blocker, **context):
    """A browser of `user`'s, through the sign-in page and their second factor (the world's app)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = browser.new_context(**context).new_page()
    sign_in(page, base, user.email)
    with django_db_blocker.unblock():
        code = code_now(TOTPDevice.objects.get(user=user, confirmed=True))
    page.fill("input[name=code]", code)
    page.press("input[name=code]", "Enter")
    page.wait_for_load_state()
    return page


def test_the_dashboard_fits_a_laptop_and_a_red_figure_leads_to_the_teacher(
    world, server, browser, month_figures, django_db_blocker
):
    page = signed_in(browser, f"http://localhost:{server}", world.official, django_db_blocker, **LAPTOP)
    page.goto(f"http://localhost:{server}/district/quality/?month={month_figures:%Y-%m}")  # click 1: the menu
    table, frame = page.locator("table.quality"), page.locator(".grid-wrap").first
    assert table.evaluate("t => t.scrollWidth") <= frame.evaluate("f => f.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    heads = page.locator("table.quality tr").first.locator("th")
    assert heads.count() == len(NAMES) + 1
    last = heads.last.bounding_box()
    assert last["x"] + last["width"] <= 1366  # the last indicator in sight
    red = page.locator("table.quality td.red a").first
    red.click()  # click 2: school A's red Q1
    page.wait_for_url(f"**/district/quality/{world.a.school.slug}/{month_figures:%Y-%m}/?code=Q1")
    first_teacher = page.locator("table.quality").nth(1).locator("tr").nth(1).locator("td").first
    assert first_teacher.text_content() == world.a.class_teacher.full_name  # the worst first
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_the_district_pages_stay_within_a_phone(world, server, browser, month_figures, django_db_blocker):
    page = signed_in(browser, f"http://localhost:{server}", world.official, django_db_blocker, **PHONE)
    for path in (
        f"/district/quality/?month={month_figures:%Y-%m}",
        f"/district/quality/{world.a.school.slug}/{month_figures:%Y-%m}/?code=Q1",
        f"/district/quality/{world.a.school.slug}/",
        "/district/programme/",
    ):
        page.goto(f"http://localhost:{server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


@pytest.mark.parametrize("screen", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_schools_wide_pages_scroll_inside_their_box(world, server, browser, django_db_blocker, screen):
    """The school's quality page, the сводная ведомость, the archive, the statistics and the
    programme: nothing wider than the screen, the wide tables scrolling inside their frames."""
    a, width = world.a, screen["viewport"]["width"]
    page = signed_in(browser, f"http://{a.host}:{server}", a.deputy, django_db_blocker, **screen)
    for path in (
        "/quality/",
        f"/classes/{a.school_class.pk}/summary/",
        "/archives/",
        "/reports/subjects/",
        "/reports/programme/",
        f"/journal/{a.school_class.pk}/{world.calendar_a.math.pk}/programme/",
    ):
        page.goto(f"http://{a.host}:{server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
