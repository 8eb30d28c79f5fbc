"""`make bench`: runs the benchmarks and writes docs/benchmarks.md and docs/benchmarks.json.

    python bench/run.py [--schools 20] [--seed 2026] [--output benchmarks] [--rewrite]
    python bench/run.py --scale 1000 [--new-migration]   # a region's schools; the rest kept as measured

Kept out of `make test`: numbers are measured here, never asserted in timed tests. Each part
runs in its own process against a scratch database that is dropped afterwards."""

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))
from bench.provisioning import scratch_database  # noqa: E402

# Counted, not timed: tests/test_browser.py performs the lesson in Chromium, counts each click and
# key press (a choice in a list is two) and asserts these numbers.
TEACHER_ACTIONS = [
    "## A teacher's actions",
    "",
    "| what | before (one form per part) | now (the lesson as one form) | counted by |",
    "|---|---|---|---|",
    "| record one lesson of a class of 25: topic, homework, 2 absent, 5 marks (clicks + key presses, "
    "the texts' letters not counted) | 44 actions, 4 page loads | 17 actions, 1 page load | "
    "`tests/test_browser.py::test_a_teacher_records_a_whole_lesson_with_one_save_and_it_survives_a_reload` |",
    "| a three-day note for a pupil with 4 lessons a day | 36 clicks, 12 page loads (the issue's count) | 7 actions: pupil, two dates, reason, one click; "
    "1 page load | `tests/test_browser.py::test_a_class_teacher_enters_a_three_day_note_in_one_action` (performs it) |",
]


