"""The teacher's record of a lesson: substitutions, topic, homework and its files, marks, attendance."""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from audit.models import record, record_each
from groundwork.language import in_russian
from groundwork.text import one_line
from groundwork.uploads import check_upload, store
from notifications.services import notify, notify_each

from .. import rulebook
from ..models import (
    Attendance,
    FinalValue,
    Holiday,
    HomeworkFile,
    Lesson,
    Mark,
    MarkValue,
    Pupil,
    Remark,
    TeacherAbsence,
)
from ..selectors import families_of, family_of, pupils_of, teachers_of
from .calendar import is_locked, is_school_day


def check_can_write(lesson, user):
    """The teacher of a lesson, or the one who took it over as a substitute, may write to it."""
    if not rulebook.conducts(user, lesson):
        raise PermissionDenied(_("Это урок другого учителя."))
    _check_open(lesson)


def _check_open(lesson):
    if lesson.cancelled_at:
        raise ValidationError(_("Урок отменён: записи в нём не ведутся."))
    if is_locked(lesson.term, lesson.school_class, lesson.subject):
        raise ValidationError(
            _("Период «%(term)s» закрыт: записи заблокированы. Открыть их может заместитель директора.")
            % {"term": lesson.term}
        )


def _is_teacher_here(user, school):
    return teachers_of(school).filter(pk=user.pk).exists()


def _in_words(lesson):
    return _("%(date)s, %(number)s урок, %(school_class)s — %(name)s") % {
        "date": format(lesson.date, "%d.%m.%Y"),
        "number": lesson.number,
        "school_class": lesson.school_class,
        "name": lesson.subject.name,
    }


def lesson_of_teacher_at(teacher_id, lesson):
    """Another lesson the teacher conducts in the same period of the same day, or None."""
    return (
        Lesson.objects.conducted_by(teacher_id)
        .filter(date=lesson.date, number=lesson.number, cancelled_at__isnull=True)
        .exclude(pk=lesson.pk)
        .select_related("school_class", "subject")
        .first()
    )


def _heads(school, role):
    return list(Membership.objects.at(school).filter(role=role).values_list("user_id", flat=True))


