"""The teacher's journal: the timetable, a lesson's page and its actions, substitutions, the class journal grid, homework files, the deputy's control."""

import uuid
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import school_roles
from accounts.models import Role
from audit.models import client_ip, log_view
from config.errors import explain, explain_form

from .. import forms, rulebook, selectors, services
from ..access import (
    access_journal_to_read,
    access_lesson_to_read,
    access_lesson_to_take_over,
    access_lesson_to_write,
    posted_id,
)
from ..models import (
    HomeworkFile,
    Lesson,
    MarkValue,
    PlannedTopic,
    WorkType,
)
from ..selectors import monday_of
from .setup import _user


@school_roles(*rulebook.TEACHING)
def timetable(request):
    monday = monday_of(request.GET.get("week"))
    return render(
        request,
        "journal/timetable.html",
        {
            "days": selectors.teacher_week(request.user, monday),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": timezone.localdate(),
        },
    )


@school_roles(*rulebook.READERS)
def lesson_page(request, lesson_id):
    try:
        lesson = access_lesson_to_read(request, lesson_id)
    except Http404:
        # A colleague's lesson of today, untouched: the teacher may only take it over.
        lesson = access_lesson_to_take_over(request, lesson_id)
        if request.method == "POST":
            if request.POST.get("action") != "substitute":
                raise
            return _take_over(request, lesson)
        return render(request, "journal/lesson_take_over.html", {"lesson": lesson})
    if request.method == "POST":
        return _lesson_action(request, lesson)
    mine = rulebook.can_write_lesson(request.user, request.roles, lesson)
    pupils = selectors.lesson_sheet(lesson)
    log_view(request, pupils)
    return render(
        request,
        "journal/lesson.html",
        {
            "lesson": lesson,
            "mine": mine,
            "pupils": pupils,
            "can_cancel": rulebook.can_cancel_lesson(request.roles) and not lesson.cancelled_at,
            "can_take_over": rulebook.can_take_over(request.user, request.roles, lesson),
            "can_open_journal": rulebook.can_read_journal(
                request.user, request.roles, lesson.school_class, lesson.subject
            ),
            "topics": selectors.open_topics(lesson),
            "work_types": WorkType.objects.all(),
            "request_key": uuid.uuid4(),  # the mark form sent twice makes one mark
            "mark_values": MarkValue.choices,
            "locked": services.is_locked(lesson.term, lesson.school_class, lesson.subject),
            "future": lesson.date > timezone.localdate(),
        },
    )


def _take_over(request, lesson):
    try:
        services.take_as_substitute(lesson, school=request.school, by=request.user, ip=client_ip(request))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, "Замена записана: урок проводите вы. Заместитель директора получил уведомление.")
    return redirect("lesson", lesson_id=lesson.pk)


def request_key(text):
    try:
        return uuid.UUID(text or "")
    except ValueError:
        return None


def _lesson_action(request, lesson):
    action, ip, by = request.POST.get("action"), client_ip(request), request.user
    if action == "substitute":
        return _take_over(request, access_lesson_to_take_over(request, lesson.pk))
    if action == "cancel":
        if not rulebook.can_cancel_lesson(request.roles):
            raise Http404
    else:
        lesson = access_lesson_to_write(request, lesson.pk)
    try:
        with transaction.atomic():  # a refusal half-way (the second file, say) undoes the whole action
            if action == "cancel":
                services.cancel_lesson(lesson, reason=request.POST.get("reason", ""), by=by, ip=ip)
                messages.success(request, "Урок отменён.")
            elif action == "topic":
                planned = None
                if request.POST.get("planned_topic"):
                    planned = (
                        PlannedTopic.objects.filter(pk=posted_id(request.POST["planned_topic"]))
                        .select_related("plan")
                        .first()
                    )
                services.set_topic(lesson, topic=request.POST.get("topic", ""), planned_topic=planned, by=by, ip=ip)
                messages.success(request, "Тема урока сохранена.")
            elif action == "homework":
                services.set_homework(
                    lesson, text=request.POST.get("homework", ""), none=bool(request.POST.get("none")), by=by, ip=ip
                )
                for upload in request.FILES.getlist("files"):
                    services.attach_homework_file(lesson, upload, school=request.school, by=by, ip=ip)
                messages.success(request, "Домашнее задание сохранено.")
            elif action == "mark":
                pupil = services.pupils_of(lesson).filter(pk=posted_id(request.POST.get("pupil"))).first()
                work_type = WorkType.objects.filter(pk=posted_id(request.POST.get("work_type"))).first()
                if pupil is None or work_type is None:
                    raise ValidationError("Выберите обучающегося этого урока и вид работы.")
                services.add_mark(
                    lesson,
                    pupil=pupil,
                    value=request.POST.get("value", ""),
                    work_type=work_type,
                    comment=request.POST.get("comment", ""),
                    by=by,
                    ip=ip,
                    request_key=request_key(request.POST.get("request_key")),
                )
                messages.success(request, f"Отметка {request.POST.get('value')} — {pupil.full_name}.")
            elif action == "remark":
                pupil = services.pupils_of(lesson).filter(pk=posted_id(request.POST.get("pupil"))).first()
                if pupil is None:
                    raise ValidationError("Выберите обучающегося этого урока.")
                services.add_remark(lesson, pupil=pupil, text=request.POST.get("text", ""), by=by, ip=ip)
                messages.success(request, f"Замечание записано: {pupil.full_name}.")
            elif action == "attendance":
                pupils = {p.pk: p for p in services.pupils_of(lesson)}
                status = {
                    posted_id(k.split("_", 1)[1]): v for k, v in request.POST.items() if k.startswith("status_") and v
                }
                unknown = set(status) - set(pupils)
                if unknown:
                    raise ValidationError("В списке есть обучающиеся не из этого урока.")
                if not status and not request.POST.get("all_present"):
                    raise ValidationError("Отметьте отсутствующих или подтвердите «все присутствуют».")
                services.take_attendance(
                    lesson,
                    by=by,
                    ip=ip,
                    absent=[pupils[pk] for pk, v in status.items() if v == "absent"],
                    late=[pupils[pk] for pk, v in status.items() if v == "late"],
                )
                messages.success(request, "Посещаемость сохранена.")
            else:
                raise ValidationError("Неизвестное действие.")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
    return redirect("lesson", lesson_id=lesson.pk)


