from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.access import client_ip, school_roles
from accounts.models import Role
from accounts.selectors import open_family_invitations
from config.context import host_url, portal_url

from . import selectors
from .access import WHOLE_SCHOOL, access_class, access_pupil_of_class


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
