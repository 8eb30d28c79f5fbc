"""The journal grid's cells, built in one pass with plain string formatting: a class of 30 for
a term is over a thousand cells, most of them empty, and template tags or format_html per cell
made the page several times slower (docs/benchmarks.md)."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()
OPEN = ' data-open="1"'


@register.simple_tag(takes_context=True)
def grid_cells(context, row):
    my_lessons, today, present = context["my_lessons"], context["today"], not row["left"]
    monday, sunday = context["week"]
    cells = []
    for cell in row["cells"]:
        lesson, attendance = cell["lesson"], cell["attendance"]
        week = " week" if monday <= lesson.date <= sunday else ""
        if not cell["applies"]:
            cells.append(f'<td class="cell off{week}" data-lesson="{lesson.pk}"></td>')
            continue
        writable = present and lesson.pk in my_lessons and lesson.date <= today
        parts = [f'<td class="cell{week}" data-lesson="{lesson.pk}"{OPEN if writable else ""}>']
        if attendance:
            parts.append(
                f'<span class="abs" title="{escape(str(attendance.get_reason_display()))}">'
                f"{escape(str(attendance.get_status_display()))}</span>"
            )
        for mark in cell["marks"]:
            title = f"{mark.work_type.name}: {mark.comment}" if mark.comment else mark.work_type.name
            parts.append(
                f'<span class="mark" data-mark="{mark.pk}" data-comment="{escape(mark.comment)}" title="{escape(title)}">'
                f"{escape(mark.value)}</span>"
            )
        parts.append("</td>")
        cells.append("".join(parts))
    return mark_safe("\n".join(cells))


@register.simple_tag
def print_cells(row, first, last):
    """The cells of lessons first..last-1 for the printed journal: what is recorded, nothing to click."""
    cells = []
    for cell in row["cells"][first:last]:
        if not cell["applies"]:
            cells.append('<td class="off"></td>')
            continue
        absence = escape(str(cell["attendance"].get_status_display())) + " " if cell["attendance"] else ""
        cells.append(f"<td>{absence}{' '.join(escape(mark.value) for mark in cell['marks'])}</td>")
    return mark_safe("".join(cells))
