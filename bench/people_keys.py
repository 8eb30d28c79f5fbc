"""What the foreign keys from every school into public.accounts_user cost as schools are added
(docs/scaling.md, rule 1): with N schools, a single-row update of a person and the creation of
one more school, as built now (no constraint across the schema boundary), with the other way the
issue offered (each school's own person table, filled from its memberships, the school's columns
constrained to it, every change of a person copied to the schools they belong to), and with the
old constraints put back by hand on every school.

    python bench/people_keys.py --schools 200

In a scratch database, dropped afterwards. Prints a JSON object."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import scratch_database, summary  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    options = parser.parse_args()
    with scratch_database():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from accounts import services as accounts
        from accounts.models import Role
        from tenants.integrity import people_columns
        from tenants.services import create_school

        call_command("migrate_schemas", shared=True, verbosity=0)
        schools = [
            create_school(name=f"Школа {n}", short_name=f"Школа {n}", slug=f"s{n:04d}") for n in range(options.schools)
        ]
        person = accounts.create_person(accounts.NewAccount(last_name="Учитель", first_name="Замер", email="t@b.test"))

        def timed_runs(change):
            """`change(cursor, name)` run `runs` times, each with a new name for the person."""
            runs = []
            for n in range(options.runs):
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    change(cursor, f"Учитель{n}")
                runs.append(time.perf_counter() - started)
            return summary(runs)

        def rename(cursor, name):
            cursor.execute("UPDATE accounts_user SET last_name = %s WHERE id = %s", [name, person.pk])

        def one_more(slug):
            started = time.perf_counter()
            create_school(name=f"Ещё одна школа {slug}", short_name=f"Ещё одна {slug}", slug=slug)
            return time.perf_counter() - started

        def triggers():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.accounts_user'::regclass")
                return cursor.fetchone()[0]

        now = {
            "update_person": timed_runs(rename),
            "create_one_more_school_s": one_more("extra1"),
            "triggers": triggers(),
        }
        columns = [(model._meta.db_table, field.column) for model, field in people_columns()]

        def localise(school):
            """The school's own copy of its people, and its columns constrained to that copy."""
            schema = school.schema_name
            with connection.cursor() as cursor:
                cursor.execute(
                    f'CREATE TABLE "{schema}".school_person (id bigint PRIMARY KEY, '
                    "last_name varchar(150) NOT NULL, first_name varchar(150) NOT NULL)"
                )
                cursor.execute(
                    f'INSERT INTO "{schema}".school_person SELECT id, last_name, first_name FROM public.accounts_user '
                    "WHERE id IN (SELECT user_id FROM public.accounts_membership WHERE school_id = %s)",
                    [school.pk],
                )
                for n, (table, column) in enumerate(columns):
                    cursor.execute(
                        f'ALTER TABLE "{schema}"."{table}" ADD CONSTRAINT local_person_fk_{n} FOREIGN KEY ("{column}") '
                        f'REFERENCES "{schema}".school_person (id) DEFERRABLE INITIALLY DEFERRED'
                    )

        accounts.add_membership(person, schools[0], Role.TEACHER)
        started = time.perf_counter()
        for school in schools:
            localise(school)
        localised = time.perf_counter() - started

        def rename_with_copies(cursor, name):
            """The person renamed, and their copy in every school they belong to, in one transaction."""
            cursor.execute("BEGIN")
            rename(cursor, name)
            cursor.execute(
                "SELECT DISTINCT s.schema_name FROM public.accounts_membership m "
                "JOIN public.tenants_school s ON s.id = m.school_id WHERE m.user_id = %s",
                [person.pk],
            )
            for (schema,) in cursor.fetchall():
                cursor.execute(f'UPDATE "{schema}".school_person SET last_name = %s WHERE id = %s', [name, person.pk])
            cursor.execute("COMMIT")

        def one_more_localised(slug):
            started = time.perf_counter()
            localise(create_school(name=f"Ещё одна школа {slug}", short_name=f"Ещё одна {slug}", slug=slug))
            return time.perf_counter() - started

        local = {
            "update_person_and_its_copies": timed_runs(rename_with_copies),
            "create_one_more_school_s": one_more_localised("extra2"),
            "triggers": triggers(),
            "local_tables_added_s": localised,
        }
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for school in schools:
                for n, (table, column) in enumerate(columns):
                    cursor.execute(
                        f'ALTER TABLE "{school.schema_name}"."{table}" ADD CONSTRAINT person_fk_{n} '
                        f'FOREIGN KEY ("{column}") REFERENCES public.accounts_user (id) DEFERRABLE INITIALLY DEFERRED'
                    )
        restored = time.perf_counter() - started
        old = {"update_person": timed_runs(rename), "triggers": triggers(), "constraints_added_s": restored}
    print(
        json.dumps(
            {
                "schools": options.schools,
                "person_columns": len(columns),
                "now": now,
                "with_local_person_tables": local,
                "with_old_constraints": old,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
