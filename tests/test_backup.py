"""A school's backup and restore, round trip: into a new address here, and into another
installation whose people have other numbers. Row counts and file hashes come back equal; people
are found by who they are."""

import hashlib
import io
import json
import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from accounts.models import Membership
from audit.models import AuditEntry
from journal.models import HomeworkFile, SchoolClass
from tenants.backup import backup_school, restore_school, row_counts
from tenants.models import Domain, School, SchoolFigures
from tests.conftest import audit_rewritable

pytestmark = pytest.mark.worker  # processes of its own: pg_dump, psql, manage.py

CONTENT = b"%PDF-1.4 the homework that must come back"


@pytest.fixture(scope="module", autouse=True)
def storage_of_its_own(tmp_path_factory):
    """Files in a folder of this run, not the checkout's var/media: a run stopped half-way (or
    the demo) leaves nothing there that the next restore would refuse to overwrite."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(scope="module")
def backup(world, django_db_blocker, tmp_path_factory):
    """School A with a homework file, backed up (committed data: pg_dump reads it from outside)."""
    a = world.a
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        lesson = a.school_class.lessons.order_by("date").first()
        stored = default_storage.save(f"{a.school.schema_name}/homework/{lesson.pk}/backup.pdf", ContentFile(CONTENT))
        attached = HomeworkFile.objects.create(
            lesson=lesson, file=stored, name="backup.pdf", size=len(CONTENT), uploaded_by=a.class_teacher
        )
        folder = backup_school(a.school, tmp_path_factory.mktemp("backups"))
    yield folder
    with django_db_blocker.unblock(), schema_context(a.school.schema_name):
        HomeworkFile.objects.filter(pk=attached.pk).delete()
        default_storage.delete(stored)


def forget_school(slug):
    """Takes a restored test school away again (the product itself never deletes one)."""
    school = School.objects.get(slug=slug)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{school.schema_name}" CASCADE')
    with audit_rewritable():
        AuditEntry.objects.filter(target_type="tenants.school", target_id=school.pk).delete()
    Membership.objects.filter(school=school).delete()
    SchoolFigures.objects.filter(school=school).delete()
    Domain.objects.filter(tenant=school).delete()
    School.objects.filter(pk=school.pk).delete()


def test_a_school_comes_back_under_a_new_address_with_every_row_and_file(world, backup, django_db_blocker):
    a = world.a
    manifest = json.loads((backup / "manifest.json").read_text())
    with django_db_blocker.unblock():
        try:
            school, _ = restore_school(backup, slug="school-a-copy")
            assert row_counts(school.schema_name) == manifest["rows"] == row_counts(a.school.schema_name)
            assert manifest["rows"]["journal_lesson"] > 0 and manifest["rows"]["audit_auditentry"] > 0
            with schema_context(school.schema_name):
                copied = HomeworkFile.objects.get(name="backup.pdf")
                assert copied.file.name.startswith("school_school_a_copy/homework/")
                with copied.file.open("rb") as f:
                    assert hashlib.sha256(f.read()).digest() == hashlib.sha256(CONTENT).digest()
                # Same installation: the same people, found by who they are.
                assert SchoolClass.objects.get(pk=a.school_class.pk).class_teacher_id == a.class_teacher.pk
            roles = lambda s: sorted(Membership.objects.filter(school=s).values_list("user_id", "role"))  # noqa: E731
            assert roles(school) == roles(a.school)
            assert AuditEntry.objects.filter(action="school.restored", target_id=school.pk).exists()
            with pytest.raises(Exception, match="уже есть"):
                restore_school(backup, slug="school-a-copy")  # nothing is overwritten
            with pytest.raises(Exception, match="уже есть"):
                restore_school(backup, slug=a.school.slug)
        finally:
            if School.objects.filter(slug="school-a-copy").exists():
                forget_school("school-a-copy")
                for name in list(default_storage.listdir("school_school_a_copy/homework")[0]):
                    for file in default_storage.listdir(f"school_school_a_copy/homework/{name}")[1]:
                        default_storage.delete(f"school_school_a_copy/homework/{name}/{file}")


def test_a_damaged_backup_is_refused_before_anything_changes(world, backup, django_db_blocker, tmp_path):
    damaged = tmp_path / "damaged"
    subprocess.run(["cp", "-r", str(backup), str(damaged)], check=True)
    with open(damaged / "schema.sql", "a") as f:
        f.write("-- changed\n")
    with django_db_blocker.unblock():
        schools = School.objects.count()
        with pytest.raises(Exception, match="повреждена"):
            restore_school(damaged, slug="school-a-damaged")
        assert School.objects.count() == schools


def test_into_another_installation_people_are_matched_by_identity_not_by_number(
    world, backup, new_installation, tmp_path
):
    """Another installation: its own database, where the same teacher has another number and
    other people hold the numbers this one's teacher had."""
    env = os.environ | {"DATABASE_URL": new_installation, "MEDIA_ROOT": str(tmp_path / "media"), "DEBUG": "True"}
    manage = [sys.executable, "manage.py"]
    run = dict(cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True)  # noqa: C408
    teacher = world.a.class_teacher
    with psycopg.connect(new_installation, autocommit=True) as db:
        # Strangers first, so every number here means someone else than in the backup.
        for n in range(teacher.pk + 5):
            db.execute(
                "INSERT INTO accounts_user (password, email, last_name, first_name, middle_name, is_active,"
                " date_joined) VALUES ('!', %s, 'Чужой', 'Человек', '', true, now())",
                [f"stranger{n}@other.test"],
            )
        db.execute(
            "INSERT INTO accounts_user (password, email, last_name, first_name, middle_name, is_active, date_joined)"
            " VALUES ('!', %s, 'Та же', 'Учительница', '', true, now())",
            [teacher.email],
        )
        here = db.execute("SELECT id FROM accounts_user WHERE email = %s", [teacher.email]).fetchone()[0]
    assert here != teacher.pk
    out = subprocess.run([*manage, "restore_school", str(backup), "--slug", world.a.school.slug], **run).stdout
    assert "Восстановлено" in out
    manifest = json.loads((backup / "manifest.json").read_text())
    schema = manifest["schema"]
    with psycopg.connect(new_installation) as db:
        class_teacher = db.execute(
            f"SELECT class_teacher_id FROM {schema}.journal_schoolclass WHERE id = %s", [world.a.school_class.pk]
        ).fetchone()[0]
        assert class_teacher == here  # the same person, under this installation's number
        for table, count in manifest["rows"].items():
            assert db.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0] == count, table
        # Everyone the school's records name exists here, each once, by identity.
        people = json.loads((backup / "people.json").read_text())["people"]
        emails = [p["email"] for p in people if p["email"]]
        assert db.execute("SELECT count(*) FROM accounts_user WHERE email = ANY(%s)", [emails]).fetchone()[0] == len(
            emails
        )
    for item in manifest["files"]:
        path = tmp_path / "media" / item["name"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]


