"""Промежуточная аттестация and exams: the deputy sets one, the subject's teacher enters each
pupil's result within a day and a retake after a failure; the family reads it at once; the exam
sheet (all marks, lessons missed, average) prints as PDF and XLSX; the progress report names
the academic debts. Nobody outside the journal sees any of it."""

import io
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from audit.models import AuditEntry
from journal import services as journal
from journal.models import Exam, ExamResult, Lesson
from notifications.models import Notification

from .clock import travel_to


def past_maths_day(world):
    """A school day of 5А's maths before today, in the running term: the exam's day."""
    a, cal = world.a, world.calendar_a
    return (
        Lesson.objects.filter(
            school_class=a.school_class, subject=cal.math, term=cal.term, date__lt=timezone.localdate()
        )
        .order_by("-date")
        .values_list("date", flat=True)[1]
    )


def scheduled(world, enter, held_on, kind="attestation", form="test"):
    a, cal = world.a, world.calendar_a
    answer = enter(a.deputy, a.host).post(
        f"/journal/{a.school_class.pk}/{cal.math.pk}/exams/",
        {"kind": kind, "form": form, "held_on": held_on.isoformat()},
    )
    with schema_context(a.school.schema_name):
        exam = Exam.objects.order_by("-pk").first()
    assert answer.url == f"/exams/{exam.pk}/"
    return exam


def test_results_reach_the_family_and_a_failed_one_gets_a_retake(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        day = past_maths_day(world)
        lesson = Lesson.objects.get(school_class=a.school_class, subject=cal.math, date=day)
        journal.add_mark(lesson, pupil=a.pupils[0], value="4", work_type=cal.answer, by=a.class_teacher)
        journal.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.test_work, by=a.class_teacher)
        journal.take_attendance(lesson, absent=[a.pupils[1]], by=a.class_teacher)
    exam = scheduled(world, enter, day)
    teacher = enter(a.class_teacher, a.host)  # 5А maths is the class teacher's
    assert "Результаты аттестации к внесению" in teacher.get("/").content.decode()
    values = {f"value_{a.pupils[0].pk}": "5", f"value_{a.pupils[1].pk}": "н/я", f"value_{a.pupils[2].pk}": "2"}
    teacher.post(f"/exams/{exam.pk}/", {"attempt": "1", **values})
    with schema_context(a.school.schema_name):
        assert dict(ExamResult.objects.filter(exam=exam).values_list("pupil", "value")) == {
            a.pupils[0].pk: "5",
            a.pupils[1].pk: "н/я",
            a.pupils[2].pk: "2",
        }
        assert Notification.objects.filter(recipient=world.parent, text__contains="промежуточная аттестация").exists()
    # The sheet: the first pupil's marks of the year with their weighted average (4 + 5 × 2) / 3,
    # the second's missed lesson.
    sheet = teacher.get(f"/exams/{exam.pk}/").content.decode()
    first = sheet.split(a.pupils[0].full_name)[1].split("</tr>")[0]
    assert '<td class="marks">4 5</td><td>4,67</td><td>0</td>' in first
    second = sheet.split(a.pupils[1].full_name)[1].split("</tr>")[0]
    assert '<td class="marks"></td><td></td><td>1</td>' in second
    # A retake only for the failed ones, after the exam's day, not in the future.
    retake = {"attempt": "2", "held_on": timezone.localdate().isoformat()}
    refused = teacher.post(f"/exams/{exam.pk}/", {**retake, f"value_{a.pupils[0].pk}": "5"}, follow=True)
    assert "пересдача — только после неудачной попытки" in refused.content.decode()
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    refused = teacher.post(
        f"/exams/{exam.pk}/", {**retake, "held_on": future, f"value_{a.pupils[2].pk}": "3"}, follow=True
    )
    assert "ещё не прошла" in refused.content.decode()
    teacher.post(f"/exams/{exam.pk}/", {**retake, f"value_{a.pupils[2].pk}": "3"})
    with schema_context(a.school.schema_name):
        assert ExamResult.objects.get(exam=exam, pupil=a.pupils[2], attempt=2).value == "3"
        # The first attempt's failure stands in the audit with the retake beside it.
        assert AuditEntry.objects.filter(action="exam_result.set", target_type="journal.examresult").count() == 4
    # The family sees the result in the diary the same day.
    diary = enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/exams/").content.decode()
    assert "Математика" in diary and "<strong>5</strong>" in diary


