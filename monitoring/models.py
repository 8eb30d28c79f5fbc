"""Public schema: the numbers each school's task reports per month, and the district's thresholds.
No pupil's name or data is here: counts only."""

import calendar
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

NAMES = {
    "Q1": gettext_lazy("Темы уроков заполнены"),
    "Q2": gettext_lazy("Домашние задания заполнены"),
    "Q3": gettext_lazy("Домашние задания вовремя"),
    "Q4": gettext_lazy("Посещаемость отмечена"),
    "Q5": gettext_lazy("Урок записан в день проведения"),
    "Q6": gettext_lazy("Отметки вовремя (до 17:00)"),
    "Q6_3days": gettext_lazy("Отметки в течение 3 дней"),
    "Q7": gettext_lazy("Обучающиеся без отметок"),
    "Q8": gettext_lazy("Обучающиеся с одной отметкой"),
    "Q9": gettext_lazy("Накопляемость отметок"),
    "Q10": gettext_lazy("Участие учителей"),
    "Q11": gettext_lazy("Прохождение программы"),
    "Q12": gettext_lazy("Итоговые отметки вовремя"),
    "Q13": gettext_lazy("Участие родителей"),
    "Q14": gettext_lazy("Охват родителей"),
    "Q15": gettext_lazy("Участие обучающихся"),
    "Q16": gettext_lazy("Поздние исправ­ления"),
    "Q17": gettext_lazy("Замены записаны"),
}
# The same in a few words, for the heads of wide tables (the full name and the code are the hint).
SHORT_NAMES = {
    "Q1": gettext_lazy("Темы"),
    "Q2": gettext_lazy("Задания"),
    "Q3": gettext_lazy("Задания вовремя"),
    "Q4": gettext_lazy("Посещае­мость"),
    "Q5": gettext_lazy("В день урока"),
    "Q6": gettext_lazy("Отметки до 17:00"),
    "Q6_3days": gettext_lazy("Отметки за 3 дня"),
    "Q7": gettext_lazy("Без отметок"),
    "Q8": gettext_lazy("С одной отмет­кой"),
    "Q9": gettext_lazy("Накопляе­мость"),
    "Q10": gettext_lazy("Учителя"),
    "Q11": gettext_lazy("Программа"),
    "Q12": gettext_lazy("Итоговые вовремя"),
    "Q13": gettext_lazy("Родители"),
    "Q14": gettext_lazy("Охват родителей"),
    "Q15": gettext_lazy("Обучаю­щиеся"),
    "Q16": gettext_lazy("Поздние исправ­ления"),
    "Q17": gettext_lazy("Замены"),
}
HEADS = [(code, SHORT_NAMES[code], name) for code, name in NAMES.items()]
# (green, amber) in percent; for these lower is better.
DEFAULTS = {
    "Q1": (98, 90),
    "Q2": (95, 85),
    "Q3": (90, 75),
    "Q4": (98, 90),
    "Q5": (90, 75),
    "Q6": (85, 70),
    "Q7": (2, 5),
    "Q8": (5, 10),
    "Q9": (90, 75),
    "Q10": (100, 95),
    "Q11": (95, 85),
    "Q12": (100, 95),
    "Q13": (70, 50),
    "Q14": (90, 70),
    "Q15": (60, 40),
    "Q16": (1, 3),
}
LOWER_IS_BETTER = {"Q7", "Q8", "Q16"}


class SchoolMonth(models.Model):
    """One indicator of one school for one month, as its own task computed it."""

    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day
    code = models.CharField(max_length=10)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "month", "code"], name="one_figure")]


class SchoolMonthPart(models.Model):
    """One indicator of one school's month for one teacher, class or subject, as its task computed
    it: what the district drills down to. Staff names and class labels, never a pupil."""

    class Part(models.TextChoices):
        TEACHER = "teacher", gettext_lazy("учитель")
        CLASS = "class", gettext_lazy("класс")
        SUBJECT = "subject", gettext_lazy("предмет")

    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    part = models.CharField(max_length=10, choices=Part.choices)
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=10)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["school", "month"])]


class SchoolProgramme(models.Model):
    """One school's programme fulfilment for one term of its year, as its own task computed it
    (journal.selectors.programme): counts of hours and journals, never a pupil."""

    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, related_name="+")
    year = models.CharField(max_length=9)  # "2026/2027"
    term = models.CharField(max_length=40)  # "1 четверть"
    starts_on = models.DateField()
    ends_on = models.DateField()
    journals = models.PositiveIntegerField()
    behind = models.PositiveIntegerField()  # journals whose hours fall short
    curriculum = models.PositiveIntegerField()
    held = models.PositiveIntegerField()
    replaced = models.PositiveIntegerField()
    cancelled = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "year", "term"], name="one_programme_figure")]

    @property
    def done(self):
        return round(100 * self.held / self.curriculum, 1) if self.curriculum else None


def is_published(month):
    """A month is published once the district's quality report for it exists: its figures no
    longer change, except by a correction (a new version with its reason)."""
    return Report.objects.filter(kind=Report.Kind.QUALITY, school__isnull=True, starts_on=month).exists()


