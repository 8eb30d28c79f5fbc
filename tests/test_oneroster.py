"""A school exchanges its contingent and marks with other systems as OneRoster 1.2 packages:
the package follows the binding, and the contingent imports back into an empty school."""

import csv
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.models import Invitation, Membership, Role
from audit.models import DataView
from journal import services as journal
from journal.models import ImportBatch, Lesson, Pupil, SchoolClass
from tenants.services import create_school

# The binding's tables (OneRoster 1.2.1 CSV binding, section 3), written out here on their own
# and not taken from the code: each column in order, "*" for a value every row must have, and
# after ":" the format its values must have when given.
BINDING = {
    "orgs": "sourcedId* status dateLastModified:datetime name* type*:org identifier parentSourcedId",
    "academicSessions": "sourcedId* status dateLastModified:datetime title* type*:session startDate*:date "
    "endDate*:date parentSourcedId schoolYear*:year",
    "courses": "sourcedId* status dateLastModified:datetime schoolYearSourcedId title* courseCode grades:grades "
    "orgSourcedId* subjects subjectCodes",
    "classes": "sourcedId* status dateLastModified:datetime title* grades:grades courseSourcedId* classCode "
    "classType*:classType location schoolSourcedId* termSourcedIds* subjects subjectCodes periods",
    "users": "sourcedId* status dateLastModified:datetime enabledUser*:bool username* userIds givenName* "
    "familyName* middleName identifier email sms phone agentSourcedIds grades:grades password "
    "userMasterIdentifier resourceSourcedIds preferredGivenName preferredMiddleName preferredFamilyName "
    "primaryOrgSourcedId pronouns",
    "roles": "sourcedId* status dateLastModified:datetime userSourcedId* roleType*:roleType role*:role "
    "beginDate:date endDate:date orgSourcedId* userProfileSourcedId",
    "demographics": "sourcedId* status dateLastModified:datetime birthDate:date sex americanIndianOrAlaskaNative "
    "asian blackOrAfricanAmerican nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces "
    "hispanicOrLatinoEthnicity countryOfBirthCode stateOfBirthAbbreviation cityOfBirth "
    "publicSchoolResidenceStatus",
    "enrollments": "sourcedId* status dateLastModified:datetime classSourcedId* schoolSourcedId* userSourcedId* "
    "role*:role primary:bool beginDate:date endDate:date",
    "categories": "sourcedId* status dateLastModified:datetime title* weight:float",
    "lineItems": "sourcedId* status dateLastModified:datetime title* description assignDate*:date dueDate*:date "
    "classSourcedId* categorySourcedId* gradingPeriodSourcedId* resultValueMin:float resultValueMax:float",
    "results": "sourcedId* status dateLastModified:datetime lineItemSourcedId* studentSourcedId* "
    "scoreStatus*:scoreStatus score:float scoreDate:date comment",
}
FORMATS = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "datetime": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z",
    "year": r"\d{4}",
    "bool": r"true|false",
    "float": r"-?\d+(\.\d+)?",
    "grades": r"(IT|PR|PK|TK|KG|\d{2}|PS|UG|Other)(,(IT|PR|PK|TK|KG|\d{2}|PS|UG|Other))*",
    "org": r"department|school|district|local|state|national",
    "session": r"gradingPeriod|semester|schoolYear|term",
    "classType": r"homeroom|scheduled",
    "roleType": r"primary|secondary",
    "role": r"aide|counselor|districtAdministrator|guardian|parent|principal|proctor|relative|"
    r"siteAdministrator|student|systemAdministrator|teacher",
    "scoreStatus": r"exempt|fully graded|not submitted|partially graded|submitted",
}
# Which column of a file names a row of which other file.
REFERENCES = [
    ("orgs", "parentSourcedId", "orgs"),
    ("academicSessions", "parentSourcedId", "academicSessions"),
    ("courses", "orgSourcedId", "orgs"),
    ("classes", "courseSourcedId", "courses"),
    ("classes", "schoolSourcedId", "orgs"),
    ("classes", "termSourcedIds", "academicSessions"),
    ("users", "agentSourcedIds", "users"),
    ("users", "primaryOrgSourcedId", "orgs"),
    ("roles", "userSourcedId", "users"),
    ("roles", "orgSourcedId", "orgs"),
    ("demographics", "sourcedId", "users"),
    ("enrollments", "classSourcedId", "classes"),
    ("enrollments", "userSourcedId", "users"),
    ("lineItems", "classSourcedId", "classes"),
    ("lineItems", "categorySourcedId", "categories"),
    ("lineItems", "gradingPeriodSourcedId", "academicSessions"),
    ("results", "lineItemSourcedId", "lineItems"),
    ("results", "studentSourcedId", "users"),
]


