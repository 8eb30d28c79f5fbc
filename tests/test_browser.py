"""In a real browser (Debian's chromium, driven by Playwright): a teacher types marks into the
journal grid with the keyboard, they are saved without a reload, and they survive a reload."""

from datetime import date
from datetime import time as clock

import psycopg
import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from journal import services
from journal.models import (
    Attendance,
    Bell,
    Lesson,
    Mark,
    Pupil,
    PupilMovement,
    SchoolClass,
    TimetableSlot,
)
from tests.conftest import PASSWORD, audit_rewritable, database_url_of_tests
from tests.test_two_factor import code_now


def sign_in(page, base, identifier):
    page.goto(f"{base}/login/")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@pytest.fixture(scope="module")
def own_class(world, django_db_blocker):
    """A class of its own (committed, for the server to see), removed again afterwards."""
    a, cal = world.a, world.calendar_a
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        school_class = services.create_class(grade=5, letter="Ж", class_teacher=a.class_teacher)
        pupils = [
            services.enroll_pupil(
                school_class=school_class,
                last_name=name,
                first_name="Браузер",
                birth_date=date(2015, 1, 1),
                enrolled_on=cal.year.starts_on,
                order="1-у",
            )
            # a class of 25: three the grid test types into, then the rest of the class
            for name in ("Аверин", "Борисова", "Васильев", *(f"Яковлев-{n:02d}" for n in range(1, 23)))
        ]
        for weekday in range(1, 7):
            services.add_slot(
                school=a.school,
                weekday=weekday,
                number=3,
                school_class=school_class,
                subject=cal.math,
                teacher=a.class_teacher,
                valid_from=cal.year.starts_on,
            )
    yield school_class, pupils
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        remove_class(school_class)


def remove_class(school_class):
    """Takes a test's committed class away again, with everything recorded in it."""
    lessons = Lesson.objects.filter(school_class=school_class)
    marks = Mark.objects.filter(lesson__in=lessons)
    attendance = Attendance.objects.filter(lesson__in=lessons)
    with audit_rewritable():
        AuditEntry.objects.filter(target_type="journal.mark", target_id__in=marks.values("pk")).delete()
        AuditEntry.objects.filter(target_type="journal.attendance", target_id__in=attendance.values("pk")).delete()
        AuditEntry.objects.filter(target_type="journal.lesson", target_id__in=lessons.values("pk")).delete()
    marks.delete()
    attendance.delete()
    lessons.delete()
    TimetableSlot.objects.filter(school_class=school_class).delete()
    PupilMovement.objects.filter(pupil__school_class=school_class).delete()
    Pupil.objects.filter(school_class=school_class).delete()
    SchoolClass.objects.filter(pk=school_class.pk).delete()
    connection.set_schema_to_public()


def test_a_teacher_types_marks_into_the_grid_and_they_survive_a_reload(world, own_class, server, browser):
    from playwright.sync_api import expect

    a, cal = world.a, world.calendar_a
    school_class, pupils = own_class
    base = f"http://{a.host}:{server}"
    page = browser.new_page()
    sign_in(page, base, a.class_teacher.email)
    page.goto(f"{base}/journal/{school_class.pk}/{cal.math.pk}/?term={cal.term.pk}")
    first = page.locator(f'tr[data-pupil="{pupils[0].pk}"] td.cell[data-open] input.entry').last
    first.click()
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    page.wait_for_selector("#status.ok")
    page.keyboard.press("ArrowDown")  # the same lesson, the next pupil
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    # A locator, not wait_for_function: the page's Content-Security-Policy forbids eval, for tests too.
    expect(page.locator("#grid span.mark")).to_have_count(2)
    assert page.locator(f'tr[data-pupil="{pupils[0].pk}"] .avg').text_content() == "5.00"
    page.keyboard.press("ArrowDown")
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # twice, before the first answer: one mark
    page.keyboard.press("Enter")
    expect(page.locator(f'tr[data-pupil="{pupils[2].pk}"] span.mark')).to_have_count(1)
    page.reload()
    rows = [page.locator(f'tr[data-pupil="{pupil.pk}"] span.mark').all_text_contents() for pupil in pupils[:3]]
    assert rows == [["5"], ["4"], ["3"]]
    with schema_context(a.school.schema_name):
        marks = Mark.objects.filter(lesson__school_class=school_class)
        assert sorted(m.value for m in marks) == ["3", "4", "5"]
        last_lesson = Lesson.objects.filter(school_class=school_class, date__lte=date.today()).order_by("date").last()
        assert {m.lesson_id for m in marks} == {last_lesson.pk}
        assert AuditEntry.objects.filter(target_type="journal.mark", target_id__in=[m.pk for m in marks]).count() == 3


