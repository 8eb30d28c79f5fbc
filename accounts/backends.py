from django.contrib.auth.backends import BaseBackend
from django.db.models import Q

from .identifiers import candidates
from .models import User


def find_user(identifier):
    """The one account a typed e-mail, phone or SNILS names; None when none or ambiguous."""
    query = Q()
    for field, value in candidates(identifier).items():
        query |= Q(**{field: value})
    if not query:
        return None
    users = list(User.objects.filter(query)[:2])
    return users[0] if len(users) == 1 else None


class IdentifierBackend(BaseBackend):
    """Loads the signed-in person for each request. Credentials are checked only by
    accounts.services.sign_in, the one path that logs attempts and locks accounts."""

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()
