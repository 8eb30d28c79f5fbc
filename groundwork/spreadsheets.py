"""Cells of the CSV and XLSX files the product writes. A typed text that starts like a formula
(= + - @, a tab or a carriage return) is written with a leading apostrophe, so a spreadsheet
shows it and never runs it (OWASP's CSV injection advice; openpyxl would even store "=…" as a
formula). Numbers, and texts that are numbers such as "-1 000,00", stay as they are."""

import io
import re

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?[\d\s\u00a0]+([.,]\d+)?")


def cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def row(values):
    return [cell(value) for value in values]


def table_xlsx(titles, head, rows, sheet="Лист1"):
    """One sheet: the title lines, the head, the rows (cells as above); the file's bytes."""
    book = Workbook()
    table = book.active
    table.title = sheet[:31]
    for title in titles:
        table.append([title])
    table.append(head)
    for values in rows:
        table.append(row(values))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
