"""The filling and mark accumulation report (monthly) and the user activity report (weekly): each
school makes its own in its schema, the district puts them together; frozen, versioned, on paper."""

import io
from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import LoginAttempt
from audit.models import AuditEntry, DataView
from journal.models import Lesson
from monitoring.models import Report
from monitoring.reports import previous_month, previous_week
from monitoring.tasks import monthly_reports, school_report, weekly_activity_report


def at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_a_school_makes_its_filling_report_and_the_district_puts_the_schools_together(world, enter):
    a, b, cal = world.a, world.b, world.calendar_b
    month = previous_month()
    with schema_context(b.school.schema_name):
        held = Lesson.objects.filter(
            date__gte=month,
            date__lt=timezone.localdate().replace(day=1),
            school_class=b.school_class,
            subject=cal.math,
            cancelled_at__isnull=True,
        )
        lessons = held.count()
        Lesson.objects.filter(pk=held.first().pk).update(topic="Дроби", topic_entered_at=timezone.now())
    deputy = enter(b.deputy, b.host)
    deputy.post("/quality/reports/", {"kind": "filling", "period": f"{month:%Y-%m}"})
    report = Report.objects.get(kind="filling", school=b.school, starts_on=month)
    row = next(r for r in report.data["rows"] if (r["class"], r["subject"]) == ("5А", "Математика"))
    assert (row["lessons"], row["topics"]) == (lessons, 1)
    page = deputy.get(f"/quality/reports/{report.pk}/").content.decode()
    assert "5А Математика" in page and "Заполнение ЭЖ" in page
    assert "Ученик" not in str(report.data)  # classes and subjects, never a pupil
    book = load_workbook(io.BytesIO(deputy.get(f"/quality/reports/{report.pk}.xlsx").content))
    assert ["5А Математика", lessons] in [[c.value for c in r][:2] for r in book.active.iter_rows()]
    text = PdfReader(io.BytesIO(deputy.get(f"/quality/reports/{report.pk}.pdf").content)).pages[0].extract_text()
    assert "Накопляемость" in text and "5А Математика" in text
    # Made again: only as a new version with its reason.
    again = deputy.post("/quality/reports/", {"kind": "filling", "period": f"{month:%Y-%m}"}, follow=True)
    assert "только с причиной" in again.content.decode()
    deputy.post("/quality/reports/", {"kind": "filling", "period": f"{month:%Y-%m}", "reason": "Учтены замены"})
    assert Report.objects.filter(kind="filling", school=b.school, starts_on=month).count() == 2
    # School A's task makes its own on the 1st; the district's report takes each school's latest version.
    with schema_context(a.school.schema_name):
        school_report("filling", month.isoformat())
        school_report("filling", month.isoformat())  # the beat's retry does not make a second version
    assert Report.objects.filter(kind="filling", school=a.school, starts_on=month).count() == 1
    monthly_reports()
    district = Report.objects.get(kind="filling", school__isnull=True, starts_on=month)
    assert {s["name"]: s["version"] for s in district.data["schools"]} == {"Школа Альфа": 1, "Школа Бета": 2}
    assert next(s for s in district.data["schools"] if s["name"] == "Школа Бета")["topics"] >= 1
    official = enter(world.official)
    assert "Район" in official.get(f"/district/quality/reports/{district.pk}/").content.decode()
    assert official.get(f"/district/quality/reports/{district.pk}.pdf").status_code == 200
    # Each school sees only its own.
    assert enter(a.director, a.host).get(f"/quality/reports/{report.pk}/").status_code == 404
    assert enter(a.director, a.host).get(f"/quality/reports/{district.pk}.xlsx").status_code == 404
    assert enter(b.teacher, b.host).get("/quality/reports/").status_code == 403


def test_a_report_for_a_period_not_over_or_before_the_school_existed_gets_a_clear_message(world, enter):
    b = world.b
    deputy = enter(b.deputy, b.host)
    this_month = deputy.post(
        "/quality/reports/", {"kind": "filling", "period": f"{timezone.localdate():%Y-%m}"}, follow=True
    ).content.decode()
    assert "завершившийся период" in this_month
    this_week = deputy.post(
        "/quality/reports/", {"kind": "activity", "period": f"{timezone.localdate():%Y-%m-%d}"}, follow=True
    ).content.decode()
    assert "завершившийся период" in this_week
    assert (
        "подключена"
        in deputy.post("/quality/reports/", {"kind": "filling", "period": "2001-01"}, follow=True).content.decode()
    )
    assert (
        "ГГГГ-ММ"
        in deputy.post("/quality/reports/", {"kind": "filling", "period": "май"}, follow=True).content.decode()
    )
    assert (
        "формирует отчёт"
        in deputy.post("/quality/reports/", {"kind": "quality", "period": "2026-01"}, follow=True).content.decode()
    )
    assert not Report.objects.filter(school=b.school).exists()
    empty = (
        enter(world.official)
        .post("/district/quality/reports/", {"kind": "activity", "period": f"{previous_week():%Y-%m-%d}"}, follow=True)
        .content.decode()
    )
    assert "сводить нечего" in empty and not Report.objects.filter(kind="activity").exists()


