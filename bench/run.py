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
    command = f"make bench (bench/provisioning.py --schools {schools})"
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
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks", "",
        f"Measured {when} on {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        "2 cores; PostgreSQL and Redis on the same machine. Written by `make bench`; raw figures in `benchmarks.json`.", "",
        "| what | size | median | p95 | throughput | command |", "|---|---|---|---|---|---|",
    ]
    lines += [f"| {what} | {size} | {median} | {p95} | {rate} | `{command}` |" for what, size, median, p95, rate in rows]
    DOCS.mkdir(exist_ok=True)
    (DOCS / "benchmarks.md").write_text("\n".join(lines) + "\n")
    (DOCS / "benchmarks.json").write_text(json.dumps({"measured": when, "provisioning": provisioning}, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
