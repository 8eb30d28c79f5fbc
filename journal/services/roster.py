"""Classes, pupils and their movements by order, parents' links, subgroups."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identifiers import normalize_snils
from accounts.models import Role
from accounts.services import CONSENT_VERSION, end_family_membership
from audit.models import record
from groundwork.language import in_russian
from groundwork.text import one_line
from notifications.services import notify

from ..models import (
    CorrectionRequest,
    Guardian,
    Pupil,
    PupilMovement,
    SchoolClass,
    Subgroup,
)


@transaction.atomic
def create_class(*, grade, letter, class_teacher=None, by=None, ip=None):
    letter = (letter or "").strip().upper()
    if not 1 <= int(grade) <= 11:
        raise ValidationError({"grade": _("Параллель — число от 1 до 11.")})
    if not letter or len(letter) > 3:
        raise ValidationError({"letter": _("Литера класса — от 1 до 3 символов, например «А».")})
    if SchoolClass.objects.open().filter(grade=grade, letter=letter).exists():
        raise ValidationError({"letter": _("Класс %(grade)s%(letter)s уже есть.") % {"grade": grade, "letter": letter}})
    school_class = SchoolClass.objects.create(grade=grade, letter=letter, class_teacher=class_teacher)
    record(
        "class.created",
        school_class,
        by=by,
        ip=ip,
        new={"grade": grade, "letter": letter, "class_teacher": getattr(class_teacher, "pk", None)},
    )
    return school_class


def _movement(pupil, on, number, order_date):
    """A transfer or withdrawal: by an order, dated between the pupil's enrolment and a year from now."""
    if not pupil.enrolled_on <= on <= timezone.localdate() + timedelta(days=366):
        raise ValidationError(
            {
                "on": _("Дата — не раньше зачисления (%(enrolled_on)s) и не позже чем через год.")
                % {"enrolled_on": format(pupil.enrolled_on, "%d.%m.%Y")}
            }
        )
    if order_date and order_date > timezone.localdate():
        raise ValidationError({"order_date": _("Дата приказа не может быть в будущем.")})
    return _order(number, order_date)


def _order(number, order_date):
    if not (number or "").strip():
        raise ValidationError({"order_number": _("Изменение списка класса оформляется приказом: укажите его номер.")})
    if not order_date:
        raise ValidationError({"order_date": _("Укажите дату приказа.")})
    return number.strip()


PERSONAL = ("last_name", "first_name", "middle_name", "birth_date", "snils", "address", "family_phones")


@transaction.atomic
def correct_pupil(pupil, *, reason, by, ip=None, **changes):
    """A misspelt name or a wrong birth date put right, with its reason: the old value stays in the
    history (the audit trail); every page, report, paper copy and archive made afterwards shows
    the new one. Only what differs is written; nothing at all if nothing does."""
    reason = one_line(reason)
    if len(reason) < 5:
        raise ValidationError(
            {"reason": _("Укажите основание исправления: документ или обращение (не короче 5 символов).")}
        )
    new = {}
    for field in PERSONAL:
        if field not in changes:
            continue
        value = changes[field]
        value = " ".join(value.split()) if isinstance(value, str) else value
        if field in ("last_name", "first_name") and not value:
            raise ValidationError({field: _("Фамилия и имя не могут быть пустыми.")})
        if field == "snils" and value:
            try:
                value = normalize_snils(value)
            except ValidationError as error:
                raise ValidationError({"snils": error.messages}) from None
        if value != getattr(pupil, field):
            new[field] = value
    if not new:
        raise ValidationError(_("Данные не изменились: исправлять нечего."))
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    old = {field: getattr(pupil, field) for field in new}
    for field, value in new.items():
        setattr(pupil, field, value)
    pupil.save(update_fields=list(new))
    record("pupil.corrected", pupil, by=by, ip=ip, old=old, new=new, reason=reason[:500])
    return pupil


@transaction.atomic
def request_correction(pupil, *, text, by, ip=None):
    """A parent asks for the child's data to be put right; the class teacher is told."""
    text = one_line(text)
    if len(text) < 10:
        raise ValidationError({"text": _("Опишите, что неверно и как правильно (не короче 10 символов).")})
    asked = CorrectionRequest.objects.create(pupil=pupil, asked_by=by, text=text[:500])
    record("pupil.correction_requested", asked, by=by, ip=ip, new={"pupil": pupil.pk, "text": asked.text})
    teacher = pupil.school_class.class_teacher_id
    if teacher:
        with in_russian():
            notify(
                [teacher],
                "message",
                _("Родитель просит исправить данные: %(full_name)s. «%(text)s»")
                % {"full_name": pupil.full_name, "text": asked.text},
            )
    return asked


