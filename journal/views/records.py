"""The teacher's journal: the timetable, a lesson's page and its actions, substitutions, the class journal grid, homework files, the deputy's control."""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import school_roles
from accounts.models import Role
from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.api import object_id, posted_id
from groundwork.days import day_from, month_name
from groundwork.errors import explain, explain_form
from groundwork.spreadsheets import table_xlsx

from .. import documents, forms, rulebook, selectors, services
from ..access import (
    access_class_to_read,
    access_journal_to_read,
    access_lesson_to_read,
    access_lesson_to_take_over,
    access_lesson_to_write,
)
from ..models import (
    Attendance,
    HomeworkFile,
    Lesson,
    MarkValue,
    SchoolClass,
    TeacherAbsence,
    WorkType,
)
from ..selectors import monday_of
from .setup import _user


@school_roles(*rulebook.TEACHING)
def timetable(request):
    return _timetable(request, title=_("Моё расписание"), days=selectors.teacher_week)


@school_roles(*rulebook.STAFF)
def class_timetable(request, class_id):
    school_class = access_class_to_read(request, class_id)
    return _timetable(
        request,
        title=_("Расписание %(school_class)s класса") % {"school_class": school_class},
        days=lambda _, monday: selectors.class_week(school_class, monday),
        of_class=True,
    )


@school_roles(*rulebook.STAFF)
def teacher_timetable(request, user_id):
    teacher = selectors.teachers_of(request.school).filter(pk=posted_id(user_id)).first()
    if teacher is None:
        raise Http404
    return _timetable(
        request,
        title=_("Расписание: %(full_name)s") % {"full_name": teacher.full_name},
        days=lambda _, monday: selectors.teacher_week(teacher, monday),
    )


def _column_work_types(grid):
    """Each open column's work type: the one its marks have, else the lesson page's default
    (selectors.usual_work_type_id), so that the grid and the lesson page agree."""
    usual = selectors.usual_work_type_id(grid["lessons"][0]) if grid["lessons"] else None
    usual = usual or (grid["work_types"][0].pk if grid["work_types"] else None)
    given = {}
    for row in grid["rows"]:
        for cell in row["cells"]:
            for mark in cell["marks"]:
                kinds = given.setdefault(cell["lesson"].pk, {})
                kinds[mark.work_type_id] = kinds.get(mark.work_type_id, 0) + 1
    for lesson in grid["lessons"]:
        kinds = given.get(lesson.pk)
        lesson.column_work_type = max(kinds, key=kinds.get) if kinds else usual


def _linked(request, days):
    """Each lesson says whether its page and its journal open for this reader: a colleague's
    lesson is shown, not linked (before, most links of a class's week answered 404)."""
    journals = {}
    for _day, lessons in days:
        for lesson in lessons:
            key = (lesson.school_class_id, lesson.subject_id)
            if key not in journals:
                journals[key] = rulebook.can_read_journal(
                    request.user, request.roles, lesson.school_class, lesson.subject
                )
            lesson.journal_open = journals[key]
            lesson.page_open = lesson.journal_open or rulebook.can_read_lesson(request.user, request.roles, lesson)
    return days


