"""Thematic plans (КТП): typed or imported topics with their planned dates."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import school_roles
from groundwork.addresses import client_ip
from groundwork.errors import explain

from .. import imports, rulebook, selectors, services
from ..access import (
    access_journal_to_read,
    access_journal_to_write,
)
from ..models import (
    ImportBatch,
)


@school_roles(*rulebook.READERS)
def plan_page(request, class_id, subject_id):
    school_class, subject = access_journal_to_read(request, class_id, subject_id)
    year = school_class.year or selectors.current_year()
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
                    raise ValidationError(
                        [
                            _("Строка %(row)s: %(error)s") % {"row": e["row"], "error": e["message"]}
                            for e in batch.errors
                        ]
                    )
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
            messages.success(request, _("Тематическое планирование сохранено."))
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
            raise ValidationError(_("Строка %(n)s: %(error)s.") % {"n": n, "error": error}) from None
        parts = parts[:-1]
    if len(parts) >= 2 and parts[-1].isdigit():
        return ";".join(parts[:-1]), parts[-1], planned
    return ";".join(parts), "1", planned
