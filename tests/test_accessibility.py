"""ГОСТ Р 52872-2019 (WCAG 2.1): axe-core, Deque's rules (axe-playwright-python), in Chromium
over the most used pages of every role: no serious or critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.test_browser import sign_in
from tests.test_wide_pages import signed_in

AXE = Axe()
WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def serious_violations(page, urls):
    """url → the serious or critical rules it breaks, with where."""
    found = {}
    for url in urls:
        page.goto(url)
        results = AXE.run(page, options=WCAG).response
        bad = [
            f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[url] = bad
    return found


def family(world, portal, school, browser, **_):
    a = world.a
    child = f"{portal}/children/{a.school.slug}/{a.pupils[0].pk}/"
    found = serious_violations(browser.new_page(), [f"{portal}/login/", f"{school}/login/", f"{portal}/help/"])
    parent = browser.new_page()
    sign_in(parent, portal, world.parent.email)
    found |= serious_violations(parent, [f"{portal}/", child, f"{child}marks/", f"{portal}/messages/"])
    pupil = browser.new_page()
    sign_in(pupil, school, a.pupil_user.email)
    return found | serious_violations(pupil, [f"{school}/diary/", f"{school}/diary/marks/"])


def teacher(world, school, browser, lesson, **_):
    a = world.a
    page = browser.new_page()
    sign_in(page, school, a.class_teacher.email)
    journal = f"{school}/journal/{a.school_class.pk}/{world.calendar_a.math.pk}/"
    return serious_violations(
        page, [f"{school}/", f"{school}/lessons/{lesson.pk}/", journal, f"{school}/messages/", f"{school}/help/ask/"]
    )


def heads(world, school, browser, django_db_blocker, **_):
    deputy = signed_in(browser, school, world.a.deputy, django_db_blocker)
    found = serious_violations(
        deputy, [f"{school}/substitutions/", f"{school}/control/", f"{school}/quality/", f"{school}/classes/"]
    )
    admin = signed_in(browser, school, world.a.admin, django_db_blocker)
    return found | serious_violations(admin, [f"{school}/", f"{school}/staff/", f"{school}/setup/"])


def district(world, portal, browser, django_db_blocker, **_):
    official = signed_in(browser, portal, world.official, django_db_blocker)
    found = serious_violations(
        official, [f"{portal}/district/quality/", f"{portal}/district/quality/reports/", f"{portal}/district/"]
    )
    operator = signed_in(browser, portal, world.operator, django_db_blocker)
    return found | serious_violations(operator, [f"{portal}/billing/", f"{portal}/billing/invoices/"])


@pytest.mark.parametrize("people", [family, teacher, heads, district], ids=lambda people: people.__name__)
def test_the_most_used_pages_of_every_role_have_no_serious_violation(
    world, server, browser, lesson, django_db_blocker, people
):
    portal, school = f"http://localhost:{server}", f"http://{world.a.host}:{server}"
    found = people(
        world, portal=portal, school=school, browser=browser, lesson=lesson, django_db_blocker=django_db_blocker
    )
    assert found == {}, "\n".join(f"{url}: {rules}" for url, rules in found.items())


def test_the_version_for_the_visually_impaired_is_switched_from_the_header_and_remembered(world, server, browser):
    a = world.a
    portal = f"http://localhost:{server}"
    page = browser.new_page()
    sign_in(page, portal, world.parent.email)
    child = f"{portal}/children/{a.school.slug}/{a.pupils[0].pk}/"
    page.goto(child)
    usual = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
    with page.expect_navigation():
        page.click("text=Версия для слабовидящих")
    assert page.url == child  # back on the page it was switched from
    page.goto(f"{child}marks/")  # remembered on the next page
    assert page.evaluate("document.documentElement.classList.contains('low-vision')")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)") >= usual * 1.3
    assert serious_violations(page, [child, f"{child}marks/", f"{portal}/messages/"]) == {}
    with page.expect_navigation():
        page.click("text=Обычная версия")
    assert not page.evaluate("document.documentElement.classList.contains('low-vision')")


@pytest.mark.parametrize("where", ["lesson", "diary"])
def test_the_lesson_page_and_the_diary_are_used_with_the_keyboard_and_the_focus_is_always_visible(
    world, server, browser, lesson, where
):
    """Tab through the page: every stop shows the site's focus ring (dark inside yellow, seen on
    the dark header and on white), and the page's main action is reachable."""
    a = world.a
    school = f"http://{a.host}:{server}"
    page = browser.new_page()
    if where == "lesson":
        sign_in(page, school, a.class_teacher.email)
        page.goto(f"{school}/lessons/{lesson.pk}/")
        goal = ("BUTTON", "Сохранить урок")
    else:
        sign_in(page, school, a.pupil_user.email)
        page.goto(f"{school}/diary/")
        goal = ("A", "следующая неделя")
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                return [e.tagName, e.textContent.trim().slice(0, 30), s.outlineStyle, s.boxShadow]; }"""
        )
        stops.append(stop)
    # (BODY: past the last stop the focus leaves the page for the browser's own controls)
    unseen = [stop for stop in stops if stop[0] != "BODY" and (stop[2] == "none" or "255, 191, 71" not in stop[3])]
    assert not unseen, unseen
    assert any(tag == goal[0] and goal[1] in text for tag, text, *_ in stops), stops


def test_a_fields_refusal_is_tied_to_the_field_for_a_screen_reader(world, enter):
    """A refused field says so (aria-invalid) and points at its message (aria-describedby), so a
    screen reader reads the message with the field, not somewhere on the page."""
    import re

    page = enter(world.parent).post(
        "/account/password/", {"old_password": "not-it", "new_password1": "x1", "new_password2": "x2"}
    )
    html = page.content.decode()
    field = re.search(r'<input[^>]*name="old_password"[^>]*>', html)[0]
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field)[1].split()
    messages = [re.search(rf'<ul[^>]*id="{name}"[^>]*>(.*?)</ul>', html) for name in described]
    assert any(m and "введен неправильно" in m[1] for m in messages), described
