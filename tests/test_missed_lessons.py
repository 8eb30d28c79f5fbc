"""Missed and substituted lessons by teacher and month — the deputy's and the bookkeeper's record
for pay — on a hand-built month: one lesson cancelled, one given by a substitute."""

import io

import openpyxl
from django_tenants.utils import schema_context

from groundwork.names import short_name_in
from journal import services
from journal.models import Lesson

from .test_journal_pages import TODAY


def test_a_teachers_missed_and_substituted_lessons_of_a_month(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        future = Lesson.objects.filter(
            school_class=a.school_class, subject=cal.math, date__gt=TODAY, cancelled_at__isnull=True
        ).order_by("date")
        by_month = {}
        for lesson in future:
            by_month.setdefault((lesson.date.year, lesson.date.month), []).append(lesson)
        given, cancelled = next(found for found in by_month.values() if len(found) >= 2)[:2]
        services.assign_substitution(given, school=a.school, teacher=a.teacher, reason="illness", by=a.deputy)
        services.cancel_lesson(cancelled, reason="Карантин", by=a.deputy)
    month = f"{given.date:%Y-%m}"
    deputy = enter(a.deputy, a.host)
    page = deputy.get(f"/control/missed-lessons/?month={month}&teacher={a.class_teacher.pk}").content.decode()
    assert a.class_teacher.full_name in page
    assert "не проведено 2" in page and "Карантин" in page  # both lessons of the same month
    assert f"провёл(а) {a.teacher.short_name}" in page
    everyone = deputy.get(f"/control/missed-lessons/?month={month}").content.decode()
    declined = short_name_in(a.class_teacher, "accusative")
    assert f"замена за {declined}" in everyone  # the substitute's side, the name declined
    book = openpyxl.load_workbook(io.BytesIO(deputy.get(f"/control/missed-lessons/?month={month}&format=xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0].startswith("Пропущенные и замещённые уроки") and rows[1][0] == "Учитель"
    assert (a.class_teacher.full_name, "не провёл(а): провёл(а) " + a.teacher.short_name) in {
        (r[0], r[5]) for r in rows
    }
    assert (a.teacher.full_name, f"замена за {declined}") in {(r[0], r[5]) for r in rows}
    # A teacher does not read colleagues' pay records; another school's deputy is not at home here.
    assert enter(a.teacher, a.host).get("/control/missed-lessons/").status_code in (403, 404)
    assert enter(world.b.deputy, a.host).get("/control/missed-lessons/").status_code == 302