def run(script, *args, env=None):
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def ms(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def per_s(rate):
    return f"{rate:.0f}/s"


def mib(size):
    return f"{size / 2**20:.0f} MiB"


def cpu(run_):
    """Server CPU per request: gunicorn and PostgreSQL, in ms."""
    return (run_["gunicorn_cpu_s_per_request"] + run_["postgres_cpu_s_per_request"]) * 1000


def target_table(title, rows):
    """Targets as rows of (target, measured, floor, met, why not, command); met None: no target, a figure."""
    return [
        f"## {title}",
        "",
        "| target | measured | floor | met | why not (measured) | command |",
        "|---|---|---|---|---|---|",
        *(
            f"| {target} | {measured} | {floor} | {'—' if met is None else 'yes' if met else 'no'} | "
            f"{'' if met in (None, True) else why} | `{command}` |"
            for target, measured, floor, met, why, command in rows
        ),
    ]


def lean_path(load, frame, district_grid, grid, cmd):
    """Issue 36's targets beside what was measured and the floor it is measured against."""
    marks, diary, smallest, bare = (
        load["mark_entry"],
        load["parent_diary"],
        load["smallest_api_read"],
        load["bare_django_read"],
    )
    frame_cpu = frame["cpu_ms_per_request"]
    once, four = district_grid["1x"], district_grid["4x"]
    grid_ratio = once["page"]["median_s"] / once["bare_sql"]["median_s"]
    flat = four["page_statements_s"] / once["page_statements_s"]
    templates = district_grid["templates"]
    jinja_ratio = templates["django"]["median_s"] / templates["jinja2"]["median_s"]
    machine = (
        f"bare Django itself (stock session and authentication, the same read) answers {bare['throughput_per_s']:.0f}/s "
        f"under the same gunicorn and load ({cpu(bare):.1f} ms server CPU a request): the two cores are the limit"
    )
    profile = "where each millisecond goes: performance.md, «A lean request path»"
    rows = [
        (
            "the signed-in frame ≤ 1.5× bare Django (session + auth, the same read), CPU a request in one process",
            f"{frame_cpu['product_bells']:.2f} ms = {frame['frame_over_bare']:.2f}×",
            f"{frame_cpu['bare_django_bells']:.2f} ms",
            frame["frame_over_bare"] <= 1.5,
            profile,
            cmd["frame"],
        ),
        (
            "the smallest signed-in API read ≥ 600/s",
            f"{per_s(smallest['throughput_per_s'])} ({cpu(smallest):.1f} ms server CPU)",
            f"bare Django {per_s(bare['throughput_per_s'])}",
            smallest["throughput_per_s"] >= 600,
            machine,
            cmd["load"],
        ),
        (
            "mark entry ≥ 300 marks/s, 32 clients",
            per_s(marks["throughput_per_s"]),
            f"bare transaction {load['floors']['mark']['cpu_ms']:.2f} ms CPU",
            marks["throughput_per_s"] >= 300,
            f"{cpu(marks):.1f} ms server CPU a mark; {machine}",
            cmd["load"],
        ),
        (
            "server CPU per mark ≤ 6 ms (gunicorn + PostgreSQL)",
            f"{cpu(marks):.1f} ms (in one process: {frame_cpu['product_mark']:.1f} ms)",
            f"the frame {cpu(smallest):.1f} ms",
            cpu(marks) <= 6,
            f"the mark's checks, audit entry, notices and new average through the ORM: {profile}",
            cmd["load"],
        ),
        (
            "parent's week ≥ 200 pages/s",
            per_s(diary["throughput_per_s"]),
            f"bare reads and access-log row {load['floors']['week']['cpu_ms']:.1f} ms CPU",
            diary["throughput_per_s"] >= 200,
            f"{cpu(diary):.1f} ms server CPU a page (in one process {frame_cpu['product_week']:.1f} ms from the "
            f"cache, {frame_cpu['product_week_missed']:.1f} ms missing it): {profile}",
            cmd["load"],
        ),
        (
            "grid page ≤ 3× its bare SQL, a district school with a term of marks",
            f"{ms(once['page']['median_s'])} = {grid_ratio:.1f}× ({district_grid['journal']}, "
            f"{district_grid['journal_marks']} marks)",
            ms(once["bare_sql"]["median_s"]),
            grid_ratio <= 3,
            f"the page's statements take {ms(once['page_statements_s'])}; the rest is the cells' objects and the "
            f"template: {profile}",
            cmd["district_grid"],
        ),
        (
            "grid flat from 1× to 4× the school's marks (its statements' time)",
            f"{ms(once['page_statements_s'])} → {ms(four['page_statements_s'])} ({flat:.2f}×); the page "
            f"{ms(once['page']['median_s'])} → {ms(four['page']['median_s'])}",
            f"{once['school_marks']:,} → {four['school_marks']:,} marks",
            flat <= 1.25,
            "",
            cmd["district_grid"],
        ),
        (
            "Jinja2 kept where it renders ≥ 2× faster with the same HTML: the grid's body (cells and printed pages)",
            f"Django {ms(templates['django']['median_s'])}, Jinja2 {ms(templates['jinja2']['median_s'])} = "
            f"{jinja_ratio:.1f}× (the same HTML: {'yes' if templates['same_html'] else 'no'})",
            "",
            jinja_ratio >= 2 and templates["same_html"],
            "not kept: both call the same Python for the cells, which is most of the time",
            cmd["district_grid"],
        ),
        (
            "the lesson page's save, 5 marks and 2 absences (class of 30)",
            f"median {ms(grid['lesson_save']['median_s'])}, p95 {ms(grid['lesson_save']['p95_s'])}",
            f"{grid['lesson_save_queries']} statements",
            None,
            "",
            cmd["grid"],
        ),
    ]
    return target_table("Issue 36's targets (a lean request path)", rows)


def targets(load, grid, cmd):
    """Issue 20's targets beside what was measured and the floor it is measured against."""
    marks, diary, smallest = load["mark_entry"], load["parent_diary"], load["smallest_api_read"]
    marks_70, diary_70 = load["mark_entry_at_70_percent"], load["parent_diary_at_70_percent"]
    floors = load["floors"]
    ceiling = (
        f"the smallest signed-in API read (the school's bells, a few rows) tops out at "
        f"{smallest['throughput_per_s']:.0f}/s: {cpu(smallest):.1f} ms of server CPU a request before any work"
    )
    grid_ratio = grid["selector"]["median_s"] / grid["bare_sql"]["median_s"]
    rows = [
        (
            "mark entry ≥ 300 marks/s, 32 clients",
            per_s(marks["throughput_per_s"]),
            f"bare transaction {floors['mark']['cpu_ms']:.2f} ms CPU",
            marks["throughput_per_s"] >= 300,
            ceiling,
            cmd["load"],
        ),
        (
            "mark entry p95 < 50 ms at 70 % of saturation",
            f"{ms(marks_70['p95_s'])} at {marks_70['rate']:.0f}/s",
            "—",
            marks_70["p95_s"] < 0.05,
            "",
            cmd["load"],
        ),
        (
            "mark entry server CPU ≤ 3× the bare transaction (mark, audit entry, outbox rows)",
            f"{cpu(marks):.1f} ms = {floors['mark']['server_over_floor']:.0f}×",
            f"{floors['mark']['cpu_ms']:.2f} ms",
            floors["mark"]["server_over_floor"] <= 3,
            ceiling,
            cmd["load"],
        ),
        (
            "week page ≥ 200 pages/s, 32 clients",
            per_s(diary["throughput_per_s"]),
            f"bare reads and access-log row {floors['week']['cpu_ms']:.1f} ms CPU",
            diary["throughput_per_s"] >= 200,
            ceiling,
            cmd["load"],
        ),
        (
            "week page p95 < 100 ms at 70 % of saturation",
            f"{ms(diary_70['p95_s'])} at {diary_70['rate']:.0f}/s",
            "—",
            diary_70["p95_s"] < 0.1,
            "",
            cmd["load"],
        ),
        (
            "week page server CPU ≤ 3× its bare SQL",
            f"{cpu(diary):.1f} ms = {floors['week']['server_over_floor']:.0f}×",
            f"{floors['week']['cpu_ms']:.1f} ms",
            floors["week"]["server_over_floor"] <= 3,
            f"a signed-in request costs {cpu(smallest):.1f} ms before any work (the smallest API read); the rest is "
            "the ORM's objects and the template: performance.md",
            cmd["load"],
        ),
        (
            "journal grid ≤ 3× its bare SQL",
            f"{ms(grid['selector']['median_s'])} = {grid_ratio:.1f}×",
            ms(grid["bare_sql"]["median_s"]),
            grid_ratio <= 3,
            "model objects and the per-cell dictionaries the page needs",
            cmd["grid"],
        ),
        (
            "journal grid ≤ 10 queries",
            f"{grid['selector_queries']} (the page: {grid['page_queries_without_set_search_path']})",
            f"{grid['bare_statements']} bare statements",
            grid["selector_queries"] <= 10,
            "the page adds its frame: address, session, person, roles, menu, unread messages, the access-log row",
            cmd["grid"],
        ),
        (
            "lesson page save, 5 marks and 2 absences, p95 < 50 ms",
            f"p95 {ms(grid['lesson_save']['p95_s'])} (median {ms(grid['lesson_save']['median_s'])})",
            "—",
            grid["lesson_save"]["p95_s"] < 0.05,
            f"{grid['lesson_save_queries']} statements: topic, homework, attendance and marks each through its own "
            "audited service with its own checks (the marks together): performance.md",
            cmd["grid"],
        ),
    ]
    return target_table("Issue 20's targets", rows)


def region(scale):
    """A region's number of schools on one server (bench/scale.py): what grows with the schools."""
    n, night, pages = scale["schools"], scale["nightly_dispatch"], scale["district_pages"]
    cmd = f"`python bench/run.py --scale {n}{' --new-migration' if scale['new_migration_multiprocessing_s'] else ''}`"
    quality = [path for path in pages if path.startswith("/district/quality/?")]
    pause = f"{night['pause_s']:.0f} s" if night["pause_s"] else "none, one batch"
    rows = [
        (
            "creating a school, schools 2–101",
            ms(scale["create_first_100"]["median_s"]),
            ms(scale["create_first_100"]["p95_s"]),
        ),
        (
            f"creating a school, the last 100 of {n:,}",
            ms(scale["create_last_100"]["median_s"]),
            ms(scale["create_last_100"]["p95_s"]),
        ),
        (
            "the catalog: relations; the database's size (empty schools)",
            f"{scale['catalog_relations']:,}",
            mib(scale["database_bytes"]),
        ),
        ("`migrate_schemas --tenant`, nothing to apply (the whole command)", ms(scale["migrate_nothing_to_do_s"]), "—"),
    ]
    if scale["new_migration_multiprocessing_s"]:
        rows.append(
            (
                f"one new migration to every school, multiprocessing executor ({scale['migration_processes']} processes)",
                ms(scale["new_migration_multiprocessing_s"]),
                "—",
            )
        )
    rows += [
        (
            "PostgreSQL's memory for a connection: after one school; after reading every school",
            mib(scale["backend_bytes_one_school"]),
            mib(scale["backend_bytes_every_school"]),
        ),
        (
            "the minute's notification sweep, nothing waiting: time, tasks",
            ms(scale["sweep_nothing_waiting"]["seconds"]),
            str(scale["sweep_nothing_waiting"]["tasks"]),
        ),
        (
            f"the nightly dispatcher (two months): tasks queued at once (batches of {night['batch']}), time",
            str(night["tasks_sent_at_once"]),
            ms(night["seconds"]),
        ),
        (
            f"the same, every batch of one month sent one after another: tasks, time (the pause between batches: "
            f"{pause}, window {night['window_s']} s)",
            str(night["every_batch_of_one_month"]["tasks"]),
            ms(night["every_batch_of_one_month"]["seconds"]),
        ),
    ]
    rows += [
        (
            f"`{path}`: median, p95 ({pages[path]['bytes'] / 1024:.0f} KB)",
            ms(pages[path]["median_s"]),
            ms(pages[path]["p95_s"]),
        )
        for path in ["/district/", *quality, "/district/quality/reports/"]
    ]
    rows += [
        (
            "the district's monthly reports made (every school's figures for last month)",
            ms(scale["district_monthly_reports_s"]),
            "—",
        ),
        *(
            (
                f"the district's quality report as {kind.upper()} ({pages[path]['bytes'] / 1024:.0f} KB)",
                ms(pages[path]["seconds"]),
                "—",
            )
            for kind in ("pdf", "xlsx")
            for path in [f"/district/quality/reports/<id>.{kind}"]
        ),
    ]
    return [
        f"## A region: {n:,} schools on one server",
        "",
        f"Measured {scale['measured']} with {cmd} (`bench/scale.py`: empty schools — every table, no pupils — in a "
        "scratch database; each with last month's figures for the district's pages and reports). What the figures "
        "mean, and the extrapolation to 10,000 schools: `scaling.md`.",
        "",
        "| what | figure | second figure |",
        "|---|---|---|",
        *(f"| {what} | {a} | {b} |" for what, a, b in rows),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default="benchmarks", help="docs/<output>.md and .json")
    parser.add_argument("--rewrite", action="store_true", help="only write the page again from docs/<output>.json")
    parser.add_argument("--scale", type=int, help="only measure a region of this many schools (bench/scale.py)")
    parser.add_argument("--new-migration", action="store_true", help="with --scale: one new migration to every school")
    options = parser.parse_args()

    path = DOCS / f"{options.output}.json"
    scale = json.loads(path.read_text()).get("scale") if path.exists() else None
    if options.scale:
        scale = run("scale.py", "--schools", str(options.scale), *(["--new-migration"] * options.new_migration))
        scale["measured"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if options.rewrite or options.scale:
        saved = json.loads(path.read_text())
        provisioning, grid, district = saved["provisioning"], saved["journal_grid"], saved["district"]
        load, monitoring, when = saved["load"], saved["monitoring"], saved["measured"]
        frame, district_grid = saved["frame"], saved["district_grid"]
        options.schools = district["schools"]
    else:
        provisioning = run("provisioning.py", "--schools", "50")
        grid = run("journal_grid.py", "--runs", "50")
        with scratch_database() as env:
            district = run("district.py", "--schools", str(options.schools), "--seed", str(options.seed), env=env)
            # Before the load, whose marks pile up on a few lessons.
            district_grid = run("district_grid.py", "--runs", "30", env=env)
            frame = run("frame.py", "--requests", "2000", env=env)
            load = run("load.py", "--clients", str(options.clients), "--workers", str(options.workers), env=env)
            monitoring = run("district_reports.py", env=env)
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    n, schools = provisioning["schools"], district["schools"]
    size = f"{schools} schools, {district['pupils']} pupils, {district['lessons']} lessons, {district['marks']} marks"
    cmd = {
        "provisioning": "bench/provisioning.py --schools 50",
        "grid": "bench/journal_grid.py --runs 50",
        "district": f"bench/district.py --schools {options.schools} --seed {options.seed}",
        "load": f"bench/load.py --clients {options.clients} --workers {options.workers}",
        "monitoring": "bench/district_reports.py",
        "frame": "bench/frame.py --requests 2000",
        "district_grid": "bench/district_grid.py --runs 30",
    }
    marks, diary, written = load["mark_entry"], load["parent_diary"], load["written"]
    marks_half, diary_half = load["mark_entry_at_70_percent"], load["parent_diary_at_70_percent"]
    ours, bare = monitoring["one_school_filling_ours"], monitoring["one_school_filling_bare_sql"]
    quality, quality_bare = monitoring["one_school_indicators"], monitoring["one_school_indicators_bare_sql"]
    rows = [
        (
            "create one school (row, address, schema with every table), after the process's first",
            "1 school",
            ms(provisioning["create_school"]["median_s"]),
            ms(provisioning["create_school"]["p95_s"]),
            f"{1 / provisioning['create_school']['median_s']:.1f} schools/s",
            cmd["provisioning"],
        ),
        (
            "create the process's first school (migrations run and recorded)",
            "1 school",
            ms(provisioning["create_first_school_s"]),
            "—",
            "—",
            cmd["provisioning"],
        ),
        (
            "migrate_schemas --tenant, nothing to apply",
            f"{n} schools",
            ms(provisioning["migrate_nothing_to_do_s"]),
            "—",
            f"{n / provisioning['migrate_nothing_to_do_s']:.1f} schools/s",
            cmd["provisioning"],
        ),
        (
            "one new migration, standard executor",
            f"{n} schools",
            ms(provisioning["migrate_one_new_standard_s"]),
            "—",
            f"{n / provisioning['migrate_one_new_standard_s']:.1f} schools/s",
            cmd["provisioning"],
        ),
        (
            "one new migration, multiprocessing executor (2 processes)",
            f"{n} schools",
            ms(provisioning["migrate_one_new_multiprocessing_s"]),
            "—",
            f"{n / provisioning['migrate_one_new_multiprocessing_s']:.1f} schools/s",
            cmd["provisioning"],
        ),
        (
            f"journal grid page, server time ({grid['page_queries']} SQL statements, "
            f"{grid['page_queries_without_set_search_path']} without `SET search_path`)",
            f"{grid['pupils']} pupils × {grid['lessons']} lessons",
            ms(grid["page"]["median_s"]),
            ms(grid["page"]["p95_s"]),
            f"{1 / grid['page']['median_s']:.0f} pages/s",
            cmd["grid"],
        ),
        (
            "journal grid selector alone",
            f"{grid['marks']} marks",
            ms(grid["selector"]["median_s"]),
            ms(grid["selector"]["p95_s"]),
            f"{grid['selector']['median_s'] / grid['bare_sql']['median_s']:.1f}× the bare SQL",
            cmd["grid"],
        ),
        (
            "bare SQL fetching the same rows",
            f"{grid['marks']} marks",
            ms(grid["bare_sql"]["median_s"]),
            ms(grid["bare_sql"]["p95_s"]),
            "—",
            cmd["grid"],
        ),
        (
            "generate the synthetic district",
            size,
            ms(district["seconds"]),
            "—",
            f"{district['seconds'] / schools:.1f} s per school",
            cmd["district"],
        ),
        (
            f"mark entry, POST /api/v1/marks/, {marks['clients']} clients, gunicorn {load['workers']} workers "
            f"({written['marks']} marks, {written['audit_entries']} audit entries, {written['notifications']} outbox rows)",
            size,
            ms(marks["median_s"]),
            ms(marks["p95_s"]),
            per_s(marks["throughput_per_s"]),
            cmd["load"],
        ),
        (
            f"parent diary week page, {diary['clients']} clients, gunicorn {load['workers']} workers "
            f"({written['diary_views']} views recorded)",
            size,
            ms(diary["median_s"]),
            ms(diary["p95_s"]),
            per_s(diary["throughput_per_s"]),
            cmd["load"],
        ),
        (
            f"mark entry at 70 % of that rate, steady ({marks_half['rate']:.0f}/s sent)",
            size,
            ms(marks_half["median_s"]),
            ms(marks_half["p95_s"]),
            per_s(marks_half["throughput_per_s"]),
            cmd["load"],
        ),
        (
            f"parent diary at 70 % of that rate, steady ({diary_half['rate']:.0f}/s sent)",
            size,
            ms(diary_half["median_s"]),
            ms(diary_half["p95_s"]),
            per_s(diary_half["throughput_per_s"]),
            cmd["load"],
        ),
        (
            "nightly monitoring update (this month's Q1–Q17, every school, Celery worker ×2)",
            f"{schools} schools",
            ms(monitoring["nightly_update_s"]),
            "—",
            f"{schools / monitoring['nightly_update_s']:.1f} schools/s",
            cmd["monitoring"],
        ),
        (
            "full monthly report: last month's indicators and filling reports (worker ×2), district reports, "
            "PDF and XLSX",
            f"{schools} schools",
            ms(monitoring["monthly_report_total_s"]),
            "—",
            "—",
            cmd["monitoring"],
        ),
        (
            "one school's month so far: the filling table and pupil × subject counts, one process",
            "1 school",
            ms(ours["median_s"]),
            ms(ours["p95_s"]),
            f"{ours['median_s'] / bare['median_s']:.1f}× the bare SQL",
            cmd["monitoring"],
        ),
        ("bare SQL of the same counts", "1 school", ms(bare["median_s"]), ms(bare["p95_s"]), "—", cmd["monitoring"]),
        (
            "one school's month so far: all of Q1–Q17, one process",
            "1 school",
            ms(quality["median_s"]),
            ms(quality["p95_s"]),
            f"{quality['median_s'] / quality_bare['median_s']:.1f}× the bare SQL",
            cmd["monitoring"],
        ),
        (
            "bare SQL fetching the rows Q1–Q17 read",
            "1 school",
            ms(quality_bare["median_s"]),
            ms(quality_bare["p95_s"]),
            "—",
            cmd["monitoring"],
        ),
        (
            "database size of a school with its term",
            "1 school",
            mib(monitoring["school_bytes"]["median"]),
            "—",
            f"max {mib(monitoring['school_bytes']['max'])}",
            cmd["monitoring"],
        ),
        (
            "database size of an empty school schema",
            "1 school",
            f"{provisioning['empty_school_bytes'] / 1024:.0f} KiB",
            "—",
            "—",
            cmd["provisioning"],
        ),
    ]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {when} on {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores; PostgreSQL and Redis on the same machine; the load generator too. Written by "
        f"`python bench/run.py --schools {options.schools}` (`make bench` runs the 20-school default); raw figures in "
        f"`{options.output}.json`; what they mean and what limits them in `performance.md`.",
        "",
        "| what | size | median | p95 | throughput | command |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {what} | {size_} | {median} | {p95} | {rate} | `{command}` |"
        for what, size_, median, p95, rate, command in rows
    ]
    lines += [
        "",
        *lean_path(load, frame, district_grid, grid, cmd),
        "",
        *targets(load, grid, cmd),
        "",
        *TEACHER_ACTIONS,
    ]
    if scale:
        lines += ["", *region(scale)]
    DOCS.mkdir(exist_ok=True)
    (DOCS / f"{options.output}.md").write_text("\n".join(lines) + "\n")
    (DOCS / f"{options.output}.json").write_text(
        json.dumps(
            {
                "measured": when,
                "provisioning": provisioning,
                "journal_grid": grid,
                "district": district,
                "load": load,
                "monitoring": monitoring,
                "frame": frame,
                "district_grid": district_grid,
                "scale": scale,
            },
            indent=2,
        )
        + "\n"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
