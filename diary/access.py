"""A parent reaches a child's diary only through a consented guardianship link; anything else
is the same 404, and the attempt is written down."""

from contextlib import contextmanager

from django.http import Http404
from django_tenants.utils import schema_context

from accounts import selectors as people
from audit.middleware import record_refusal
from groundwork.addresses import client_ip
from groundwork.api import posted_id
from journal.models import Guardian, Pupil


@contextmanager
def child(request, slug, pupil_id, children=None):
    """Yields (school, pupil) with the child's school schema active, or raises 404. A page that
    has read the family's children for its switcher (selectors.children_of, the same links) passes
    them and the lookup is not made twice."""
    pupil_id = posted_id(pupil_id)  # past bigint: no child, and no overflow in the refusal's record
    if children is not None:
        found = next((c for c in children if c.school.slug == slug and c.pupil_id == pupil_id), None)
        if found is None:
            _denied(request, slug, pupil_id)
            raise Http404
        with schema_context(found.school.schema_name):
            yield found.school, found.pupil
        return
    school = people.parent_school(request.user, slug)
    linked = school is not None
    with schema_context(school.schema_name if linked else "public"):
        pupil = None
        if linked:
            link = (
                Guardian.objects.live()
                .filter(user=request.user, pupil_id=pupil_id)
                .select_related("pupil__school_class")
                .first()
            )
            pupil = link.pupil if link else None
        if pupil is None:
            _denied(request, slug, pupil_id)
            raise Http404
        yield school, pupil


def parent_school(request, slug):
    """A school where the signed-in person is a parent, or 404."""
    school = people.parent_school(request.user, slug)
    if school is None:
        raise Http404
    return school


def _denied(request, slug, pupil_id):
    record_refusal(
        request,
        actor=request.user,
        ip=client_ip(request),
        action="diary.denied",
        target_type="journal.pupil",
        target_id=pupil_id or None,
        new={"school": slug},
    )


def own_pupil(request):
    """At a school's address: the signed-in pupil's own record."""
    pupil = Pupil.objects.enrolled().filter(user=request.user).select_related("school_class").first()
    if pupil is None:
        raise Http404
    return pupil