def test_the_weekly_activity_report_counts_who_worked_in_the_journal_and_who_read_the_diary(world, enter):
    a, b = world.a, world.b
    monday = previous_week()
    with schema_context(b.school.schema_name):
        AuditEntry.objects.create(
            actor=b.class_teacher,
            action="lesson.topic",
            target_type="journal.lesson",
            target_id=1,
            at=at(monday + timedelta(days=1), 10),
        )
        AuditEntry.objects.create(
            actor=b.class_teacher,
            action="mark.added",
            target_type="journal.mark",
            target_id=1,
            at=at(monday + timedelta(days=1), 11),
        )
        DataView.objects.create(
            viewer=world.parent, page="diary.week", pupil_ids=[b.pupils[1].pk], at=at(monday + timedelta(days=6), 21)
        )
        DataView.objects.create(
            viewer=world.parent, page="diary.week", pupil_ids=[b.pupils[1].pk], at=at(monday + timedelta(days=7), 9)
        )  # the next week
    attempt = LoginAttempt.objects.create(user=world.parent, identifier="parent", host="localhost", success=True)
    # Only this sign-in: the browser tests' real sign-ins of this parent are committed, and now.
    LoginAttempt.objects.filter(pk=attempt.pk).update(at=at(monday + timedelta(days=6), 20))
    with schema_context(a.school.schema_name):  # school A's diary views are not school B's
        DataView.objects.create(
            viewer=world.parent, page="diary.week", pupil_ids=[a.pupils[0].pk], at=at(monday + timedelta(days=2), 21)
        )
        school_report("activity", monday.isoformat())
    with schema_context(b.school.schema_name):
        school_report("activity", monday.isoformat())
    report = Report.objects.get(kind="activity", school=b.school, starts_on=monday)
    groups = {g["group"]: g for g in report.data["groups"]}
    assert (groups["staff"]["users"], groups["staff"]["active"]) == (5, 1)
    assert (groups["parents"]["users"], groups["parents"]["active"], groups["parents"]["sign_ins"]) == (1, 1, 1)
    assert (groups["pupils"]["users"], groups["pupils"]["active"]) == (1, 0)
    assert (report.data["journal_entries"], report.data["diary_views"]) == (2, 1)
    weekly_activity_report()
    district = Report.objects.get(kind="activity", school__isnull=True, starts_on=monday)
    assert [s["name"] for s in district.data["schools"]] == ["Школа Альфа", "Школа Бета"]
    official = enter(world.official)
    page = official.get(f"/district/quality/reports/{district.pk}/").content.decode()
    assert "Родители: активны, %" in page and "Район" in page
    book = load_workbook(io.BytesIO(official.get(f"/district/quality/reports/{district.pk}.xlsx").content))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    beta = next(r for r in rows if r[0] == "Школа Бета")
    assert beta[1:7] == [5, 20.0, 1, 100.0, 1, 0.0]
    assert enter(b.director, b.host).get(f"/quality/reports/{report.pk}.pdf").status_code == 200


def test_the_monthly_report_waits_for_term_marks_within_their_deadline(world, db):
    """A month whose term ended on its last day is frozen once the schools' figures no longer
    have term marks pending (the task runs daily and makes the report once)."""
    from monitoring.indicators import PENDING
    from monitoring.models import SchoolMonth, store_figures

    month = previous_month()
    store_figures(world.a.school, month, {"Q1": (9, 10), "Q12": (0, 0), PENDING: (3, 3)})
    store_figures(world.b.school, month, {"Q1": (5, 5), "Q12": (0, 0), PENDING: (0, 0)})
    monthly_reports()
    assert not Report.objects.filter(kind="quality", school__isnull=True, starts_on=month).exists()
    store_figures(world.a.school, month, {"Q12": (2, 3), PENDING: (0, 0)})
    monthly_reports()
    district = Report.objects.get(kind="quality", school__isnull=True, starts_on=month)
    assert district.data["totals"]["Q12"]["numerator"] == 2 and PENDING not in district.data["totals"]
    assert SchoolMonth.objects.filter(code=PENDING).count() == 2  # kept, shown nowhere