@transaction.atomic
def assign_substitution(lesson, *, school, teacher, reason, note="", by, ip=None):
    """The deputy assigns who teaches a lesson instead of its timetabled teacher, in advance or
    on the day. The substitute gets this lesson only; both teachers are told."""
    lesson.refresh_from_db(
        fields=[
            "taught_by",
            "kept_by",
            "cancelled_at",
            "topic_entered_at",
            "homework_entered_at",
            "attendance_taken_at",
        ],
        from_queryset=Lesson.objects.select_for_update(),
    )
    if not Membership.objects.at(school).filter(user=by, role=Role.DEPUTY).exists():
        raise PermissionDenied(_("Замены назначает заместитель директора."))
    if reason not in Lesson.SubstitutionReason.values:
        raise ValidationError({"reason": _("Выберите причину замены.")})
    if teacher is None or not _is_teacher_here(teacher, school):
        raise ValidationError({"teacher": _("Выберите учителя этой школы.")})
    if teacher.pk == lesson.teacher_id:
        raise ValidationError({"teacher": _("Это учитель урока по расписанию: замена не нужна.")})
    clash = lesson_of_teacher_at(teacher.pk, lesson)
    if clash is not None:
        raise ValidationError(
            {
                "teacher": _("%(short_name)s в это время ведёт урок: %(lesson)s.")
                % {"short_name": teacher.short_name, "lesson": _in_words(clash)}
            }
        )
    if TeacherAbsence.objects.filter(
        teacher=teacher, starts_on__lte=lesson.date, ends_on__gte=lesson.date, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(
            {
                "teacher": _("%(short_name)s в этот день отсутствует (записано отсутствие).")
                % {"short_name": teacher.short_name}
            }
        )
    _check_open(lesson)
    old = {"teacher": lesson.conducted_by_id}
    if lesson.kept_by_id is None and not rulebook.lesson_is_untouched(lesson):
        lesson.kept_by_id = lesson.conducted_by_id  # recorded after the fact: the record stays
    lesson.taught_by = teacher
    lesson.substitution_recorded_at = timezone.now()
    lesson.substitution_reason = reason
    lesson.substitution_note = one_line(note, 200)
    lesson.substitution_assigned_by = by
    lesson.save(
        update_fields=[
            "taught_by",
            "kept_by",
            "substitution_recorded_at",
            "substitution_reason",
            "substitution_note",
            "substitution_assigned_by",
        ]
    )
    record(
        "lesson.substitution",
        lesson,
        by=by,
        ip=ip,
        old=old,
        new={"teacher": teacher.pk, "reason": reason, "note": lesson.substitution_note, "kept_by": lesson.kept_by_id},
    )
    with in_russian():
        what = _in_words(lesson)
        notify(
            [teacher.pk],
            "substitution",
            _("Вам назначена замена: %(what)s (%(get_substitution_reason_display)s).")
            % {"what": what, "get_substitution_reason_display": lesson.get_substitution_reason_display()},
        )
        notify(
            [lesson.teacher_id],
            "substitution",
            _("Ваш урок %(what)s проведёт %(short_name)s (замена).") % {"what": what, "short_name": teacher.short_name},
        )
    return lesson


@transaction.atomic
def take_as_substitute(lesson, *, school, by, ip=None):
    """A teacher records taking over a colleague's lesson themselves: only a lesson of today,
    not cancelled, in an open term, not yet written by anyone. The deputy is told."""
    # Locked, then read again: two teachers pressing at once do not both take it.
    lesson.refresh_from_db(
        fields=["taught_by", "cancelled_at", "topic_entered_at", "homework_entered_at", "attendance_taken_at"],
        from_queryset=Lesson.objects.select_for_update(),
    )
    if not _is_teacher_here(by, school):
        raise PermissionDenied(_("Замену может провести только учитель этой школы."))
    if rulebook.conducts(by, lesson):
        raise ValidationError(_("Это уже ваш урок."))
    _check_open(lesson)
    if not rulebook.can_take_over(by, rulebook.TEACHING, lesson):
        raise ValidationError(
            _(
                "Самому записать замену можно только в день урока и пока в уроке ничего не записано. "
                "Иначе замену назначает заместитель директора."
            )
        )
    lesson.taught_by = by
    lesson.substitution_recorded_at = timezone.now()
    lesson.substitution_reason = Lesson.SubstitutionReason.ON_THE_DAY
    lesson.save(update_fields=["taught_by", "substitution_recorded_at", "substitution_reason"])
    record(
        "lesson.substitution",
        lesson,
        by=by,
        ip=ip,
        old={"teacher": lesson.teacher_id},
        new={"teacher": by.pk, "reason": lesson.substitution_reason},
    )
    with in_russian():
        what = _in_words(lesson)
        notify(
            _heads(school, Role.DEPUTY),
            "substitution",
            _("%(short_name)s записал(а) замену: %(what)s. Проверьте, назначена ли она.")
            % {"short_name": by.short_name, "what": what},
        )
        notify(
            [lesson.teacher_id],
            "substitution",
            _("Ваш урок %(what)s проводит %(short_name)s (замена).") % {"what": what, "short_name": by.short_name},
        )
    return lesson


def _first(lesson, field):
    if getattr(lesson, field) is None:
        setattr(lesson, field, timezone.now())
        return [field]
    return []


@transaction.atomic
def set_topic(lesson, *, topic="", planned_topic=None, by, ip=None):
    check_can_write(lesson, by)
    if planned_topic is not None:
        if (
            planned_topic.plan.subject_id != lesson.subject_id
            or planned_topic.plan.school_class_id != lesson.school_class_id
        ):
            raise ValidationError({"planned_topic": _("Тема из КТП другого класса или предмета.")})
        topic = topic.strip() or planned_topic.title
    topic = one_line(topic)
    if not topic:
        raise ValidationError({"topic": _("Укажите тему урока.")})
    if len(topic) > 500:
        raise ValidationError({"topic": _("Тема длиннее 500 символов.")})
    old = {"topic": lesson.topic, "planned_topic": lesson.planned_topic_id}
    lesson.topic, lesson.planned_topic = topic, planned_topic
    lesson.save(update_fields=["topic", "planned_topic", *_first(lesson, "topic_entered_at")])
    record(
        "lesson.topic", lesson, by=by, ip=ip, old=old, new={"topic": topic, "planned_topic": lesson.planned_topic_id}
    )
    return lesson


@transaction.atomic
def set_lesson_kind(lesson, *, kind, by, ip=None):
    """The type of lesson (урок, контрольная, лабораторная …) the term's programme counts."""
    check_can_write(lesson, by)
    if kind not in Lesson.Kind.values:
        raise ValidationError({"kind": _("Выберите тип занятия из списка.")})
    if kind == lesson.kind:
        return lesson
    old, lesson.kind = {"kind": lesson.kind}, kind
    lesson.save(update_fields=["kind"])
    record("lesson.kind", lesson, by=by, ip=ip, old=old, new={"kind": kind})
    return lesson


@transaction.atomic
def set_homework(lesson, *, text="", none=False, by, ip=None):
    """Homework may be set in advance; "not set" is an explicit entry too."""
    check_can_write(lesson, by)
    text = (text or "").strip()
    if none and text:
        raise ValidationError({"homework": _("Либо задание, либо «не задано».")})
    if not none and not text:
        raise ValidationError({"homework": _("Введите задание или отметьте «не задано».")})
    if len(text) > 5000:
        raise ValidationError({"homework": _("Задание длиннее 5000 символов.")})
    old = {"homework": lesson.homework, "none": lesson.homework_none}
    lesson.homework, lesson.homework_none = text, none
    lesson.save(update_fields=["homework", "homework_none", *_first(lesson, "homework_entered_at")])
    record("lesson.homework", lesson, by=by, ip=ip, old=old, new={"homework": text, "none": none})
    return lesson


HOMEWORK_FILE_MAX_MB = 10


@transaction.atomic
def attach_homework_file(lesson, upload, *, school, by, ip=None):
    """Files go under the school's own prefix; they are served only through an access check."""
    check_can_write(lesson, by)
    extension = check_upload(upload, field="files", max_mb=HOMEWORK_FILE_MAX_MB)
    stored = store(f"{school.schema_name}/homework/{lesson.pk}/{uuid.uuid4().hex}.{extension}", upload)
    attached = HomeworkFile.objects.create(
        lesson=lesson, file=stored, name=upload.name[:200], size=upload.size, uploaded_by=by
    )
    record(
        "homework.file_added",
        attached,
        by=by,
        ip=ip,
        new={"lesson": lesson.pk, "name": attached.name, "size": attached.size},
    )
    return attached


@transaction.atomic
def record_lesson(
    lesson,
    *,
    school,
    by,
    ip=None,
    topic="",
    planned_topic=None,
    kind=None,
    homework="",
    homework_none=False,
    files=(),
    absent=(),
    late=(),
    marks=(),
    work_type=None,
    request_key=None,
):
    """The lesson page's one save: what changed of the topic and homework, new files, the
    attendance (a lesson of today or before) and new marks, all or nothing. Each part is written
    and audited by its own function, as when it is saved alone. Returns warnings, not refusals:
    a mark given to a pupil marked absent may be a mark for earlier work."""
    check_can_write(lesson, by)
    topic = one_line(topic)
    if topic or planned_topic is not None:
        if (topic, getattr(planned_topic, "pk", None)) != (lesson.topic, lesson.planned_topic_id):
            set_topic(lesson, topic=topic, planned_topic=planned_topic, by=by, ip=ip)
    elif lesson.topic:
        raise ValidationError({"topic": _("Укажите тему урока.")})
    if kind:
        set_lesson_kind(lesson, kind=kind, by=by, ip=ip)
    homework = (homework or "").strip()
    if (homework, homework_none) != (lesson.homework, lesson.homework_none):
        if homework or homework_none or lesson.homework or lesson.homework_none:
            set_homework(lesson, text=homework, none=homework_none, by=by, ip=ip)
    for upload in files:
        attach_homework_file(lesson, upload, school=school, by=by, ip=ip)
    if lesson.date <= timezone.localdate():
        recorded = dict(Attendance.objects.live().filter(lesson=lesson).values_list("pupil_id", "status"))
        wanted = dict.fromkeys((p.pk for p in absent), Attendance.Status.ABSENT)
        wanted |= dict.fromkeys((p.pk for p in late), Attendance.Status.LATE)
        if lesson.attendance_taken_at is None or wanted != recorded:
            take_attendance(lesson, absent=absent, late=late, by=by, ip=ip)
    if marks and work_type is None:
        raise ValidationError({"work_type": _("Выберите вид работы для отметок.")})
    if marks:
        # The form sent twice makes its marks once: a key per pupil from the form's key.
        keyed = [
            (pupil, value, uuid.uuid5(request_key, str(pupil.pk)) if request_key else None)
            for pupil, value, _comment in marks
        ]
        comments = {pupil.pk: comment for pupil, _value, comment in marks if comment}
        add_marks(lesson, keyed, work_type=work_type, comments=comments, by=by, ip=ip)
    absent_ids = {p.pk for p in absent}
    return [
        _("%(full_name)s: отметка %(value)s поставлена отсутствовавшему на уроке — проверьте.")
        % {"full_name": pupil.full_name, "value": value}
        for pupil, value, _comment in marks
        if pupil.pk in absent_ids
    ]


def _check_pupil(lesson, pupil):
    _check_pupils(lesson, [pupil])


def _check_pupils(lesson, pupils):
    present = set(pupils_of(lesson).filter(pk__in=[pupil.pk for pupil in pupils]).values_list("pk", flat=True))
    for pupil in pupils:
        if pupil.pk not in present:
            where = (
                _("подгруппе «%(name)s»") % {"name": lesson.subgroup.name}
                if lesson.subgroup_id
                else _("классе %(school_class)s") % {"school_class": lesson.school_class}
            )
            raise ValidationError(
                {"pupil": _("%(full_name)s не учится в %(where)s.") % {"full_name": pupil.full_name, "where": where}}
            )


def _check_not_future(lesson):
    if lesson.date > timezone.localdate():
        raise ValidationError(_("Урок ещё не прошёл: отметки и пропуски ставятся в день урока или позже."))
    if not is_school_day(lesson.date, Holiday.objects.filter(starts_on__lte=lesson.date, ends_on__gte=lesson.date)):
        raise ValidationError(
            _("%(date)s — каникулы или выходной: отметки и пропуски в этот день не ставятся.")
            % {"date": format(lesson.date, "%d.%m.%Y")}
        )


def check_value(value, subject, scale=MarkValue, grade=None):
    if value not in scale.values:
        extra = _(", «н/а» (не аттестован), «осв.» (освобождён)") if scale is FinalValue else ""
        raise ValidationError(
            {"value": _("Отметка: 5, 4, 3, 2, 1, «зч» (зачёт), «нз» (незачёт)%(extra)s.") % {"extra": extra}}
        )
    if not subject.is_marked:
        raise ValidationError({"value": _("Предмет «%(name)s» не оценивается.") % {"name": subject.name}})
    if grade is not None and not subject.is_marked_in(grade):
        raise ValidationError(
            {
                "value": _("«%(name)s» в %(grade)s классе изучается без отметок (учебный план).")
                % {"name": subject.name, "grade": grade}
            }
        )


def add_mark(lesson, *, pupil, value, work_type, comment="", by, ip=None, request_key=None):
    """A new mark. With a `request_key` the same request made again returns the mark it made
    the first time (also when both arrive at once: the unique key makes the second wait, then find it)."""
    return add_marks(lesson, [(pupil, value, request_key)], work_type=work_type, comment=comment, by=by, ip=ip)[0]


@transaction.atomic
def add_marks(lesson, marks, *, work_type, comment="", comments=None, by, ip=None, again=False):
    """New marks of one lesson, `marks` as (pupil, value, request_key): the lesson's checks made
    once, then the marks, their audit entries and the families' notices written a statement each,
    however many marks (the lesson page's one save). `comment` goes with every mark, or
    `comments` ({pupil id: text}) with each. Returns the marks in the order given; a request key
    seen before returns the mark it made."""
    keys = [key for _, _, key in marks if key is not None]
    made = _marks_of_requests(keys, lesson, marks, by) if keys else {}
    new = [(pupil, value, key) for pupil, value, key in marks if key is None or key not in made]
    if new:
        check_can_write(lesson, by)
        _check_not_future(lesson)
        for n, value in enumerate(dict.fromkeys(value for _, value, _ in new)):
            check_value(value, lesson.subject, grade=lesson.school_class.grade if n == 0 else None)
        _check_pupils(lesson, [pupil for pupil, _, _ in new])
        comment = (comment or "").strip()[:500]
        said = {pk: " ".join(text.split())[:500] for pk, text in (comments or {}).items()}
        try:
            with transaction.atomic():
                created = Mark.objects.bulk_create(
                    Mark(
                        lesson=lesson,
                        pupil=pupil,
                        value=value,
                        work_type=work_type,
                        comment=said.get(pupil.pk, comment),
                        entered_by=by,
                        request_key=key,
                    )
                    for pupil, value, key in new
                )
        except IntegrityError:
            if not keys or again:
                raise
            # The same form or request sent twice at once: the other one has made some of these
            # (and committed: the unique key made this one wait for it). Once more, finding them.
            return add_marks(
                lesson, marks, work_type=work_type, comment=comment, comments=comments, by=by, ip=ip, again=True
            )
        record_each("mark.created", [(mark, None, _mark_state(mark)) for mark in created], by=by, ip=ip)
        families = families_of([mark.pupil for mark in created])
        with in_russian():
            notify_each(
                "mark",
                [
                    (
                        families[mark.pupil_id],
                        f"{mark.pupil.first_name}: {lesson.subject.name} — {mark.get_value_display()} "
                        f"({work_type.name.lower()}), {lesson.date:%d.%m.%Y}{f'. {mark.comment}' if mark.comment else ''}",
                        mark.pupil,
                        lesson.date,
                    )
                    for mark in created
                ],
            )
        made |= {mark.request_key: mark for mark in created if mark.request_key is not None}
        unkeyed = iter(mark for mark in created if mark.request_key is None)
    return [made[key] if key is not None else next(unkeyed) for _, _, key in marks]


def _marks_of_requests(keys, lesson, marks, by):
    """The marks already made by these request keys; a key made for another mark is refused."""
    made = {m.request_key: m for m in Mark.objects.select_related("lesson", "work_type").filter(request_key__in=keys)}
    for pupil, value, key in marks:
        mark = made.get(key)
        if mark is not None and (mark.lesson_id, mark.pupil_id, mark.value, mark.entered_by_id) != (
            lesson.pk,
            pupil.pk,
            value,
            by.pk,
        ):
            raise ValidationError({"request_key": _("Этот ключ запроса уже использован для другой отметки.")})
    return made


def _mark_state(mark):
    return {
        "lesson": mark.lesson_id,
        "pupil": mark.pupil_id,
        "value": mark.value,
        "work_type": mark.work_type.name,
        "comment": mark.comment,
    }


@transaction.atomic
def change_mark(mark, *, value=None, work_type=None, comment=None, by, ip=None):
    mark = (
        Mark.objects.select_for_update().select_related("lesson__term", "lesson__subject", "work_type").get(pk=mark.pk)
    )
    check_can_write(mark.lesson, by)
    if mark.deleted_at:
        raise ValidationError(_("Отметка удалена: сначала восстановите её."))
    old = _mark_state(mark)
    if value is not None:
        check_value(value, mark.lesson.subject)
        mark.value = value
    if work_type is not None:
        mark.work_type = work_type
    if comment is not None:
        mark.comment = comment.strip()[:500]
    mark.changed_at = timezone.now()
    mark.save()
    record("mark.changed", mark, by=by, ip=ip, old=old, new=_mark_state(mark))
    if old["value"] != mark.value:
        with in_russian():
            notify(
                family_of(mark.pupil),
                "mark",
                _("%(first_name)s: %(subject)s, %(date)s — отметка изменена с %(old)s на %(new)s")
                % {
                    "first_name": mark.pupil.first_name,
                    "subject": mark.lesson.subject.name,
                    "date": format(mark.lesson.date, "%d.%m.%Y"),
                    "old": old["value"],
                    "new": mark.value,
                },
                pupil=mark.pupil,
                day=mark.lesson.date,
            )
    return mark


@transaction.atomic
def delete_mark(mark, *, by, ip=None):
    """A mark is never erased: it is marked deleted and can be restored."""
    mark = (
        Mark.objects.select_for_update().select_related("lesson__term", "lesson__subject", "work_type").get(pk=mark.pk)
    )
    check_can_write(mark.lesson, by)
    if mark.deleted_at:
        raise ValidationError(_("Отметка уже удалена."))
    mark.deleted_at = timezone.now()
    mark.save(update_fields=["deleted_at"])
    record("mark.deleted", mark, by=by, ip=ip, old=_mark_state(mark), new=None)
    return mark


@transaction.atomic
def restore_mark(mark, *, by, ip=None):
    mark = (
        Mark.objects.select_for_update().select_related("lesson__term", "lesson__subject", "work_type").get(pk=mark.pk)
    )
    check_can_write(mark.lesson, by)
    if not mark.deleted_at:
        raise ValidationError(_("Отметка не удалена."))
    mark.deleted_at = None
    mark.changed_at = timezone.now()
    mark.save(update_fields=["deleted_at", "changed_at"])
    record("mark.restored", mark, by=by, ip=ip, old=None, new=_mark_state(mark))
    return mark


@transaction.atomic
def take_attendance(lesson, *, absent=(), late=(), by, ip=None):
    """The lesson's attendance as a whole: who was absent, who was late; nobody listed
    means "all present", which is recorded too. Earlier entries not repeated are withdrawn."""
    check_can_write(lesson, by)
    _check_not_future(lesson)
    absent, late = {p.pk: p for p in absent}, {p.pk: p for p in late}
    if set(absent) & set(late):
        raise ValidationError(_("Обучающийся не может одновременно отсутствовать и опоздать."))
    for pupil in [*absent.values(), *late.values()]:
        _check_pupil(lesson, pupil)
    wanted = {**{pk: Attendance.Status.ABSENT for pk in absent}, **{pk: Attendance.Status.LATE for pk in late}}
    current = {a.pupil_id: a for a in Attendance.objects.select_for_update().live().filter(lesson=lesson)}
    now = timezone.now()
    for pupil_id, record_ in current.items():
        if pupil_id not in wanted:
            record_.deleted_at = now
            record_.save(update_fields=["deleted_at"])
            record(
                "attendance.deleted", record_, by=by, ip=ip, old={"pupil": pupil_id, "status": record_.status}, new=None
            )
        elif wanted[pupil_id] != record_.status:
            old = record_.status
            record_.status, record_.changed_at = wanted[pupil_id], now
            record_.save(update_fields=["status", "changed_at"])
            record(
                "attendance.changed",
                record_,
                by=by,
                ip=ip,
                old={"pupil": pupil_id, "status": old},
                new={"pupil": pupil_id, "status": record_.status},
            )
    everyone = {**absent, **late}
    for pupil_id, status in wanted.items():
        if pupil_id not in current:
            entry = Attendance.objects.create(lesson=lesson, pupil_id=pupil_id, status=status, entered_by=by)
            record("attendance.created", entry, by=by, ip=ip, new={"pupil": pupil_id, "status": status})
            with in_russian():
                what = _("отсутствует на уроке") if status == Attendance.Status.ABSENT else _("опоздал(а) на урок")
                notify(
                    family_of(everyone[pupil_id]),
                    "absence",
                    _("%(first_name)s %(what)s «%(name)s», %(date)s, %(number)s-й урок")
                    % {
                        "first_name": everyone[pupil_id].first_name,
                        "what": what,
                        "name": lesson.subject.name,
                        "date": format(lesson.date, "%d.%m.%Y"),
                        "number": lesson.number,
                    },
                    pupil=everyone[pupil_id],
                    day=lesson.date,
                )
    fields = _first(lesson, "attendance_taken_at")
    if fields:
        lesson.save(update_fields=fields)
    record("lesson.attendance", lesson, by=by, ip=ip, new={"absent": sorted(absent), "late": sorted(late)})
    return lesson


@transaction.atomic
def set_attendance_of(lesson, pupil, status, *, by, ip=None):
    """One pupil's attendance changed from the grid («н» typed in a cell), the others' kept."""
    if status not in ("absent", "late", "present"):
        raise ValidationError({"status": _("Присутствие: absent, late или present.")})
    current = {a.pupil_id: a.status for a in Attendance.objects.select_for_update().live().filter(lesson=lesson)}
    current.pop(pupil.pk, None)
    if status != "present":
        current[pupil.pk] = status
    pupils = {p.pk: p for p in Pupil.objects.filter(pk__in=current)}
    return take_attendance(
        lesson,
        absent=[pupils[pk] for pk, s in current.items() if s == Attendance.Status.ABSENT],
        late=[pupils[pk] for pk, s in current.items() if s == Attendance.Status.LATE],
        by=by,
        ip=ip,
    )


@transaction.atomic
def set_absence_reason(attendance, *, reason, by, ip=None):
    """The class teacher records why a pupil was absent."""
    attendance = (
        Attendance.objects.select_for_update()
        .select_related("pupil__school_class", "lesson__term", "lesson__subject", "lesson__school_class")
        .get(pk=attendance.pk)
    )
    if attendance.pupil.school_class.class_teacher_id != by.pk:
        raise PermissionDenied(_("Причину пропуска указывает классный руководитель."))
    if reason not in Attendance.Reason.values or not reason:
        raise ValidationError({"reason": _("Причина: по болезни, уважительная или неуважительная.")})
    if attendance.deleted_at:
        raise ValidationError(_("Запись о пропуске снята учителем."))
    lesson = attendance.lesson
    if is_locked(lesson.term, lesson.school_class, lesson.subject):
        raise ValidationError(_("Период «%(term)s» закрыт: записи заблокированы.") % {"term": lesson.term})
    return _give_reason(attendance, reason, by=by, ip=ip)


def _give_reason(attendance, reason, *, by, ip):
    old = attendance.reason
    attendance.reason, attendance.changed_at = reason, timezone.now()
    attendance.save(update_fields=["reason", "changed_at"])
    record("attendance.reason", attendance, by=by, ip=ip, old={"reason": old}, new={"reason": reason})
    return attendance


NOTE_MAX_DAYS = 62


@transaction.atomic
def excuse_absences(pupil, *, first, last, reason, by, ip=None):
    """A note ("справка с … по …"): every lesson the pupil sat in from `first` to `last` gets the
    reason, in one action and audited per lesson; a lesson where the teacher did not mark the
    absence gets it recorded. All or nothing: a closed term anywhere in the range refuses it."""
    if pupil.school_class.class_teacher_id != by.pk:
        raise PermissionDenied(_("Справку вносит классный руководитель."))
    if reason not in Attendance.Reason.values or not reason:
        raise ValidationError({"reason": _("Причина: по болезни, уважительная или неуважительная.")})
    if first > last:
        raise ValidationError({"last": _("Конец периода раньше начала.")})
    if last > timezone.localdate():
        raise ValidationError({"last": _("Справка — о прошедших днях: пропуски будущих уроков отмечают на уроке.")})
    if (last - first).days >= NOTE_MAX_DAYS:
        raise ValidationError(
            {"last": _("Период справки — не больше %(NOTE_MAX_DAYS)s дней.") % {"NOTE_MAX_DAYS": NOTE_MAX_DAYS}}
        )
    groups = list(pupil.subgroups.values_list("pk", flat=True))
    lessons = list(
        Lesson.objects.filter(school_class=pupil.school_class_id, date__range=(first, last), cancelled_at__isnull=True)
        .filter(Q(subgroup__isnull=True) | Q(subgroup__in=groups))
        .select_related("term", "subject", "school_class")
        .order_by("date", "number")
    )
    for lesson in {(x.term, x.school_class, x.subject): x for x in lessons}.values():
        if is_locked(lesson.term, lesson.school_class, lesson.subject):
            raise ValidationError(
                _("Период «%(term)s» закрыт для «%(subject)s»: справку в него не внести.")
                % {"term": lesson.term, "subject": lesson.subject}
            )
    entries = {
        a.lesson_id: a for a in Attendance.objects.select_for_update().live().filter(pupil=pupil, lesson__in=lessons)
    }
    changed = 0
    for lesson in lessons:
        entry = entries.get(lesson.pk)
        if entry is None:
            entry = Attendance.objects.create(
                lesson=lesson, pupil=pupil, status=Attendance.Status.ABSENT, reason=reason, entered_by=by
            )
            record("attendance.created", entry, by=by, ip=ip, new={"pupil": pupil.pk, "status": entry.status})
            record("attendance.reason", entry, by=by, ip=ip, old={"reason": ""}, new={"reason": reason})
            changed += 1
        elif entry.status == Attendance.Status.ABSENT and entry.reason != reason:
            _give_reason(entry, reason, by=by, ip=ip)
            changed += 1
    return lessons, changed


@transaction.atomic
def add_remark(lesson, *, pupil, text, by, ip=None):
    check_can_write(lesson, by)
    text = one_line(text)
    if not text or len(text) > 1000:
        raise ValidationError({"text": _("Замечание — от 1 до 1000 символов.")})
    if not pupils_of(lesson).filter(pk=pupil.pk).exists():
        raise ValidationError({"pupil": _("%(full_name)s не на этом уроке.") % {"full_name": pupil.full_name}})
    remark = Remark.objects.create(pupil=pupil, lesson=lesson, text=text, author=by)
    record("remark.created", remark, by=by, ip=ip, new={"pupil": pupil.pk, "text": text})
    with in_russian():
        notify(
            family_of(pupil),
            "remark",
            _("%(first_name)s: замечание (%(name)s, %(date)s) — %(text)s")
            % {
                "first_name": pupil.first_name,
                "name": lesson.subject.name,
                "date": format(lesson.date, "%d.%m.%Y"),
                "text": text,
            },
            pupil=pupil,
            day=lesson.date,
        )
    return remark
