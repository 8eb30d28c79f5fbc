"""One school's backup and restore: its schema's dump, its files, the people its rows name, and
a manifest with row counts and hashes. A restore goes into a new address (or the same address in
another installation); people are matched by who they are (e-mail, phone, SNILS), never by their
number, because numbers differ between installations. Nothing that exists is overwritten.

The dump is pg_dump's plain SQL. On restore it is streamed once: outside the data, the schema's
name is changed to the new one; inside the data (COPY blocks), the columns that name a person get
that person's number here and stored file names get the new school's prefix. The whole load is one
transaction (psql --single-transaction), so a failed restore leaves no half school."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from audit.models import record

from .models import Domain, School, SchoolFigures

FORMAT = 1
PERSON_FIELDS = ["email", "phone", "snils", "last_name", "first_name", "middle_name", "is_active", "password"]
IDENTITY = ["email", "phone", "snils"]


# --- What a school's tables hold, read from the models of the school apps ----------------------


def school_models():
    labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS} - {"contenttypes"}
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in labels]


def person_columns():
    """(table, column) of every school column that holds a person's id (foreign keys and the
    person side of many-to-many tables)."""
    found = set()
    for model in school_models():
        for field in model._meta.local_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is User:
                found.add((model._meta.db_table, field.column))
    return found


def file_columns():
    return {
        (model._meta.db_table, field.column)
        for model in school_models()
        for field in model._meta.local_fields
        if isinstance(field, models.FileField)
    }


def tables():
    return sorted({model._meta.db_table for model in school_models()})


def row_counts(schema):
    counts = {}
    with connection.cursor() as cursor:
        for table in tables():
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


# --- PostgreSQL's own tools -------------------------------------------------------------------


def pg_tool(name):
    """pg_dump / psql of the server's major version or newer: on PATH, or PostgreSQL's own folder."""
    candidates = [os.environ.get("PG_BINDIR", ""), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
    for folder in candidates:
        path = Path(folder) / name
        if folder and path.exists():
            return str(path)
    found = shutil.which(name)
    if not found:
        raise ValidationError(
            _("Нет программы %(name)s (PostgreSQL client): apt-get install postgresql-client.") % {"name": name}
        )
    return found


def pg_env():
    db = settings.DATABASES["default"]
    return os.environ | {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
    }


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stored_files(prefix):
    """Every stored file under a school's prefix (local disk or S3 alike)."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:  # on disk, a school that has stored nothing has no folder
        return
    for name in files:
        yield f"{prefix}/{name}"
    for folder in folders:
        yield from stored_files(f"{prefix}/{folder}")


# --- Backup -----------------------------------------------------------------------------------


