"""The district's monitoring on the synthetic district (bench/district.py):

- the nightly update: every school computes this month's indicators (Q1–Q17) in its schema and
  writes the counts to public, through a real Celery worker (2 processes) as beat would send it;
- the full monthly report: last month's indicators and each school's filling report (worker),
  then the district's quality and filling reports, with their PDF and XLSX;
- a school's month in one process, school by school, against the bare SQL that fetches the
  same rows or counts, to say what our layers cost;
- the database size of a school.

    python bench/district_reports.py
"""

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import serving_env, summary  # noqa: E402

# The counts behind Q1, Q2, Q4 and the filling table (lessons by class and subject), and behind
# Q7–Q9 (marks per pupil and subject so far in the term), as one would write them by hand.
BARE_SQL = """
WITH held AS (
    SELECT l.id, l.school_class_id, l.subject_id, l.topic <> '' AS topic,
           (l.homework_none OR l.homework <> '') AS homework, l.attendance_taken_at IS NOT NULL AS attendance
    FROM journal_lesson l
    WHERE l.date BETWEEN %(first)s AND %(last)s AND l.cancelled_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM journal_holiday h WHERE l.date BETWEEN h.starts_on AND h.ends_on)
)
SELECT h.school_class_id, h.subject_id, count(*), count(*) FILTER (WHERE topic),
       count(*) FILTER (WHERE homework), count(*) FILTER (WHERE attendance),
       (SELECT count(*) FROM journal_mark m WHERE m.lesson_id = ANY(array_agg(h.id)) AND m.deleted_at IS NULL)
FROM held h GROUP BY h.school_class_id, h.subject_id;
SELECT p.school_class_id, l.subject_id, p.id, count(m.id)
FROM journal_pupil p
JOIN journal_lesson l ON l.school_class_id = p.school_class_id AND l.term_id = %(term)s AND l.date <= %(until)s
     AND l.cancelled_at IS NULL
JOIN journal_subject s ON s.id = l.subject_id AND s.is_marked
LEFT JOIN journal_mark m ON m.lesson_id = l.id AND m.pupil_id = p.id AND m.deleted_at IS NULL
WHERE p.withdrawn_on IS NULL
GROUP BY p.school_class_id, l.subject_id, p.id
"""


# The rows Q1–Q17 read for a month, fetched by hand: the month's lessons with their entry times,
# its marks with their lesson days, the pupil × subject counts above, the month's audit entries
# and diary views, the parents' links, the load, the thematic plan and the term marks.
BARE_SQL_INDICATORS = (
    BARE_SQL.split(";")[1]
    + """;
SELECT l.id, l.date, l.number, l.school_class_id, l.topic <> '', l.homework_none OR l.homework <> '',
       l.topic_entered_at, l.homework_entered_at, l.attendance_taken_at, l.taught_by_id, l.substitution_recorded_at
FROM journal_lesson l
WHERE l.date BETWEEN %(first)s AND %(last)s AND l.cancelled_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM journal_holiday h WHERE l.date BETWEEN h.starts_on AND h.ends_on);
SELECT m.entered_at, l.date FROM journal_mark m JOIN journal_lesson l ON l.id = m.lesson_id
WHERE l.date BETWEEN %(first)s AND %(last)s AND l.cancelled_at IS NULL;
SELECT DISTINCT actor_id FROM audit_auditentry WHERE at >= %(first)s AND target_type LIKE 'journal.%%';
SELECT target_id, at FROM audit_auditentry
WHERE at >= %(first)s AND action IN ('mark.changed', 'mark.deleted', 'attendance.changed', 'attendance.deleted');
SELECT DISTINCT viewer_id FROM diary_dataview WHERE at >= %(first)s AND page LIKE 'diary.%%';
SELECT pupil_id, user_id FROM journal_guardian WHERE ended_at IS NULL AND consent_at IS NOT NULL;
SELECT id, user_id FROM journal_pupil WHERE withdrawn_on IS NULL;
SELECT DISTINCT teacher_id FROM journal_teachingload;
SELECT t.id, count(l.id) FROM journal_plannedtopic t LEFT JOIN journal_lesson l ON l.planned_topic_id = t.id
WHERE t.due_on <= %(last)s GROUP BY t.id;
SELECT f.pupil_id, f.subject_id, f.entered_at FROM journal_finalmark f JOIN journal_term t ON t.id = f.term_id
WHERE t.ends_on BETWEEN %(first)s AND %(last)s
"""
)