def test_the_grid_marks_a_refused_entry_at_its_cell_takes_н_and_edits_a_mark_in_place(
    world, own_class, server, browser
):
    """Before: a refused «6» stayed in its cell looking saved (the reason below the grid), «н» could
    not be typed, and a mark was changed through the browser's prompt, with no comment."""
    from playwright.sync_api import expect

    a, cal = world.a, world.calendar_a
    school_class, pupils = own_class
    base = f"http://{a.host}:{server}"
    page = browser.new_page()
    sign_in(page, base, a.class_teacher.email)
    page.goto(f"{base}/journal/{school_class.pk}/{cal.math.pk}/?term={cal.term.pk}")
    cell = page.locator(f'tr[data-pupil="{pupils[3].pk}"] td.cell[data-open]').last
    entry = cell.locator("input.entry")
    entry.click()
    page.keyboard.type("6")
    page.keyboard.press("Enter")
    expect(entry).to_have_attribute("aria-invalid", "true")
    expect(cell.locator(".cell-error")).to_contain_text("Не сохранено")
    expect(cell.locator("span.mark")).to_have_count(0)
    entry.fill("н")
    page.keyboard.press("Enter")
    expect(cell.locator(".abs")).to_have_text("н")
    expect(entry).not_to_have_attribute("aria-invalid", "true")
    lesson_id = int(cell.get_attribute("data-lesson"))
    with schema_context(a.school.schema_name):
        assert Attendance.objects.live().get(lesson_id=lesson_id, pupil=pupils[3]).status == "absent"

    # The column's work type, chosen once, stays chosen after a reload.
    column = page.locator(f'th[data-lesson="{lesson_id}"] select.work-type')
    column.select_option(str(cal.test_work.pk))
    page.reload()
    expect(column).to_have_value(str(cal.test_work.pk))

    other = page.locator(f'tr[data-pupil="{pupils[4].pk}"] td.cell[data-open]').last
    other.locator("input.entry").click()
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(other.locator("span.mark")).to_have_text("4")
    other.locator("span.mark").click()
    editor = page.locator("form.mark-editor")
    expect(editor).to_be_visible()
    editor.locator("select[name=value]").select_option("5")
    editor.locator("input[name=comment]").fill("Устный ответ у доски")
    editor.locator("button[type=submit]").click()
    expect(other.locator("span.mark")).to_have_text("5")
    expect(editor).to_be_hidden()
    with schema_context(a.school.schema_name):
        mark = Mark.objects.get(lesson_id=lesson_id, pupil=pupils[4])
        assert (mark.value, mark.comment, mark.work_type_id) == ("5", "Устный ответ у доски", cal.test_work.pk)


def test_the_deputy_covers_an_absence_with_the_suggested_teachers_in_one_press(
    world, own_class, server, browser, django_db_blocker
):
    """The substitution flow as the deputy works it: the absence recorded in the form, its lessons
    listed with a free teacher preselected, one press. (A Tuesday: the class teacher's only lesson
    then is the test class's own.)"""
    from playwright.sync_api import expect

    a = world.a
    school_class, _ = own_class
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        tuesday = (
            Lesson.objects.filter(school_class=school_class, date__gt=date.today(), date__week_day=3)
            .order_by("date")
            .first()
            .date
        )
    page = browser.new_page()
    base = f"http://{a.host}:{server}"
    sign_in(page, base, a.deputy.email)
    with django_db_blocker.unblock():  # the deputy's second factor, from the world's app
        code = code_now(TOTPDevice.objects.get(user=a.deputy, confirmed=True))
    page.fill("input[name=code]", code)
    page.press("input[name=code]", "Enter")
    page.wait_for_load_state()
    page.goto(f"{base}/substitutions/")
    page.click("text=Учитель отсутствует несколько дней")
    page.select_option("select[name=teacher]", str(a.class_teacher.pk))
    page.fill("input[name=starts_on]", tuesday.isoformat())
    page.fill("input[name=ends_on]", tuesday.isoformat())
    page.select_option("select[name=reason]", "course")
    page.click("text=Записать и назначить замены")
    choice = page.locator("select[name^=teacher_]")
    expect(choice).to_have_count(1)
    expect(choice).to_have_value(str(a.teacher.pk))  # free in period 3, suggested first
    page.click("text=Назначить выбранные замены")
    expect(page.locator(".messages")).to_contain_text("Назначено замен: 1")
    try:
        with django_db_blocker.unblock(), schema_context(a.school.schema_name):
            lesson = Lesson.objects.get(school_class=school_class, date=tuesday)
            assert lesson.taught_by_id == a.teacher.pk and lesson.substitution_reason == "course"
    finally:
        # What the server committed goes again, through a connection of its own: this thread's
        # may be inside a transaction that is never committed.
        schema = a.school.schema_name
        with psycopg.connect(database_url_of_tests(), autocommit=True) as own:
            own.execute("SET session_replication_role = replica")  # audit entries refuse deletion
            own.execute(
                f"DELETE FROM {schema}.audit_auditentry WHERE target_type = 'journal.teacherabsence' AND target_id IN "
                f"(SELECT id FROM {schema}.journal_teacherabsence WHERE teacher_id = %s AND starts_on = %s)",
                [a.class_teacher.pk, tuesday],
            )
            own.execute(
                f"DELETE FROM {schema}.journal_teacherabsence WHERE teacher_id = %s AND starts_on = %s",
                [a.class_teacher.pk, tuesday],
            )
            own.execute(
                f"DELETE FROM {schema}.diary_notification WHERE kind = 'substitution' AND recipient_id IN (%s, %s)",
                [a.teacher.pk, a.class_teacher.pk],
            )


