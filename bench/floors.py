"""The floors the issue-20 targets are measured against: bare psycopg, no Django, on one
connection, doing what a mark entry and a parent's week page do in the database.

- a mark: one transaction writing the mark, its audit entry and the family's outbox rows;
- a week page: the rows the page reads (the session and its person, the memberships, the
  family's children, the week's lessons with marks, absences, files and what is due, news,
  meetings, remarks, the unread counts) and the access-log row it writes.

Per operation: wall time, this process's CPU and PostgreSQL's CPU (from /proc). Called by
bench/load.py with the same teacher, pupil and parent it loads the server with."""

import json
import time
from datetime import timedelta

import psycopg

MARK = [
    """INSERT INTO journal_mark (lesson_id, pupil_id, value, work_type_id, comment, entered_by_id, entered_at)
       VALUES (%(lesson)s, %(pupil)s, '4', %(work_type)s, '', %(teacher)s, now()) RETURNING id""",
    """INSERT INTO audit_auditentry (at, actor_id, ip, action, target_type, target_id, old, new, reason)
       VALUES (now(), %(teacher)s, '127.0.0.1', 'mark.floor', 'journal.mark', %(mark)s, NULL, %(state)s, '')""",
    """INSERT INTO diary_notification (recipient_id, pupil_id, kind, text, created_at, email_skipped, attempts,
           last_error, push_skipped)
       SELECT user_id, %(pupil)s, 'mark', %(text)s, now(), false, 0, '', false FROM (
           SELECT user_id FROM journal_guardian
            WHERE pupil_id = %(pupil)s AND ended_at IS NULL AND consent_at IS NOT NULL
           UNION SELECT user_id FROM journal_pupil WHERE id = %(pupil)s AND user_id IS NOT NULL) family""",
]

WEEK = [
    "SELECT session_data, expire_date FROM django_session WHERE session_key = %(session)s AND expire_date > now()",
    "SELECT * FROM accounts_user WHERE id = %(user)s",
    "SELECT role, school_id FROM accounts_membership WHERE user_id = %(user)s AND ended_at IS NULL",
    """SELECT s.id, s.schema_name, s.slug, s.short_name FROM tenants_school s
        WHERE s.id IN (SELECT school_id FROM accounts_membership
                        WHERE user_id = %(user)s AND role = 'parent' AND ended_at IS NULL)""",
    """SELECT p.id, p.last_name, p.first_name, p.middle_name, c.grade, c.letter, c.year_id FROM journal_guardian g
         JOIN journal_pupil p ON p.id = g.pupil_id JOIN journal_schoolclass c ON c.id = p.school_class_id
        WHERE g.user_id = %(user)s AND g.ended_at IS NULL AND g.consent_at IS NOT NULL""",
    "SELECT * FROM journal_term WHERE year_id = %(year)s ORDER BY starts_on",
    "SELECT * FROM journal_bell",
    """SELECT l.*, s.name, t.last_name, t.first_name, t.middle_name FROM journal_lesson l
         JOIN journal_subject s ON s.id = l.subject_id JOIN accounts_user t ON t.id = l.teacher_id
        WHERE l.school_class_id = %(class)s AND l.date BETWEEN %(monday)s AND %(saturday)s
          AND (l.subgroup_id IS NULL OR l.subgroup_id IN
               (SELECT subgroup_id FROM journal_subgroup_pupils WHERE pupil_id = %(pupil)s))
        ORDER BY l.date, l.number""",
    """SELECT m.id, m.lesson_id, m.value, m.comment, w.name FROM journal_mark m
         JOIN journal_worktype w ON w.id = m.work_type_id JOIN journal_lesson l ON l.id = m.lesson_id
        WHERE m.pupil_id = %(pupil)s AND m.deleted_at IS NULL AND l.date BETWEEN %(monday)s AND %(saturday)s""",
    """SELECT a.lesson_id, a.status, a.reason FROM journal_attendance a JOIN journal_lesson l ON l.id = a.lesson_id
        WHERE a.pupil_id = %(pupil)s AND a.deleted_at IS NULL AND l.date BETWEEN %(monday)s AND %(saturday)s""",
    # What is due at each lesson: the earlier lessons of the same subjects, back three weeks, with their files.
    """SELECT l.id, l.date, l.number, l.subject_id, l.homework, l.homework_none, f.id, f.name
         FROM journal_lesson l LEFT JOIN journal_homeworkfile f ON f.lesson_id = l.id AND f.deleted_at IS NULL
        WHERE l.school_class_id = %(class)s AND l.date BETWEEN %(lookback)s AND %(sunday)s
          AND l.cancelled_at IS NULL ORDER BY l.date, l.number""",
    """SELECT * FROM diary_news WHERE school_class_id IS NULL OR school_class_id = %(class)s
        ORDER BY published_at DESC LIMIT 5""",
    "SELECT * FROM diary_parentmeeting WHERE school_class_id = %(class)s ORDER BY held_at DESC LIMIT 3",
    """SELECT r.text, r.created_at, u.last_name FROM diary_remark r JOIN accounts_user u ON u.id = r.author_id
        WHERE r.pupil_id = %(pupil)s AND r.created_at >= %(monday)s AND r.created_at < %(sunday)s""",
    """SELECT count(*) FROM diary_notification WHERE recipient_id = %(user)s AND read_at IS NULL""",
    """SELECT count(*) FROM diary_message m JOIN diary_threadmember tm ON tm.thread_id = m.thread_id
        WHERE tm.user_id = %(user)s AND m.author_id <> %(user)s
          AND (tm.last_read_at IS NULL OR m.created_at > tm.last_read_at)""",
    """INSERT INTO diary_dataview (viewer_id, at, ip, page, pupil_ids)
       VALUES (%(user)s, now(), '127.0.0.1', 'diary.floor', ARRAY[%(pupil)s]::bigint[])""",
]


