"""Cells of the CSV and XLSX files the product writes. A typed text that starts like a formula
(= + - @, a tab or a carriage return) is written with a leading apostrophe, so a spreadsheet
shows it and never runs it (OWASP's CSV injection advice; openpyxl would even store "=…" as a
formula). Numbers, and texts that are numbers such as "-1 000,00", stay as they are."""

import io
import re

from django.utils.functional import Promise
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # its content type
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?[\d\s\u00a0]+([.,]\d+)?")


def cell(value):
    if isinstance(value, Promise):  # a translated heading: its text in the reader's language
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def row(values):
    return [cell(value) for value in values]


def table_xlsx(titles, head, rows, sheet=None):
    """One sheet: the title lines, the head, the rows (cells as above); the file's bytes."""
    book = Workbook()
    table = book.active
    table.title = str(sheet or gettext("Лист1"))[:31]
    for title in titles:
        table.append(row([title]))
    table.append(row(head))
    for values in rows:
        table.append(row(values))
    return workbook_bytes(book)


def workbook_bytes(book):
    """Every sheet of the product's spreadsheets finished the same way, then the file's bytes: the
    title lines above the table in bold, the table's head bold, wrapped and frozen (it stays in
    sight when scrolling), columns as wide as their content (within reason)."""
    for sheet in book.worksheets:
        head = next((r for r in sheet.iter_rows() if sum(1 for c in r if c.value not in (None, "")) > 1), None)
        if head is None:
            continue
        top = head[0].row
        for line in sheet.iter_rows(max_row=top):
            for cell in line:
                cell.font = Font(bold=True)
        for cell in head:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = sheet.cell(row=top + 1, column=1)
        for column in sheet.iter_cols(min_row=top):
            longest = max((len(str(c.value)) for c in column if c.value is not None), default=0)
            sheet.column_dimensions[get_column_letter(column[0].column)].width = min(max(longest + 2, 8), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
