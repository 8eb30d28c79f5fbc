"""Term and year marks of a class and subject."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from accounts.access import school_roles
from audit.models import client_ip, log_view
from config.errors import explain

from .. import rulebook, selectors, services
from ..access import (
    access_journal_to_read,
    access_journal_to_write,
    access_pupil_of_class,
)
from ..models import (
    FinalValue,
)


@school_roles(*rulebook.READERS)
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
