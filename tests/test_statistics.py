"""Статистика успеваемости: успеваемость, качество, СОУ and the average of a term by journal,
subject and teacher, with the change from the term before — for the subject teacher's own
journals, the class teacher's class and the heads' whole school; page, PDF, XLSX. The figures
are checked against a hand count of a small class."""

import io
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from journal import services as journal
from journal.models import FinalMark, Lesson
from journal.selectors import learning_figures


def test_the_learning_figures_by_hand():
    # 5, 4, 3, 2, no mark: passing 3 of 5; quality 2 of 5; СОУ (100 + 64 + 36 + 16 + 8) / 5 = 44.8.
    found = learning_figures(["5", "4", "3", "2", None], [Decimal("4.50"), Decimal("3.50"), None])
    assert (found["progress"], found["quality"], found["learning"]) == (60.0, 40.0, Decimal("44.8"))
    assert (found["n5"], found["n2"], found["unmarked"], found["average"]) == (1, 1, 1, Decimal("4.00"))
    # «осв.» is not counted; «зч» passes without being quality; «н/а» is an unmarked failure.
    found = learning_figures(["осв.", "зч", "н/а"], [])
    assert (found["pupils"], found["progress"], found["quality"], found["average"]) == (2, 50.0, 0.0, None)


def arrange_5a_maths(world):
    """The closed term's marks 5, 4, 2 as set; in the running term a 5 for an answer and a 4 for a
    test (weight 2) to the first pupil, a 3 to the second, nothing to the third."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        for pupil, value in zip(a.pupils[:3], ("5", "4", "2"), strict=True):
            FinalMark.objects.create(
                pupil=pupil, subject=cal.math, school_class=a.school_class, year=cal.year, term=cal.closed_term,
                value=value, entered_by=a.class_teacher,
            )  # fmt: skip
        first, second = Lesson.objects.filter(
            school_class=a.school_class, subject=cal.math, term=cal.term, date__lte=timezone.localdate()
        ).order_by("date")[:2]
        journal.add_mark(first, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        journal.add_mark(second, pupil=a.pupils[0], value="4", work_type=cal.test_work, by=a.class_teacher)
        journal.add_mark(second, pupil=a.pupils[1], value="3", work_type=cal.answer, by=a.class_teacher)


def row_of(page, label):
    return page.split(f">{label}</a>")[1].split("</tr>")[0]


def test_a_terms_figures_and_their_change_as_counted_by_hand(world, enter):
    a, cal = world.a, world.calendar_a
    arrange_5a_maths(world)
    page = enter(a.deputy, a.host).get(f"/reports/subjects/?period={cal.term.pk}").content.decode()
    row = row_of(page, "5А, Математика")
    # Forecasts 4 (average (5 + 4 × 2) / 3 = 4.33) and 3, the third pupil without a mark:
    # успеваемость 2/3, качество 1/3, СОУ (64 + 36 + 8) / 3 = 36.0, average (4.33 + 3.00) / 2.
    assert "<td>3</td><td>0</td><td>1</td><td>1</td><td>0</td><td>1</td>" in row
    assert "<td>66,7</td><td>33,3</td><td>36,0</td><td>3,67</td>" in row
    # The closed term: 5, 4, 2 — 66.7, 66.7, СОУ (100 + 64 + 16) / 3 = 60.0; the change follows.
    assert "усп. 0,0, кач. -33,4" in row
    assert "прогноз: 2" in row
    pupils = (
        enter(a.deputy, a.host)
        .get(f"/reports/subjects/?period={cal.term.pk}&journal={a.school_class.pk}-{cal.math.pk}")
        .content.decode()
    )
    assert a.pupils[0].full_name in pupils and "4,33" in pupils


def test_each_reader_gets_their_own_journals(world, enter):
    a, cal = world.a, world.calendar_a
    arrange_5a_maths(world)
    period = f"/reports/subjects/?period={cal.term.pk}"
    teacher = enter(a.teacher, a.host).get(period).content.decode()  # 5А Russian, 6Б maths
    assert "5А, Русский язык" in teacher and "6Б, Математика" in teacher and "5А, Математика" not in teacher
    assert enter(a.teacher, a.host).get(f"{period}&journal={a.school_class.pk}-{cal.math.pk}").status_code == 404
    led = enter(a.class_teacher, a.host).get(period).content.decode()  # 5А's class teacher, 5А maths
    assert "5А, Русский язык" in led and "5А, Математика" in led and "6Б, Математика" not in led
    assert enter(a.pupil_user, a.host).get(period).status_code in (403, 404)
    # School B's deputy reads school B: A's marks are not in its figures.
    other = enter(world.b.deputy, world.b.host).get("/reports/subjects/").content.decode()
    assert "<td>66,7</td><td>33,3</td><td>36,0</td>" not in other


def test_the_statistics_print_and_export(world, enter):
    a, cal = world.a, world.calendar_a
    arrange_5a_maths(world)
    deputy = enter(a.deputy, a.host)
    pdf = deputy.get(f"/reports/subjects/?period={cal.term.pk}&format=pdf")
    assert pdf.content.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(deputy.get(f"/reports/subjects/?period={cal.term.pk}&format=xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    maths = next(r for r in rows if r[0] == "5А, Математика")
    assert maths[2:8] == (3, 0, 1, 1, 0, 1) and maths[8:11] == (66.7, 33.3, 36.0)
    by_teacher = rows.index(("По учителям",) + (None,) * (len(rows[-1]) - 1))
    assert any(r[0] == a.class_teacher.short_name for r in rows[by_teacher:])
