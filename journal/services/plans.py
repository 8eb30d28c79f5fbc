"""Thematic plans (КТП) and their planned dates."""

from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.models import record

from ..models import (
    Lesson,
    PlannedTopic,
    ThematicPlan,
)


@transaction.atomic
def save_plan(*, subject, school_class, year, topics, by=None, ip=None):
    """Sets a plan's topics, in order, as (title, hours) or (title, hours, planned date) rows.
    Topics up to the last one matched to a lesson are kept as they are; the rest of the plan is
    replaced. Topics without a date get one from the timetable (spread_plan)."""
    if not topics:
        raise ValidationError({"topics": "В плане нет ни одной темы."})
    rows = []
    for n, (title, hours, *planned) in enumerate(topics, start=1):
        if not (title or "").strip():
            raise ValidationError({"topics": f"Строка {n}: пустая тема."})
        if not str(hours).isdigit() or not 1 <= int(hours) <= 50:
            raise ValidationError({"topics": f"Строка {n}: часов должно быть от 1 до 50."})
        due_on = planned[0] if planned else None
        if due_on is not None and not year.starts_on <= due_on <= year.ends_on:
            raise ValidationError({"topics": f"Строка {n}: дата {due_on:%d.%m.%Y} вне учебного года {year}."})
        rows.append((title.strip()[:500], int(hours), due_on))
    plan, _ = ThematicPlan.objects.get_or_create(subject=subject, school_class=school_class, year=year)
    # Up to the last topic a lesson was matched to, the plan stays as it is.
    kept = plan.topics.filter(lessons__isnull=False).aggregate(last=Max("position"))["last"] or 0
    if len(rows) < kept:
        raise ValidationError({"topics": f"К первым {kept} темам уже привязаны уроки: план не может быть короче."})
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
