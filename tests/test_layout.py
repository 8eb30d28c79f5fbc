"""Rules that keep the schools movable to their own servers later (docs: tenancy.md,
"Growing past one database server"), checked on the models themselves."""

from django.apps import apps
from django.conf import settings
from django.db import connection, models

# Public tables a school table may reference; Citus would make these reference tables.
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
    "monitoring.schoolmonth": "counts each school reports for the district",
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
    # django-axes keeps its counters in Redis (AXES_HANDLER); its tables exist and stay empty.
    "axes.accessattempt": "django-axes, unused",
    "axes.accesslog": "django-axes, unused",
    "axes.accessfailurelog": "django-axes, unused",
    "axes.accessattemptexpiration": "django-axes, unused",
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


def test_school_tables_reference_public_tables_only_from_the_allow_list():
    for model in our_models():
        if model._meta.app_label not in SCHOOL_APPS:
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is not None:
                target = field.related_model._meta
                assert target.app_label in SCHOOL_APPS or target.label_lower in PUBLIC_TABLES_SCHOOLS_MAY_REFERENCE, (
                    f"{model._meta.label}.{field.name} -> {target.label}"
                )


def test_every_primary_key_is_64_bit():
    for model in our_models():
        if model._meta.app_label in ("auth", "sessions", "axes", "otp_totp", "otp_static"):
            continue  # Django's own tables and the sign-in libraries' (public, one row a person at most) keep theirs
        pk = model._meta.pk
        while isinstance(pk, models.OneToOneField):
            pk = pk.target_field
        assert isinstance(pk, models.BigAutoField), model._meta.label


def test_every_key_column_is_64_bit_in_the_database(world, db):
    """Primary and foreign keys, in the database as migrated (auto-created many-to-many tables
    included, which apps.get_models() leaves out), in public and in a school's schema; Django's and
    the sign-in libraries' own tables keep their 32-bit keys."""
    theirs = ("auth_", "django_", "axes_", "otp_")
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
