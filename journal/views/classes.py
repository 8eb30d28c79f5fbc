"""The school home page, classes and their pupils, families' links, class lists by order, subgroups, absence reasons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.access import public, school_roles
from accounts.models import Role
from accounts.selectors import open_family_invitations
from audit.models import log_view
from groundwork.addresses import client_ip, host_url, portal_url
from groundwork.api import posted_id
from groundwork.errors import explain, explain_form
from notifications.selectors import staff_notices, undelivered
from notifications.services import mark_shown
from sms.selectors import undelivered_notices

from .. import forms, rulebook, selectors, services
from ..access import (
    access_class_to_manage_families,
    access_class_to_read,
    access_pupil_of_class,
    access_pupil_to_correct,
)
from ..models import (
    AcademicYear,
    Attendance,
    Guardian,
    PortfolioEntry,
)
from ..today import start_page


@public
def home(request):
    """The school's start page: what this person can do here today."""
    if not request.user.is_authenticated:
        return render(request, "journal/welcome.html")
    if request.roles == {Role.PUPIL}:
        return redirect("diary")  # a pupil's day is their diary: today, the next day, new marks
    my_classes = selectors.classes_with_counts().filter(class_teacher=request.user)
    role_labels = [Role(role).label for role in sorted(request.roles)]
    notices = mark_shown(staff_notices(request.user)) if request.roles & rulebook.STAFF else []
    context = {"my_classes": my_classes, "role_labels": role_labels, "notices": notices}
    context.update(start_page(request.user, request.roles))
    if Role.SCHOOL_ADMIN in request.roles:
        context["undelivered"] = undelivered()
        context["undelivered_sms"] = undelivered_notices(request.school)
    return render(request, "journal/home.html", context)


@school_roles(*rulebook.ROSTER)
def class_list(request):
    """The running year's classes; a finished year's, as they were at its end, by `?year=`."""
    past = list(AcademicYear.objects.filter(closed_at__isnull=False).order_by("-starts_on"))
    year = next((y for y in past if str(y.pk) == request.GET.get("year")), None)
    return render(
        request,
        "journal/class_list.html",
        {"classes": selectors.classes_with_counts(year), "past_years": past, "year": year},
    )


@school_roles(*rulebook.ROSTER)
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
            "can_write_families": bool(request.roles & rulebook.WRITES_TO_FAMILIES),
            "can_print_reports": rulebook.can_print_class_reports(request.user, request.roles, school_class),
            "can_manage": rulebook.can_change_roster(request.roles),
            "enroll_form": forms.EnrollForm(),
            "move_form": forms.MoveForm(),
            "can_correct": rulebook.can_correct_pupil(request.user, request.roles, school_class),
            "can_read_timetable": bool(request.roles & rulebook.STAFF),
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
        messages.error(request, _("Выберите, кого приглашаете: родителя или обучающегося."))
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
        messages.success(request, _("Связь родителя с обучающимся завершена: доступ к дневнику закрыт."))
    return redirect("class_detail", class_id=class_id)


@require_POST
@school_roles(*rulebook.SETUP)
def class_enroll(request, class_id):
    school_class = access_class_to_read(request, class_id)
    form = forms.EnrollForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Заполните все поля: ФИО, дату рождения, дату и номер приказа."))
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
        messages.success(request, _("Обучающийся зачислен."))
    return redirect("class_detail", class_id=class_id)


@require_POST
@school_roles(*rulebook.SETUP)
def pupil_move(request, class_id, pupil_id):
    school_class = access_class_to_read(request, class_id)
    pupil = access_pupil_of_class(request, school_class, pupil_id)
    form = forms.MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Укажите дату, номер и дату приказа."))
        d, by, ip = form.cleaned_data, request.user, client_ip(request)
        if d["kind"] == "transfer":
            if d["to_class"] is None:
                raise ValidationError(_("Выберите класс, в который переводится обучающийся."))
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
        messages.success(request, _("Изменение списка класса записано."))
    return redirect("class_detail", class_id=class_id)


