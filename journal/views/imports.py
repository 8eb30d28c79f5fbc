"""Imports from CSV/XLSX files and OneRoster packages: upload, row-by-row preview, apply; and
the school's OneRoster export."""

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import school_roles
from audit.models import log_view, record
from groundwork.addresses import client_ip, host_url
from groundwork.errors import explain

from .. import forms, imports, oneroster, rulebook
from ..models import ImportBatch, Pupil

FORMS = {ImportBatch.Kind.ONEROSTER: forms.PackageForm}


@school_roles(*rulebook.SETUP)
def import_start(request):
    kinds = [(kind, imports.COLUMNS[kind]) for kind in rulebook.IMPORTS if rulebook.can_import(kind, request.roles)]
    if request.method == "POST":
        kind = request.POST.get("kind")
        form = FORMS.get(kind, forms.ImportForm)(request.POST, request.FILES)
        try:
            if kind not in dict(kinds):
                raise PermissionDenied(_("Этот вид импорта вам недоступен."))
            if not form.is_valid():
                raise ValidationError(form.errors.get("file", [_("Выберите файл.")]))
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
            "kinds": [
                (kind, labels[kind], columns, FORMS.get(kind, forms.ImportForm)(auto_id=f"id_{kind}_%s"))
                for kind, columns in kinds
            ],
            "may_export": bool(request.roles & rulebook.EXPORTS_CONTINGENT),
        },
    )


@school_roles(*rulebook.SETUP)
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
            messages.success(request, _("Загружено строк: %(rows)s.") % {"rows": len(made)})
            invitations = [m for m in made if isinstance(m, tuple)]  # staff, or parents of a contingent
            if invitations:
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
                            for invitation, code in invitations
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


@school_roles(*rulebook.EXPORTS_CONTINGENT)
def oneroster_export(request):
    """The school's classes, pupils, parents, staff and enrolments as a OneRoster 1.2 package;
    with `?results=1` its marks too. Every pupil in it counts as shown (152-ФЗ)."""
    with_results = request.GET.get("results") == "1"
    package = oneroster.Package()
    oneroster.add_school(package, request.school, with_results=with_results)
    buffer = io.BytesIO()
    package.write(buffer)
    log_view(request, Pupil.objects.enrolled().values_list("pk", flat=True), page="oneroster.export")
    record(
        "oneroster.exported",
        request.school,
        by=request.user,
        ip=client_ip(request),
        new={name: len(rows) for name, rows in package.rows.items() if rows},
    )
    buffer.seek(0)
    filename = f"oneroster-{request.school.slug}-{timezone.localdate():%Y%m%d}{'-results' if with_results else ''}.zip"
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type="application/zip")
