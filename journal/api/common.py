"""Who each part of the journal API serves, and the typed pieces every part uses."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import Http404

from accounts.access import api_audience
from accounts.models import Role
from groundwork.api import MAX_ID, object_id

from .. import rulebook

SchoolStaff = api_audience("school", rulebook.STAFF)
# Journal readers read; only teachers write (each object is checked again by the rule book).
Teaching = api_audience("school", rulebook.READERS, rulebook.TEACHING)
SetupRoles = api_audience("school", rulebook.STAFF, rulebook.SETUP)
# The heads read; the deputy writes (reopened terms, substitutions).
DeputyWrites = api_audience("school", rulebook.READ_ALL, {Role.DEPUTY})


def get_or_404(model_or_queryset, pk, **filters):
    """The object with this id, or 404 (a malformed id is a 404 too)."""
    queryset = model_or_queryset if isinstance(model_or_queryset, QuerySet) else model_or_queryset.objects
    item = queryset.filter(pk=object_id(pk), **filters).first()
    if item is None:
        raise Http404
    return item


class IdFilter(django_filters.Filter):
    """An id in a query string: a positive 64-bit integer, or a 400."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)