@school_roles(*rulebook.READERS)
def substitutions(request):
    """The deputy assigns substitutions for a day, with a reason; teachers see theirs and the
    colleagues' lessons of today they may take over themselves."""
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.GET.get("date") or today.isoformat())
    except ValueError:
        day = today
    can_assign = rulebook.can_assign_substitution(request.roles)
    form = forms.SubstitutionForm(request.POST or None, school=request.school)
    if request.method == "POST":
        if not can_assign:
            raise Http404
        lesson = None
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            lesson = Lesson.objects.filter(pk=form.cleaned_data["lesson"]).first()
            if lesson is None:
                raise Http404
            services.assign_substitution(
                lesson,
                school=request.school,
                teacher=_user(form.cleaned_data["teacher"]),
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                by=request.user,
                ip=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, "Замена назначена; учителя получили уведомление.")
        return redirect(f"{reverse('substitutions')}?date={lesson.date if lesson else day}")
    return render(
        request,
        "journal/substitutions.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "can_assign": can_assign,
            "form": form,
            "lessons": selectors.day_lessons(day) if request.roles & rulebook.READ_ALL else [],
            "mine": selectors.substitutions_of(request.user, today) if request.roles & rulebook.TEACHING else [],
            "to_take_over": selectors.lessons_to_take_over(request.user, request.roles, today)
            if request.roles & rulebook.TEACHING
            else [],
        },
    )


@school_roles(*rulebook.READERS)
def journal_list(request):
    return render(
        request, "journal/journal_list.html", {"journals": selectors.my_journals(request.user, request.roles)}
    )


@school_roles(*rulebook.READERS)
def journal_page(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = selectors.current_year()
    terms = list(selectors.terms_of(school_class, year)) if year else []
    if not terms:
        return render(
            request, "journal/journal_grid.html", {"school_class": school_class, "subject": subject, "terms": []}
        )
    term = next((t for t in terms if str(t.pk) == request.GET.get("term")), None) or next(
        (t for t in terms if t.starts_on <= timezone.localdate() <= t.ends_on), terms[0]
    )
    grid = selectors.journal_grid(school_class, subject, term)
    # Cells are open for the lessons this person conducts; the rest are read-only.
    my_lessons = {
        lesson.pk for lesson in grid["lessons"] if rulebook.can_write_lesson(request.user, request.roles, lesson)
    }
    log_view(request, [row["pupil"] for row in grid["rows"]])
    can_write = bool(my_lessons)
    return render(
        request,
        "journal/journal_grid.html",
        {
            "school_class": school_class,
            "subject": subject,
            "terms": terms,
            "term": term,
            "grid": grid,
            "can_write": can_write,
            "my_lessons": my_lessons,
            "locked": services.is_locked(term, school_class, subject),
            "mark_values": [v for v, _ in MarkValue.choices],
            "today": timezone.localdate(),
        },
    )


@school_roles(*rulebook.READERS)
def homework_file(request, lesson_id, file_id):
    """A homework file, after the same access check as the lesson page that links to it."""
    lesson = access_lesson_to_read(request, lesson_id)
    attached = HomeworkFile.objects.live().filter(pk=file_id, lesson=lesson).first()
    if attached is None:
        raise Http404
    return FileResponse(attached.file.open("rb"), as_attachment=True, filename=attached.name)


@school_roles(Role.DEPUTY, Role.DIRECTOR)
def control(request):
    """Closed terms and the reopenings the deputy made, with their reasons."""
    form = forms.ReopenForm(request.POST or None)
    if request.method == "POST":
        if not rulebook.can_reopen_term(request.roles):
            return render(request, "forbidden.html", status=403)
        try:
            if not form.is_valid():
                raise ValidationError("Заполните период, класс, предмет, причину и дату.")
            d = form.cleaned_data
            services.reopen(
                term=d["term"],
                school_class=d["school_class"],
                subject=d["subject"],
                reason=d["reason"],
                until=d["until"],
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, "Период открыт для исправлений.")
            return redirect("control")
    return render(request, "journal/control.html", {"form": form, **selectors.control_lists()})
