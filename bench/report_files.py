"""The district's monthly quality report as files for a region: XLSX and PDF of N schools'
figures, built from a report in memory (no database: what is timed is the file).

    python bench/report_files.py --schools 1000

Prints a JSON object."""

import argparse
import json
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import timezone

    from monitoring import reports
    from monitoring.models import DEFAULTS, NAMES, Report

    limits = {code: tuple(Decimal(v) for v in pair) for code, pair in DEFAULTS.items()}  # the default thresholds

    def figures(n):
        return {code: ((n * 7 + i) % 51, 50) for i, code in enumerate(NAMES)}

    report = Report(
        kind=Report.Kind.QUALITY,
        starts_on=date(2026, 11, 1),
        version=1,
        created_at=timezone.now(),
        data={
            "thresholds": reports._limits_data(limits),
            "totals": reports._quality_row(figures(0), limits),
            "schools": [
                {"slug": f"s{n}", "name": f"Школа № {n}", "cells": reports._quality_row(figures(n), limits)}
                for n in range(options.schools)
            ],
        },
    )
    result = {"schools": options.schools}
    for make in (reports.xlsx, reports.pdf):
        runs = []
        for _ in range(options.runs):
            started = time.perf_counter()
            size = len(make(report))
            runs.append(time.perf_counter() - started)
        result[make.__name__] = {"median_s": sorted(runs)[len(runs) // 2], "bytes": size}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