def test_a_school_without_any_file_backs_up(world, django_db_blocker, tmp_path):
    """School B has stored nothing yet: its files folder does not exist (on disk) or is empty (S3)."""
    b = world.b
    with django_db_blocker.unblock():
        folder = backup_school(b.school, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"] == [] and manifest["rows"]["journal_lesson"] > 0


def test_the_nightly_backup_restores_in_a_drill_and_keeps_each_schools_newest(
    world, django_db_blocker, new_installation, tmp_path
):
    """The command the chart's CronJob and the compose service run each night, then what an
    operator does on the bad day: the newest copy of a school restored into an empty installation
    holds every row it counted. Copies past --keep-days go, except a school's only one."""
    backups = tmp_path / "backups"
    for stale in ("school-a-20200101-010000", "school-a-20200102-010000", "closed-school-20200101-010000"):
        (backups / stale).mkdir(parents=True)
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("backup_school", into=str(backups), keep_days=14, stdout=out)
    made = sorted(p.name for p in backups.iterdir())
    assert "closed-school-20200101-010000" in made  # that school's newest, however old
    assert not [name for name in made if name.startswith("school-a-2020")]
    assert any(name.startswith("public-") for name in made)
    newest = max(p for p in backups.iterdir() if p.name.startswith("school-a-2"))

    env = os.environ | {"DATABASE_URL": new_installation, "MEDIA_ROOT": str(tmp_path / "media"), "DEBUG": "True"}
    drill = subprocess.run(
        [sys.executable, "manage.py", "restore_school", str(newest), "--slug", world.a.school.slug],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert "Восстановлено" in drill.stdout, drill.stderr[-2000:]
    manifest = json.loads((newest / "manifest.json").read_text())
    with psycopg.connect(new_installation) as db:
        for table, count in manifest["rows"].items():
            assert db.execute(f'SELECT count(*) FROM {manifest["schema"]}."{table}"').fetchone()[0] == count, table
