import uuid
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.access import client_ip, public, school_roles
from accounts.models import Role, User
from accounts.selectors import open_family_invitations
from config.context import host_url, portal_url
from config.errors import explain, explain_form
from diary.selectors import staff_notices
from diary.services import add_remark, log_view, mark_shown

from . import forms, imports, rulebook, selectors, services
from .access import (
    access_class_to_manage_families,
    access_class_to_read,
    access_journal_to_read,
    access_journal_to_write,
    access_lesson_to_read,
    access_lesson_to_take_over,
    access_lesson_to_write,
    access_pupil_of_class,
    posted_id,
)
from .models import (
    Attendance,
    FinalValue,
    Guardian,
    HomeworkFile,
    ImportBatch,
    Lesson,
    MarkValue,
    PlannedTopic,
    TimetableSlot,
    WorkType,
)
from .selectors import monday_of


@public
def home(request):
    """The school's start page: what this person can do here today."""
    if not request.user.is_authenticated:
        return render(request, "journal/welcome.html")
    my_classes = selectors.classes_with_counts().filter(class_teacher=request.user)
    role_labels = [Role(role).label for role in sorted(request.roles)]
    notices = mark_shown(staff_notices(request.user)) if request.roles & rulebook.STAFF else []
    return render(
        request, "journal/home.html", {"my_classes": my_classes, "role_labels": role_labels, "notices": notices}
    )


@school_roles(*rulebook.STAFF)
def class_list(request):
    return render(request, "journal/class_list.html", {"classes": selectors.classes_with_counts()})


@school_roles(*rulebook.STAFF)
def class_detail(request, class_id):
    school_class = access_class_to_read(request, class_id)
    roster = selectors.class_roster(school_class)
    is_class_teacher = rulebook.can_manage_families(request.user, request.roles, school_class)
    invitations = open_family_invitations(request.school, [p.pk for p in roster]) if is_class_teacher else {}
    guardians = selectors.live_guardians(roster) if is_class_teacher else {}
    for pupil in roster:
        pupil.open_invitations = invitations.get(pupil.pk, [])
        pupil.live_guardians = guardians.get(pupil.pk, [])
    log_view(request, roster)
    return render(
        request,
        "journal/class_detail.html",
        {
            "school_class": school_class,
            "roster": roster,
            "is_class_teacher": is_class_teacher,
            "can_manage": rulebook.can_change_roster(request.roles),
            "enroll_form": forms.EnrollForm(),
            "move_form": forms.MoveForm(),
            "subgroups": school_class.subgroups.prefetch_related("pupils"),
        },
    )


