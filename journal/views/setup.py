"""School set-up (deputy and school admin): the year, terms, holidays, subjects, load, bells, the timetable."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import school_roles
from accounts.models import Role, User
from groundwork.addresses import client_ip
from groundwork.errors import explain, explain_form

from .. import forms, rulebook, selectors, services
from ..models import (
    TimetableSlot,
)


def _user(pk):
    return User.objects.get(pk=pk) if pk else None


def _add_year(data, request, year):
    return services.create_year(
        name=data["name"], starts_on=data["starts_on"], ends_on=data["ends_on"], by=request.user, ip=client_ip(request)
    )


def _needs_year(year):
    if year is None:
        raise ValidationError(_("Сначала создайте учебный год."))
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
            grade=d["grade"],
            subject=d["subject"],
            hours_per_week=d["hours_per_week"],
            is_marked=d["is_marked"],
            by=r.user,
            ip=client_ip(r),
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


@school_roles(*rulebook.SETUP, Role.DIRECTOR)
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
@school_roles(*rulebook.SETUP)
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
        messages.success(request, _("Сохранено."))
    return redirect(f"{reverse('setup')}#{what}")


@require_POST
@school_roles(*rulebook.SETUP)
def slot_end(request, slot_id):
    slot = TimetableSlot.objects.filter(pk=slot_id, valid_to__isnull=True).first()
    if slot is None:
        raise Http404
    try:
        last_day = date.fromisoformat(request.POST.get("last_day", ""))
        services.end_slot(slot, last_day=last_day, by=request.user, ip=client_ip(request))
    except ValueError:
        messages.error(request, _("Укажите последний день действия урока в расписании."))
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, _("Урок убран из расписания; будущие пустые уроки удалены, заполненные сохранены."))
    return redirect(f"{reverse('setup')}#slot")


@require_POST
@school_roles(*rulebook.SETUP)
def lessons_generate(request):
    made = services.generate_lessons(since=timezone.localdate())
    messages.success(request, _("Уроков создано по расписанию: %(made)s.") % {"made": made})
    return redirect(f"{reverse('setup')}#slot")
