"""Model objects from plain SQL rows, for the few hot reads written as SQL (the ORM's compiling
cost more than the statement): the columns to select, and the object a row's values make, as
the ORM would have made it."""

from django.db import connection


def columns(model, alias):
    """The model's columns for a SELECT list, each named with the table's `alias`."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def from_row(model, row, start=0):
    """The model object whose columns() a row holds from position `start`."""
    fields = model._meta.concrete_fields
    return model.from_db(connection.alias, [f.attname for f in fields], row[start : start + len(fields)])
