from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.access import public, signed_in
from accounts.selectors import district_operators
from diary.selectors import children_of
from diary.services import ask_for_help
from groundwork.addresses import client_ip
from groundwork.errors import explain

from .selectors import contents, help_page


@public
def index(request):
    return render(request, "guide/index.html", contents(getattr(request, "roles", set())))


@public
def page(request, slug):
    title, html = help_page(slug, get_language())
    return render(request, "guide/page.html", {"title": title, "html": html})


@signed_in
def ask(request):
    """A question to the school's ЭЖ administrator. At a school's address, from anyone of that
    school; on the portal, a parent asks the school of one of their children; the district's
    people are shown whom to turn to."""
    school = getattr(request, "school", None)
    children = [] if school else list(children_of(request.user))
    if school is None and not children:
        return render(request, "guide/ask.html", {"operators": district_operators()})
    about = (request.GET.get("about") or request.POST.get("about") or "")[:100]
    if request.method == "POST":
        child = next((c for c in children if f"{c.school.slug}:{c.pupil_id}" == request.POST.get("child")), None)
        try:
            if school is None and child is None:
                raise ValidationError({"child": _("Выберите, о каком ребёнке вопрос: он уйдёт в его школу.")})
            asked, pupil = (school, None) if school else (child.school, child.pupil)
            with schema_context(asked.schema_name):
                thread = ask_for_help(
                    school=asked,
                    by=request.user,
                    text=request.POST.get("text"),
                    about=about,
                    pupil=pupil,
                    ip=client_ip(request),
                )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Вопрос отправлен администратору ЭЖ школы; ответ придёт в «Сообщения»."))
            return redirect("thread", thread.pk) if school else redirect("messages")
    return render(
        request, "guide/ask.html", {"children": children, "about": about, "text": request.POST.get("text", "")}
    )