@require_POST
@school_roles(Role.CLASS_TEACHER)
def family_invite(request, class_id, pupil_id):
    """The class teacher hands a parent or a pupil their credentials (a printable slip)."""
    school_class = access_class_to_manage_families(request, class_id)
    pupil = access_pupil_of_class(request, school_class, pupil_id)
    role = request.POST.get("role")
    if role not in (Role.PARENT, Role.PUPIL):
        messages.error(request, "Выберите, кого приглашаете: родителя или обучающегося.")
        return redirect("class_detail", class_id=class_id)
    try:
        invitation, code = account_services.issue_invitation(
            school=request.school,
            role=role,
            by=request.user,
            ip=client_ip(request),
            pupil=pupil,
            full_name=request.POST.get("full_name", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
        return redirect("class_detail", class_id=class_id)
    path = f"/invite/{code}/"
    link = portal_url(path) if role == Role.PARENT else host_url(request.school.host, path)
    return render(
        request,
        "accounts/invitation_slip.html",
        {
            "invitation": invitation,
            "code": code,
            "link": link,
            "pupil": pupil,
            "school_class": school_class,
        },
    )


@require_POST
@school_roles(Role.CLASS_TEACHER)
def guardian_end(request, class_id, guardian_id):
    """The class teacher ends a parent's link to a pupil, with the document it rests on."""
    school_class = access_class_to_manage_families(request, class_id)
    guardian = Guardian.objects.live().filter(pk=guardian_id, pupil__school_class=school_class).first()
    if guardian is None:
        raise Http404
    try:
        services.end_guardianship(
            guardian, reason=request.POST.get("reason", ""), by=request.user, ip=client_ip(request)
        )
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, "Связь родителя с обучающимся завершена: доступ к дневнику закрыт.")
    return redirect("class_detail", class_id=class_id)


@public
def portal_home(request):
    """The portal's start page: a parent's children in every school; district staff go to the console."""
    if not request.user.is_authenticated:
        return render(request, "journal/portal_welcome.html")
    if request.roles & {Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR} and Role.PARENT not in request.roles:
        return redirect("district")
    return render(request, "journal/portal_home.html", {"children": selectors.children_of(request.user)})


# --- The teacher's journal -------------------------------------------------------------

READERS = sorted(rulebook.TEACHING | rulebook.READ_ALL)


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


@school_roles(*READERS)
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
                add_remark(lesson, pupil=pupil, text=request.POST.get("text", ""), by=by, ip=ip)
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


@school_roles(*READERS)
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


@school_roles(*READERS)
def journal_list(request):
    return render(
        request, "journal/journal_list.html", {"journals": selectors.my_journals(request.user, request.roles)}
    )


@school_roles(*READERS)
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


@school_roles(*READERS)
def homework_file(request, lesson_id, file_id):
    """A homework file, after the same access check as the lesson page that links to it."""
    lesson = access_lesson_to_read(request, lesson_id)
    attached = HomeworkFile.objects.live().filter(pk=file_id, lesson=lesson).first()
    if attached is None:
        raise Http404
    return FileResponse(attached.file.open("rb"), as_attachment=True, filename=attached.name)


# --- School set-up (deputy and school admin) ---------------------------------------------

SETUP = sorted(rulebook.SETUP)


def _user(pk):
    return User.objects.get(pk=pk) if pk else None


def _add_year(data, request, year):
    return services.create_year(
        name=data["name"], starts_on=data["starts_on"], ends_on=data["ends_on"], by=request.user, ip=client_ip(request)
    )


def _needs_year(year):
    if year is None:
        raise ValidationError("Сначала создайте учебный год.")
    return year


SETUP_ACTIONS = {
    # what: (form, needs the school for its choices, the service call)
    "year": (forms.YearForm, False, _add_year),
    "scheme": (
        forms.GradeSchemeForm,
        False,
        lambda d, r, y: services.set_grade_scheme(
            year=_needs_year(y), grade=d["grade"], scheme=d["scheme"], by=r.user, ip=client_ip(r)
        ),
    ),
    "term": (
        forms.TermForm,
        False,
        lambda d, r, y: services.add_term(
            year=_needs_year(y),
            scheme=d["scheme"],
            number=d["number"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            by=r.user,
            ip=client_ip(r),
        ),
    ),
    "holiday": (
        forms.HolidayForm,
        False,
        lambda d, r, y: services.add_holiday(
            year=_needs_year(y),
            name=d["name"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            by=r.user,
            ip=client_ip(r),
        ),
    ),
    "subject": (
        forms.SubjectForm,
        False,
        lambda d, r, y: services.create_subject(
            name=d["name"], short_name=d["short_name"], is_marked=d["is_marked"], by=r.user, ip=client_ip(r)
        ),
    ),
    "work_type": (
        forms.WorkTypeForm,
        False,
        lambda d, r, y: services.create_work_type(name=d["name"], weight=d["weight"], by=r.user, ip=client_ip(r)),
    ),
    "rules": (forms.RulesForm, False, lambda d, r, y: services.set_rules(**d, by=r.user, ip=client_ip(r))),
    "class": (
        forms.ClassForm,
        True,
        lambda d, r, y: services.create_class(
            grade=d["grade"], letter=d["letter"], class_teacher=_user(d["class_teacher"]), by=r.user, ip=client_ip(r)
        ),
    ),
    "curriculum": (
        forms.CurriculumForm,
        False,
        lambda d, r, y: services.set_curriculum(
            grade=d["grade"], subject=d["subject"], hours_per_week=d["hours_per_week"], by=r.user, ip=client_ip(r)
        ),
    ),
    "load": (
        forms.LoadForm,
        True,
        lambda d, r, y: services.assign_load(
            school=r.school,
            teacher=_user(d["teacher"]),
            subject=d["subject"],
            school_class=d["school_class"],
            subgroup=d["subgroup"],
            hours_per_week=d["hours_per_week"],
            by=r.user,
            ip=client_ip(r),
        ),
    ),
    "bell": (
        forms.BellForm,
        False,
        lambda d, r, y: services.set_bell(
            number=d["number"], starts_at=d["starts_at"], ends_at=d["ends_at"], by=r.user, ip=client_ip(r)
        ),
    ),
    "slot": (
        forms.SlotForm,
        True,
        lambda d, r, y: services.add_slot(
            school=r.school,
            weekday=d["weekday"],
            number=d["number"],
            school_class=d["school_class"],
            subgroup=d["subgroup"],
            subject=d["subject"],
            teacher=_user(d["teacher"]),
            room=d["room"],
            valid_from=d["valid_from"],
            by=r.user,
            ip=client_ip(r),
        ),
    ),
}


@school_roles(*SETUP, Role.DIRECTOR)
def setup(request):
    year = selectors.current_year()
    forms_ = {
        what: (form(school=request.school) if needs_school else form())
        for what, (form, needs_school, _) in SETUP_ACTIONS.items()
    }
    school_rules = selectors.Rules.get()
    forms_["rules"] = forms.RulesForm(
        initial={
            "rounding_threshold": school_rules.rounding_threshold,
            "final_marks_days": school_rules.final_marks_days,
        }
    )
    return render(
        request,
        "journal/setup.html",
        {
            "year": year,
            "forms": forms_,
            "can_edit": rulebook.can_change_setup(request.roles),
            **selectors.setup_lists(year),
        },
    )


@require_POST
@school_roles(*SETUP)
def setup_add(request, what):
    if what not in SETUP_ACTIONS:
        raise Http404
    form_class, needs_school, act = SETUP_ACTIONS[what]
    form = form_class(request.POST, school=request.school) if needs_school else form_class(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(explain_form(form))
        act(form.cleaned_data, request, selectors.current_year())
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, "Сохранено.")
    return redirect(f"{reverse('setup')}#{what}")


@require_POST
@school_roles(*SETUP)
def slot_end(request, slot_id):
    slot = TimetableSlot.objects.filter(pk=slot_id, valid_to__isnull=True).first()
    if slot is None:
        raise Http404
    try:
        last_day = date.fromisoformat(request.POST.get("last_day", ""))
        services.end_slot(slot, last_day=last_day, by=request.user, ip=client_ip(request))
    except ValueError:
        messages.error(request, "Укажите последний день действия урока в расписании.")
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, "Урок убран из расписания; будущие пустые уроки удалены, заполненные сохранены.")
    return redirect(f"{reverse('setup')}#slot")


@require_POST
@school_roles(*SETUP)
def lessons_generate(request):
    made = services.generate_lessons(since=timezone.localdate())
    messages.success(request, f"Уроков создано по расписанию: {made}.")
    return redirect(f"{reverse('setup')}#slot")


# --- Imports from files ---------------------------------------------------------------------


@school_roles(*SETUP)
def import_start(request):
    kinds = [(kind, imports.COLUMNS[kind]) for kind in rulebook.IMPORTS if rulebook.can_import(kind, request.roles)]
    if request.method == "POST":
        kind = request.POST.get("kind")
        form = forms.ImportForm(request.POST, request.FILES)
        try:
            if kind not in dict(kinds):
                raise PermissionDenied("Этот вид импорта вам недоступен.")
            if not form.is_valid():
                raise ValidationError(form.errors.get("file", ["Выберите файл."]))
            batch = imports.parse(kind, form.cleaned_data["file"], by=request.user, school=request.school)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            return redirect("import_preview", batch_id=batch.pk)
    labels = dict(ImportBatch.Kind.choices)
    return render(
        request,
        "journal/import_start.html",
        {
            "kinds": [(kind, labels[kind], columns) for kind, columns in kinds],
            "form": forms.ImportForm(),
        },
    )


@school_roles(*SETUP)
def import_preview(request, batch_id):
    batch = ImportBatch.objects.filter(pk=batch_id, created_by=request.user).first()
    if batch is None:
        raise Http404
    if request.method == "POST":
        try:
            made = imports.apply(batch, school=request.school, by=request.user, ip=client_ip(request))
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, f"Загружено строк: {len(made)}.")
            if batch.kind == ImportBatch.Kind.STAFF:
                return render(
                    request,
                    "journal/import_slips.html",
                    {
                        "slips": [
                            {
                                "invitation": invitation,
                                "code": code,
                                "link": host_url(request.school.host, f"/invite/{code}/"),
                            }
                            for invitation, code in made
                        ]
                    },
                )
            return redirect("setup")
    errors = {e["row"]: e["message"] for e in batch.errors}
    columns = imports.COLUMNS[batch.kind]
    rows = [
        {"number": row["row"], "values": [row.get(c, "") for c in columns], "error": errors.get(row["row"])}
        for row in batch.rows
    ]
    return render(request, "journal/import_preview.html", {"batch": batch, "rows": rows, "columns": columns})


# --- Class lists, absence reasons, control, thematic plans ------------------------------------


@require_POST
@school_roles(*SETUP)
def class_enroll(request, class_id):
    school_class = access_class_to_read(request, class_id)
    form = forms.EnrollForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Заполните все поля: ФИО, дату рождения, дату и номер приказа.")
        d = form.cleaned_data
        services.enroll_pupil(
            school_class=school_class,
            last_name=d["last_name"],
            first_name=d["first_name"],
            middle_name=d["middle_name"],
            birth_date=d["birth_date"],
            enrolled_on=d["on"],
            order=d["order_number"],
            order_date=d["order_date"],
            by=request.user,
            ip=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, "Обучающийся зачислен.")
    return redirect("class_detail", class_id=class_id)


@require_POST
@school_roles(*SETUP)
def pupil_move(request, class_id, pupil_id):
    school_class = access_class_to_read(request, class_id)
    pupil = access_pupil_of_class(request, school_class, pupil_id)
    form = forms.MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Укажите дату, номер и дату приказа.")
        d, by, ip = form.cleaned_data, request.user, client_ip(request)
        if d["kind"] == "transfer":
            if d["to_class"] is None:
                raise ValidationError("Выберите класс, в который переводится обучающийся.")
            services.transfer_pupil(
                pupil,
                to_class=d["to_class"],
                on=d["on"],
                order_number=d["order_number"],
                order_date=d["order_date"],
                by=by,
                ip=ip,
            )
        else:
            services.withdraw_pupil(
                pupil, on=d["on"], order_number=d["order_number"], order_date=d["order_date"], by=by, ip=ip
            )
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, "Изменение списка класса записано.")
    return redirect("class_detail", class_id=class_id)