def _measure(conn, count, one, cpu_of_postgres):
    one()  # the plans are cached from here on, as on a server that has been up a while
    wall, cpu, server = time.perf_counter(), time.process_time(), cpu_of_postgres()
    for _ in range(count):
        one()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "operations": count,
        "ms_per_operation": wall / count * 1000,
        "client_cpu_ms": cpu / count * 1000,
        "postgres_cpu_ms": (cpu_of_postgres() - server) / count * 1000,
        "cpu_ms": (cpu + cpu_of_postgres() - server) / count * 1000,
    }


def mark_floor(url, schema, cell, count, cpu_of_postgres):
    """`cell`: lesson, pupil, work_type, teacher. Marks made here are marked 'mark.floor' in the audit."""
    with psycopg.connect(url) as conn:
        conn.execute(f'SET search_path = "{schema}", public')
        conn.commit()

        def one():
            with conn.transaction():
                mark = conn.execute(MARK[0], cell).fetchone()[0]
                state = json.dumps({"lesson": cell["lesson"], "pupil": cell["pupil"], "value": "4"})
                conn.execute(MARK[1], {**cell, "mark": mark, "state": state})
                conn.execute(MARK[2], {**cell, "text": "Иван: Математика — 4 (ответ на уроке), 30.11.2026"})

        conn.commit()
        return _measure(conn, count, one, cpu_of_postgres)


def week_floor(url, schema, reader, count, cpu_of_postgres):
    """`reader`: session, user, pupil, class, year and monday of a parent's week page."""
    monday = reader["monday"]
    params = {
        **reader,
        "saturday": monday + timedelta(days=5),
        "sunday": monday + timedelta(days=7),
        "lookback": monday - timedelta(days=21),
    }
    with psycopg.connect(url) as conn:
        conn.execute(f'SET search_path = "{schema}", public')
        conn.commit()

        def one():
            with conn.transaction():
                for sql in WEEK:
                    cursor = conn.execute(sql, params)
                    if cursor.description:
                        cursor.fetchall()

        return _measure(conn, count, one, cpu_of_postgres)