def read(data):
    """The package's files as {name: [row dicts]}, after checking it as the binding says."""
    package = zipfile.ZipFile(io.BytesIO(data))
    manifest = dict(list(csv.reader(io.StringIO(package.read("manifest.csv").decode())))[1:])
    assert manifest["manifest.version"] == "1.0" and manifest["oneroster.version"] == "1.2"
    files = {}
    for name in package.namelist():
        if name == "manifest.csv":
            continue
        stem = name.removesuffix(".csv")
        assert manifest[f"file.{stem}"] == "bulk", name
        text = package.read(name).decode("utf-8")
        assert "\n" not in text.replace("\r\n", ""), "no line break inside a field"
        table = list(csv.reader(io.StringIO(text)))
        spec = BINDING[stem].split()
        header = [column.split(":")[0].rstrip("*") for column in spec]
        assert table[0][: len(header)] == header, f"{name}: the binding's columns in its order"
        assert all(column.startswith("metadata.") for column in table[0][len(header) :]), name
        assert len(table) > 1, f"{name}: a file without rows is left out"
        rows = [dict(zip(table[0], values, strict=True)) for values in table[1:]]
        for column in spec:
            name_, _, kind = column.partition(":")
            key = name_.rstrip("*")
            for row in rows:
                assert row[key] or not name_.endswith("*"), f"{stem}.{key} is required: {row}"
                if row[key] and kind:
                    assert re.fullmatch(FORMATS[kind], row[key]), f"{stem}.{key}: «{row[key]}» is not {kind}"
        ids = [row["sourcedId"] for row in rows]
        assert len(ids) == len(set(ids)), f"{name}: sourcedIds are unique"
        files[stem] = rows
    for name, mode in manifest.items():
        if name.startswith("file."):
            assert (mode == "bulk") == (f"{name[5:]}.csv" in package.namelist()), name
    for source, column, target in REFERENCES:
        known = {row["sourcedId"] for row in files.get(target, [])}
        for row in files.get(source, []):
            for value in filter(None, row[column].split(",")):
                assert value in known, f"{source}.{column} names «{value}», which {target} does not have"
    return files


def names(files):
    return {(u["familyName"], u["givenName"]) for u in files["users"]}


def test_a_schools_package_follows_the_binding_and_holds_that_school_only(world, enter, lesson):
    a, b = world.a, world.b
    pupil = a.pupils[0]
    journal.add_mark(lesson, pupil=pupil, value="4", work_type=world.calendar_a.answer, by=lesson.teacher)
    journal.add_mark(lesson, pupil=a.pupils[1], value="зч", work_type=world.calendar_a.test_work, by=lesson.teacher)
    response = enter(a.admin, a.host).get("/exports/oneroster/?results=1")
    assert response["Content-Type"] == "application/zip"
    files = read(b"".join(response.streaming_content))

    assert {(o["type"], o["name"]) for o in files["orgs"]} == {("school", a.school.name)}
    assert {c["title"] for c in files["classes"] if c["classType"] == "homeroom"} == {"5А", "6Б"}
    everyone = names(files)
    assert {(p.last_name, p.first_name) for p in a.pupils} <= everyone
    assert not {(p.last_name, p.first_name) for p in b.pupils} & everyone  # the other school's pupils
    assert (world.parent.last_name, world.parent.first_name) in everyone
    # The parent's agents are the child in this school only, though the family has one in school B.
    parent_row = next(u for u in files["users"] if u["familyName"] == world.parent.last_name)
    assert parent_row["agentSourcedIds"] == f"school-a-pupil-{pupil.pk}"
    child = next(u for u in files["users"] if u["sourcedId"] == f"school-a-pupil-{pupil.pk}")
    assert set(child["agentSourcedIds"].split(",")) == {parent_row["sourcedId"]}
    birth = {d["sourcedId"]: d["birthDate"] for d in files["demographics"]}
    assert birth[child["sourcedId"]] == pupil.birth_date.isoformat()
    homerooms = {c["sourcedId"] for c in files["classes"] if c["classType"] == "homeroom"}
    homeroom = next(
        e for e in files["enrollments"] if e["userSourcedId"] == child["sourcedId"] and e["classSourcedId"] in homerooms
    )
    assert (homeroom["beginDate"], homeroom["metadata.ru.enrollmentOrder"]) == ("2022-09-01", "1-у")
    # The marks: a 5-point mark and a зачёт, each on its own scale.
    scores = {(r["studentSourcedId"], r["score"]) for r in files["results"]}
    assert {(child["sourcedId"], "4"), (f"school-a-pupil-{a.pupils[1].pk}", "1")} <= scores
    scales = {(i["resultValueMin"], i["resultValueMax"]) for i in files["lineItems"]}
    assert scales == {("1", "5"), ("0", "1")}
    # Without ?results=1 the package has the contingent only; every pupil in it counts as shown.
    plain = read(b"".join(enter(a.admin, a.host).get("/exports/oneroster/").streaming_content))
    assert "results" not in plain and "lineItems" not in plain
    with schema_context(a.school.schema_name):
        shown = DataView.objects.filter(viewer=a.admin, page="oneroster.export").first()
        assert pupil.pk in shown.pupil_ids


