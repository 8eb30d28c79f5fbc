"""Final marks of terms and of the year, and reopening a closed term."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import record
from groundwork.language import in_russian
from groundwork.text import one_line
from notifications.services import notify

from .. import rulebook
from ..models import (
    FinalMark,
    FinalValue,
    GradeScheme,
    Reopening,
    Term,
)
from ..selectors import family_of
from .calendar import is_locked
from .records import check_value


@transaction.atomic
def set_final_mark(*, pupil, subject, year, term=None, value, by, ip=None):
    school_class = pupil.school_class
    if not rulebook.teaches(by, school_class, subject):
        raise PermissionDenied(_("Итоговую отметку ставит учитель этого предмета в классе."))
    check_value(value, subject, FinalValue, grade=school_class.grade)
    if term is not None:
        if term.year_id != year.pk:
            raise ValidationError({"term": _("Период из другого учебного года.")})
        if timezone.localdate() < term.ends_on - timedelta(days=14):
            raise ValidationError(
                {"term": _("Период «%(term)s» ещё идёт: итоговая отметка ставится в его конце.") % {"term": term}}
            )
        if is_locked(term, school_class, subject):
            raise ValidationError(_("Период «%(term)s» закрыт: итоговые отметки заблокированы.") % {"term": term})
    else:
        _check_year_mark_due(year, school_class, subject)
    final, created = FinalMark.objects.select_for_update().get_or_create(
        pupil=pupil,
        subject=subject,
        year=year,
        term=term,
        defaults={"value": value, "school_class": school_class, "entered_by": by},
    )
    old = None if created else {"value": final.value}
    if not created:
        final.value, final.changed_at = value, timezone.now()
        final.save(update_fields=["value", "changed_at"])
    record(
        "final_mark.set",
        final,
        by=by,
        ip=ip,
        old=old,
        new={"pupil": pupil.pk, "subject": subject.name, "term": getattr(term, "pk", None), "value": value},
    )
    with in_russian():
        period = f"{term}" if term else _("%(year)s учебный год") % {"year": year}
        notify(
            family_of(pupil),
            "final",
            _("%(first_name)s: итоговая отметка по предмету «%(name)s» за %(period)s — %(get_value_display)s")
            % {
                "first_name": pupil.first_name,
                "name": subject.name,
                "period": period,
                "get_value_display": final.get_value_display(),
            },
            pupil=pupil,
        )
    return final


@transaction.atomic
def set_final_marks(marks, *, subject, year, term=None, by, ip=None):
    """A class's term (or year) marks in one action: each pupil's mark that is new or changed is
    set and audited as when set alone; one refusal refuses them all. Returns how many changed."""
    existing = {
        f.pupil_id: f.value
        for f in FinalMark.objects.filter(subject=subject, year=year, term=term, pupil__in=[p for p, _ in marks])
    }
    changed = 0
    for pupil, value in marks:
        if value and existing.get(pupil.pk) != value:
            set_final_mark(pupil=pupil, subject=subject, year=year, term=term, value=value, by=by, ip=ip)
            changed += 1
    return changed


def _check_year_mark_due(year, school_class, subject):
    """The year mark follows the year's last term: set in its last two weeks or after, and locked
    with it (the deputy reopens that term to correct one)."""
    scheme = GradeScheme.objects.filter(year=year, grade=school_class.grade).values("scheme")
    last = Term.objects.filter(year=year, scheme__in=scheme).order_by("-ends_on").first()
    if last is None:
        raise ValidationError(
            {
                "term": _("В учебном году %(year)s у %(grade)s классов нет учебных периодов.")
                % {"year": year, "grade": school_class.grade}
            }
        )
    if timezone.localdate() < last.ends_on - timedelta(days=14):
        raise ValidationError(
            {
                "term": _(
                    "Годовая отметка ставится в конце учебного года (период «%(last)s» заканчивается %(ends_on)s)."
                )
                % {"last": last, "ends_on": format(last.ends_on, "%d.%m.%Y")}
            }
        )
    if is_locked(last, school_class, subject):
        raise ValidationError(_("Учебный год %(year)s закрыт: годовые отметки заблокированы.") % {"year": year})


@transaction.atomic
def reopen(*, term, school_class, subject, reason, until, by, ip=None):
    reason = one_line(reason)
    if len(reason) < 5:
        raise ValidationError({"reason": _("Опишите причину (например, «исправление ошибки по заявлению учителя»).")})
    if until < timezone.localdate():
        raise ValidationError({"until": _("Дата окончания уже прошла.")})
    reopening = Reopening.objects.create(
        term=term, school_class=school_class, subject=subject, reason=reason, reopened_by=by, until=until
    )
    record(
        "term.reopened",
        reopening,
        by=by,
        ip=ip,
        new={"term": term.pk, "class": str(school_class), "subject": subject.name, "until": until},
        reason=reason,
    )
    return reopening
