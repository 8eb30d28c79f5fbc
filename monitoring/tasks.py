"""Each school computes its own indicators and reports in its own schema and writes counts to
public; the district's reports are put together from those."""

import logging
from datetime import date, timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from journal.models import Lesson, Term
from journal.selectors import current_year, programme
from tenants.models import School
from tenants.tasks import fan_out

from .indicators import PENDING, compute, parts
from .models import Report, SchoolMonth, SchoolProgramme, is_published, store_figures
from .reports import make_district_report, make_quality_reports, make_school_report, previous_month, previous_week

logger = logging.getLogger(__name__)


@shared_task
def update_school_month(month_iso):
    """This school's figures of a month, into the district's rows; a published month is left as
    it was published (a correction is a new version with a reason: services.correct_month)."""
    school = School.objects.get(schema_name=connection.schema_name)
    month = date.fromisoformat(month_iso).replace(day=1)
    if is_published(month):
        logger.info("month %s is published: its figures stay as published", month)
        return 0
    figures = compute(month)
    store_figures(school, month, figures, parts(month))
    return len(figures)


@shared_task
def dispatch_school_months():
    """Nightly: this month so far for every working school (and last month during the first days)."""
    today = timezone.localdate()
    months = [today.replace(day=1)]
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    # Last month too until it is published (its report waits for term marks' deadlines).
    if today.day <= 10 and not is_published(last_month):
        months.append(last_month)
    return sum(fan_out(update_school_month, args=[month.isoformat()]) for month in months)


@shared_task
def update_school_programme():
    """This school's programme of each term of its current year begun so far, into the district's rows."""
    school = School.objects.get(schema_name=connection.schema_name)
    year = current_year()
    if year is None:
        return 0
    today = timezone.localdate()
    terms = list(Term.objects.filter(year=year, starts_on__lte=today))
    for term in terms:
        totals = programme(term, today=today)["totals"]
        SchoolProgramme.objects.update_or_create(
            school=school,
            year=year.name,
            term=str(term),
            defaults={
                "starts_on": term.starts_on,
                "ends_on": term.ends_on,
                **{k: totals[k] for k in ("journals", "behind", "curriculum", "held", "replaced", "cancelled")},
                "computed_at": timezone.now(),
            },
        )
    return len(terms)


@shared_task
def dispatch_school_programmes():
    """Nightly: every working school's programme figures."""
    return fan_out(update_school_programme)


def reminders(day):
    """The lessons of `day` still missing a topic, homework or attendance, by the teacher who taught them."""
    missing = (
        Lesson.objects.filter(date=day, cancelled_at__isnull=True)
        .filter(Q(topic="") | Q(attendance_taken_at__isnull=True) | Q(homework="", homework_none=False))
        .select_related("school_class", "subject")
        .order_by("number")
    )
    by_teacher = {}
    for lesson in missing:
        what = [
            name
            for name, gap in (
                (_("тема"), not lesson.topic),
                (_("домашнее задание"), not lesson.homework and not lesson.homework_none),
                (_("посещаемость"), not lesson.attendance_taken_at),
            )
            if gap
        ]
        by_teacher.setdefault(lesson.conducted_by_id, []).append(
            _("%(number)s урок, %(school_class)s %(subject)s: нет — %(missing)s")
            % {
                "number": lesson.number,
                "school_class": lesson.school_class,
                "subject": lesson.subject.name,
                "missing": ", ".join(what),
            }
        )
    return by_teacher


@shared_task
def remind_teachers(day=None):
    """The next morning each teacher hears about yesterday's (or `day`'s) lessons without topic,
    homework or attendance."""
    yesterday = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    gaps = reminders(yesterday)
    sent = 0
    for user in User.objects.filter(pk__in=list(gaps), email__isnull=False):
        lines = gaps[user.pk]
        send_mail(
            _("Электронный журнал: незаполненные уроки за %(yesterday)s")
            % {"yesterday": format(yesterday, "%d.%m.%Y")},
            _("Заполните, пожалуйста:\n") + "\n".join(lines),
            None,
            [user.email],
        )
        sent += 1
    return sent


@shared_task
def dispatch_reminders():
    return fan_out(remind_teachers)


@shared_task
def school_report(kind, starts_on_iso):
    """This school's filling or activity report of a finished period, unless one exists already."""
    starts_on = date.fromisoformat(starts_on_iso)
    if Report.objects.filter(kind=kind, school__schema_name=connection.schema_name, starts_on=starts_on).exists():
        return
    try:
        make_school_report(kind, starts_on)
    except ValidationError as error:  # a school that joined during the period has no report of it
        logger.info("%s report for %s not made: %s", kind, starts_on, " ".join(error.messages))


@shared_task
def dispatch_school_reports(kind):
    """03:30 on the 1st (filling, last month) and on Mondays (activity, last week)."""
    starts_on = previous_month() if kind == Report.Kind.FILLING else previous_week()
    return fan_out(school_report, args=[kind, starts_on.isoformat()])


def _district_report_once(kind, starts_on, make):
    if Report.objects.filter(kind=kind, starts_on=starts_on, school__isnull=True).exists():
        return
    try:
        make()
    except ValidationError as error:  # nothing reported for the period: say so, the other reports still go
        logger.warning("%s report for %s not made: %s", kind, starts_on, " ".join(error.messages))


@shared_task
def monthly_reports():
    """06:00 each day until made: last month's quality report (after the night's figures were
    reported) and the district's filling report (after the schools made theirs), frozen — once no
    school has term marks whose deadline is still ahead (a term ending on the 31st has its two
    days, Положение 4.8, before the month is frozen)."""
    month = previous_month()
    if SchoolMonth.objects.filter(month=month, code=PENDING, numerator__gt=0).exists():
        logger.info("the report of %s waits for term marks still within their deadline", month)
        return
    _district_report_once(Report.Kind.QUALITY, month, lambda: make_quality_reports(month))
    _district_report_once(Report.Kind.FILLING, month, lambda: make_district_report(Report.Kind.FILLING, month))


@shared_task
def weekly_activity_report():
    """06:00 on Mondays: the district's user activity report of last week."""
    week = previous_week()
    _district_report_once(Report.Kind.ACTIVITY, week, lambda: make_district_report(Report.Kind.ACTIVITY, week))
