from django.contrib.auth.backends import BaseBackend
from django.db.models import Q

from .identifiers import candidates
from .models import User
from .selectors import signed_in_person


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
    """Checks a login (e-mail, phone or SNILS) and password, once the sign-in limits let it
    (accounts.services.sign_in is the one caller), and loads the signed-in person."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_user(username or "")
        if user is None:
            # Hash anyway, so a missing login answers as slowly as a wrong password.
            User().set_password(password)
            return None
        if user.is_active and user.check_password(password or ""):
            return user
        return None

    def get_user(self, user_id):
        return signed_in_person(user_id)