@require_POST
@school_roles(*SETUP)
def subgroup_add(request, class_id):
    school_class = access_class_to_read(request, class_id)
    ids = [int(pk) for pk in request.POST.getlist("pupils") if pk.isdigit()]
    pupils = list(school_class.pupils.enrolled().filter(pk__in=ids))
    try:
        if len(pupils) != len(ids) or not pupils:
            raise ValidationError("Отметьте обучающихся этого класса.")
        services.create_subgroup(
            school_class=school_class,
            name=request.POST.get("name", ""),
            pupils=pupils,
            by=request.user,
            ip=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, "Подгруппа создана.")
    return redirect("class_detail", class_id=class_id)


@school_roles(Role.CLASS_TEACHER)
def absences(request, class_id):
    """The class teacher records why pupils were absent."""
    school_class = access_class_to_manage_families(request, class_id)
    if request.method == "POST":
        entry = Attendance.objects.filter(
            pk=posted_id(request.POST.get("attendance")), pupil__school_class=school_class
        ).first()
        if entry is None:
            raise Http404
        try:
            services.set_absence_reason(
                entry, reason=request.POST.get("reason", ""), by=request.user, ip=client_ip(request)
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, "Причина пропуска записана.")
        return redirect("absences", class_id=class_id)
    entries = list(selectors.class_absences(school_class))
    log_view(request, [entry.pupil for entry in entries])
    return render(
        request,
        "journal/absences.html",
        {
            "school_class": school_class,
            "absences": entries,
            "form": forms.ReasonForm(),
        },
    )


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


