from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from groundwork.sql import columns, from_row
from tenants.models import School

from .models import PORTAL_SIGN_IN_ROLES, SCHOOL_SIGN_IN_ROLES, STAFF_ROLES, Invitation, Membership, Role, User


class Held(NamedTuple):
    """A role a person holds now, and its school (None for a district role)."""

    role: str
    school: School | None


# Every signed-in request reads its person with the roles they hold: one plain SQL statement
# (the ORM's compiling of the two cost five times the statements' own time).
_PERSON = (
    f"SELECT {columns(User, 'u')}, m.role, {columns(School, 's')} FROM accounts_user u "
    "LEFT JOIN accounts_membership m ON m.user_id = u.id AND m.ended_at IS NULL "
    "LEFT JOIN tenants_school s ON s.id = m.school_id WHERE u.id = %s AND u.is_active"
)
_HELD = _PERSON.replace(" AND u.is_active", "")
_ROLE = len(User._meta.concrete_fields)  # the role's place in a row, after the person's columns


def _read(user_id, statement):
    with connection.cursor() as cursor:
        cursor.execute(statement, [user_id])
        rows = cursor.fetchall()
    held = [
        Held(row[_ROLE], None if row[_ROLE + 1] is None else from_row(School, row, _ROLE + 1))
        for row in rows
        if row[_ROLE] is not None
    ]
    return rows, held


def signed_in_person(user_id):
    """A session's person, if still active, knowing the roles they hold as the request begins."""
    rows, held = _read(user_id, _PERSON)
    if not rows:
        return None
    user = from_row(User, rows[0])
    user.held = held
    return user


def roles_held(user):
    """Every role the person holds now: read once with a signed-in person, else read here."""
    held = getattr(user, "held", None)
    return held if held is not None else _read(user.pk, _HELD)[1]


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
    """Schools where this person is a parent of some pupil (by membership; the pupils are in the
    schools' schemas), by name."""
    schools = {held.school.pk: held.school for held in roles_held(user) if held.role == Role.PARENT}
    return sorted(schools.values(), key=lambda school: school.short_name)


def parent_school(user, slug):
    """The school at this address where the person is a parent; None if none."""
    return next((school for school in parent_schools(user) if school.slug == slug), None)


def places_of(user):
    """Where a person holds a role: each school's address (staff, pupils) and the portal
    (parents, district staff), as (key, label, host) — the switch in the menu."""
    places = {}
    for m in roles_held(user):
        if m.school is not None and m.role in SCHOOL_SIGN_IN_ROLES:
            places[m.school.slug] = (m.school.slug, m.school.short_name, m.school.host)
        elif m.role in PORTAL_SIGN_IN_ROLES:
            places["portal"] = ("portal", _("Портал (дети, район)"), settings.BASE_DOMAIN)
    return sorted(places.values(), key=lambda p: (p[0] == "portal", p[1]))


def district_operators():
    """The district's operators: whom the district's own people turn to with a question."""
    return User.objects.filter(
        memberships__in=Membership.objects.active().filter(role=Role.DISTRICT_OPERATOR, school__isnull=True)
    ).order_by("last_name", "first_name")
