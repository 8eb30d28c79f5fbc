from django.conf import settings

from tenants.models import School

from .models import PORTAL_SIGN_IN_ROLES, SCHOOL_SIGN_IN_ROLES, STAFF_ROLES, Invitation, Membership, Role


def staff_count(school):
    return Membership.objects.at(school).filter(role__in=STAFF_ROLES).values("user").distinct().count()


def open_family_invitations(school, pupil_ids):
    """Parent and pupil invitations not yet used, by pupil id."""
    invitations = Invitation.objects.filter(
        school=school,
        pupil_id__in=pupil_ids,
        role__in=[Role.PARENT, Role.PUPIL],
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).order_by("issued_at")
    by_pupil = {}
    for invitation in invitations:
        if invitation.state == "active":
            by_pupil.setdefault(invitation.pupil_id, []).append(invitation)
    return by_pupil


def parent_schools(user):
    """Schools where this person is a parent of some pupil (by membership; the pupils are in the schools' schemas)."""
    return School.objects.filter(
        membership__user=user, membership__role=Role.PARENT, membership__ended_at__isnull=True
    ).distinct()


def places_of(user):
    """Where a person holds a role: each school's address (staff, pupils) and the portal
    (parents, district staff), as (key, label, host) — the switch in the menu."""
    places = {}
    for m in Membership.objects.active().filter(user=user).select_related("school"):
        if m.school is not None and m.role in SCHOOL_SIGN_IN_ROLES:
            places[m.school.slug] = (m.school.slug, m.school.short_name, m.school.host)
        elif m.role in PORTAL_SIGN_IN_ROLES:
            places["portal"] = ("portal", "Портал (дети, район)", settings.BASE_DOMAIN)
    return sorted(places.values(), key=lambda p: (p[0] == "portal", p[1]))
