"""Pages of two schools and two families side by side: nothing of one reaches the other.
The route-by-route proof (every route × role × object) is tests/test_access_matrix.py."""

from accounts.models import Role


def school_pages(w):
    """Every GET page and endpoint of a school's address, with that school's own ids."""
    return [
        "/",
        "/login/",
        "/invite/",
        "/account/password/",
        "/staff/",
        "/classes/",
        "/setup/",
        "/control/",
        "/journal/",
        "/timetable/",
        "/imports/",
        f"/classes/{w.school_class.pk}/absences/",
        f"/classes/{w.school_class.pk}/",
        f"/classes/{w.other_class.pk}/",
        "/api/v1/me/",
        "/api/v1/classes/",
        f"/api/v1/classes/{w.school_class.pk}/pupils/",
        f"/api/v1/classes/{w.other_class.pk}/pupils/",
        "/api/schema/",
    ]


# What each role gets on each school page: 200, or 403 for a role the page is not for.
PAGE_ACCESS = {
    "/staff/": {Role.SCHOOL_ADMIN, Role.DIRECTOR},
    "/setup/": {Role.SCHOOL_ADMIN, Role.DEPUTY, Role.DIRECTOR},
    "/control/": {Role.DEPUTY, Role.DIRECTOR},
    "/journal/": {Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR},
    "/timetable/": {Role.TEACHER, Role.CLASS_TEACHER},
    "/imports/": {Role.SCHOOL_ADMIN, Role.DEPUTY},
    "/classes/": {Role.SCHOOL_ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.CLASS_TEACHER},
}


def expected_status(path, role):
    if path == "/" and role == Role.PUPIL:
        return 302  # a pupil's start page is their diary
    if path.endswith("/absences/"):
        return 200 if role == Role.CLASS_TEACHER else 403
    for prefix, roles in PAGE_ACCESS.items():
        if path.startswith(prefix):
            return 200 if role in roles else 403
    if path.startswith("/api/v1/classes/"):
        return 200 if role in PAGE_ACCESS["/classes/"] else 403
    return 200


def people_of(w):
    return {**w.staff(), Role.PUPIL: w.pupil_user}


def test_each_role_of_school_b_sees_only_school_b_on_every_page(world, enter):
    b = world.b
    for role, user in people_of(b).items():
        browser = enter(user, b.host)
        for path in school_pages(b):
            response = browser.get(path)
            assert response.status_code == expected_status(path, role), (role, path)
            body = response.content.decode()
            assert "Альфа" not in body, (role, path)  # every name in school A carries "Альфа"


def test_people_of_school_a_get_nothing_at_school_b(world, enter):
    a, b = world.a, world.b
    for role, user in people_of(a).items():
        browser = enter(user, b.host)
        for path in school_pages(b):
            response = browser.get(path)
            body = response.content.decode()
            assert "Бета" not in body or path in ("/", "/login/", "/invite/"), (
                role,
                path,
            )  # the school's own name only
            if path.startswith("/api/v1/"):
                assert response.status_code == 403, (role, path)
            elif path not in ("/", "/login/", "/invite/", "/api/schema/"):
                assert response.status_code == 302 and response.url.startswith("/login/"), (role, path)


def test_anonymous_visitors_see_no_school_data(world, enter):
    browser = enter(host=world.a.host)
    for path in school_pages(world.a):
        body = browser.get(path).content.decode()
        assert "Ученик" not in body and "Admin" not in body, path


def test_writes_at_school_b_with_school_a_ids_change_nothing_in_a(world, enter):
    """School A's ids typed at school B's address act on B's rows or on none: never on A's."""
    from django_tenants.utils import schema_context

    from accounts.models import Invitation
    from journal.models import Guardian

    a, b = world.a, world.b
    with schema_context(a.school.schema_name):
        links_before = Guardian.objects.count()
    browser = enter(b.class_teacher, b.host)
    browser.post(f"/classes/{a.school_class.pk}/pupils/{a.pupils[1].pk}/invite/", {"role": "parent"})
    assert not Invitation.objects.filter(school=a.school, issued_by=b.class_teacher).exists()
    with schema_context(a.school.schema_name):
        assert Guardian.objects.count() == links_before


def test_a_parent_sees_only_their_own_children(world, enter):
    a, b = world.a, world.b
    mine = enter(world.parent).get("/").content.decode()
    assert a.pupils[0].full_name in mine and b.pupils[1].full_name in mine
    assert a.pupils[2].full_name not in mine
    theirs = enter(world.other_parent).get("/").content.decode()
    assert a.pupils[2].full_name in theirs
    assert a.pupils[0].full_name not in theirs and b.pupils[1].full_name not in theirs
    children = enter(world.other_parent).get("/api/v1/children/").json()["results"]
    assert [c["full_name"] for c in children] == [a.pupils[2].full_name]


def test_a_parent_reaches_no_school_page_and_no_district_page(world, enter):
    for host in (world.a.host, world.b.host):
        browser = enter(world.parent, host)
        assert browser.get("/classes/").status_code == 302
        assert browser.get("/api/v1/classes/").status_code == 403
    portal = enter(world.parent)
    for path in ("/district/", f"/district/schools/{world.a.school.slug}/", "/district/schools/new/"):
        assert portal.get(path).status_code == 403
    assert portal.get("/api/v1/schools/").status_code == 403


def test_district_staff_see_numbers_never_pupils(world, enter):
    for user in (world.official, world.operator):
        portal = enter(user)
        for path in (
            "/district/",
            f"/district/schools/{world.a.school.slug}/",
            "/api/v1/schools/",
            "/api/v1/me/",
            "/district/quality/",
            f"/district/quality/{world.a.school.slug}/",
            "/district/quality/reports/",
        ):
            response = portal.get(path)
            assert response.status_code == 200, path
            body = response.content.decode()
            assert "Ученик" not in body and "Шестиклассник" not in body, path
        assert portal.get("/api/v1/children/").status_code == 403
        for host in (world.a.host, world.b.host):
            assert enter(user, host).get("/classes/").status_code == 302
            assert enter(user, host).get("/quality/").status_code == 302
