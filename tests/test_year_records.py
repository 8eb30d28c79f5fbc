"""The school year's records, as the deputy and the class teacher use them at a term's and the
year's end: the progress and attendance report on a hand-built class, the paper copy of the
journal and its register."""

import io

import openpyxl
import pypdf
import pytest
from django.db import transaction
from django.db.utils import DatabaseError
from django_tenants.utils import schema_context

from journal import selectors, services
from journal.models import Attendance, FinalMark, Lesson, PrintedCopy


def hand_built_term(a, cal):
    """5А's closed term: the first pupil has only "5" (excellent), the second a "3" in Russian
    (one "3"), the third a "2" in maths (failing). Absences: the first pupil 2 lessons of maths
    by illness, the third one of Russian without a reason and one of maths unexcused; a lateness
    is not a missed lesson."""
    finals = {
        (0, cal.math): "5",
        (0, cal.russian): "5",
        (1, cal.math): "4",
        (1, cal.russian): "3",
        (2, cal.math): "2",
        (2, cal.russian): "4",
    }
    for (n, subject), value in finals.items():
        FinalMark.objects.create(
            pupil=a.pupils[n],
            subject=subject,
            school_class=a.school_class,
            year=cal.year,
            term=cal.closed_term,
            value=value,
            entered_by=a.class_teacher,
        )
    lessons = Lesson.objects.filter(school_class=a.school_class, term=cal.closed_term).order_by("date")
    maths, russian = list(lessons.filter(subject=cal.math)), list(lessons.filter(subject=cal.russian))
    for lesson, n, status, reason in [
        (maths[0], 0, "absent", "illness"),
        (maths[1], 0, "absent", "illness"),
        (russian[0], 2, "absent", ""),
        (maths[2], 2, "absent", "unexcused"),
        (maths[3], 1, "late", ""),
    ]:
        Attendance.objects.create(
            lesson=lesson, pupil=a.pupils[n], status=status, reason=reason, entered_by=a.class_teacher
        )


def test_the_term_report_counts_a_hand_built_class(world):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
        report = selectors.progress_report([a.school_class], cal.year, cal.closed_term)
    row = report["classes"][0]
    assert (row["pupils"], row["attested"]) == (3, 3)
    assert [e["pupil"] for e in row["excellent"]] == [a.pupils[0]]
    assert row["good"] == []
    assert [(e["pupil"], e["subject"]) for e in row["one_three"]] == [(a.pupils[1], cal.russian)]
    assert [(e["pupil"], e["subjects"]) for e in row["failing"]] == [(a.pupils[2], ["Математика (2)"])]
    assert row["progress"] == 66.7  # 2 of 3 without a "2"
    assert row["quality"] == 33.3  # 1 of 3 with only "4" and "5"
    assert row["absences"]["totals"] == {"illness": 2, "excused": 0, "unexcused": 1, "none": 1, "all": 4}
    by_pupil = {pupil: counts for pupil, counts in row["absences"]["pupils"]}
    assert by_pupil[a.pupils[0]]["illness"] == 2 and by_pupil[a.pupils[2]]["all"] == 2
    assert a.pupils[1] not in by_pupil  # late, not absent
    by_subject = {subject: counts["all"] for subject, counts in row["absences"]["subjects"]}
    assert by_subject == {cal.math: 3, cal.russian: 1}


def test_the_class_teacher_prints_the_term_report_and_the_deputy_the_schools(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
    query = f"year={cal.year.pk}&period={cal.closed_term.pk}"
    teacher = enter(a.class_teacher, a.host)
    page = teacher.get(f"/reports/progress/?class={a.school_class.pk}&{query}").content.decode()
    assert "66,7" in page and "33,3" in page and a.pupils[2].full_name in page  # Russian decimals
    pdf = teacher.get(f"/reports/progress/?class={a.school_class.pk}&{query}&format=pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Отчёт об успеваемости" in text and a.pupils[0].last_name in text and "Русский язык" in text
    book = openpyxl.load_workbook(
        io.BytesIO(teacher.get(f"/reports/progress/?class={a.school_class.pk}&{query}&format=xlsx").content)
    )
    figures = list(book["Итоги"].iter_rows(values_only=True))
    assert figures[1][0] == "Класс" and figures[2][:3] == ("5А", 3, 3) and figures[2][9:11] == (66.7, 33.3)
    names = {(r[1], r[2]) for r in book["Обучающиеся"].iter_rows(values_only=True)}
    assert ("неуспевающий", a.pupils[2].full_name) in names
    # The school: both classes and the total; the 6Б pupil has no final marks — not attested.
    school = enter(a.deputy, a.host).get(f"/reports/progress/?{query}").content.decode()
    assert "6Б" in school and "Итого" in school
    # The class teacher reads only their own class; another school's deputy is not at home here.
    assert teacher.get(f"/reports/progress/?class={a.other_class.pk}&{query}").status_code == 404
    assert teacher.get(f"/reports/progress/?{query}").status_code == 404
    assert enter(a.teacher, a.host).get(f"/reports/progress/?class={a.school_class.pk}").status_code == 404
    assert enter(world.b.deputy, a.host).get("/reports/progress/").status_code == 302


def test_the_paper_copy_of_a_term_is_numbered_registered_and_certified(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
        Lesson.objects.filter(school_class=a.school_class, term=cal.closed_term, subject=cal.math).update(
            topic="Дроби", homework="№ 12"
        )
    deputy = enter(a.deputy, a.host)
    answer = deputy.post(
        "/journal-copies/", {"school_class": a.school_class.pk, "term": cal.closed_term.pk}, follow=True
    )
    assert "внесена в реестр" in answer.content.decode()
    with schema_context(a.school.schema_name):
        copy = PrintedCopy.objects.get(school_class=a.school_class, term=cal.closed_term)
    pdf = deputy.get(f"/journal-copies/{copy.pk}.pdf")
    data = b"".join(pdf.streaming_content)
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    assert copy.pages == len(pages) >= 3  # the title, maths, Russian
    assert all(f"Страница {n} из {len(pages)}" in text for n, text in enumerate(pages, 1))
    everything = "".join(pages)
    assert "Дроби" in everything and "№ 12" in everything and a.pupils[2].full_name in everything
    assert f"Копия № {copy.number}" in everything and "заместитель директора" in everything
    assert "Русский язык" in everything and "Математика" in everything
    register = deputy.get("/journal-copies/").content.decode()
    assert f"<td>{copy.pages}</td>" in register
    deputy.post(f"/journal-copies/{copy.pk}/certify/")
    with schema_context(a.school.schema_name):
        copy.refresh_from_db()
        assert copy.certified_by == a.deputy and copy.certified_at is not None
        # A running term is not printed; the register keeps its rows.
        with pytest.raises(Exception, match="ещё идёт"):
            services.print_journal_copy(a.school, school_class=a.school_class, term=cal.term, by=a.deputy)
        with pytest.raises(DatabaseError, match="DELETE refused"), transaction.atomic():
            PrintedCopy.objects.filter(pk=copy.pk).delete()
    # Teachers do not print the school's copies; another school's copy is not found.
    assert enter(a.teacher, a.host).get(f"/journal-copies/{copy.pk}.pdf").status_code in (403, 404)
    assert enter(world.b.deputy, world.b.host).get(f"/journal-copies/{copy.pk}.pdf").status_code == 404