@school_roles(Role.CLASS_TEACHER, *rulebook.PERSONAL_DATA)
def pupil_correct(request, class_id, pupil_id):
    """A pupil's name or birth date put right, with its reason, and the corrections so far."""
    pupil = access_pupil_to_correct(request, class_id, pupil_id)
    initial = {field: getattr(pupil, field) for field in services.PERSONAL}
    answering = request.POST.get("action") == "answer"
    form = forms.PupilCorrectionForm(None if answering else request.POST or None, initial=initial)
    if answering:
        asked = pupil.correction_requests.filter(pk=posted_id(request.POST.get("request"))).first()
        if asked is None:
            raise Http404
        try:
            services.answer_correction(
                asked,
                outcome=request.POST.get("outcome"),
                answer=request.POST.get("answer"),
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Ответ отправлен родителю."))
        return redirect("pupil_correct", class_id=class_id, pupil_id=pupil_id)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            d = form.cleaned_data
            services.correct_pupil(
                pupil,
                reason=d["reason"],
                by=request.user,
                ip=client_ip(request),
                **{field: d[field] for field in services.PERSONAL},
            )
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Данные обучающегося исправлены; прежние сохранены в истории."))
            return redirect("pupil_correct", class_id=class_id, pupil_id=pupil_id)
    log_view(request, [pupil])
    return render(
        request,
        "journal/pupil_correct.html",
        {
            "pupil": pupil,
            "form": form,
            "history": selectors.corrections_of(pupil),
            "requests": pupil.correction_requests.all()[:20],
        },
    )


@require_POST
@school_roles(*rulebook.SETUP)
def subgroup_add(request, class_id):
    school_class = access_class_to_read(request, class_id)
    ids = [int(pk) for pk in request.POST.getlist("pupils") if pk.isdigit()]
    pupils = list(school_class.pupils.enrolled().filter(pk__in=ids))
    try:
        if len(pupils) != len(ids) or not pupils:
            raise ValidationError(_("Отметьте обучающихся этого класса."))
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
        messages.success(request, _("Подгруппа создана."))
    return redirect("class_detail", class_id=class_id)


@school_roles(Role.CLASS_TEACHER)
def absences(request, class_id):
    """The class teacher records why pupils were absent: one lesson at a time, or a note for
    several days in one action."""
    school_class = access_class_to_manage_families(request, class_id)
    note = forms.NoteForm(school_class=school_class)
    if request.method == "POST" and request.POST.get("action") == "note":
        note = forms.NoteForm(request.POST, school_class=school_class)
        if note.is_valid():
            data = note.cleaned_data
            try:
                lessons, changed = services.excuse_absences(
                    data["pupil"],
                    first=data["first"],
                    last=data["last"],
                    reason=data["reason"],
                    by=request.user,
                    ip=client_ip(request),
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, explain(error))
            else:
                messages.success(
                    request,
                    _("Справка внесена: %(full_name)s, %(start)s–%(end)s, уроков: %(lessons)s (изменено: %(changed)s).")
                    % {
                        "full_name": data["pupil"].full_name,
                        "start": format(data["first"], "%d.%m"),
                        "end": format(data["last"], "%d.%m"),
                        "lessons": len(lessons),
                        "changed": changed,
                    },
                )
                return redirect("absences", class_id=class_id)
        else:
            messages.error(request, " ".join(explain_form(note)))
    elif request.method == "POST":
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
            messages.success(request, _("Причина пропуска записана."))
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
            "note": note,
        },
    )


@school_roles(Role.CLASS_TEACHER)
def class_portfolio(request, class_id):
    """The class's portfolios: entries waiting for the class teacher's word first, then the rest."""
    school_class = access_class_to_manage_families(request, class_id)
    entries = PortfolioEntry.objects.filter(pupil__school_class=school_class, withdrawn_at__isnull=True)
    if request.method == "POST":
        entry = entries.filter(pk=posted_id(request.POST.get("entry"))).first()
        if entry is None:
            raise Http404
        try:
            entry = services.settle_portfolio_entry(
                entry,
                confirmed=request.POST.get("action") == "confirm",
                reason=request.POST.get("reason"),
                by=request.user,
                ip=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(
                request, _("Запись подтверждена.") if entry.confirmed_at else _("Отказ записан; семья уведомлена.")
            )
        return redirect("class_portfolio", class_id=school_class.pk)
    entries = list(entries.select_related("pupil").order_by(F("confirmed_at").asc(nulls_first=True), "-added_at"))
    log_view(request, [e.pupil for e in entries], "journal.portfolio")
    return render(request, "journal/class_portfolio.html", {"school_class": school_class, "entries": entries})


@school_roles(Role.CLASS_TEACHER)
def class_portfolio_file(request, class_id, entry_id):
    school_class = access_class_to_manage_families(request, class_id)
    entry = PortfolioEntry.objects.filter(
        pk=posted_id(entry_id), pupil__school_class=school_class, withdrawn_at__isnull=True
    ).first()
    if entry is None or not entry.file:
        raise Http404
    return FileResponse(entry.file.open("rb"), as_attachment=True, filename=entry.file_name)
