from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.access import client_ip, school_roles
from accounts.models import Role
from accounts.selectors import open_family_invitations
from config.context import host_url, portal_url

from . import selectors, services
from .access import WHOLE_SCHOOL, access_class, access_journal, access_lesson, access_pupil_of_class
from .models import HomeworkFile, MarkValue, PlannedTopic, WorkType


def home(request):
    """The school's start page: what this person can do here today."""
    if not request.user.is_authenticated:
        return render(request, "journal/welcome.html")
    my_classes = selectors.classes_with_counts().filter(class_teacher=request.user)
    role_labels = [Role(role).label for role in sorted(request.roles)]
    return render(request, "journal/home.html", {"my_classes": my_classes, "role_labels": role_labels})


@school_roles(*WHOLE_SCHOOL)
def class_list(request):
    return render(request, "journal/class_list.html", {"classes": selectors.classes_with_counts()})


@school_roles(*WHOLE_SCHOOL)
def class_detail(request, class_id):
    school_class = access_class(request, class_id)
    roster = selectors.class_roster(school_class)
    is_class_teacher = school_class.class_teacher_id == request.user.id and Role.CLASS_TEACHER in request.roles
    invitations = open_family_invitations(request.school, [p.pk for p in roster]) if is_class_teacher else {}
    for pupil in roster:
        pupil.open_invitations = invitations.get(pupil.pk, [])
    return render(request, "journal/class_detail.html", {
        "school_class": school_class, "roster": roster, "is_class_teacher": is_class_teacher,
    })


@require_POST
@school_roles(Role.CLASS_TEACHER)
def family_invite(request, class_id, pupil_id):
    """The class teacher hands a parent or a pupil their credentials (a printable slip)."""
    school_class = access_class(request, class_id)
    pupil = access_pupil_of_class(request, school_class, pupil_id)
    role = request.POST.get("role")
    if role not in (Role.PARENT, Role.PUPIL):
        messages.error(request, "Выберите, кого приглашаете: родителя или обучающегося.")
        return redirect("class_detail", class_id=class_id)
    try:
        invitation, code = account_services.issue_invitation(
            school=request.school, role=role, by=request.user, ip=client_ip(request), pupil=pupil,
            full_name=request.POST.get("full_name", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("class_detail", class_id=class_id)
    path = f"/invite/{code}/"
    link = portal_url(path) if role == Role.PARENT else host_url(request.school.host, path)
    return render(request, "accounts/invitation_slip.html", {
        "invitation": invitation, "code": code, "link": link, "pupil": pupil, "school_class": school_class,
    })


def portal_home(request):
    """The portal's start page: a parent's children in every school; district staff go to the console."""
    if not request.user.is_authenticated:
        return render(request, "journal/portal_welcome.html")
    if request.roles & {Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR} and Role.PARENT not in request.roles:
        return redirect("district")
    return render(request, "journal/portal_home.html", {"children": selectors.children_of(request.user)})


# --- The teacher's journal -------------------------------------------------------------

TEACHING = (Role.TEACHER, Role.CLASS_TEACHER)
READERS = (Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR)


def _monday(request):
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - timedelta(days=day.isoweekday() - 1)


@school_roles(*TEACHING)
def timetable(request):
    monday = _monday(request)
    return render(request, "journal/timetable.html", {
        "days": selectors.teacher_week(request.user, monday), "monday": monday,
        "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7), "today": timezone.localdate(),
    })


@school_roles(*READERS)
def lesson_page(request, lesson_id):
    lesson = access_lesson(request, lesson_id)
    if request.method == "POST":
        return _lesson_action(request, lesson)
    mine = request.user.pk == lesson.conducted_by_id
    return render(request, "journal/lesson.html", {
        "lesson": lesson, "mine": mine,
        "pupils": selectors.lesson_sheet(lesson) if not getattr(lesson, "only_substitution", False) else [],
        "topics": selectors.open_topics(lesson), "work_types": WorkType.objects.all(),
        "mark_values": MarkValue.choices, "locked": services.is_locked(lesson.term, lesson.school_class, lesson.subject),
        "future": lesson.date > timezone.localdate(),
    })


def _lesson_action(request, lesson):
    action, ip, by = request.POST.get("action"), client_ip(request), request.user
    try:
        if action == "substitute":
            services.take_as_substitute(lesson, school=request.school, by=by, ip=ip)
            messages.success(request, "Замена записана: урок проводите вы.")
        elif action == "topic":
            planned = None
            if request.POST.get("planned_topic"):
                planned = PlannedTopic.objects.filter(pk=request.POST["planned_topic"]).select_related("plan").first()
            services.set_topic(lesson, topic=request.POST.get("topic", ""), planned_topic=planned, by=by, ip=ip)
            messages.success(request, "Тема урока сохранена.")
        elif action == "homework":
            services.set_homework(lesson, text=request.POST.get("homework", ""), none=bool(request.POST.get("none")),
                                  by=by, ip=ip)
            for upload in request.FILES.getlist("files"):
                services.attach_homework_file(lesson, upload, school=request.school, by=by, ip=ip)
            messages.success(request, "Домашнее задание сохранено.")
        elif action == "attendance":
            pupils = {p.pk: p for p in services.pupils_of(lesson)}
            status = {int(k.split("_")[1]): v for k, v in request.POST.items() if k.startswith("status_") and v}
            unknown = set(status) - set(pupils)
            if unknown:
                raise ValidationError("В списке есть обучающиеся не из этого урока.")
            if not status and not request.POST.get("all_present"):
                raise ValidationError("Отметьте отсутствующих или подтвердите «все присутствуют».")
            services.take_attendance(
                lesson, by=by, ip=ip,
                absent=[pupils[pk] for pk, v in status.items() if v == "absent"],
                late=[pupils[pk] for pk, v in status.items() if v == "late"],
            )
            messages.success(request, "Посещаемость сохранена.")
        else:
            raise ValidationError("Неизвестное действие.")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("lesson", lesson_id=lesson.pk)


@school_roles(*READERS)
def journal_list(request):
    return render(request, "journal/journal_list.html", {"journals": selectors.my_journals(request.user, request.roles)})


@school_roles(*READERS)
def journal_page(request, class_id, subject_id):
    school_class, subject = access_journal(request, class_id, subject_id)
    year = selectors.current_year()
    terms = list(selectors.terms_of(school_class, year)) if year else []
    if not terms:
        return render(request, "journal/journal_grid.html", {"school_class": school_class, "subject": subject, "terms": []})
    term = next((t for t in terms if str(t.pk) == request.GET.get("term")), None) or next(
        (t for t in terms if t.starts_on <= timezone.localdate() <= t.ends_on), terms[0])
    grid = selectors.journal_grid(school_class, subject, term)
    can_write = bool(request.roles & set(TEACHING))
    return render(request, "journal/journal_grid.html", {
        "school_class": school_class, "subject": subject, "terms": terms, "term": term, "grid": grid,
        "can_write": can_write, "locked": services.is_locked(term, school_class, subject),
        "mark_values": [v for v, _ in MarkValue.choices], "today": timezone.localdate(),
    })


@school_roles(*READERS)
def homework_file(request, lesson_id, file_id):
    """A homework file, after the same access check as the lesson page that links to it."""
    lesson = access_lesson(request, lesson_id)
    attached = HomeworkFile.objects.filter(pk=file_id, lesson=lesson, deleted_at__isnull=True).first()
    if attached is None:
        raise Http404
    return FileResponse(attached.file.open("rb"), as_attachment=True, filename=attached.name)
