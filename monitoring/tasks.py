"""Each school computes its own indicators in its own schema and reports the counts to public."""

from datetime import date, timedelta

from django.core.mail import send_mail
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from config.celery import app
from journal.models import Lesson
from tenants.models import School
from tenants.tasks import fan_out

from .indicators import compute
from .models import MonthlyReport, SchoolMonth
from .reports import make_reports, previous_month


@app.task
def update_school_month(month_iso):
    school = School.objects.get(schema_name=connection.schema_name)
    month = date.fromisoformat(month_iso).replace(day=1)
    figures = compute(month)
    for code, (numerator, denominator) in figures.items():
        SchoolMonth.objects.update_or_create(school=school, month=month, code=code, defaults={
            "numerator": numerator, "denominator": denominator, "computed_at": timezone.now()})
    return len(figures)


@app.task
def dispatch_school_months():
    """Nightly: this month so far for every working school (and last month during the first days)."""
    today = timezone.localdate()
    months = [today.replace(day=1)]
    if today.day <= 3:
        months.append((today.replace(day=1) - timedelta(days=1)).replace(day=1))
    return sum(fan_out(update_school_month, args=[month.isoformat()]) for month in months)


def reminders(day):
    """The lessons of `day` still missing a topic, homework or attendance, by the teacher who taught them."""
    missing = (Lesson.objects.filter(date=day, cancelled_at__isnull=True)
               .filter(Q(topic="") | Q(attendance_taken_at__isnull=True) | Q(homework="", homework_none=False))
               .select_related("school_class", "subject").order_by("number"))
    by_teacher = {}
    for lesson in missing:
        what = [name for name, gap in (("тема", not lesson.topic), ("домашнее задание",
                not lesson.homework and not lesson.homework_none), ("посещаемость", not lesson.attendance_taken_at)) if gap]
        by_teacher.setdefault(lesson.conducted_by_id, []).append(
            f"{lesson.number} урок, {lesson.school_class} {lesson.subject.name}: нет — {', '.join(what)}")
    return by_teacher


@app.task
def remind_teachers(day=None):
    """The next morning each teacher hears about yesterday's (or `day`'s) lessons without topic,
    homework or attendance."""
    yesterday = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    gaps = reminders(yesterday)
    sent = 0
    for user in User.objects.filter(pk__in=list(gaps), email__isnull=False):
        lines = gaps[user.pk]
        send_mail(f"Электронный журнал: незаполненные уроки за {yesterday:%d.%m.%Y}",
                  "Заполните, пожалуйста:\n" + "\n".join(lines), None, [user.email])
        sent += 1
    return sent


@app.task
def dispatch_reminders():
    return fan_out(remind_teachers)


@app.task
def monthly_reports():
    """The 1st of the month: last month's reports, frozen (after the night's figures were reported)."""
    month = previous_month()
    if not MonthlyReport.objects.filter(month=month, school__isnull=True).exists():
        make_reports(month)
