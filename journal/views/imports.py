"""Imports from CSV/XLSX files: upload, row-by-row preview, apply."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from accounts.access import school_roles
from groundwork.addresses import client_ip, host_url
from groundwork.errors import explain

from .. import forms, imports, rulebook
from ..models import (
    ImportBatch,
)


@school_roles(*rulebook.SETUP)
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