@transaction.atomic
def answer_correction(asked, *, outcome, answer, by, ip=None):
    """The class teacher's answer: corrected (the correction itself is correct_pupil), or refused
    with a reason; the parent is told."""
    asked = CorrectionRequest.objects.select_for_update().get(pk=asked.pk)
    if asked.answered_at:
        raise ValidationError(_("На это обращение уже ответили."))
    answer = one_line(answer)
    if outcome not in CorrectionRequest.Outcome.values:
        raise ValidationError({"outcome": _("Выберите: исправлено или отказано.")})
    if outcome == CorrectionRequest.Outcome.REFUSED and len(answer) < 5:
        raise ValidationError({"answer": _("Объясните родителю, почему данные не исправлены.")})
    asked.outcome, asked.answer, asked.answered_by, asked.answered_at = outcome, answer[:500], by, timezone.now()
    asked.save(update_fields=["outcome", "answer", "answered_by", "answered_at"])
    record("pupil.correction_answered", asked, by=by, ip=ip, new={"outcome": outcome, "answer": asked.answer})
    with in_russian():
        said = f"«{asked.get_outcome_display()}»" + (f": {asked.answer}" if asked.answer else "")
        notify(
            [asked.asked_by_id],
            "message",
            _("%(full_name)s: ответ на просьбу исправить данные — %(said)s")
            % {"full_name": asked.pupil.full_name, "said": said},
            asked.pupil,
        )
    return asked


@transaction.atomic
def enroll_pupil(
    *,
    school_class,
    last_name,
    first_name,
    middle_name="",
    birth_date,
    enrolled_on,
    order,
    order_date=None,
    by=None,
    ip=None,
):
    if not (last_name or "").strip() or not (first_name or "").strip():
        raise ValidationError(_("Укажите фамилию и имя обучающегося."))
    order = _order(order, order_date or enrolled_on)
    pupil = Pupil.objects.create(
        school_class=school_class,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        middle_name=(middle_name or "").strip(),
        birth_date=birth_date,
        enrolled_on=enrolled_on,
        enrollment_order=order,
    )
    PupilMovement.objects.create(
        pupil=pupil,
        kind=PupilMovement.Kind.ENROLLED,
        on=enrolled_on,
        order_number=order,
        order_date=order_date or enrolled_on,
        to_class=school_class,
        recorded_by=by,
    )
    record(
        "pupil.enrolled",
        pupil,
        by=by,
        ip=ip,
        new={"class": str(school_class), "enrolled_on": enrolled_on, "order": order},
    )
    return pupil


@transaction.atomic
def transfer_pupil(pupil, *, to_class, on, order_number, order_date, by=None, ip=None):
    order_number = _movement(pupil, on, order_number, order_date)
    if pupil.withdrawn_on:
        raise ValidationError(_("Обучающийся выбыл из школы."))
    if to_class.pk == pupil.school_class_id:
        raise ValidationError({"to_class": _("Обучающийся уже в этом классе.")})
    old = pupil.school_class
    PupilMovement.objects.create(
        pupil=pupil,
        kind=PupilMovement.Kind.TRANSFERRED,
        on=on,
        order_number=order_number,
        order_date=order_date,
        from_class=old,
        to_class=to_class,
        recorded_by=by,
    )
    pupil.school_class = to_class
    pupil.save(update_fields=["school_class"])
    pupil.subgroups.clear()
    record(
        "pupil.transferred",
        pupil,
        by=by,
        ip=ip,
        old={"class": str(old)},
        new={"class": str(to_class), "on": on, "order": order_number},
    )
    return pupil


