"""Thematic plans (КТП), their planned dates, and the term's programme note and рабочая программа."""

import uuid
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import record
from groundwork.text import one_line
from groundwork.uploads import check_upload, store

from .. import rulebook
from ..models import (
    Lesson,
    PlannedTopic,
    ProgrammeNote,
    ThematicPlan,
    WorkProgramme,
)

WORK_PROGRAMME_MAX_MB = 20


@transaction.atomic
def save_plan(*, subject, school_class, year, topics, by=None, ip=None):
    """Sets a plan's topics, in order, as (title, hours) or (title, hours, planned date) rows.
    Topics up to the last one matched to a lesson are kept as they are; the rest of the plan is
    replaced. Topics without a date get one from the timetable (spread_plan)."""
    if not topics:
        raise ValidationError({"topics": _("В плане нет ни одной темы.")})
    rows = []
    for n, (title, hours, *planned) in enumerate(topics, start=1):
        if not (title or "").strip():
            raise ValidationError({"topics": _("Строка %(n)s: пустая тема.") % {"n": n}})
        if not str(hours).isdigit() or not 1 <= int(hours) <= 50:
            raise ValidationError({"topics": _("Строка %(n)s: часов должно быть от 1 до 50.") % {"n": n}})
        due_on = planned[0] if planned else None
        if due_on is not None and not year.starts_on <= due_on <= year.ends_on:
            raise ValidationError(
                {
                    "topics": _("Строка %(n)s: дата %(due_on)s вне учебного года %(year)s.")
                    % {"n": n, "due_on": format(due_on, "%d.%m.%Y"), "year": year}
                }
            )
        rows.append((title.strip()[:500], int(hours), due_on))
    plan, _created = ThematicPlan.objects.get_or_create(subject=subject, school_class=school_class, year=year)
    # Up to the last topic a lesson was matched to, the plan stays as it is.
    kept = plan.topics.filter(lessons__isnull=False).aggregate(last=Max("position"))["last"] or 0
    if len(rows) < kept:
        raise ValidationError(
            {
                "topics": _("План не может быть короче: уроки уже привязаны к темам с 1-й по %(kept)s-ю.")
                % {"kept": kept}
            }
        )
    plan.topics.filter(position__gt=kept).delete()
    PlannedTopic.objects.bulk_create(
        [
            PlannedTopic(
                plan=plan, position=n, title=title, hours=hours, due_on=due_on, due_on_typed=due_on is not None
            )
            for n, (title, hours, due_on) in enumerate(rows, start=1)
            if n > kept
        ]
    )
    spread_plan(plan)
    record(
        "plan.saved",
        plan,
        by=by,
        ip=ip,
        new={"topics": len(rows), "kept": kept, "dated": sum(1 for row in rows if row[2])},
    )
    return plan


def spread_plan(plan, today=None):
    """Gives every topic not yet taught and without a typed date the date of its last lesson,
    taking the class's coming lessons of the subject in order, as many as the topic's hours."""
    today = today or timezone.localdate()
    coming = iter(
        Lesson.objects.filter(
            school_class=plan.school_class_id, subject=plan.subject_id, cancelled_at__isnull=True, date__gte=today
        )
        .order_by("date", "number")
        .values_list("date", flat=True)
    )
    changed = []
    for topic in plan.topics.filter(due_on_typed=False, lessons__isnull=True).order_by("position"):
        dates = list(islice(coming, topic.hours))
        due_on = dates[-1] if len(dates) == topic.hours else None  # past the year's last lesson: no date
        if topic.due_on != due_on:
            topic.due_on = due_on
            changed.append(topic)
    PlannedTopic.objects.bulk_update(changed, ["due_on"])
    return len(changed)


def respread_plans(school_class=None):
    """After the timetable changed: the plans' untyped dates follow the new lessons."""
    plans = (
        ThematicPlan.objects.all() if school_class is None else ThematicPlan.objects.filter(school_class=school_class)
    )
    return sum(spread_plan(plan) for plan in plans)


@transaction.atomic
def write_programme_note(*, school_class, subject, term, shortfall_reason, plan_correction, by, ip=None):
    """The teacher's note on the term's programme: why hours fell short and how the КТП was
    corrected. Written again, it keeps the old text in the audit."""
    if not rulebook.teaches(by, school_class, subject):
        raise PermissionDenied(_("Пояснение пишет учитель предмета в классе."))
    reason, correction = one_line(shortfall_reason), one_line(plan_correction)
    if not reason and not correction:
        raise ValidationError({"shortfall_reason": _("Напишите причину отставания или корректировку КТП.")})
    if len(reason) > 500 or len(correction) > 1000:
        raise ValidationError({"shortfall_reason": _("Слишком длинно: причина до 500 знаков, корректировка до 1000.")})
    note = (
        ProgrammeNote.objects.select_for_update().filter(school_class=school_class, subject=subject, term=term).first()
    )
    old = {"shortfall_reason": note.shortfall_reason, "plan_correction": note.plan_correction} if note else None
    if note is None:
        note = ProgrammeNote(school_class=school_class, subject=subject, term=term)
    note.shortfall_reason, note.plan_correction = reason, correction
    note.written_by, note.written_at = by, timezone.now()
    note.save()
    record(
        "programme_note.written",
        note,
        by=by,
        ip=ip,
        old=old,
        new={"shortfall_reason": reason, "plan_correction": correction, "term": term.pk},
    )
    return note


@transaction.atomic
def upload_work_programme(*, school, subject, grade, year, upload, by, ip=None):
    """A subject's рабочая программа for a grade: stored under the school's prefix, served after an
    access check; the one it replaces is kept, marked replaced."""
    extension = check_upload(upload, field="file", max_mb=WORK_PROGRAMME_MAX_MB)
    if extension not in ("pdf", "doc", "docx", "odt", "rtf"):
        raise ValidationError(
            {"file": _("Файл «%(name)s»: рабочая программа — документ (PDF, DOCX, ODT, RTF).") % {"name": upload.name}}
        )
    now = timezone.now()
    replaced = list(
        WorkProgramme.objects.select_for_update().filter(subject=subject, grade=grade, year=year, replaced_at=None)
    )
    WorkProgramme.objects.filter(pk__in=[p.pk for p in replaced]).update(replaced_at=now)
    stored = store(f"{school.schema_name}/programmes/{uuid.uuid4().hex}.{extension}", upload)
    programme = WorkProgramme.objects.create(
        subject=subject, grade=grade, year=year, file=stored, name=upload.name[:200], size=upload.size, uploaded_by=by
    )
    record(
        "work_programme.uploaded",
        programme,
        by=by,
        ip=ip,
        old={"replaced": [p.pk for p in replaced]} if replaced else None,
        new={"subject": subject.name, "grade": grade, "year": str(year), "name": programme.name},
    )
    return programme
