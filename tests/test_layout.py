"""Rules that keep the schools movable to their own servers later (docs/scaling.md), checked on
the models, on the migrated database and on the SQL the district's pages and jobs send."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.models import School

# Public tables a school table may name an id of (never with a database constraint: rule 1).
PUBLIC_TABLES_SCHOOLS_MAY_REFERENCE = {"accounts.user"}
# Models that live only in public, each for a stated reason.
PUBLIC_MODELS = {
    "tenants.school": "the tenant list",
    "tenants.domain": "host names",
    "tenants.schoolfigures": "aggregates written by each school's task",
    "accounts.user": "one identity per person",
    "accounts.membership": "roles per school",
    "accounts.invitation": "codes are looked up before the school is known",
    "accounts.loginattempt": "sign-ins happen before a school is chosen",
    "accounts.notificationpreference": "a person's channels, the same for all their schools",
    "accounts.pushsubscription": "a person's devices, the same for all their schools",
    "accounts.outsideidentity": "a person's identity at Госуслуги, the same for all their schools",
    "sms.textmessage": "codes go before a school is known; one sender for every school's notices",
    "monitoring.schoolmonth": "counts each school reports for the district",
    "monitoring.schoolmonthpart": "each school's month by teacher, class and subject: counts, staff names",
    "monitoring.schoolprogramme": "programme hours each school reports for the district",
    "monitoring.threshold": "district's limits",
    "monitoring.report": "frozen reports of counts",
    "monitoring.accumulationnorm": "district's norms",
    **{
        f"billing.{name}": "billing of the service: the district's, never a school's"
        for name in (
            "payer",
            "plan",
            "contract",
            "contractplan",
            "usageday",
            "billingmonth",
            "documentcounter",
            "invoice",
            "invoiceline",
            "payment",
            "reminder",
        )
    },
    "auth.permission": "Django",
    "auth.group": "Django",
    "sessions.session": "Django",
    "otp_totp.totpdevice": "a person's authenticator app, for all their schools",
    "otp_static.staticdevice": "a person's recovery codes",
    "otp_static.statictoken": "a person's recovery codes",
}
SCHOOL_APPS = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label not in ("contenttypes",)]


def test_every_model_is_school_scoped_or_on_the_public_list():
    for model in our_models():
        label = model._meta.label_lower
        assert model._meta.app_label in SCHOOL_APPS or label in PUBLIC_MODELS, f"{label}: school or public?"


def test_school_tables_reference_public_tables_only_from_the_allow_list_and_by_id_alone():
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in SCHOOL_APPS:
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is not None:
                target = field.related_model._meta
                assert target.app_label in SCHOOL_APPS or target.label_lower in PUBLIC_TABLES_SCHOOLS_MAY_REFERENCE, (
                    f"{model._meta.label}.{field.name} -> {target.label}"
                )
                # Rule 1: the id is kept, the database holds no constraint across the schema boundary
                # (a many-to-many field's are its through table's, which this loop reads as a model).
                if not field.many_to_many:
                    assert target.app_label in SCHOOL_APPS or not field.db_constraint, model._meta.label + field.name


def test_every_primary_key_is_64_bit():
    for model in our_models():
        if model._meta.app_label in ("auth", "sessions", "otp_totp", "otp_static"):
            continue  # Django's own tables and the sign-in libraries' (public, one row a person at most) keep theirs
        pk = model._meta.pk
        while isinstance(pk, models.OneToOneField):
            pk = pk.target_field
        assert isinstance(pk, models.BigAutoField), model._meta.label


def test_every_key_column_is_64_bit_in_the_database(world, db):
    """Primary and foreign keys, in the database as migrated (auto-created many-to-many tables
    included, which apps.get_models() leaves out), in public and in a school's schema; Django's and
    the sign-in libraries' own tables keep their 32-bit keys."""
    theirs = ("auth_", "django_", "otp_")
    found = []
    for schema in ("public", world.a.school.schema_name):
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT c.table_name, c.column_name, c.data_type
                   FROM information_schema.columns c JOIN information_schema.tables t
                     ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                   WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE'
                     AND (c.column_name = 'id' OR c.column_name LIKE '%%\\_id')""",
                [schema],
            )
            columns = cursor.fetchall()
        seen = {(table, column) for table, column, _ in columns}
        # Many-to-many tables are among those read: a contract's schools, a subgroup's pupils.
        assert (
            ("billing_contract_schools", "school_id") in seen
            if schema == "public"
            else (
                "journal_subgroup_pupils",
                "pupil_id",
            )
            in seen
        )
        found += [
            f"{schema}.{table}.{column}: {kind}"
            for table, column, kind in columns
            if not table.startswith(theirs)
            and kind != "bigint"
            and column not in ("content_type_id", "permission_id", "group_id")
        ]
    assert found == []


def test_no_statement_reads_two_schools_and_none_locks_or_alters_across_them(world, enter):
    """Rules 3 and 4 of docs/scaling.md, on the SQL itself: the district's pages, every school's
    nightly and monthly jobs and the district's reports run under a recorder of each statement.
    No search path holds two schools, no statement names a school other than the one on the
    path (the district reads only what schools report into public), and nothing takes an
    advisory lock or changes a table at run time."""
    from billing.tasks import record_usage
    from monitoring.tasks import monthly_reports, school_report, update_school_month
    from tenants.tasks import update_school_figures

    a, b = world.a, world.b
    schools = set(
        School.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )  # every school in the test database, not only these two
    statements = []

    def recorder(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    official = enter(world.official)
    with connection.execute_wrapper(recorder):
        for school in (a.school, b.school):
            with schema_context(school.schema_name):
                update_school_month(month.isoformat())
                school_report("filling", month.isoformat())
                update_school_figures()
        monthly_reports()
        record_usage()
        for path in (
            "/district/",
            "/district/quality/",
            f"/district/quality/{a.school.slug}/",
            "/district/quality/reports/",
        ):
            assert official.get(path).status_code == 200, path
        assert enter(a.director, a.host).get("/quality/").status_code == 200
    assert len(statements) > 100  # the recorder saw the work
    on_path = None
    for sql in statements:
        named = set(re.findall(r"\bschool_[a-z0-9_]+", sql)) & schools
        if sql.startswith("SET search_path"):
            assert len(named) <= 1, sql
            on_path = next(iter(named), None)
            continue
        assert named <= {on_path}, f"{sql[:200]} (path: {on_path})"
        text = sql.lower()
        assert "pg_advisory" not in text and "lock table" not in text, sql[:200]
        assert not text.lstrip().startswith(("create ", "alter ", "drop ", "truncate ")), sql[:200]


def test_no_school_sequence_or_default_lives_outside_its_schema(world, db):
    """Rule 4: a school's keys come from its own tables' sequences, never one shared with public
    or another school."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.relname, s.relname, sn.nspname FROM pg_depend d
                 JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                 JOIN pg_namespace sn ON sn.oid = s.relnamespace
                 JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                WHERE tn.nspname = %s AND d.deptype IN ('a', 'i')""",
            [world.a.school.schema_name],
        )
        owned = cursor.fetchall()
        cursor.execute(
            """SELECT table_name, column_default FROM information_schema.columns
                WHERE table_schema = %s AND column_default LIKE 'nextval(%%'""",
            [world.a.school.schema_name],
        )
        defaults = cursor.fetchall()
    assert owned, "the school's tables own their key sequences"
    assert {schema for _, _, schema in owned} == {world.a.school.schema_name}
    assert not [(table, default) for table, default in defaults if "public." in default or "school_" in default]


def test_no_school_table_holds_a_database_reference_into_public(world, db):
    """Rule 1 in the migrated database: a school's tables (many-to-many ones included) have no
    foreign key into public, so a change to a person fires no trigger per school."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.relname, c.conname, r.relname FROM pg_constraint c
                 JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                 JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
                WHERE c.contype = 'f' AND tn.nspname = %s AND rn.nspname <> tn.nspname""",
            [world.a.school.schema_name],
        )
        across = cursor.fetchall()
        cursor.execute(
            """SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE c.contype = 'f' AND n.nspname = %s""",
            [world.a.school.schema_name],
        )
        within = cursor.fetchone()[0]
    assert across == []
    assert within > 20  # the school's own references stay in the database


def test_a_person_cannot_be_deleted_and_the_nightly_check_finds_an_id_of_no_one(world, db):
    """With no foreign key across, two things stand in for it: the database refuses to delete a
    person, and each school's nightly check names any id that points at no one."""
    from django.db import DatabaseError, transaction

    from journal.models import SchoolClass
    from tenants.integrity import people_columns
    from tenants.tasks import check_people

    with pytest.raises(DatabaseError, match="DELETE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_user WHERE id = %s", [world.a.teacher.pk])
    assert {f"{m._meta.db_table}.{f.column}" for m, f in people_columns()} >= {
        "journal_mark.entered_by_id",
        "diary_parentmeeting_attended.user_id",
    }
    with schema_context(world.a.school.schema_name):
        assert check_people() == {}
        SchoolClass.objects.filter(pk=world.a.school_class.pk).update(class_teacher_id=987654321)  # no one
        assert check_people() == {"journal_schoolclass.class_teacher_id": [987654321]}
    with schema_context(world.b.school.schema_name):
        assert check_people() == {}  # school B's rows are B's own
