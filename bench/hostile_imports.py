"""How long a hostile import file holds the server: a small XLSX or CSV of 100,000 rows read
the way the importer reads it (stopping at the row limit) and, for comparison, read whole
(as before issue 13). No database needed.

    python bench/hostile_imports.py --runs 5
"""

import argparse
import csv
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def workbook(rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from journal.imports import read_table

    header = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Приказ", "Дата приказа"]
    files = {
        "xlsx, 100,000 one-cell rows": ("rows.xlsx", workbook([header] + [["Взломов"]] * 100_000)),
        "csv, 100,000 rows": ("rows.csv", (";".join(header) + "\n" + "Взломов\n" * 100_000).encode()),
    }
    print("| file | size | refused at the limit (median s) | read whole, as before (median s) |")
    print("|---|---|---|---|")
    for label, (name, content) in files.items():
        limited, whole = [], []
        for _ in range(options.runs):
            started = time.perf_counter()
            try:
                read_table(SimpleUploadedFile(name, content))
            except ValidationError:
                pass
            limited.append(time.perf_counter() - started)
            started = time.perf_counter()
            if name.endswith(".xlsx"):
                list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
            else:
                [[c.strip() for c in row] for row in csv.reader(io.StringIO(content.decode()), delimiter=";")]
            whole.append(time.perf_counter() - started)
        print(
            f"| {label} | {len(content) // 1024} KB | {statistics.median(limited):.3f} | {statistics.median(whole):.3f} |"
        )


if __name__ == "__main__":
    main()