def test_a_teacher_who_has_left_is_still_in_the_package_as_the_classes_teacher(world, enter, lesson):
    a = world.a
    for membership in Membership.objects.at(a.school).filter(user=lesson.teacher):
        accounts.end_membership(membership, by=a.admin, ip=None, reason="Уволен")
    files = read(b"".join(enter(a.admin, a.host).get("/exports/oneroster/").streaming_content))
    taught = {e["classSourcedId"] for e in files["enrollments"] if e["userSourcedId"] == f"person-{lesson.teacher_id}"}
    assert f"school-a-class-{lesson.school_class_id}-{lesson.subject_id}" in taught


def test_only_the_school_admin_exports_the_contingent(world, enter):
    a = world.a
    for person in (a.director, a.deputy, a.teacher, a.class_teacher, world.parent, world.b.admin):
        response = enter(person, a.host).get("/exports/oneroster/")
        assert response.status_code in (302, 403, 404) and response["Content-Type"] != "application/zip"


def export_of(client):
    return b"".join(client.get("/exports/oneroster/").streaming_content)


def package_file(data, name="oneroster.zip"):
    return SimpleUploadedFile(name, data, content_type="application/zip")


@pytest.fixture
def empty_school(world, db):
    """A new school, just made by the district, with only its ЭЖ administrator."""
    school = create_school(name="МБОУ «Школа Дельта»", short_name="Школа Дельта", slug="school-d")
    admin = world.person("admin@school-d.test")
    accounts.add_membership(admin, school, Role.SCHOOL_ADMIN)
    TOTPDevice.objects.create(user=admin, name="Приложение", confirmed=True)
    return school, admin


def contingent(school):
    with schema_context(school.schema_name):
        return {
            "classes": sorted(str(c) for c in SchoolClass.objects.open()),
            "pupils": sorted(
                (
                    p.last_name,
                    p.first_name,
                    p.middle_name,
                    p.birth_date,
                    str(p.school_class),
                    p.enrolled_on,
                    p.enrollment_order,
                )
                for p in Pupil.objects.enrolled()
            ),
        }


def test_the_contingent_imports_back_into_an_empty_school(world, enter, empty_school):
    a = world.a
    school, admin = empty_school
    data = export_of(enter(a.admin, a.host))
    page = enter(admin, school.host)
    response = page.post("/imports/", {"kind": "oneroster", "file": package_file(data)})
    assert response.status_code == 302
    preview = page.get(response.url).content.decode()
    assert "УченикАльфа" in preview and "Загрузить все строки" in preview
    assert contingent(school)["pupils"] == []  # nothing before the confirmation
    slips = page.post(response.url).content.decode()
    assert contingent(school) == contingent(a.school)
    # Each parent gets an invitation for the child, to print; the account is the parent's to make.
    assert slips.count('class="code"') == 2
    invited = Invitation.objects.filter(school=school, role=Role.PARENT)
    assert sorted(i.full_name for i in invited) == sorted(p.full_name for p in (world.parent, world.other_parent))
    with schema_context(school.schema_name):
        child = Pupil.objects.get(last_name=a.pupils[0].last_name, first_name=a.pupils[0].first_name)
        assert invited.get(full_name=world.parent.full_name).pupil_id == child.pk
    # The same package again: every pupil is already listed, and nothing is loaded twice.
    again = page.post("/imports/", {"kind": "oneroster", "file": package_file(data)})
    assert "уже в списках школы" in page.get(again.url).content.decode()
    assert "есть ошибки" in page.post(again.url, follow=True).content.decode()
    assert len(contingent(school)["pupils"]) == len(a.pupils)