@school_roles(*READERS)
def plan_page(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = selectors.current_year()
    can_edit = rulebook.can_edit_plan(request.user, request.roles, school_class, subject)
    if request.method == "POST":
        access_journal_to_write(request, class_id, subject_id)
        try:
            if request.FILES.get("file"):
                batch = imports.parse(
                    ImportBatch.Kind.PLAN,
                    request.FILES["file"],
                    by=request.user,
                    school=request.school,
                    context={"class": class_id, "subject": subject_id},
                )
                if batch.errors:
                    raise ValidationError([f"Строка {e['row']}: {e['message']}" for e in batch.errors])
                imports.apply_plan(
                    batch, school_class=school_class, subject=subject, year=year, by=request.user, ip=client_ip(request)
                )
            else:
                topics = [
                    _plan_row(n, line)
                    for n, line in enumerate(
                        (line for line in request.POST.get("topics", "").splitlines() if line.strip()), start=1
                    )
                ]
                services.save_plan(
                    subject=subject,
                    school_class=school_class,
                    year=year,
                    topics=topics,
                    by=request.user,
                    ip=client_ip(request),
                )
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, "Тематическое планирование сохранено.")
        return redirect("plan", class_id=class_id, subject_id=subject_id)
    plan = selectors.plan_for(school_class, subject, year)
    topics, coverage = selectors.plan_coverage(plan, timezone.localdate()) if plan else ([], {})
    return render(
        request,
        "journal/plan.html",
        {
            "school_class": school_class,
            "subject": subject,
            "topics": topics,
            "coverage": coverage,
            "can_edit": can_edit,
            "text": "\n".join(
                f"{t.title}; {t.hours}" + (f"; {t.due_on:%d.%m.%Y}" if t.due_on_typed else "") for t in topics
            ),
        },
    )


