"""The deputy's check of a journal and its remarks' round trip: remark with a deadline → the
teacher marks it fixed → the deputy confirms it or returns it with the reason (001 Инструкция
3.2.2 а, 3.2.4 д; Положение 8.3)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from audit.models import record
from groundwork.language import in_russian
from groundwork.text import one_line
from notifications.services import notify

from ..models import CheckRemark, JournalCheck
from ..selectors import journal_teacher

MAX_REMARKS = 20


@transaction.atomic
def check_journal(*, school, school_class, subject, term, summary, remarks, by, ip=None):
    """A check with its remarks as (text, due date); the teacher is told of each."""
    if not Membership.objects.at(school).filter(user=by, role=Role.DEPUTY).exists():
        raise PermissionDenied(_("Журнал проверяет заместитель директора."))
    remarks = [(one_line(text, 500), due_on) for text, due_on in remarks if one_line(text)]
    if not remarks and not one_line(summary):
        raise ValidationError({"summary": _("Запишите итог проверки или хотя бы одно замечание.")})
    if len(remarks) > MAX_REMARKS:
        raise ValidationError(
            {"remarks": _("Не больше %(MAX_REMARKS)s замечаний в одной проверке.") % {"MAX_REMARKS": MAX_REMARKS}}
        )
    today = timezone.localdate()
    for text, due_on in remarks:
        if due_on is None or due_on < today:
            raise ValidationError(
                {
                    "remarks": _("«%(value)s»: укажите срок исправления не раньше сегодняшнего дня.")
                    % {"value": text[:40]}
                }
            )
    teacher = journal_teacher(school_class, subject, term)
    if remarks and teacher is None:
        raise ValidationError(_("У этого журнала нет учителя: замечания некому направить."))
    check = JournalCheck.objects.create(
        school_class=school_class, subject=subject, term=term, summary=one_line(summary, 5000), checked_by=by
    )
    made = CheckRemark.objects.bulk_create(
        CheckRemark(journal_check=check, teacher_id=teacher, text=text, due_on=due_on) for text, due_on in remarks
    )
    record(
        "journal.checked",
        check,
        by=by,
        ip=ip,
        new={"class": str(school_class), "subject": subject.name, "term": str(term), "remarks": len(made)},
    )
    if made:
        with in_russian():
            notify(
                [teacher],
                "message",
                _("Проверка журнала %(school_class)s, %(subject)s: замечаний — %(count)s, первое — до %(due)s.")
                % {
                    "school_class": school_class,
                    "subject": subject.name,
                    "count": len(made),
                    "due": format(min(r.due_on for r in made), "%d.%m.%Y"),
                },
            )
    return check


def _remark(remark):
    return CheckRemark.objects.select_for_update().select_related("journal_check").get(pk=remark.pk)


@transaction.atomic
def mark_fixed(remark, *, answer, by, ip=None):
    remark = _remark(remark)
    if remark.teacher_id != by.pk:
        raise PermissionDenied(_("Исправление отмечает учитель, которому направлено замечание."))
    if remark.state != CheckRemark.State.OPEN:
        raise ValidationError(_("Замечание уже отмечено исправленным."))
    remark.state, remark.answer, remark.fixed_at = CheckRemark.State.FIXED, one_line(answer, 500), timezone.now()
    remark.save(update_fields=["state", "answer", "fixed_at"])
    record("check_remark.fixed", remark, by=by, ip=ip, new={"answer": remark.answer})
    with in_russian():
        notify(
            [remark.journal_check.checked_by_id],
            "message",
            _("Учитель отметил исправленным: «%(value)s».") % {"value": remark.text[:80]},
        )
    return remark


@transaction.atomic
def settle_remark(remark, *, confirmed, reason="", by, ip=None):
    """The deputy confirms the fix, or returns the remark (open again) with the reason."""
    remark = _remark(remark)
    if remark.journal_check.checked_by_id != by.pk:
        raise PermissionDenied(_("Исправление подтверждает заместитель директора, проводивший проверку."))
    if remark.state != CheckRemark.State.FIXED:
        raise ValidationError(_("Подтвердить или вернуть можно замечание, отмеченное исправленным."))
    if confirmed:
        remark.state, remark.confirmed_at = CheckRemark.State.CONFIRMED, timezone.now()
        remark.save(update_fields=["state", "confirmed_at"])
        record("check_remark.confirmed", remark, by=by, ip=ip)
        return remark
    reason = one_line(reason)
    if not reason:
        raise ValidationError({"reason": _("Укажите, что ещё не исправлено.")})
    remark.state, remark.returned_reason, remark.fixed_at = CheckRemark.State.OPEN, reason[:500], None
    remark.save(update_fields=["state", "returned_reason", "fixed_at"])
    record("check_remark.returned", remark, by=by, ip=ip, new={"reason": reason})
    with in_russian():
        notify(
            [remark.teacher_id],
            "message",
            _("Замечание возвращено: «%(value)s» — %(reason)s") % {"value": remark.text[:80], "reason": reason},
        )
    return remark