def test_a_changed_result_keeps_the_old_one_in_the_audit_and_a_late_one_is_flagged(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        day = past_maths_day(world)
    exam = scheduled(world, enter, day)
    teacher = enter(a.class_teacher, a.host)
    teacher.post(f"/exams/{exam.pk}/", {f"value_{a.pupils[0].pk}": "3"})
    teacher.post(f"/exams/{exam.pk}/", {f"value_{a.pupils[0].pk}": "4"})
    with schema_context(a.school.schema_name):
        change = AuditEntry.objects.filter(action="exam_result.set").order_by("pk").last()
        assert change.old == {"value": "3"} and change.new["value"] == "4"
        result = ExamResult.objects.get(exam=exam, pupil=a.pupils[0])
        # Entered today for an exam held before yesterday: late by the regulation's one day.
        assert result.is_late == (timezone.localdate() > day + timedelta(days=1))
    control = enter(a.deputy, a.host).get("/control/").content.decode()
    assert "результаты не внесены в срок" in control  # two pupils still without a result


def test_an_exam_is_set_on_a_school_day_of_the_open_year(world, enter):
    a, cal = world.a, world.calendar_a
    deputy = enter(a.deputy, a.host)
    page = f"/journal/{a.school_class.pk}/{cal.math.pk}/exams/"
    sunday = timezone.localdate() + timedelta(days=7 - timezone.localdate().isoweekday())
    answer = deputy.post(page, {"kind": "exam", "form": "oral", "held_on": sunday.isoformat()}, follow=True)
    assert "выходной или каникулы" in answer.content.decode()
    answer = deputy.post(page, {"kind": "exam", "form": "oral", "held_on": ""}, follow=True)
    assert "Укажите дату проведения" in answer.content.decode()
    answer = deputy.post(page, {"kind": "виза", "form": "oral", "held_on": sunday.isoformat()}, follow=True)
    assert "Выберите вид" in answer.content.decode()
    music = deputy.post(
        f"/journal/{a.school_class.pk}/{cal.music.pk}/exams/",
        {"kind": "exam", "form": "oral", "held_on": past_maths_day_in(world).isoformat()},
        follow=True,
    )
    assert "без отметок" in music.content.decode()
    with schema_context(a.school.schema_name):
        assert not Exam.objects.exists()


def past_maths_day_in(world):
    with schema_context(world.a.school.schema_name):
        return past_maths_day(world)


def test_results_before_the_exam_day_and_by_another_teacher_are_refused(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        ahead = (
            Lesson.objects.filter(school_class=a.school_class, date__gt=timezone.localdate())
            .order_by("date")
            .values_list("date", flat=True)
            .first()
        )
    exam = scheduled(world, enter, ahead, kind="exam", form="oral")
    answer = enter(a.class_teacher, a.host).post(f"/exams/{exam.pk}/", {f"value_{a.pupils[0].pk}": "5"}, follow=True)
    assert "ещё не прошла" in answer.content.decode()
    # The Russian teacher reads nothing of 5А maths: the same 404 as for no exam at all.
    assert enter(a.teacher, a.host).post(f"/exams/{exam.pk}/", {f"value_{a.pupils[0].pk}": "5"}).status_code == 404
    assert enter(a.teacher, a.host).get(f"/exams/{exam.pk}/").status_code == 404
    with schema_context(a.school.schema_name):
        assert not ExamResult.objects.exists()


def test_the_exam_sheet_prints_and_exports_and_stays_in_the_school(world, enter):
    a, b = world.a, world.b
    with schema_context(a.school.schema_name):
        day = past_maths_day(world)
    exam = scheduled(world, enter, day)
    enter(a.class_teacher, a.host).post(f"/exams/{exam.pk}/", {f"value_{a.pupils[0].pk}": "5"})
    deputy = enter(a.deputy, a.host)
    pdf = deputy.get(f"/exams/{exam.pk}/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(deputy.get(f"/exams/{exam.pk}/?format=xlsx").content))
    rows = [[c for c in row if c is not None] for row in book.active.iter_rows(values_only=True)]
    assert "Экзаменационная ведомость" in rows[1][0]
    pupil_row = next(row for row in rows if a.pupils[0].full_name in row)
    assert pupil_row[-1] == "5"
    # Another school's deputy, a parent and the district: nothing.
    assert enter(b.deputy, b.host).get(f"/exams/{exam.pk}/").status_code == 404
    assert enter(world.parent, a.host).get(f"/exams/{exam.pk}/").status_code in (302, 403, 404)
    assert enter(world.other_parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/exams/").status_code == 404


def test_a_failed_last_attempt_is_an_academic_debt_in_the_progress_report(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        day = past_maths_day(world)
    exam = scheduled(world, enter, day)
    enter(a.class_teacher, a.host).post(
        f"/exams/{exam.pk}/", {f"value_{a.pupils[1].pk}": "2", f"value_{a.pupils[2].pk}": "2"}
    )
    enter(a.class_teacher, a.host).post(
        f"/exams/{exam.pk}/",
        {"attempt": "2", "held_on": timezone.localdate().isoformat(), f"value_{a.pupils[2].pk}": "4"},
    )
    report = enter(a.deputy, a.host).get(f"/reports/progress/?class={a.school_class.pk}").content.decode()
    debts = report.split("Академическая задолженность по итогам аттестации")[1].split("</p>")[0]
    assert a.pupils[1].full_name in debts and "Математика (2)" in debts
    assert a.pupils[2].full_name not in debts  # the retake passed


def test_an_exam_with_results_is_not_cancelled(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        day = past_maths_day(world)
    exam = scheduled(world, enter, day)
    enter(a.class_teacher, a.host).post(f"/exams/{exam.pk}/", {f"value_{a.pupils[0].pk}": "5"})
    assert "Отменить аттестацию" not in enter(a.deputy, a.host).get(f"/exams/{exam.pk}/").content.decode()
    answer = enter(a.deputy, a.host).post(f"/exams/{exam.pk}/", {"action": "cancel", "reason": "Карантин"}, follow=True)
    assert "уже есть результаты" in answer.content.decode()
    other = scheduled(world, enter, day)
    assert "Отменить аттестацию" in enter(a.deputy, a.host).get(f"/exams/{other.pk}/").content.decode()
    enter(a.deputy, a.host).post(f"/exams/{other.pk}/", {"action": "cancel", "reason": "Карантин"})
    with schema_context(a.school.schema_name):
        other.refresh_from_db()
        exam.refresh_from_db()
    assert other.cancelled_at and other.cancel_reason == "Карантин" and exam.cancelled_at is None


def test_results_are_due_the_day_after_the_exam(world, enter):
    """Entered the next day: on time; two days later: late (001 Регламент 4.3 «не позже суток»)."""
    a = world.a
    with schema_context(a.school.schema_name):
        day = past_maths_day(world)
    exam = scheduled(world, enter, day)
    for offset, pupil, late in ((1, a.pupils[0], False), (2, a.pupils[1], True)):
        with travel_to(day + timedelta(days=offset)):
            enter(a.class_teacher, a.host).post(f"/exams/{exam.pk}/", {f"value_{pupil.pk}": "4"})
        with schema_context(a.school.schema_name):
            assert ExamResult.objects.get(exam=exam, pupil=pupil).is_late is late
