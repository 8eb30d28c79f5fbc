"""Signing in through an identity provider (Госуслуги and regional ones speak OpenID Connect), as a
parent and a deputy meet it, against a real OpenID provider running on this machine
(oidc-provider-mock): the provider's form is filled in, its code exchanged, its ID token checked.
An outside identity never makes an account; it is linked to one by the SNILS the provider vouches
for, after the person confirms, or from the person's own page."""

from urllib.parse import quote, urlsplit

import httpx
import oidc_provider_mock
import pytest

from accounts.models import LoginAttempt, OutsideIdentity, User
from audit.models import AuditEntry

SNILS = "11223344595"


@pytest.fixture(scope="module")
def provider():
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def esia(provider, settings):
    settings.IDENTITY_PROVIDERS = {
        "esia": {
            "name": "Госуслуги",
            "issuer": provider,
            "client_id": "ejournal-district",
            "client_secret": "a-secret-of-the-district",
            "scope": "openid snils",
            "snils_claim": "snils",
        }
    }
    return provider


def person_at_provider(provider, sub, **claims):
    assert httpx.put(f"{provider}/users/{quote(sub)}", json=claims).status_code == 204


def through_provider(browser, sub, start="/login/outside/esia/", method="get", action=None):
    """The browser goes to the provider, the person signs in there as `sub` (or refuses), and the
    browser comes back: the answer of our callback."""
    to_provider = getattr(browser, method)(start)
    assert to_provider.status_code == 302 and to_provider.url.startswith("http://localhost:")
    form = {"sub": sub} if action is None else {"action": action}
    back = httpx.post(to_provider.url, data=form)
    assert back.status_code == 302, back.text
    target = urlsplit(back.headers["location"])
    assert target.path == "/login/outside/esia/done/"
    return browser.get(f"{target.path}?{target.query}")


def test_a_parent_whose_snils_the_provider_vouches_for_links_once_and_then_just_signs_in(world, enter, esia):
    User.objects.filter(pk=world.parent.pk).update(snils=SNILS)
    person_at_provider(esia, "esia-1000001", snils="112-233-445 95", family_name="Родителева")
    browser = enter()
    assert "Войти через Госуслуги" in browser.get("/login/").content.decode()
    offer = through_provider(browser, "esia-1000001")
    assert offer.status_code == 302 and offer.url == "/login/outside-link/"
    page = browser.get("/login/outside-link/").content.decode()
    assert "Родителева М." in page and "Связать и войти" in page
    assert browser.get("/notifications/").status_code == 302  # not signed in before confirming
    assert browser.post("/login/outside-link/").status_code == 302
    assert browser.get("/notifications/").status_code == 200
    link = OutsideIdentity.objects.get(user=world.parent)
    assert link.provider == "esia" and link.subject == "esia-1000001"
    assert AuditEntry.objects.filter(action="user.outside_linked", target_id=world.parent.pk).exists()

    again = enter()
    assert through_provider(again, "esia-1000001").status_code == 302  # linked: straight in
    assert again.get("/notifications/").status_code == 200
    assert LoginAttempt.objects.filter(user=world.parent, identifier="esia", success=True).count() == 2
    assert "<td>Госуслуги</td>" in again.get("/account/").content.decode()  # in the person's list of sign-ins
    # Unlinked from the person's page, the identity signs nobody in.
    again.post("/account/", {"action": "unlink", "link": link.pk})
    User.objects.filter(pk=world.parent.pk).update(snils=None)
    assert through_provider(enter(), "esia-1000001").status_code == 404


def test_nobody_with_that_snils_gets_no_account_and_no_way_in(world, enter, esia):
    person_at_provider(esia, "esia-2000002", snils="112-233-445 95")
    people = User.objects.count()
    unknown = through_provider(enter(), "esia-2000002")
    assert unknown.status_code == 404 and "не найдена" in unknown.content.decode()
    no_snils = through_provider(enter(), "esia-3000003")  # the provider gave no SNILS at all
    assert no_snils.status_code == 404
    assert User.objects.count() == people and not OutsideIdentity.objects.exists()


def test_a_deputy_still_gives_the_second_factor_and_gets_nothing_at_another_school(world, enter, esia):
    a, b = world.a, world.b
    User.objects.filter(pk=a.deputy.pk).update(snils=SNILS)
    person_at_provider(esia, "esia-4000004", snils=SNILS)
    browser = enter(host=a.host)
    through_provider(browser, "esia-4000004")
    browser.post("/login/outside-link/")
    assert browser.get("/classes/").url.startswith("/account/2fa/")  # the second factor, as after a password
    at_b = enter(host=b.host)
    refused = through_provider(at_b, "esia-4000004").content.decode()
    assert "По этому адресу у вас нет доступа" in refused
    assert at_b.get("/classes/").status_code == 302


def test_a_signed_in_person_links_the_provider_on_their_page_and_the_account_takes_the_snils(world, enter, esia):
    person_at_provider(esia, "esia-5000005", snils=SNILS)
    browser = enter(world.other_parent)
    assert "Подключить вход через Госуслуги" in browser.get("/account/").content.decode()
    done = through_provider(browser, "esia-5000005", start="/login/outside/esia/", method="post")
    assert done.url == "/account/"
    assert User.objects.get(pk=world.other_parent.pk).snils == SNILS
    assert "Госуслуги" in browser.get("/account/").content.decode()
    # The same identity cannot be linked to a second account.
    second = enter(world.parent)
    through_provider(second, "esia-5000005", method="post")
    assert OutsideIdentity.objects.filter(subject="esia-5000005").count() == 1
    assert not OutsideIdentity.objects.filter(user=world.parent).exists()


def test_a_provider_that_vouches_for_another_snils_is_not_linked(world, enter, esia):
    User.objects.filter(pk=world.parent.pk).update(snils=SNILS)
    person_at_provider(esia, "esia-6000006", snils="001-001-999 65")
    browser = enter(world.parent)
    through_provider(browser, "esia-6000006", method="post")
    page = browser.get("/account/").content.decode()
    assert "не совпадает со СНИЛС" in page and not OutsideIdentity.objects.exists()


def test_a_refusal_at_the_provider_or_a_forged_return_signs_nobody_in(world, enter, esia):
    browser = enter()
    refused = through_provider(browser, "", action="deny")
    assert refused.url == "/login/"
    assert "не завершён" in browser.get("/login/").content.decode()
    forged = enter().get("/login/outside/esia/done/?code=stolen&state=made-up")
    assert forged.status_code == 302 and forged.url == "/login/"
    assert enter().get("/login/outside/elsewhere/").status_code == 404
