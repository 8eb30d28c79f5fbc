"""The diary on a phone, in Chromium at 390 × 844: no portal or pupil page is wider than the
screen; a parent switches child and reads marks; the web app installs (manifest, service worker)
and the last opened week stays readable offline, marked as saved."""

import json

import pytest
from django_tenants.utils import schema_context

from diary import services as diary
from diary.models import Message, Thread, ThreadMember
from tests.test_browser import sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def thread(world, django_db_blocker):
    """A conversation of the parent's (committed, for the server), removed afterwards."""
    a = world.a
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        found = diary.start_thread(
            school=a.school,
            by=a.class_teacher,
            subject="Экскурсия в музей в пятницу, сбор у школы в 9:00",
            text="Добрый день! " + "Подробности поездки. " * 40,
            pupil=a.pupils[0],
        )
    yield found
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        Message.objects.filter(thread=found).delete()
        ThreadMember.objects.filter(thread=found).delete()
        Thread.objects.filter(pk=found.pk).delete()


def wider_than_the_screen(page, urls):
    found = {}
    for url in urls:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            found[url] = width
    return found


def test_no_portal_or_pupil_page_is_wider_than_a_phone(world, server, thread, browser):
    a = world.a
    portal, school = f"http://localhost:{server}", f"http://{a.host}:{server}"
    child = f"{portal}/children/{a.school.slug}/{a.pupils[0].pk}/"
    anonymous = browser.new_context(**PHONE).new_page()
    signed_out = wider_than_the_screen(anonymous, [f"{portal}/login/", f"{portal}/invite/", f"{school}/login/"])
    parent = browser.new_context(**PHONE).new_page()
    sign_in(parent, portal, world.parent.email)
    family = wider_than_the_screen(
        parent,
        [
            f"{portal}/",
            child,
            f"{child}marks/",
            f"{child}attendance/",
            f"{child}views/",
            f"{child}plan/",
            f"{child}exams/",
            f"{child}years/",
            f"{child}portfolio/",
            f"{portal}/messages/",
            f"{portal}/messages/{a.school.slug}/{thread.pk}/",
            f"{portal}/notifications/",
        ],
    )
    pupil = browser.new_context(**PHONE).new_page()
    sign_in(pupil, school, a.pupil_user.email)
    own = wider_than_the_screen(
        pupil,
        [f"{school}/diary/{tab}" for tab in ("", "marks/", "attendance/", "exams/", "years/", "portfolio/")],
    )
    assert signed_out == {} and family == {} and own == {}


def test_a_parent_on_a_phone_switches_child_and_reads_marks(world, server, browser):
    a, b = world.a, world.b
    page = browser.new_context(**PHONE).new_page()
    sign_in(page, f"http://localhost:{server}", "+7 900 111-22-33")
    page.click(f"text={a.pupils[0].full_name}")
    page.wait_for_url(f"**/children/{a.school.slug}/{a.pupils[0].pk}/")  # loaded: its script listens
    page.select_option("select[name=child]", label=f"{b.pupils[1].full_name} — 5А, {b.school.short_name}")
    page.wait_for_url(f"**/children/{b.school.slug}/{b.pupils[1].pk}/")
    page.click("nav.tabs >> text=Отметки")
    page.wait_for_url("**/marks/")
    heading = page.locator("h1").text_content()
    tab = page.locator("nav.tabs a.active").bounding_box()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert b.pupils[1].full_name in heading
    assert tab["height"] >= 44  # a finger's target
    assert width <= 390


def test_the_web_app_installs_and_the_last_week_stays_readable_offline(world, server, browser):
    a = world.a
    portal = f"http://localhost:{server}"
    week = f"{portal}/children/{a.school.slug}/{a.pupils[0].pk}/"
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, portal, world.parent.email)
    page.goto(week)
    manifest_url = page.get_attribute("link[rel=manifest]", "href")
    manifest = json.loads(page.request.get(portal + manifest_url).text())
    icons = [page.request.get(portal + icon["src"]).status for icon in manifest["icons"]]
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    page.reload()  # the worker now controls the page and keeps this week
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.goto(week)
    context.set_offline(True)
    page.goto(week)
    offline = page.locator("main").text_content()
    assert manifest["name"] and manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"} and icons == [200, 200]
    assert scope == f"{portal}/"
    assert "Нет связи" in offline and "сохранена" in offline and a.pupils[0].full_name in offline


def test_at_200_percent_zoom_the_diary_still_fits(world, server, browser):
    """A 1366 px screen at 200 % zoom is a 683 px page: the phone layout, nothing sideways."""
    a = world.a
    portal = f"http://localhost:{server}"
    child = f"{portal}/children/{a.school.slug}/{a.pupils[0].pk}/"
    page = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=2).new_page()
    page.set_viewport_size({"width": 683, "height": 384})
    sign_in(page, portal, world.parent.email)
    widths = {}
    for url in (child, f"{child}marks/", f"{child}attendance/", f"{portal}/messages/", f"{portal}/notifications/"):
        page.goto(url)
        widths[url] = page.evaluate("document.documentElement.scrollWidth")
    assert {url: width for url, width in widths.items() if width > 683} == {}


def test_a_parents_day_on_a_phone_is_a_line_a_lesson(world, server, browser):
    """Before: each lesson was a card of five labelled lines (about nine screens a week)."""
    a = world.a
    page = browser.new_context(**PHONE).new_page()
    sign_in(page, f"http://localhost:{server}", world.parent.email)
    page.goto(f"http://localhost:{server}/children/{a.school.slug}/{a.pupils[0].pk}/")
    rows = page.locator("table.diary tr:has(td)")
    heights = [box["height"] for box in (rows.nth(n).bounding_box() for n in range(rows.count()))]
    assert heights and max(heights) <= 80, heights  # a line, and a small one for topic and homework
    # Seven lessons and the day's heading fit the 844 px screen.
    assert 7 * max(heights) + 60 < 844