@transaction.atomic
def withdraw_pupil(pupil, *, on, order_number, order_date, by=None, ip=None):
    order_number = _movement(pupil, on, order_number, order_date)
    if pupil.withdrawn_on:
        raise ValidationError(_("Обучающийся уже выбыл."))
    PupilMovement.objects.create(
        pupil=pupil,
        kind=PupilMovement.Kind.WITHDRAWN,
        on=on,
        order_number=order_number,
        order_date=order_date,
        from_class=pupil.school_class,
        recorded_by=by,
    )
    pupil.withdrawn_on = on
    pupil.save(update_fields=["withdrawn_on"])
    record(
        "pupil.withdrawn",
        pupil,
        by=by,
        ip=ip,
        old={"withdrawn_on": None},
        new={"withdrawn_on": on, "order": order_number},
    )
    return pupil


def link_invited_account(sender, *, invitation, user, ip, **kwargs):
    """An accepted invitation that names a pupil: the pupil's own account, or a parent's link with
    the consent given (accounts.signals.pupil_invitation_accepted, in the school's schema)."""
    pupil = Pupil.objects.enrolled().filter(pk=invitation.pupil_id).first()
    if pupil is None:
        raise ValidationError(_("Обучающийся по этому приглашению выбыл из школы."))
    if invitation.role == Role.PUPIL:
        if pupil.user_id not in (None, user.pk):
            raise ValidationError(_("У обучающегося уже есть учётная запись."))
        pupil.user = user
        pupil.save(update_fields=["user"])
        record("pupil.account_linked", pupil, by=user, ip=ip, old={"user": None}, new={"user": user.pk})
        return
    guardian, _created = Guardian.objects.get_or_create(pupil=pupil, user=user, ended_at=None)
    guardian.consent_at, guardian.consent_ip, guardian.consent_version = timezone.now(), ip, CONSENT_VERSION
    guardian.save(update_fields=["consent_at", "consent_ip", "consent_version"])
    record("guardian.consent", guardian, by=user, ip=ip, new={"pupil": pupil.pk, "version": CONSENT_VERSION})


@transaction.atomic
def end_guardianship(guardian, *, reason, by, ip=None):
    """The school ends a parent's link to a pupil (a court decision, a mistaken link): the
    parent loses the child's diary and the child's conversations at once."""
    reason = one_line(reason, 300)
    if len(reason) < 5:
        raise ValidationError({"reason": _("Укажите основание (например, реквизиты документа).")})
    return _end_link(guardian, reason=reason, by=by, ip=ip, action="guardian.ended")


@transaction.atomic
def withdraw_consent(guardian, *, by, ip=None):
    """The parent withdraws consent to the processing of the child's data: the link ends at once."""
    if guardian.user_id != by.pk:
        raise PermissionDenied(_("Отозвать согласие может только сам родитель."))
    guardian.consent_withdrawn_at = timezone.now()
    guardian.save(update_fields=["consent_withdrawn_at"])
    return _end_link(
        guardian,
        reason=_("отзыв согласия на обработку персональных данных"),
        by=by,
        ip=ip,
        action="guardian.consent_withdrawn",
    )


def _end_link(guardian, *, reason, by, ip, action):
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    if guardian.ended_at:
        raise ValidationError(_("Связь уже завершена."))
    guardian.ended_at, guardian.end_reason = timezone.now(), reason
    guardian.save(update_fields=["ended_at", "end_reason"])
    record(
        action,
        guardian,
        by=by,
        ip=ip,
        old={"pupil": guardian.pupil_id, "user": guardian.user_id},
        new={"ended_at": guardian.ended_at},
        reason=reason,
    )
    if not Guardian.objects.filter(user=guardian.user_id, ended_at__isnull=True).exists():
        end_family_membership(guardian.user_id, Role.PARENT, by=by, ip=ip, reason=reason)
    return guardian


@transaction.atomic
def create_subgroup(*, school_class, name, pupils, by=None, ip=None):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Укажите название подгруппы.")})
    strangers = [p for p in pupils if p.school_class_id != school_class.pk or p.withdrawn_on]
    if strangers:
        raise ValidationError(
            {
                "pupils": _("Не из класса %(school_class)s: %(pupils)s.")
                % {"school_class": school_class, "pupils": ", ".join(p.full_name for p in strangers)}
            }
        )
    if Subgroup.objects.filter(school_class=school_class, name=name).exists():
        raise ValidationError({"name": _("Такая подгруппа уже есть.")})
    subgroup = Subgroup.objects.create(school_class=school_class, name=name)
    subgroup.pupils.set(pupils)
    record("subgroup.created", subgroup, by=by, ip=ip, new={"name": name, "pupils": [p.pk for p in pupils]})
    return subgroup
