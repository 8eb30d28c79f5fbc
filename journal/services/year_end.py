"""The school year turning over: classes promoted (5А → 6А), graduates leave, pupils kept down
stay in their grade, and the finished year is locked for good."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import record

from ..models import AcademicYear, Pupil, PupilMovement, SchoolClass, Term, TimetableSlot
from .roster import _order

LAST_GRADE = 11


def year_end_plan(year, *, stays=(), leaves=()):
    """Where each pupil of the year's classes goes: (pupil, from class, (grade, letter) or None
    for one who leaves school, movement kind). `stays`: ids kept down; `leaves`: ids who finish
    school in a grade below the last (after the 9th)."""
    plan = []
    for school_class in SchoolClass.objects.filter(year=year).order_by("grade", "letter"):
        for pupil in Pupil.objects.enrolled().filter(school_class=school_class):
            if pupil.pk in stays:
                plan.append(
                    (pupil, school_class, (school_class.grade, school_class.letter), PupilMovement.Kind.REPEATED)
                )
            elif pupil.pk in leaves or school_class.grade == LAST_GRADE:
                plan.append((pupil, school_class, None, PupilMovement.Kind.GRADUATED))
            else:
                target = (school_class.grade + 1, school_class.letter)
                plan.append((pupil, school_class, target, PupilMovement.Kind.PROMOTED))
    return plan


@transaction.atomic
def turn_over_year(*, year, next_year, stays=(), leaves=(), order_number, order_date, by, ip=None):
    """Moves every pupil of `year`'s classes into `next_year`'s classes by one order (приказ о
    переводе), ends the old classes' timetable and locks the year. The old classes, their lessons,
    marks and final marks stay untouched and readable; the pupils' and parents' accounts follow
    the pupil, whose row is the same."""
    year = AcademicYear.objects.select_for_update().get(pk=year.pk)
    if year.closed_at:
        raise ValidationError(
            gettext("Учебный год %(year)s уже завершён: классы переведены %(closed_at)s.")
            % {"year": year, "closed_at": format(year.closed_at, "%d.%m.%Y")}
        )
    if next_year.starts_on <= year.ends_on:
        raise ValidationError(
            {
                "next_year": gettext("Следующий учебный год начинается после %(ends_on)s.")
                % {"ends_on": format(year.ends_on, "%d.%m.%Y")}
            }
        )
    last_day = max([t.ends_on for t in Term.objects.filter(year=year)] or [year.ends_on])
    if timezone.localdate() <= last_day:
        raise ValidationError(
            gettext("Учебный год %(year)s ещё идёт: классы переводят после %(last_day)s.")
            % {"year": year, "last_day": format(last_day, "%d.%m.%Y")}
        )
    order_number = _order(order_number, order_date)
    plan = year_end_plan(year, stays=set(stays), leaves=set(leaves))
    targets = {target for _, _, target, _ in plan if target}
    taken = [
        str(c)
        for c in SchoolClass.objects.filter(year=next_year)
        if (c.grade, c.letter) in targets and c.pupils.exists()
    ]
    if taken:
        raise ValidationError(
            gettext("В учебном году %(next_year)s уже есть обучающиеся в классах: %(classes)s.")
            % {"next_year": next_year, "classes": ", ".join(taken)}
        )
    teachers = {(c.grade + 1, c.letter): c.class_teacher for c in SchoolClass.objects.filter(year=year)}
    new_classes = {}
    for grade, letter in sorted(targets):
        new_classes[(grade, letter)], _ = SchoolClass.objects.get_or_create(
            year=next_year, grade=grade, letter=letter, defaults={"class_teacher": teachers.get((grade, letter))}
        )
    counts = {kind: 0 for kind in PupilMovement.YEAR_END}
    for pupil, old_class, target, kind in plan:
        new_class = new_classes.get(target)
        PupilMovement.objects.create(
            pupil=pupil,
            kind=kind,
            on=next_year.starts_on if new_class else year.ends_on,
            order_number=order_number,
            order_date=order_date,
            from_class=old_class,
            to_class=new_class,
            recorded_by=by,
        )
        if new_class:
            pupil.school_class = new_class
            pupil.save(update_fields=["school_class"])
        else:
            pupil.withdrawn_on = year.ends_on
            pupil.save(update_fields=["withdrawn_on"])
        counts[kind] += 1
        record(
            f"pupil.{kind}",
            pupil,
            by=by,
            ip=ip,
            old={"class": str(old_class)},
            new={"class": str(new_class) if new_class else None, "year": str(next_year), "order": order_number},
        )
    TimetableSlot.objects.filter(school_class__year=year, valid_to__isnull=True).update(valid_to=year.ends_on)
    year.closed_at, year.closed_by = timezone.now(), by
    year.save(update_fields=["closed_at", "closed_by"])
    record(
        "year.turned_over",
        year,
        by=by,
        ip=ip,
        new={"next_year": str(next_year), "order": order_number, **{str(k): n for k, n in counts.items()}},
    )
    return counts
