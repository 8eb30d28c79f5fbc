"""The district's settings for monitoring: traffic-light thresholds and mark accumulation norms.
Each change is audited and applies to figures and reports made after it."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from audit.models import record

from .indicators import compute, parts
from .models import (
    DEFAULT_NORMS,
    LOWER_IS_BETTER,
    NAMES,
    AccumulationNorm,
    Threshold,
    accumulation_norms,
    is_published,
    store_figures,
    thresholds,
)
from .reports import correction_of_quality_report


@transaction.atomic
def set_threshold(*, code, green, amber, by, ip=None):
    if code not in NAMES:
        raise ValidationError(_("Неизвестный показатель."))
    try:
        green, amber = Decimal(str(green).replace(",", ".")), Decimal(str(amber).replace(",", "."))
        if not (green.is_finite() and amber.is_finite()):  # "NaN" and "Infinity" parse as Decimals
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError(_("Пороги — числа, например 95 или 97,5.")) from None
    if not (0 <= green <= 100 and 0 <= amber <= 100):
        raise ValidationError(_("Пороги — проценты от 0 до 100."))
    if (code in LOWER_IS_BETTER and green > amber) or (code not in LOWER_IS_BETTER and green < amber):
        raise ValidationError(_("Зелёный порог должен быть строже жёлтого."))
    old = thresholds().get(code)
    threshold, _created = Threshold.objects.update_or_create(
        code=code, defaults={"green": green, "amber": amber, "changed_by": by, "changed_at": timezone.now()}
    )
    record(
        "threshold.set",
        threshold,
        by=by,
        ip=ip,
        old={"green": old[0], "amber": old[1]} if old else None,
        new={"green": green, "amber": amber},
    )
    return threshold


@transaction.atomic
def set_norm(*, hours_per_week, marks, by, ip=None):
    try:
        hours_per_week, marks = int(hours_per_week), int(marks)
    except (TypeError, ValueError):
        raise ValidationError(_("Норма — целое число отметок за четверть.")) from None
    if hours_per_week not in DEFAULT_NORMS:
        raise ValidationError(_("Нормы задаются для 1, 2 и 3 и более часов в неделю."))
    if not 0 <= marks <= 30:
        raise ValidationError(_("Норма — от 0 до 30 отметок за четверть."))
    old = accumulation_norms()[hours_per_week]
    norm, _created = AccumulationNorm.objects.update_or_create(
        hours_per_week=hours_per_week, defaults={"marks": marks, "changed_by": by, "changed_at": timezone.now()}
    )
    record("norm.set", norm, by=by, ip=ip, old={"marks": old}, new={"marks": marks})
    return norm


@transaction.atomic
def correct_month(school, month, *, reason, by, ip=None):
    """A published month recomputed now (late entries included) and sent to the district as a
    new version of the school's report, with its reason; the district sees it as a correction.
    Called in the school's schema."""
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise ValidationError(
            {"reason": _("Укажите причину исправления (например, «внесены пропущенные темы уроков»).")}
        )
    if not is_published(month):
        raise ValidationError(_("Этот месяц ещё не опубликован: показатели передаются без исправлений."))
    figures = compute(month)
    store_figures(school, month, figures, parts(month))
    report = correction_of_quality_report(school, month, figures, by=by, reason=reason)
    with schema_context("public"):  # the district's trail: the figures it reads changed
        record(
            "quality.corrected",
            report,
            by=by,
            ip=ip,
            new={"school": school.slug, "month": month, "version": report.version},
            reason=reason,
        )
    return report
