"""Credentials as the regulations hand them out: staff from the school admin, parents and
pupils from the class teacher; one-time codes; the first sign-in sets the password."""

import re
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Invitation, Membership, Role, User
from audit.models import AuditEntry
from journal.models import Guardian
from tenants.services import create_school

NEW_PASSWORD = "Svoy-parol-2026"


def code_on(page):
    return re.search(r'class="code">([A-Z0-9]{5}-[A-Z0-9]{5})<', page.content.decode()).group(1)


def new_account(**extra):
    data = {
        "account-last_name": "Новикова",
        "account-first_name": "Нина",
        "account-middle_name": "Петровна",
        "account-email": "",
        "account-phone": "",
        "account-snils": "",
        "account-password": NEW_PASSWORD,
        "account-password_again": NEW_PASSWORD,
    }
    data.update({f"account-{k}": v for k, v in extra.items()})
    return data


def staff_account(**extra):
    return {**new_account(**extra), "consent": "on"}  # staff consent to their own data (152-ФЗ)


def test_the_school_admin_invites_a_teacher_who_sets_a_password_on_first_sign_in(world, enter):
    slip = enter(world.a.admin, world.a.host).post("/staff/invite/", {"role": "teacher", "full_name": "Новикова Н. П."})
    assert (
        "Реквизиты доступа" in slip.content.decode()
        and "http://school-a.localhost:8000/invite/" in slip.content.decode()
    )
    code = code_on(slip)
    newcomer = enter(host=world.a.host)
    assert "приглашает вас: Учитель" in newcomer.get(f"/invite/{code}/").content.decode()
    asked = newcomer.post(f"/invite/{code}/", new_account(email="nina@school-a.test")).content.decode()
    assert "только с вашего согласия" in asked and not User.objects.filter(email="nina@school-a.test").exists()
    response = newcomer.post(f"/invite/{code}/", staff_account(email="nina@school-a.test"))
    assert response.status_code == 302
    nina = User.objects.get(email="nina@school-a.test")
    membership = Membership.objects.at(world.a.school).get(user=nina, role=Role.TEACHER)
    assert membership.consent_at and membership.consent_version  # her consent is on record, as a parent's is
    assert (
        enter(host=world.a.host)
        .post("/login/", {"identifier": "nina@school-a.test", "password": NEW_PASSWORD})
        .status_code
        == 302
    )
    assert AuditEntry.objects.filter(action="invitation.used", actor=nina).exists()


def test_an_invitation_works_once(world, enter):
    code = code_on(
        enter(world.a.admin, world.a.host).post("/staff/invite/", {"role": "deputy", "full_name": "Завучева"})
    )
    enter(host=world.a.host).post(f"/invite/{code}/", staff_account(email="first@school-a.test"))
    second = enter(host=world.a.host).post(f"/invite/{code}/", new_account(email="second@school-a.test"))
    assert second.status_code == 410 and "уже использовано" in second.content.decode()
    assert not User.objects.filter(email="second@school-a.test").exists()