def bare(sql, params):
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in sql.split(";"):
            cursor.execute(statement, params)
            cursor.fetchall()
    return time.perf_counter() - started


def start_worker(broker):
    env = serving_env(CELERY_BROKER_URL=broker)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(done, timeout=600):
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not finish in time")
        time.sleep(0.1)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    broker = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/7"
    os.environ["CELERY_BROKER_URL"] = broker
    import django

    django.setup()
    import redis
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from journal.models import Term
    from monitoring import indicators, reports
    from monitoring.models import Report, SchoolMonth
    from monitoring.tasks import school_report, update_school_month
    from tenants.models import School
    from tenants.tasks import fan_out

    redis.Redis.from_url(broker).flushdb()
    schools = list(School.objects.exclude(schema_name="public").order_by("slug"))
    today = timezone.localdate()
    this_month, last_month = today.replace(day=1), reports.previous_month(today)
    results = {"schools": len(schools)}

    worker = start_worker(broker)
    try:
        time.sleep(3)  # the worker's start-up is not the night's work
        for label, month in (("nightly_update", this_month), ("last_month_indicators", last_month)):
            begun = timezone.now()
            started = time.perf_counter()
            fan_out(update_school_month, args=[month.isoformat()], jitter=0)
            done = SchoolMonth.objects.filter(month=month, computed_at__gte=begun, code="Q1")
            wait_until(lambda done=done: done.count() == len(schools))
            results[f"{label}_s"] = time.perf_counter() - started
        started = time.perf_counter()
        fan_out(school_report, args=[Report.Kind.FILLING, last_month.isoformat()], jitter=0)
        wait_until(
            lambda: (
                Report.objects.filter(kind="filling", starts_on=last_month, school__isnull=False).count()
                == len(schools)
            )
        )
        results["school_filling_reports_s"] = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    started = time.perf_counter()
    quality = reports.make_quality_reports(
        last_month, reason="замер" if Report.objects.filter(kind="quality", starts_on=last_month).exists() else ""
    )
    filling = reports.make_district_report(
        Report.Kind.FILLING,
        last_month,
        reason="замер"
        if Report.objects.filter(kind="filling", starts_on=last_month, school__isnull=True).exists()
        else "",
    )
    for report in (quality, filling):
        reports.pdf(report)
        reports.xlsx(report)
    results["district_reports_and_files_s"] = time.perf_counter() - started
    results["monthly_report_total_s"] = (
        results["last_month_indicators_s"]
        + results["school_filling_reports_s"]
        + results["district_reports_and_files_s"]
    )

    # One process, school by school, this month so far: the filling table (the same counts as the
    # bare SQL), and all of Q1–Q17 for scale.
    filling, filling_bare, quality, quality_bare = [], [], [], []
    first, last = indicators.month_bounds(this_month)
    for school in schools:
        with schema_context(school.schema_name):
            term = Term.objects.filter(starts_on__lte=today, ends_on__gte=today).first()
            params = {
                "first": first,
                "last": min(last, today - timedelta(days=1)),
                "until": today,
                "term": term.pk if term else 0,
            }
            started = time.perf_counter()
            indicators.filling(this_month, today=today)
            filling.append(time.perf_counter() - started)
            filling_bare.append(bare(BARE_SQL, params))
            started = time.perf_counter()
            indicators.compute(this_month, today=today)
            quality.append(time.perf_counter() - started)
            quality_bare.append(bare(BARE_SQL_INDICATORS, params))
    results["one_school_filling_ours"] = summary(filling)
    results["one_school_filling_bare_sql"] = summary(filling_bare)
    results["one_school_indicators"] = summary(quality)
    results["one_school_indicators_bare_sql"] = summary(quality_bare)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname LIKE 'school_%%' AND c.relkind = 'r' GROUP BY 1"
        )
        sizes = [int(size) for _schema, size in cursor.fetchall()]
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
    results["school_bytes"] = {"median": statistics.median(sizes), "max": max(sizes)}
    results["database_bytes"] = database
    redis.Redis.from_url(broker).flushdb()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
