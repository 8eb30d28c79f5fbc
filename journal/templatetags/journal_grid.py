"""The journal grid's cells, built in one pass: a class of 30 for a term is over a thousand
cells, and nested template tags per cell made the page three times slower."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def grid_cells(context, row):
    my_lessons, today = context["my_lessons"], context["today"]
    cells = []
    for cell in row["cells"]:
        lesson, attendance = cell["lesson"], cell["attendance"]
        writable = cell["applies"] and lesson.pk in my_lessons and lesson.date <= today and not row["left"]
        absence = format_html('<span class="abs" title="{}">{}</span>', attendance.get_reason_display(),
                              attendance.get_status_display()) if attendance else ""
        marks = format_html_join("", '<span class="mark" data-mark="{}" title="{}">{}</span>', (
            (m.pk, f"{m.work_type.name}: {m.comment}" if m.comment else m.work_type.name, m.value) for m in cell["marks"]))
        cells.append(format_html('<td class="cell{}" data-lesson="{}"{}>{}{}</td>', "" if cell["applies"] else " off",
                                 lesson.pk, mark_safe(' data-open="1"') if writable else "", absence, marks))
    return mark_safe("\n".join(cells))
