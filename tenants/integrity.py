"""What stands in for the foreign keys from school tables to people (docs/scaling.md, rule 1):
every person's id a school's rows hold must name a person in public."""

from django.apps import apps
from django.contrib.auth import get_user_model

from audit.models import SCHOOL_APPS


def people_columns():
    """(model, field) of every column of a school table that holds a person's id, many-to-many
    tables included."""
    person = get_user_model()
    return [
        (model, field)
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SCHOOL_APPS
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is person
    ]


def unknown_people(limit=10):
    """In this school's schema: by table.column, up to `limit` ids that name no person."""
    people = get_user_model().objects.values("pk")
    found = {}
    for model, field in people_columns():
        ids = (
            model._base_manager.filter(**{f"{field.attname}__isnull": False})
            .exclude(**{f"{field.attname}__in": people})
            .values_list(field.attname, flat=True)
            .distinct()[:limit]
        )
        if ids := list(ids):
            found[f"{model._meta.db_table}.{field.column}"] = ids
    return found
