"""The API under /api/v1/ follows the pages' rules and answers errors in one structure."""

from accounts.models import Role


def test_me_names_the_roles_held_at_this_address(world, enter):
    me = enter(world.a.class_teacher, world.a.host).get("/api/v1/me/").json()
    assert me["school"] == "school-a" and me["roles"] == sorted([Role.CLASS_TEACHER, Role.TEACHER])
    portal = enter(world.parent).get("/api/v1/me/").json()
    assert portal["school"] is None and portal["roles"] == [Role.PARENT]


def test_staff_list_classes_and_pupils_of_their_school(world, enter):
    a = world.a
    api = enter(a.deputy, a.host)
    classes = api.get("/api/v1/classes/").json()
    assert [c["name"] for c in classes["results"]] == ["5А", "6Б"]
    assert classes["results"][0]["pupil_count"] == 3
    pupils = api.get(f"/api/v1/classes/{a.school_class.pk}/pupils/").json()["results"]
    assert {p["full_name"] for p in pupils} == {p.full_name for p in a.pupils[:3]}
    first = next(p for p in pupils if p["id"] == a.pupils[0].pk)
    assert first["has_account"] is True and first["parent_count"] == 1


def test_an_unknown_class_is_a_structured_404(world, enter):
    response = enter(world.a.deputy, world.a.host).get("/api/v1/classes/999999/pupils/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_pupil_or_an_anonymous_caller_is_refused_with_a_structured_error(world, enter):
    refused = enter(world.a.pupil_user, world.a.host).get("/api/v1/classes/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    anonymous = enter(host=world.a.host).get("/api/v1/me/")
    assert anonymous.status_code == 403 and anonymous.json()["error"]["code"] == "not_authenticated"


def test_the_district_lists_schools_with_figures(world, enter):
    schools = enter(world.official).get("/api/v1/schools/").json()["results"]
    assert {s["slug"] for s in schools} >= {"school-a", "school-b"}
    assert set(schools[0]) >= {"slug", "name", "status", "host", "pupils", "classes", "staff"}
    suspended = enter(world.official).get("/api/v1/schools/?status=suspended").json()["results"]
    assert [s["slug"] for s in suspended] == ["school-c"]


def test_the_openapi_schema_documents_each_address(world, enter):
    school = enter(host=world.a.host).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/classes/", "/api/v1/classes/{class_id}/pupils/", "/api/v1/me/"} <= set(school["paths"])
    portal = enter().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/children/", "/api/v1/schools/", "/api/v1/me/"} <= set(portal["paths"])
    assert "/api/v1/classes/" not in portal["paths"]