def rewritten(data, name, change):
    """The package with one file's text changed."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for item in source.namelist():
            text = source.read(item).decode()
            if item == name:
                text = change(text)
            if text is not None:
                package.writestr(item, text)
    return out.getvalue()


def drop_order(text):
    return re.sub(r",1-у(\r?\n)", r",\1", text)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda data: b"not a zip", "не читается как ZIP"),
        (lambda data: rewritten(data, "manifest.csv", lambda t: None), "нет manifest.csv"),
        (lambda data: rewritten(data, "manifest.csv", lambda t: t.replace(",1.2", ",1.1")), "нужна 1.2"),
        (
            lambda data: rewritten(data, "users.csv", lambda t: t.replace("givenName", "firstName", 1)),
            "не по спецификации",
        ),
        (
            lambda data: rewritten(data, "classes.csv", lambda t: t.replace(",homeroom,", ",,", 1)),
            "не заполнено classType",
        ),
        (lambda data: rewritten(data, "users.csv", lambda t: None), "users.csv, но файла в пакете нет"),
        (lambda data: rewritten(data, "enrollments.csv", drop_order), "нет номера приказа"),
        (
            lambda data: rewritten(data, "classes.csv", lambda t: t.replace(",5А,", ",5-A,", 1)),
            "ожидается номер и литера",
        ),
    ],
)
def test_a_bad_package_is_refused_with_a_clear_message_and_changes_nothing(world, enter, empty_school, change, message):
    school, admin = empty_school
    data = change(export_of(enter(world.a.admin, world.a.host)))
    page = enter(admin, school.host)
    response = page.post("/imports/", {"kind": "oneroster", "file": package_file(data)}, follow=True)
    if response.redirect_chain:  # read, with errors in rows: the preview lists them and offers no loading
        assert "Загрузить все строки" not in response.content.decode()
        page.post(response.redirect_chain[-1][0])
    assert message in response.content.decode()
    assert contingent(school) == {"classes": [], "pupils": []}
    assert not Invitation.objects.filter(school=school).exists()


def test_a_district_package_asks_for_one_school(world, enter, empty_school):
    from journal import oneroster

    package = oneroster.Package()
    oneroster.add_district(package, "Управление образования")
    for each in (world.a, world.b):
        with schema_context(each.school.schema_name):
            oneroster.add_school(package, each.school, with_results=False, district="district")
    data = io.BytesIO()
    package.write(data)
    files = read(data.getvalue())
    assert {o["type"] for o in files["orgs"]} == {"district", "school"}
    # The family's parent is one person of the district with a child in each school.
    parent_row = next(u for u in files["users"] if u["familyName"] == world.parent.last_name)
    assert len(parent_row["agentSourcedIds"].split(",")) == 2
    school, admin = empty_school
    page = enter(admin, school.host)
    refused = page.post("/imports/", {"kind": "oneroster", "file": package_file(data.getvalue())}, follow=True)
    assert "Выберите одну школу пакета" in refused.content.decode() and "Школа Бета" in refused.content.decode()
    with schema_context(school.schema_name):
        assert not ImportBatch.objects.exists() and not Lesson.objects.exists()


def test_a_parents_code_for_a_class_with_its_class_teacher_is_still_the_class_teachers(world, db):
    a = world.a
    with schema_context(a.school.schema_name):
        pupil = Pupil.objects.get(pk=a.pupils[0].pk)
        assert accounts.may_issue(a.class_teacher, a.school, Role.PARENT, pupil)
        assert not accounts.may_issue(a.admin, a.school, Role.PARENT, pupil)
        SchoolClass.objects.filter(pk=pupil.school_class_id).update(class_teacher=None)
        pupil.refresh_from_db()
        assert accounts.may_issue(a.admin, a.school, Role.PARENT, pupil)
        assert not accounts.may_issue(a.class_teacher, a.school, Role.PARENT, pupil)
        assert not accounts.may_issue(a.deputy, a.school, Role.PARENT, pupil)
