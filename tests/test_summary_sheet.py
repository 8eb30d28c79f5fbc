"""Сводная ведомость итоговой успешности: every pupil × every subject, term and year marks —
exactly the final marks as set, on the page and in the PDF the school prints and signs."""

import io

import pypdf
from django_tenants.utils import schema_context

from journal import selectors
from journal.models import FinalMark


def set_finals(a, cal):
    """A hand-built year: the first pupil excellent, the second with a "3" in Russian, the third
    with a "2" in maths for the closed term; year marks for maths."""
    given = {
        (a.pupils[0], cal.math, cal.closed_term): "5",
        (a.pupils[0], cal.russian, cal.closed_term): "5",
        (a.pupils[0], cal.math, None): "5",
        (a.pupils[1], cal.math, cal.closed_term): "4",
        (a.pupils[1], cal.russian, cal.closed_term): "3",
        (a.pupils[1], cal.math, None): "4",
        (a.pupils[2], cal.math, cal.closed_term): "2",
    }
    for (pupil, subject, term), value in given.items():
        FinalMark.objects.create(
            pupil=pupil,
            subject=subject,
            school_class=a.school_class,
            year=cal.year,
            term=term,
            value=value,
            entered_by=a.class_teacher,
        )
    return given


def test_the_summary_sheet_equals_the_final_marks(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        given = set_finals(a, cal)
        sheet = selectors.summary_sheet(a.school_class, cal.year)
        terms, subjects = sheet["terms"], sheet["subjects"]
        shown = {}
        for row in sheet["rows"]:
            for subject, marks in zip(subjects, row["subjects"], strict=True):
                for term, value in zip([*terms, None], marks, strict=True):
                    if value:
                        shown[(row["pupil"].pk, subject.pk, getattr(term, "pk", None))] = value
    assert shown == {(p.pk, s.pk, getattr(t, "pk", None)): v for (p, s, t), v in given.items()}
    assert {cal.math, cal.russian} <= set(subjects)  # the grade's curriculum, marks or not
    page = enter(a.class_teacher, a.host).get(f"/classes/{a.school_class.pk}/summary/?year={cal.year.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and a.pupils[1].full_name in html and cal.russian.name in html
    pdf = enter(a.deputy, a.host).get(f"/classes/{a.school_class.pk}/summary.pdf?year={cal.year.pk}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # A4 landscape
    assert "Сводная ведомость" in text and a.pupils[2].last_name in text and "Классный руководитель" in text


def test_another_teacher_or_school_gets_no_summary_sheet(world, enter):
    a, b = world.a, world.b
    assert enter(a.teacher, a.host).get(f"/classes/{a.school_class.pk}/summary/").status_code == 404
    refused = enter(b.deputy, a.host).get(f"/classes/{a.school_class.pk}/summary/")
    assert refused.status_code == 302 and refused.url.startswith("/login/")