def test_an_expired_or_revoked_invitation_changes_nothing(world, enter):
    admin = enter(world.a.admin, world.a.host)
    expired = code_on(admin.post("/staff/invite/", {"role": "teacher", "full_name": "Опоздавший"}))
    Invitation.find(expired).__class__.objects.filter(pk=Invitation.find(expired).pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = enter(host=world.a.host).post(f"/invite/{expired}/", new_account(email="late@school-a.test"))
    assert response.status_code == 410 and "Срок действия приглашения истёк" in response.content.decode()
    revoked = code_on(admin.post("/staff/invite/", {"role": "teacher", "full_name": "Отозванный"}))
    admin.post(f"/invitations/{Invitation.find(revoked).pk}/revoke/", {"back": "/staff/"})
    response = enter(host=world.a.host).post(f"/invite/{revoked}/", new_account(email="revoked@school-a.test"))
    assert response.status_code == 410 and "отозвано" in response.content.decode()
    assert not User.objects.filter(email__in=["late@school-a.test", "revoked@school-a.test"]).exists()


def test_an_unknown_code_gets_a_clear_page(world, enter):
    response = enter(host=world.a.host).get("/invite/AAAAA-BBBBB/")
    assert response.status_code == 404 and "Такого кода приглашения нет" in response.content.decode()


def test_only_the_school_admin_issues_staff_credentials(world, enter):
    for user in (world.a.director, world.a.teacher, world.a.class_teacher):
        assert (
            enter(user, world.a.host).post("/staff/invite/", {"role": "teacher", "full_name": "X"}).status_code == 403
        )
    assert not Invitation.objects.filter(full_name="X").exists()


def test_the_class_teacher_invites_a_parent_who_must_consent(world, enter):
    a = world.a
    pupil = a.pupils[1]
    slip = enter(a.class_teacher, a.host).post(
        f"/classes/{a.school_class.pk}/pupils/{pupil.pk}/invite/", {"role": "parent", "full_name": "Отцов П. П."}
    )
    assert pupil.full_name in slip.content.decode() and "http://localhost:8000/invite/" in slip.content.decode()
    code = code_on(slip)
    portal = enter()
    refused = portal.post(f"/invite/{code}/", new_account(phone="+7 900 555-00-01"))
    assert "Без согласия" in refused.content.decode()
    assert not User.objects.filter(phone="+79005550001").exists()
    assert (
        portal.post(f"/invite/{code}/", {**new_account(phone="+7 900 555-00-01"), "consent": "on"}).status_code == 302
    )
    parent = User.objects.get(phone="+79005550001")
    with schema_context(a.school.schema_name):
        link = Guardian.objects.get(user=parent, pupil_id=pupil.pk)
        assert link.consent_at is not None and link.consent_version
    assert pupil.full_name in portal.get("/").content.decode()


def test_a_signed_in_parent_adds_a_child_from_another_school_to_the_same_login(world, enter):
    b = world.b
    code = code_on(
        enter(b.class_teacher, b.host).post(
            f"/classes/{b.school_class.pk}/pupils/{b.pupils[2].pk}/invite/", {"role": "parent"}
        )
    )
    portal = enter(world.other_parent)
    assert portal.post(f"/invite/{code}/", {"consent": "on"}).status_code == 302
    page = portal.get("/").content.decode()
    assert world.a.pupils[2].full_name in page and b.pupils[2].full_name in page


def test_a_class_teacher_cannot_invite_for_another_class_or_school(world, enter):
    a, b = world.a, world.b
    teacher = enter(a.class_teacher, a.host)
    other_class_pupil = a.pupils[3]  # in 6Б, not the class teacher's class
    assert (
        teacher.post(
            f"/classes/{a.other_class.pk}/pupils/{other_class_pupil.pk}/invite/", {"role": "parent"}
        ).status_code
        == 404
    )
    assert not Invitation.objects.filter(pupil_id=other_class_pupil.pk, school=a.school, used_at=None).exists()
    # School B's ids mean nothing at school A's address.
    assert (
        teacher.post(
            f"/classes/{b.school_class.pk}/pupils/{b.pupils[1].pk + 100}/invite/", {"role": "parent"}
        ).status_code
        == 404
    )
    # A teacher who is not a class teacher is refused outright.
    assert (
        enter(a.teacher, a.host)
        .post(f"/classes/{a.school_class.pk}/pupils/{a.pupils[1].pk}/invite/", {"role": "parent"})
        .status_code
        == 403
    )


def test_a_staff_invitation_opened_at_the_portal_leads_to_the_school(world, enter):
    code = code_on(enter(world.a.admin, world.a.host).post("/staff/invite/", {"role": "teacher", "full_name": "Y"}))
    response = enter().get(f"/invite/{code}/")
    assert response.status_code == 302 and response.url == f"http://school-a.localhost:8000/invite/{code}/"


def test_a_new_account_with_bad_logins_is_refused_with_reasons(world, enter):
    code = code_on(enter(world.a.admin, world.a.host).post("/staff/invite/", {"role": "teacher", "full_name": "Z"}))
    page = (
        enter(host=world.a.host)
        .post(f"/invite/{code}/", staff_account(snils="112-233-445 96", phone="12345"))
        .content.decode()
    )
    assert "контрольное число" in page and "мобильный номер" in page
    taken = (
        enter(host=world.a.host).post(f"/invite/{code}/", staff_account(email="teacher@school-a.test")).content.decode()
    )
    assert "уже занят" in taken
    assert Invitation.find(code).state == "active"


def test_the_district_operator_invites_a_new_schools_first_admin(world, enter):
    new = create_school(name="МБОУ «Школа Дельта»", short_name="Школа Дельта", slug="school-d")
    slip = enter(world.operator).post(f"/district/schools/{new.slug}/invite-admin/", {"full_name": "Админова А. А."})
    assert "http://school-d.localhost:8000/invite/" in slip.content.decode()
    assert Invitation.find(code_on(slip)).role == Role.SCHOOL_ADMIN
    assert (
        enter(world.official).post(f"/district/schools/{new.slug}/invite-admin/", {"full_name": "Q"}).status_code == 403
    )