def _timetable(request, *, title, days, of_class=False):
    """A week of lessons, printable: a teacher's own, a class's or a colleague's (for staff)."""
    monday = monday_of(request.GET.get("week"))
    staff = bool(request.roles & rulebook.STAFF)
    return render(
        request,
        "journal/timetable.html",
        {
            "title": title,
            "of_class": of_class,
            "days": _linked(request, days(request.user, monday)),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": timezone.localdate(),
            "classes": SchoolClass.objects.open() if staff else [],
            "teachers": sorted(selectors.teachers_of(request.school), key=lambda u: u.full_name) if staff else [],
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
        if request.POST.get("action") == "lesson":
            return _record_lesson(request, lesson)
        return _lesson_action(request, lesson)
    return _lesson_view(request, lesson)


def _lesson_view(request, lesson, form=None):
    """The lesson page; after a refused save, with everything as it was typed (`form`)."""
    mine = rulebook.can_write_lesson(request.user, request.roles, lesson)
    pupils = selectors.lesson_sheet(lesson)
    log_view(request, pupils)
    topics = selectors.open_topics(lesson)
    if form is None:
        initial = {
            "topic": lesson.topic,
            "planned_topic": lesson.planned_topic_id,
            "kind": lesson.kind,
            "homework": lesson.homework,
            "none": lesson.homework_none,
            "work_type": selectors.usual_work_type_id(lesson) or WorkType.objects.values_list("pk", flat=True).first(),
            "request_key": uuid.uuid4(),  # the form sent twice makes its marks once
            **{f"status_{p.pk}": p.status for p in pupils},
        }
        form = forms.LessonForm(initial=initial, pupils=pupils, topics=topics)
    marks = {p.pk: p.lesson_marks for p in pupils}
    return render(
        request,
        "journal/lesson.html",
        {
            "lesson": lesson,
            "mine": mine,
            "form": form,
            "rows": [
                (pupil, status, mark, comment, marks.get(pupil.pk, [])) for pupil, status, mark, comment in form.rows()
            ],
            "pupils": pupils,
            "can_cancel": rulebook.can_cancel_lesson(request.roles) and not lesson.cancelled_at,
            "can_take_over": rulebook.can_take_over(request.user, request.roles, lesson),
            "can_open_journal": rulebook.can_read_journal(
                request.user, request.roles, lesson.school_class, lesson.subject
            ),
            "locked": services.is_locked(lesson.term, lesson.school_class, lesson.subject),
            "future": lesson.date > timezone.localdate(),
        },
        status=400 if form.is_bound else 200,
    )


def _record_lesson(request, lesson):
    """The one save of the lesson page. A refusal saves nothing and shows the page again with
    everything as it was typed."""
    lesson = access_lesson_to_write(request, lesson.pk)
    pupils = selectors.pupils_of(lesson).order_by("last_name", "first_name")
    form = forms.LessonForm(request.POST, pupils=pupils, topics=selectors.open_topics(lesson))
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                warnings = services.record_lesson(
                    lesson,
                    school=request.school,
                    by=request.user,
                    ip=client_ip(request),
                    topic=data["topic"],
                    planned_topic=data["planned_topic"],
                    kind=data["kind"],
                    homework=data["homework"],
                    homework_none=data["none"],
                    files=request.FILES.getlist("files"),
                    absent=form.with_status(Attendance.Status.ABSENT),
                    late=form.with_status(Attendance.Status.LATE),
                    marks=form.marks(),
                    work_type=data["work_type"],
                    request_key=data["request_key"],
                )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Урок сохранён."))
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("lesson", lesson_id=lesson.pk)
    else:
        messages.error(request, " ".join(dict.fromkeys(m for errors in form.errors.values() for m in errors)))
    if request.FILES:
        messages.info(
            request, _("Файлы выберите ещё раз: браузер не хранит их после отказа. Остальное сохранено в форме.")
        )
    return _lesson_view(request, lesson, form)


def _take_over(request, lesson):
    try:
        services.take_as_substitute(lesson, school=request.school, by=request.user, ip=client_ip(request))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, _("Замена записана: урок проводите вы. Заместитель директора получил уведомление."))
    return redirect("lesson", lesson_id=lesson.pk)


def _cancel(request, lesson, form, by, ip):
    services.cancel_lesson(lesson, reason=form.cleaned_data["reason"], by=by, ip=ip)
    return _("Урок отменён.")


def _topic(request, lesson, form, by, ip):
    data = form.cleaned_data
    services.set_topic(lesson, topic=data["topic"], planned_topic=data["planned_topic"], by=by, ip=ip)
    return _("Тема урока сохранена.")


def _homework(request, lesson, form, by, ip):
    services.set_homework(lesson, text=form.cleaned_data["homework"], none=form.cleaned_data["none"], by=by, ip=ip)
    for upload in request.FILES.getlist("files"):
        services.attach_homework_file(lesson, upload, school=request.school, by=by, ip=ip)
    return _("Домашнее задание сохранено.")


def _mark(request, lesson, form, by, ip):
    data = form.cleaned_data
    services.add_mark(
        lesson,
        pupil=data["pupil"],
        value=data["value"],
        work_type=data["work_type"],
        comment=data["comment"],
        by=by,
        ip=ip,
        request_key=data["request_key"],
    )
    return _("Отметка %(value)s — %(full_name)s.") % {"value": data["value"], "full_name": data["pupil"].full_name}


def _remark(request, lesson, form, by, ip):
    pupil = form.cleaned_data["pupil"]
    services.add_remark(lesson, pupil=pupil, text=form.cleaned_data["text"], by=by, ip=ip)
    return _("Замечание записано: %(full_name)s.") % {"full_name": pupil.full_name}


def _attendance(request, lesson, form, by, ip):
    absent, late = form.with_status(Attendance.Status.ABSENT), form.with_status(Attendance.Status.LATE)
    services.take_attendance(lesson, by=by, ip=ip, absent=absent, late=late)
    return _("Посещаемость сохранена.")


# The lesson page's forms: action -> (form, what it does). Each does all or nothing.
LESSON_ACTIONS = {
    "cancel": (forms.CancelLessonForm, _cancel),
    "topic": (forms.TopicForm, _topic),
    "homework": (forms.HomeworkForm, _homework),
    "mark": (forms.MarkForm, _mark),
    "remark": (forms.RemarkForm, _remark),
    "attendance": (forms.AttendanceForm, _attendance),
}


def _lesson_action(request, lesson):
    action = request.POST.get("action")
    if action == "substitute":
        return _take_over(request, access_lesson_to_take_over(request, lesson.pk))
    if action == "cancel":
        if not rulebook.can_cancel_lesson(request.roles):
            raise Http404
    else:
        lesson = access_lesson_to_write(request, lesson.pk)
    if action not in LESSON_ACTIONS:
        messages.error(request, _("Неизвестное действие."))
        return redirect("lesson", lesson_id=lesson.pk)
    form_class, act = LESSON_ACTIONS[action]
    extra = {"pupils": selectors.pupils_of(lesson)} if issubclass(form_class, forms.PupilsForm) else {}
    form = form_class(request.POST, **extra)
    if not form.is_valid():
        messages.error(request, " ".join(dict.fromkeys(m for errors in form.errors.values() for m in errors)))
        return redirect("lesson", lesson_id=lesson.pk)
    try:
        with transaction.atomic():  # a refusal half-way (the second file, say) undoes the whole action
            messages.success(request, act(request, lesson, form, request.user, client_ip(request)))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
    return redirect("lesson", lesson_id=lesson.pk)


@school_roles(*rulebook.READERS)
def substitutions(request):
    """The deputy assigns substitutions for a day, with a reason; teachers see theirs and the
    colleagues' lessons of today they may take over themselves."""
    today = timezone.localdate()
    day = day_from(request.GET.get("date")) or today
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
            messages.success(request, _("Замена назначена; учителя получили уведомление."))
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


@school_roles(Role.DEPUTY)
def teacher_absences(request):
    """The deputy records a teacher's absence from one day to another, then covers its lessons."""
    form = forms.TeacherAbsenceForm(request.POST or None, school=request.school)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            d = form.cleaned_data
            absence = services.record_teacher_absence(
                school=request.school,
                teacher=_user(d["teacher"]),
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                reason=d["reason"],
                note=d["note"],
                by=request.user,
                ip=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
            return redirect("teacher_absences")
        messages.success(request, _("Отсутствие записано: назначьте замены его урокам."))
        return redirect("teacher_absence", absence_id=absence.pk)
    since = timezone.localdate() - timedelta(days=31)
    absences = TeacherAbsence.objects.filter(withdrawn_at__isnull=True, ends_on__gte=since).select_related("teacher")
    return render(request, "journal/teacher_absences.html", {"form": form, "absences": absences[:100]})


@school_roles(Role.DEPUTY)
def teacher_absence(request, absence_id):
    """An absence's lessons by day, each uncovered one with the teachers free in its period; the
    deputy confirms the suggested substitutes (or picks others) and assigns them all at once."""
    absence = TeacherAbsence.objects.select_related("teacher").filter(pk=object_id(absence_id)).first()
    if absence is None:
        raise Http404
    if request.method == "POST":
        ip = client_ip(request)
        try:
            if request.POST.get("action") == "withdraw":
                services.withdraw_teacher_absence(absence, school=request.school, by=request.user, ip=ip)
                messages.success(request, _("Отсутствие снято; назначенные замены остались."))
                return redirect("teacher_absences")
            teachers = {t.pk: t for t in selectors.teachers_of(request.school)}
            choices = {
                posted_id(key.removeprefix("teacher_")): teachers.get(posted_id(value))
                for key, value in request.POST.items()
                if key.startswith("teacher_")
            }
            left = sum(1 for lesson, teacher in choices.items() if lesson and teacher is None)
            choices = {lesson: teacher for lesson, teacher in choices.items() if lesson and teacher}
            if not choices:
                raise ValidationError(_("Выберите, кто заменяет хотя бы один урок."))
            done, refused = services.cover(absence, choices, school=request.school, by=request.user, ip=ip)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            if done:
                messages.success(
                    request, _("Назначено замен: %(count)s; учителя получили уведомления.") % {"count": len(done)}
                )
            for lesson, reason in refused:
                messages.error(
                    request,
                    _("%(date)s, %(number)s урок, %(school_class)s: %(reason)s")
                    % {
                        "date": format(lesson.date, "%d.%m"),
                        "number": lesson.number,
                        "school_class": lesson.school_class,
                        "reason": reason,
                    },
                )
            if left:
                messages.warning(
                    request,
                    _("Без замены осталось уроков: %(left)s — выберите учителя или отмените урок.") % {"left": left},
                )
        return redirect("teacher_absence", absence_id=absence.pk)
    return render(
        request,
        "journal/teacher_absence.html",
        {"absence": absence, "days": selectors.cover_plan(absence, request.school)},
    )


@school_roles(*rulebook.READERS)
def journal_list(request):
    return render(
        request, "journal/journal_list.html", {"journals": selectors.my_journals(request.user, request.roles)}
    )


@school_roles(*rulebook.READERS)
def journal_page(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = school_class.year or selectors.current_year()
    terms = list(selectors.terms_of(school_class, year)) if year else []
    if not terms:
        return render(
            request, "journal/journal_grid.html", {"school_class": school_class, "subject": subject, "terms": []}
        )
    term = next((t for t in terms if str(t.pk) == request.GET.get("term")), None) or next(
        (t for t in terms if t.starts_on <= timezone.localdate() <= t.ends_on), terms[0]
    )
    grid = selectors.journal_grid(school_class, subject, term)
    today = timezone.localdate()
    # Cells are open for the lessons this person conducts; the rest are read-only.
    my_lessons = {
        lesson.pk for lesson in grid["lessons"] if rulebook.can_write_lesson(request.user, request.roles, lesson)
    }
    log_view(request, [row["pupil"] for row in grid["rows"]])
    can_write = bool(my_lessons)
    if can_write:
        _column_work_types(grid)
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
            "today": today,
            "week": (monday_of(today.isoformat()), monday_of(today.isoformat()) + timedelta(days=6)),
            # Printed on A4 landscape: the names and up to PRINT_COLUMNS lessons a page.
            "print_pages": [
                (
                    first,
                    min(first + PRINT_COLUMNS, len(grid["lessons"])),
                    grid["lessons"][first : first + PRINT_COLUMNS],
                )
                for first in range(0, max(len(grid["lessons"]), 1), PRINT_COLUMNS)
            ],
        },
    )


PRINT_COLUMNS = 18  # lessons on one A4 landscape page beside the names


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
                raise ValidationError(_("Заполните период, класс, предмет, причину и дату."))
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
            messages.success(request, _("Период открыт для исправлений."))
            return redirect("control")
    return render(request, "journal/control.html", {"form": form, **selectors.control_lists()})


@school_roles(Role.DEPUTY, Role.DIRECTOR)
def missed_lessons(request):
    """Missed and substituted lessons of a month, by teacher (any teacher, any month); XLSX too."""
    today = timezone.localdate()
    first = day_from(f"{request.GET.get('month', '')}-01") or today.replace(day=1)
    teachers = sorted(selectors.teachers_of(request.school), key=lambda u: u.full_name)
    teacher = next((t for t in teachers if str(t.pk) == request.GET.get("teacher")), None)
    report = selectors.missed_and_substituted(first, teacher)
    if request.GET.get("format") == "xlsx":
        return _missed_lessons_xlsx(report, first)
    return render(
        request,
        "journal/missed_lessons.html",
        {"report": report, "first": first, "teachers": teachers, "teacher": teacher},
    )


def _missed_lessons_xlsx(report, first):
    rows = [
        [
            row["teacher"].full_name,
            lesson.date,
            lesson.number,
            str(lesson.school_class),
            lesson.subject.name,
            what,
            reason,
        ]
        for row in report
        for lesson, what, reason in row["entries"]
    ]
    head = [_("Учитель"), _("Дата"), _("Урок"), _("Класс"), _("Предмет"), _("Что"), _("Причина")]
    content = table_xlsx(
        [_("Пропущенные и замещённые уроки: %(month_name)s") % {"month_name": month_name(first)}],
        head,
        rows,
        sheet=month_name(first),
    )
    response = HttpResponse(content, content_type=documents.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="missed-lessons-{first:%Y-%m}.xlsx"'
    return response
