"""Sign-in through an identity provider over OpenID Connect: Госуслуги (ЕСИА) through an OIDC
gateway, a regional provider, any other. Authlib's Django client does the protocol (state,
nonce, the code exchange, the ID token's signature, issuer, audience and age); this module says
who the identity is here. An outside identity never makes an account: it is linked to one that
exists, by the person (from their page) or by the SNILS the provider vouches for, after the
person confirms (services.link_outside_identity). docs/identity.md says what a production ЕСИА
connection adds."""

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .identifiers import normalize_snils
from .models import OutsideIdentity, User

_registry = {}


def provider(key):
    """The configured provider `key` as {name, issuer, …}, or None."""
    return settings.IDENTITY_PROVIDERS.get(key)


def client(key):
    """Authlib's client of provider `key` (its discovery document is read once a process)."""
    config = provider(key)
    if key not in _registry or _registry[key][0] != config:
        oauth = OAuth()
        oauth.register(
            key,
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            server_metadata_url=config["issuer"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": config["scope"], "timeout": 10},
        )
        _registry[key] = (config, oauth.create_client(key))
    return _registry[key][1]


class Identity:
    """Who the provider says signed in: its subject id and, if it gave one, a valid SNILS."""

    def __init__(self, key, claims):
        self.provider, self.subject = key, str(claims.get("sub") or "")
        if not self.subject:
            raise ValidationError(_("Поставщик входа не сообщил идентификатор пользователя."))
        try:
            self.snils = normalize_snils(str(claims.get(provider(key)["snils_claim"]) or ""))
        except ValidationError:
            self.snils = None

    def as_dict(self):
        return {"provider": self.provider, "subject": self.subject, "snils": self.snils}

    @classmethod
    def from_dict(cls, data):
        identity = cls.__new__(cls)
        identity.__dict__.update(data)
        return identity

    def linked_user(self):
        link = OutsideIdentity.objects.filter(provider=self.provider, subject=self.subject, ended_at__isnull=True)
        return User.objects.filter(pk__in=link.values("user"), is_active=True).first()

    def user_by_snils(self):
        return User.objects.filter(snils=self.snils, is_active=True).first() if self.snils else None


def identity_from(request, key):
    """After the provider sent the person back: their Identity. Authlib checks the state against
    the session and the ID token; anything wrong raises (OAuthError, ValidationError)."""
    token = client(key).authorize_access_token(request)
    claims = dict(token.get("userinfo") or {})
    if provider(key)["snils_claim"] not in claims:  # some providers give it only at the userinfo endpoint
        claims.update(client(key).userinfo(token=token))
    return Identity(key, claims)