def _plan_row(n, line):
    """ "Тема; часов" or "Тема; часов; дд.мм.гггг" (the planned date)."""
    parts = [part.strip() for part in line.split(";")]
    planned = None
    if len(parts) >= 3 and parts[-1]:
        try:
            planned = imports.parse_date(parts[-1])
        except ValueError as error:
            raise ValidationError(f"Строка {n}: {error}.") from None
        parts = parts[:-1]
    if len(parts) >= 2 and parts[-1].isdigit():
        return ";".join(parts[:-1]), parts[-1], planned
    return ";".join(parts), "1", planned


@school_roles(*READERS)
def final_marks_page(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = selectors.current_year()
    can_write = rulebook.can_set_final_mark(request.user, request.roles, school_class, subject)
    if request.method == "POST":
        access_journal_to_write(request, class_id, subject_id)
        pupil = access_pupil_of_class(request, school_class, request.POST.get("pupil") or 0)
        try:
            services.set_final_mark(
                pupil=pupil,
                subject=subject,
                year=year,
                term=None,
                value=request.POST.get("value", ""),
                by=request.user,
                ip=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, f"Годовая отметка сохранена: {pupil.full_name}.")
        return redirect("final_marks", class_id=class_id, subject_id=subject_id)
    sheet = selectors.final_sheet(school_class, subject, year)
    log_view(request, [row["pupil"] for row in sheet["rows"]])
    return render(
        request,
        "journal/final_marks.html",
        {
            "school_class": school_class,
            "subject": subject,
            "year": year,
            "can_write": can_write,
            "mark_values": FinalValue.choices,
            **sheet,
        },
    )
