"""The paper copy of the journal: printed per class and term, entered in the register with its
PDF, page count and hash, then certified by the deputy (Положение 3.2.2)."""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader

from audit.models import record

from .. import documents, selectors
from ..models import AcademicYear, Lesson, PrintedCopy


@transaction.atomic
def print_journal_copy(school, *, school_class, term, by, ip=None):
    if timezone.localdate() <= term.ends_on:
        raise ValidationError(
            {"term": _("Период «%(term)s» ещё идёт: копия журнала печатается по его окончании.") % {"term": term}}
        )
    subjects = {lesson.subject for lesson in Lesson.objects.filter(school_class=school_class, term=term)}
    if not subjects:
        raise ValidationError(
            {
                "term": _("У класса %(school_class)s нет уроков в периоде «%(term)s».")
                % {"school_class": school_class, "term": term}
            }
        )
    AcademicYear.objects.select_for_update().get(pk=term.year_id)  # numbers follow one another
    number = (PrintedCopy.objects.filter(year=term.year_id).aggregate(n=Max("number"))["n"] or 0) + 1
    copy = PrintedCopy(number=number, year_id=term.year_id, school_class=school_class, term=term, printed_by=by)
    journals = [
        (subject, selectors.journal_grid(school_class, subject, term))
        for subject in sorted(subjects, key=lambda s: s.name)
    ]
    pdf = documents.journal_copy_pdf(school, school_class, term, journals, copy)
    copy.pages = len(PdfReader(io.BytesIO(pdf)).pages)
    copy.sha256 = hashlib.sha256(pdf).hexdigest()
    copy.file.name = default_storage.save(
        f"{connection.schema_name}/journal-copies/{term.year_id}/{number}-{school_class.pk}-{term.pk}.pdf",
        io.BytesIO(pdf),
    )
    copy.save()
    record(
        "journal_copy.printed",
        copy,
        by=by,
        ip=ip,
        new={
            "number": number,
            "class": str(school_class),
            "term": str(term),
            "pages": copy.pages,
            "sha256": copy.sha256,
        },
    )
    return copy


@transaction.atomic
def certify_journal_copy(copy, *, by, ip=None):
    copy = PrintedCopy.objects.select_for_update().get(pk=copy.pk)
    if copy.certified_at:
        raise ValidationError(
            _("Копия № %(number)s уже заверена %(localtime)s.")
            % {"number": copy.number, "localtime": format(timezone.localtime(copy.certified_at), "%d.%m.%Y")}
        )
    copy.certified_by, copy.certified_at = by, timezone.now()
    copy.save(update_fields=["certified_by", "certified_at"])
    record("journal_copy.certified", copy, by=by, ip=ip, old={"certified_at": None}, new={"number": copy.number})
    return copy
