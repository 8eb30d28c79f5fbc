"""Refusals from services, said to a person: on a page as one line, or beside the form's fields."""


def explain(error):
    """A ValidationError's (or PermissionDenied's) messages as one line."""
    return " ".join(getattr(error, "messages", [str(error)]))


def add_form_errors(form, error):
    """Puts a service's ValidationError beside the fields it names (the rest on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
