"""Term and year marks."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from groundwork.addresses import client_ip
from groundwork.api import Id, body

from .. import selectors, services
from ..access import (
    access_journal_to_write,
)
from ..models import Pupil, Subject, Term
from .common import Teaching, get_or_404


class FinalMarkSerializer(serializers.Serializer):
    pupil = Id(source="pupil_id")
    subject = Id(source="subject_id")
    term = Id(source="term_id", allow_null=True, required=False)
    value = serializers.CharField(
        max_length=4, help_text=gettext_lazy("5, 4, 3, 2, 1, зч, нз, н/а (не аттестован), осв. (освобождён)")
    )
    entered_at = serializers.DateTimeField(read_only=True)
    changed_at = serializers.DateTimeField(read_only=True)


@extend_schema(request=FinalMarkSerializer, responses={201: FinalMarkSerializer})
@api_view(["POST"])
@permission_classes([Teaching])
def final_marks(request):
    """Sets a term mark (with `term`) or the year mark (without)."""
    d = body(FinalMarkSerializer, request)
    pupil = get_or_404(Pupil, d["pupil_id"])
    subject = get_or_404(Subject, d["subject_id"])
    access_journal_to_write(request, pupil.school_class_id, subject.pk)
    term = get_or_404(Term, d["term_id"]) if d.get("term_id") else None
    year = term.year if term else selectors.current_year()
    final = services.set_final_mark(
        pupil=pupil,
        subject=subject,
        year=year,
        term=term,
        value=d["value"],
        by=request.user,
        ip=client_ip(request),
    )
    return Response(FinalMarkSerializer(final).data, status=status.HTTP_201_CREATED)