def test_a_parent_switches_between_two_children_in_two_schools(world, server, browser):
    a, b = world.a, world.b
    page = browser.new_page()
    sign_in(page, f"http://localhost:{server}", "+7 900 111-22-33")
    page.click(f"text={a.pupils[0].full_name}")
    page.wait_for_load_state()  # site.js is deferred: a choice made before it runs goes nowhere
    first = page.locator("h1").text_content()
    first_week = page.locator("main").text_content()
    page.select_option("select[name=child]", label=f"{b.pupils[1].full_name} — 5А, {b.school.short_name}")
    page.wait_for_url(f"**/children/{b.school.slug}/{b.pupils[1].pk}/")
    second = page.locator("h1").text_content()
    second_week = page.locator("main").text_content()
    assert a.pupils[0].full_name in first and "Математика" in first_week
    assert b.pupils[1].full_name in second and "Русский язык" in second_week


class Actions:
    """What a person does: each click and each key press (a choice in a list is two: open it,
    pick), the letters of a text not counted (the same text in any design)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def type(self, selector, text):
        self.page.click(selector)
        self.page.keyboard.type(text)
        self.count += 1

    def choose(self, selector, value):
        self.page.select_option(selector, value)
        self.count += 2

    def click(self, selector):
        self.page.click(selector)
        self.count += 1


# The lesson page before issue 16, counted on its forms: topic (click, save), homework (click,
# save), attendance (2 × choose, save), and per mark pupil, value and work type (3 × choose) and
# a button: 2 + 2 + 5 + 5 × 7 = 44 actions and four page loads. docs/benchmarks.md quotes both.
ACTIONS_BEFORE, ACTIONS_NOW = 44, 17


def test_a_teacher_records_a_whole_lesson_with_one_save_and_it_survives_a_reload(world, own_class, server, browser):
    a = world.a
    school_class, pupils = own_class
    with schema_context(a.school.schema_name):
        lesson = Lesson.objects.filter(school_class=school_class, date__lt=date.today()).order_by("date").last()
    absent, marked = pupils[3:5], list(zip(pupils[5:10], "54345", strict=True))
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, f"http://{a.host}:{server}", a.class_teacher.email)
    page.goto(f"http://{a.host}:{server}/lessons/{lesson.pk}/")
    act = Actions(page)
    act.type("#id_topic", "Сравнение дробей")
    act.type("#id_homework", "§ 12, № 340–344")
    for pupil in absent:
        act.choose(f"select[name=status_{pupil.pk}]", "absent")
    for pupil, value in marked:
        act.choose(f"select[name=mark_{pupil.pk}]", value)
    act.click("button.primary")
    page.wait_for_selector("text=Урок сохранён")
    page.reload()
    topic, homework = page.input_value("#id_topic"), page.input_value("#id_homework")
    statuses = [page.input_value(f"select[name=status_{p.pk}]") for p in pupils]
    marks = {
        p.pk: page.locator(f"select[name=mark_{p.pk}] >> xpath=../preceding-sibling::td[1]/span").all_text_contents()
        for p, _ in marked
    }
    assert act.count == ACTIONS_NOW < ACTIONS_BEFORE
    assert (topic, homework) == ("Сравнение дробей", "§ 12, № 340–344")
    assert statuses == ["absent" if p in absent else "" for p in pupils]
    assert marks == {p.pk: [value] for p, value in marked}
    with schema_context(a.school.schema_name):
        assert Mark.objects.live().filter(lesson=lesson).count() == 5
        assert Attendance.objects.live().filter(lesson=lesson, status="absent").count() == 2


@pytest.fixture(scope="module")
def note_class(world, django_db_blocker):
    """A class with four lessons a day, for a note that covers three days."""
    a, cal = world.a, world.calendar_a
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        school_class = services.create_class(grade=6, letter="Ж", class_teacher=a.class_teacher)
        pupil = services.enroll_pupil(
            school_class=school_class,
            last_name="Болеющая",
            first_name="Справка",
            birth_date=date(2014, 1, 1),
            enrolled_on=cal.year.starts_on,
            order="2-у",
        )
        # Lessons 6-9 of the day, which no test teacher has yet.
        for number in range(6, 10):
            Bell.objects.create(number=number, starts_at=clock(7 + number), ends_at=clock(7 + number, 45))
        for weekday in range(1, 7):
            for number in range(6, 10):
                services.add_slot(
                    school=a.school,
                    weekday=weekday,
                    number=number,
                    school_class=school_class,
                    subject=cal.math,
                    teacher=a.class_teacher,
                    valid_from=cal.year.starts_on,
                )
    yield school_class, pupil
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        Bell.objects.filter(number__gte=6).delete()
        remove_class(school_class)


def test_a_class_teacher_enters_a_three_day_note_in_one_action(world, note_class, server, browser):
    a = world.a
    school_class, pupil = note_class
    with schema_context(a.school.schema_name):
        days = sorted(
            set(Lesson.objects.filter(school_class=school_class, date__lt=date.today()).values_list("date", flat=True))
        )[-3:]
        lessons = Lesson.objects.filter(school_class=school_class, date__range=(days[0], days[-1]))
        assert lessons.count() == 12  # three school days, four lessons each
    page = browser.new_page()
    sign_in(page, f"http://{a.host}:{server}", a.class_teacher.email)
    page.goto(f"http://{a.host}:{server}/classes/{school_class.pk}/absences/")
    page.select_option("#note select[name=pupil]", str(pupil.pk))
    page.fill("#note input[name=first]", days[0].isoformat())
    page.fill("#note input[name=last]", days[-1].isoformat())
    page.select_option("#note select[name=reason]", "illness")
    page.click("#note button[type=submit]")
    page.wait_for_selector("text=Справка внесена")
    shown = page.locator("table select[name=reason]").evaluate_all("all => all.map(s => s.value)")
    assert shown == ["illness"] * 12
    with schema_context(a.school.schema_name):
        entries = Attendance.objects.live().filter(pupil=pupil)
        assert sorted(e.lesson_id for e in entries) == sorted(lessons.values_list("pk", flat=True))
        assert {(e.status, e.reason) for e in entries} == {("absent", "illness")}


def test_the_grid_opens_at_today_and_keeps_the_names_in_sight(world, own_class, server, browser):
    a, cal = world.a, world.calendar_a
    school_class, pupils = own_class
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, f"http://{a.host}:{server}", a.class_teacher.email)
    page.goto(f"http://{a.host}:{server}/journal/{school_class.pk}/{cal.math.pk}/?term={cal.term.pk}")
    wrap = page.locator("#grid-wrap").bounding_box()
    heads = page.locator("#grid th.lesson")
    dates = heads.evaluate_all("all => all.map(th => th.dataset.date)")
    today = date.today().isoformat()
    shown = next((n for n, d in enumerate(dates) if d >= today), len(dates) - 1)
    column = heads.nth(shown).bounding_box()
    first_column = heads.nth(0).bounding_box()
    name = page.locator(f'tr[data-pupil="{pupils[0].pk}"] td.name')
    name_box = name.bounding_box()
    page.locator("#grid-wrap").evaluate("wrap => { wrap.scrollLeft = wrap.scrollWidth; }")
    name_after = name.bounding_box()
    week_cells = page.locator(f'tr[data-pupil="{pupils[0].pk}"] td.cell.week').count()
    assert len(dates) > 20  # a term's columns: more than a screen holds
    assert wrap["x"] <= column["x"] and column["x"] + column["width"] <= wrap["x"] + wrap["width"]
    assert first_column["x"] + first_column["width"] < wrap["x"]  # the term's start scrolled out of view
    assert abs(name_after["x"] - name_box["x"]) < 2  # the names stay where they were
    assert 1 <= week_cells <= 6
