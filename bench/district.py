"""A synthetic district for the benchmarks: N schools of realistic size (24 classes of 25
pupils, a full timetable, the term so far with topics, homework, attendance and marks at the
demo's densities, a parent account for most pupils), reproducible from a seed and a date.

    python bench/district.py --schools 20 --seed 2026 [--today 2026-11-27]

Writes into the database DATABASE_URL names (run.py gives it a scratch one) and prints a JSON
object: what was made and how long it took. The school year is set up through the services,
as a deputy would; people, pupils and the term's records are written in bulk (demo.fill_journal),
each record with its audit entry."""

import argparse
import json
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GRADES = {1: "АБВГД", 3: "АБВГД", 5: "АБВГД", 7: "АБВГД", 9: "АБВГ"}  # the demo's curriculum: 24 classes
PUPILS_PER_CLASS = 25
TEACHERS = 40
PARENT_SHARE = 0.85
SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
]
FIRST = [
    "Александр",
    "Мария",
    "Дмитрий",
    "Анна",
    "Максим",
    "Софья",
    "Артём",
    "Виктория",
    "Иван",
    "Полина",
    "Михаил",
    "Алиса",
    "Кирилл",
    "Дарья",
    "Егор",
    "Варвара",
]


def build_school(index, seed, today):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from accounts import services as accounts
    from accounts.models import Membership, Role, User
    from demo import school_year as demo
    from journal.models import Guardian, Pupil, PupilMovement, SchoolClass
    from tenants.models import School
    from tenants.services import create_school

    rng = random.Random(seed * 1000 + index)
    slug = f"school{index:03d}"
    school = create_school(name=f"МБОУ «Средняя школа № {index}»", short_name=f"СОШ № {index}", slug=slug)

    def person(login):
        last, first = rng.choice(SURNAMES), rng.choice(FIRST)
        return accounts.create_person(
            accounts.NewAccount(last_name=last, first_name=first, email=f"{login}@{slug}.bench")
        )

    deputy = person("deputy")
    accounts.add_membership(person("director"), school, Role.DIRECTOR)
    accounts.add_membership(deputy, school, Role.DEPUTY)
    teachers = [person(f"teacher{n:02d}") for n in range(1, TEACHERS + 1)]
    Membership.objects.bulk_create([Membership(user=t, school=school, role=Role.TEACHER) for t in teachers])
    password = make_password("bench-parol")  # one hash for all: load clients sign in by session, not password
    User.objects.filter(pk__in=[t.pk for t in teachers] + [deputy.pk]).update(password=password)
    with schema_context(school.schema_name):
        classes = []
        for grade, letters in GRADES.items():
            for letter in letters:
                teacher = teachers[len(classes)]
                classes.append(SchoolClass(grade=grade, letter=letter, class_teacher=teacher))
        SchoolClass.objects.bulk_create(classes)
        Membership.objects.bulk_create(
            [Membership(user=c.class_teacher, school=school, role=Role.CLASS_TEACHER) for c in classes]
        )
        start = demo.school_year(today)[0]
        pupils = [
            Pupil(
                last_name=rng.choice(SURNAMES),
                first_name=rng.choice(FIRST),
                middle_name="",
                birth_date=date(today.year - 7 - c.grade, rng.randint(1, 12), rng.randint(1, 28)),
                school_class=c,
                enrolled_on=start,
                enrollment_order=f"{c.grade}-у",
            )
            for c in classes
            for _ in range(PUPILS_PER_CLASS)
        ]
        Pupil.objects.bulk_create(pupils)
        PupilMovement.objects.bulk_create(
            [
                PupilMovement(
                    pupil=p,
                    kind="enrolled",
                    on=start,
                    order_number=p.enrollment_order,
                    order_date=start,
                    to_class=p.school_class,
                )
                for p in pupils
            ]
        )
        families = [
            (
                pupil,
                User(
                    last_name=pupil.last_name,
                    first_name=rng.choice(FIRST),
                    password=password,
                    email=f"parent{n:04d}@{slug}.bench",
                ),
            )
            for n, pupil in enumerate(pupils)
            if rng.random() < PARENT_SHARE
        ]
        parents = User.objects.bulk_create([parent for _pupil, parent in families])
        Guardian.objects.bulk_create(
            [
                Guardian(pupil=pupil, user=parent, consent_at=timezone.now(), consent_version="bench")
                for pupil, parent in families
            ]
        )
        Membership.objects.bulk_create([Membership(user=parent, school=school, role=Role.PARENT) for parent in parents])
        year, terms = demo.set_up_year(school, by=deputy, today=today)
        filled = demo.fill_journal(school, until=today, seed=seed * 1000 + index)
        for term in terms:
            if term.ends_on < today:
                demo.set_final_marks(term)
    # The school joined before its school year began.
    School.objects.filter(pk=school.pk).update(
        created_at=timezone.make_aware(datetime.combine(start - timedelta(days=14), datetime.min.time()))
    )
    return {"slug": slug, "classes": len(classes), "pupils": len(pupils), "parents": len(parents), **filled}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    started = time.perf_counter()
    schools = []
    for index in range(1, options.schools + 1):
        begun = time.perf_counter()
        schools.append({**build_school(index, options.seed, options.today), "seconds": time.perf_counter() - begun})
        print(f"school {index}/{options.schools}: {schools[-1]['seconds']:.1f} s", file=sys.stderr)
    # Fresh statistics for every school's tables, as autovacuum would have them by the time a real
    # district had this much: without them the planner guesses, and the benchmarks measure that.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    totals = {key: sum(s[key] for s in schools) for key in ("pupils", "parents", "lessons", "marks", "absences")}
    print(
        json.dumps(
            {
                "schools": options.schools,
                "seed": options.seed,
                "today": options.today.isoformat(),
                "seconds": time.perf_counter() - started,
                **totals,
                "per_school": schools,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