def store_figures(school, month, figures, parts=None):
    """The school's month, and its parts (replaced whole: a teacher who gave no lesson this time
    leaves them)."""
    for code, (numerator, denominator) in figures.items():
        SchoolMonth.objects.update_or_create(
            school=school,
            month=month,
            code=code,
            defaults={"numerator": numerator, "denominator": denominator, "computed_at": timezone.now()},
        )
    if parts is not None:
        SchoolMonthPart.objects.filter(school=school, month=month).delete()
        SchoolMonthPart.objects.bulk_create(
            SchoolMonthPart(
                school=school, month=month, part=part, name=name[:200], code=code, numerator=n, denominator=d
            )
            for part, by_name in parts.items()
            for name, figures in by_name.items()
            for code, (n, d) in figures.items()
        )


class Threshold(models.Model):
    """The district's traffic-light limits for an indicator; a change applies from then on."""

    code = models.CharField(max_length=10, unique=True)
    green = models.DecimalField(max_digits=5, decimal_places=1)
    amber = models.DecimalField(max_digits=5, decimal_places=1)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)


def thresholds():
    """The limits of every indicator that has them: the district's own, else the defaults. The
    indicators without defaults (Q6 within 3 days, Q17) are trends until the district sets some."""
    current = {t.code: (t.green, t.amber) for t in Threshold.objects.all() if t.code in NAMES}
    return {code: tuple(Decimal(v) for v in limits) for code, limits in DEFAULTS.items()} | current


def percent(numerator, denominator):
    """A share as pages and reports show it: one decimal rounded half up (in integers, so 6.25
    is 6.3 and not Python's 6.2), none when there is nothing to count."""
    if not denominator:
        return None
    return ((numerator * 2000 + denominator) // (2 * denominator)) / 10


def exact_percent(numerator, denominator):
    """The share itself, for colours: 89.96 % is below a 90 % threshold however it is shown."""
    return Fraction(numerator * 100, denominator) if denominator else None


def figure(code, numerator, denominator, limits):
    """One indicator as pages and reports show it: the counts, the percentage and its colour."""
    return {
        "code": code,
        "name": str(NAMES.get(code, "")),
        "numerator": numerator,
        "denominator": denominator,
        "percent": percent(numerator, denominator),
        "colour": colour(code, exact_percent(numerator, denominator), limits),
    }


def colour(code, percent, limits):
    """green, amber or red for a percentage (compared exactly); none for trend-only indicators
    or no data."""
    if percent is None or code not in limits:
        return ""
    percent = Fraction(percent)
    green, amber = (Fraction(limit) for limit in limits[code])
    if code in LOWER_IS_BETTER:
        return "green" if percent <= green else "amber" if percent <= amber else "red"
    return "green" if percent >= green else "amber" if percent >= amber else "red"


DEFAULT_NORMS = {1: 3, 2: 5, 3: 7}  # weekly hours (3 = three or more) -> marks a pupil should have per term


class AccumulationNorm(models.Model):
    """The district's mark accumulation norm: marks per term for a subject taught so many hours a
    week (the last row covers that many hours or more)."""

    hours_per_week = models.PositiveSmallIntegerField(unique=True)
    marks = models.PositiveSmallIntegerField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)


def accumulation_norms():
    current = dict(AccumulationNorm.objects.values_list("hours_per_week", "marks"))
    return {hours: current.get(hours, marks) for hours, marks in DEFAULT_NORMS.items()}


def norm_for(hours, norms):
    """Marks per term for a subject of `hours` a week."""
    hours = max(1, round(float(hours)))
    return norms[min(hours, max(norms))]


class Report(models.Model):
    """A frozen report, for the district (school empty) or one school. It never changes; a
    correction is a new version with its reason."""

    class Kind(models.TextChoices):
        QUALITY = "quality", gettext_lazy("Мониторинг качества ведения ЭЖ")
        FILLING = "filling", gettext_lazy("Заполнение ЭЖ и накопляемость отметок")
        ACTIVITY = "activity", gettext_lazy("Активность пользователей")
        PROGRESS = "progress", gettext_lazy("Успеваемость и посещаемость (итоги периодов)")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    school = models.ForeignKey("tenants.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    starts_on = models.DateField()  # the month's first day, or the week's Monday
    version = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-starts_on", "kind", "school", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "school", "starts_on", "version"], nulls_distinct=False, name="one_report_version"
            )
        ]

    @property
    def is_weekly(self):
        return self.kind == self.Kind.ACTIVITY

    @property
    def ends_on(self):
        if self.is_weekly:
            return self.starts_on + timedelta(days=6)
        return self.starts_on.replace(day=calendar.monthrange(self.starts_on.year, self.starts_on.month)[1])

    @property
    def period(self):
        if self.is_weekly:
            return f"{self.starts_on:%d.%m}–{self.ends_on:%d.%m.%Y}"
        return f"{self.starts_on:%m.%Y}"