def backup_school(school, into):
    """Writes <into>/<slug>-<time>/ with schema.sql, people.json, files/ and manifest.json."""
    connection.set_schema_to_public()
    folder = Path(into) / f"{school.slug}-{timezone.now():%Y%m%d-%H%M%S}"
    (folder / "files").mkdir(parents=True)
    subprocess.run(
        [
            pg_tool("pg_dump"),
            "--schema",
            school.schema_name,
            "--format",
            "plain",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(folder / "schema.sql"),
        ],
        env=pg_env(),
        check=True,
    )
    ids = set()
    with connection.cursor() as cursor:
        for table, column in sorted(person_columns()):
            cursor.execute(
                f'SELECT DISTINCT "{column}" FROM "{school.schema_name}"."{table}" WHERE "{column}" IS NOT NULL'
            )
            ids |= {row[0] for row in cursor.fetchall()}
    memberships = list(Membership.objects.filter(school=school).values("user_id", "role", "created_at", "ended_at"))
    ids |= {m["user_id"] for m in memberships}
    people = list(User.objects.filter(pk__in=ids).values("id", *PERSON_FIELDS))
    files = []
    for name in sorted(stored_files(school.schema_name)):
        target = folder / "files" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
        files.append({"name": name, "sha256": sha256(target), "size": target.stat().st_size})
    (folder / "people.json").write_text(
        json.dumps({"people": people, "memberships": memberships}, ensure_ascii=False, indent=1, default=str)
    )
    manifest = {
        "format": FORMAT,
        "made_at": timezone.now().isoformat(),
        "school": {"slug": school.slug, "name": school.name, "short_name": school.short_name},
        "schema": school.schema_name,
        "migrations": sorted(map(list, MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())),
        "rows": row_counts(school.schema_name),
        "files": files,
        "sha256": {"schema.sql": sha256(folder / "schema.sql"), "people.json": sha256(folder / "people.json")},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return folder


def backup_public(into):
    """The shared tables (people, memberships, schools, the district's figures and reports).
    With every school's own backup this is the whole installation."""
    folder = Path(into) / f"public-{timezone.now():%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True)
    subprocess.run(
        [
            pg_tool("pg_dump"),
            "--schema",
            "public",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(folder / "public.sql"),
        ],
        env=pg_env(),
        check=True,
    )
    (folder / "manifest.json").write_text(json.dumps({"format": FORMAT, "sha256": sha256(folder / "public.sql")}))
    return folder


# --- Restore ----------------------------------------------------------------------------------


def read_backup(folder):
    """The manifest, after every hash in it has been checked."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise ValidationError(_("Неизвестный формат резервной копии."))
    broken = [name for name, digest in manifest["sha256"].items() if sha256(folder / name) != digest]
    broken += [f["name"] for f in manifest["files"] if sha256(folder / "files" / f["name"]) != f["sha256"]]
    if broken:
        raise ValidationError(_("Резервная копия повреждена: %(problems)s.") % {"problems": ", ".join(broken[:10])})
    here = sorted(map(list, MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()))
    if manifest["migrations"] != here:
        raise ValidationError(_("Копия сделана другой версией программы: восстановите её той же версией."))
    return manifest


def match_people(people):
    """Old id -> id here, by e-mail, phone or SNILS; a person found nowhere is created. Two
    identities of one record pointing at two people here is a conflict for a human to settle."""
    mapping, conflicts = {}, []
    for person in people:
        found = {
            User.objects.filter(**{field: person[field]}).values_list("pk", flat=True).first()
            for field in IDENTITY
            if person[field]
        } - {None}
        if len(found) > 1:
            conflicts.append(
                _("%(last_name)s %(first_name)s: e-mail, телефон и СНИЛС у разных людей")
                % {"last_name": person["last_name"], "first_name": person["first_name"]}
            )
        elif found:
            mapping[person["id"]] = found.pop()
        else:
            mapping[person["id"]] = User.objects.create(**{f: person[f] for f in PERSON_FIELDS}).pk
    if len(set(mapping.values())) < len(mapping):
        conflicts.append(_("двое из копии совпали с одним человеком здесь"))
    if conflicts:
        raise ValidationError(conflicts)
    return mapping


COPY = re.compile(r"^COPY (\S+)\.(\S+) \((.*)\) FROM stdin;$")


def rewrite_dump(source, target, old_schema, new_schema, people):
    """The dump with the new schema's name and this installation's people and file names."""
    name = re.compile(rf'(?<![\w"]){re.escape(old_schema)}(?!\w)')
    person_cols, file_cols = person_columns(), file_columns()
    with open(source, encoding="utf-8") as dump, open(target, "w", encoding="utf-8") as out:
        persons = files = None
        for line in dump:
            if persons is None:
                match = COPY.match(line.rstrip("\n"))
                if match:
                    table = match.group(2).strip('"')
                    columns = [c.strip().strip('"') for c in match.group(3).split(",")]
                    persons = [i for i, c in enumerate(columns) if (table, c) in person_cols]
                    files = [i for i, c in enumerate(columns) if (table, c) in file_cols]
                out.write(name.sub(new_schema, line))
                continue
            if line == "\\.\n":
                persons = files = None
                out.write(line)
                continue
            if persons or files:
                values = line.rstrip("\n").split("\t")
                for i in persons:
                    if values[i] != "\\N":
                        values[i] = str(people[int(values[i])])
                for i in files:
                    if values[i].startswith(old_schema + "/"):
                        values[i] = new_schema + values[i][len(old_schema) :]
                line = "\t".join(values) + "\n"
            out.write(line)


def restore_school(folder, *, slug, by=None):
    folder = Path(folder)
    manifest = read_backup(folder)
    schema = School.schema_for_slug(slug)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        if cursor.fetchone():
            raise ValidationError(
                _("Школа с адресом «%(slug)s» уже есть (схема %(schema)s): восстановите под новым адресом.")
                % {"slug": slug, "schema": schema}
            )
    # After a disaster: public restored from its own dump has the school's row, its schema is gone.
    in_place = School.objects.filter(slug=slug, schema_name=manifest["schema"]).first()
    if School.objects.filter(slug=slug).exists() and not in_place:
        raise ValidationError(
            _("Школа с адресом «%(slug)s» уже есть: восстановите копию под новым адресом.") % {"slug": slug}
        )
    saved = json.loads((folder / "people.json").read_text())
    with transaction.atomic():
        people = match_people(saved["people"])
    rewritten = folder / f"restore-{schema}.sql"
    rewrite_dump(folder / "schema.sql", rewritten, manifest["schema"], schema, people)
    try:
        subprocess.run(
            [pg_tool("psql"), "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1", "--file", str(rewritten)],
            env=pg_env(),
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as error:
        raise ValidationError(_("Схема не восстановлена: %(value)s") % {"value": error.stderr.strip()[-500:]}) from None
    finally:
        rewritten.unlink()
    for item in manifest["files"]:
        name = schema + item["name"][len(manifest["schema"]) :]
        with open(folder / "files" / item["name"], "rb") as f:
            stored = default_storage.save(name, File(f))
        if stored != name:  # never over a file that is there
            raise ValidationError(_("Файл %(name)s уже есть в хранилище.") % {"name": name})
    if in_place:
        record("school.restored", in_place, by=by, new={"from": slug, "made_at": manifest["made_at"]})
        return in_place, manifest
    with transaction.atomic():
        original = manifest["school"]
        restored_name = (
            original["name"]
            if not School.objects.filter(name=original["name"]).exists()
            else (
                _("%(value)s (копия %(now)s)") % {"value": original["name"], "now": format(datetime.now(), "%d.%m.%Y")}
            )
        )
        school = School(name=restored_name, short_name=original["short_name"], slug=slug, schema_name=schema)
        school.save()
        Domain.objects.create(domain=school.host, tenant=school, is_primary=True)
        SchoolFigures.objects.create(school=school)
        for membership in saved["memberships"]:
            Membership.objects.create(
                user_id=people[membership["user_id"]],
                school=school,
                role=membership["role"],
                ended_at=membership["ended_at"],
            )
        record(
            "school.restored",
            school,
            by=by,
            new={"from": original["slug"], "made_at": manifest["made_at"], "people": len(people)},
        )
    return school, manifest
