"""`make bench`: runs the benchmarks and writes docs/benchmarks.md and docs/benchmarks.json.

Kept out of `make test`: numbers are measured here, never asserted in timed tests."""

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def run(script, *args):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def main():
    schools = sys.argv[1] if len(sys.argv) > 1 else "50"
    provisioning = run("provisioning.py", "--schools", schools)
    grid = run("journal_grid.py", "--runs", "50")
    command = f"make bench (bench/provisioning.py --schools {schools})"
    grid_command = "make bench (bench/journal_grid.py --runs 50)"
    n = provisioning["schools"]
    rows = [
        ("create one school (row, address, schema, migrations)", "1 school", ms(provisioning["create_school"]["median_s"]),
         ms(provisioning["create_school"]["p95_s"]), f"{1 / provisioning['create_school']['median_s']:.1f} schools/s"),
        ("migrate_schemas --tenant, nothing to apply", f"{n} schools", ms(provisioning["migrate_nothing_to_do_s"]), "—",
         f"{n / provisioning['migrate_nothing_to_do_s']:.1f} schools/s"),
        ("one new migration, standard executor", f"{n} schools", ms(provisioning["migrate_one_new_standard_s"]), "—",
         f"{n / provisioning['migrate_one_new_standard_s']:.1f} schools/s"),
        ("one new migration, multiprocessing executor (2 processes)", f"{n} schools",
         ms(provisioning["migrate_one_new_multiprocessing_s"]), "—",
         f"{n / provisioning['migrate_one_new_multiprocessing_s']:.1f} schools/s"),
        ("database size of an empty school schema", "1 school", f"{provisioning['empty_school_bytes'] / 1024:.0f} KiB", "—", "—"),
    ]
    size = f"{grid['pupils']} pupils × {grid['lessons']} lessons, {grid['marks']} marks"
    grid_rows = [
        (f"journal grid page, server time ({grid['page_queries']} SQL statements, "
         f"{grid['page_queries_without_set_search_path']} without `SET search_path`)", size,
         ms(grid["page"]["median_s"]), ms(grid["page"]["p95_s"]), f"{1 / grid['page']['median_s']:.0f} pages/s"),
        ("journal grid selector alone", size, ms(grid["selector"]["median_s"]), ms(grid["selector"]["p95_s"]),
         f"{grid['selector']['median_s'] / grid['bare_sql']['median_s']:.1f}× the bare SQL"),
        ("bare SQL fetching the same rows", size, ms(grid["bare_sql"]["median_s"]), ms(grid["bare_sql"]["p95_s"]), "—"),
    ]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks", "",
        f"Measured {when} on {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        "2 cores; PostgreSQL and Redis on the same machine. Written by `make bench`; raw figures in `benchmarks.json`.", "",
        "| what | size | median | p95 | throughput | command |", "|---|---|---|---|---|---|",
    ]
    lines += [f"| {what} | {size} | {median} | {p95} | {rate} | `{command}` |" for what, size, median, p95, rate in rows]
    lines += [f"| {what} | {size_} | {median} | {p95} | {rate} | `{grid_command}` |"
              for what, size_, median, p95, rate in grid_rows]
    DOCS.mkdir(exist_ok=True)
    (DOCS / "benchmarks.md").write_text("\n".join(lines) + "\n")
    (DOCS / "benchmarks.json").write_text(
        json.dumps({"measured": when, "provisioning": provisioning, "journal_grid": grid}, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
