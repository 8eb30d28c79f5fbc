"""SMS as a parent with only a phone meets it: absences arrive by SMS through the gateway (the
stand-in SMS.ru of make demo, a real HTTP server here), marks only if asked; each school has a
monthly limit that the district sees in billing; a gateway that is down or refuses never costs
the journal an entry, and what could not go waits and goes later."""

from datetime import date, timedelta

from django.utils import timezone

from accounts import services as accounts
from accounts.models import NotificationPreference
from journal import services as journal
from notifications.delivery import BY_SMS, deliver_pending
from notifications.models import Notification
from sms import delivery
from sms.models import TextMessage
from sms.services import OVER_LIMIT, send_about_account
from tenants.models import School

from .conftest import PASSWORD, link_parent

TODAY = date.today()


def test_a_parent_with_only_a_phone_gets_the_absence_by_sms_and_marks_only_if_asked(
    world, lesson, phone_parent, sms_gateway
):
    a, cal = world.a, world.calendar_a
    journal.take_attendance(lesson, absent=[a.pupils[1], a.pupils[2]], by=a.class_teacher)
    journal.add_mark(lesson, pupil=a.pupils[1], value="4", work_type=cal.answer, by=a.class_teacher)
    deliver_pending()
    absence = Notification.objects.get(recipient=phone_parent, kind="absence")
    assert absence.email_skipped == BY_SMS
    assert Notification.objects.get(recipient=phone_parent, kind="mark").email_skipped == "no e-mail"
    assert delivery.send_waiting() == 1
    ((phone, text),) = sms_gateway.received()
    assert phone == "+79005554433" and "отсутствует на уроке «Математика»" in text
    assert a.pupils[1].first_name in text  # one SMS: the other absent pupil's parent has e-mail
    message = TextMessage.objects.get()
    assert message.sent_at and message.school.pk == a.school.pk and message.gateway_ref

    NotificationPreference.objects.create(user=phone_parent, sms_marks=True)
    journal.add_mark(lesson, pupil=a.pupils[1], value="5", work_type=cal.answer, by=a.class_teacher)
    deliver_pending()
    delivery.send_waiting()
    assert "Математика — 5" in sms_gateway.received()[-1][1]


def test_a_parent_who_said_no_gets_no_sms_and_quiet_hours_hold_it(world, lesson, phone_parent, sms_gateway):
    a = world.a
    preference = NotificationPreference.objects.create(user=phone_parent, sms=False)
    journal.take_attendance(lesson, absent=[a.pupils[1]], by=a.class_teacher)
    deliver_pending()
    assert Notification.objects.get(recipient=phone_parent, kind="absence").email_skipped == "no e-mail"
    assert not TextMessage.objects.exists()

    now = timezone.localtime()
    preference.sms, preference.quiet_from, preference.quiet_to = True, now.time(), (now + timedelta(hours=1)).time()
    preference.save()
    journal.take_attendance(lesson, absent=[], by=a.class_teacher)
    journal.take_attendance(lesson, late=[a.pupils[1]], by=a.class_teacher)  # late: told like an absence
    deliver_pending()
    assert not TextMessage.objects.exists()  # waits for the end of the quiet hours
    deliver_pending(now=timezone.now() + timedelta(hours=1, minutes=1))
    assert "опоздал(а)" in TextMessage.objects.get().text


def test_over_the_schools_monthly_limit_nothing_is_sent_and_billing_shows_it(
    world, lesson, phone_parent, sms_gateway, enter
):
    a = world.a
    School.objects.filter(pk=a.school.pk).update(sms_monthly_limit=1)
    for absent in ([a.pupils[1]], [], [a.pupils[1]]):  # absent, then not, then absent again: two notices
        journal.take_attendance(lesson, absent=absent, by=a.class_teacher)
        deliver_pending()
    assert delivery.send_waiting() == 1
    assert len(sms_gateway.received()) == 1
    assert TextMessage.objects.filter(skipped=OVER_LIMIT).count() == 1
    page = enter(world.operator).get(f"/district/billing/?sms_month={TODAY:%Y-%m}").content.decode()
    row = page.split("SMS-уведомления школ")[1].split(a.school.short_name)[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td><td><b>1</b></td>" in row.replace("\n", "")
    assert enter(world.operator).get("/district/billing/?sms_month=13-2026").status_code == 200  # said, not a 500
    # The district operator sets the limit; nobody else can.
    slug = a.school.slug
    assert enter(world.official).post(f"/district/schools/{slug}/sms-limit/", {"limit": "900"}).status_code in (
        403,
        404,
    )
    enter(world.operator).post(f"/district/schools/{slug}/sms-limit/", {"limit": "-3"})
    assert School.objects.get(pk=a.school.pk).sms_monthly_limit == 1
    enter(world.operator).post(f"/district/schools/{slug}/sms-limit/", {"limit": "900"})
    assert School.objects.get(pk=a.school.pk).sms_monthly_limit == 900


def test_a_gateway_that_is_down_costs_nothing_and_the_message_goes_later(
    world, lesson, phone_parent, sms_gateway, settings
):
    a = world.a
    up = settings.SMS_GATEWAY_URL
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9"  # nothing listens: connection refused
    journal.take_attendance(lesson, absent=[a.pupils[1]], by=a.class_teacher)  # the journal takes it
    deliver_pending()
    assert delivery.send_waiting() == 0
    message = TextMessage.objects.get()
    assert message.attempts == 1 and message.retry_at and not message.skipped and not message.sent_at
    settings.SMS_GATEWAY_URL = up
    assert delivery.send_waiting() == 0  # still waiting out its minute
    assert delivery.send_waiting(now=message.retry_at + timedelta(seconds=1)) == 1
    assert len(sms_gateway.received()) == 1

    settings.SMS_API_ID = "a-wrong-key"  # the account's problem, not the message's: it waits
    send_about_account("+79001112233", "проверка")
    for attempt in range(delivery.MAX_ATTEMPTS):
        delivery.send_waiting(now=timezone.now() + timedelta(hours=3 * (attempt + 1)))
    given_up = TextMessage.objects.get(text="проверка")
    assert given_up.skipped == "failed" and "200" in given_up.last_error


def test_a_number_the_gateway_refuses_is_not_tried_again_and_a_late_code_is_not_sent(world, db, sms_gateway):
    send_about_account("+79009999999", "код 123456", minutes=10)
    assert delivery.send_waiting() == 0
    refused = TextMessage.objects.get()
    assert refused.skipped == "refused" and "207" in refused.last_error
    send_about_account("+79001112233", "код 654321", minutes=10)
    assert delivery.send_waiting(now=timezone.now() + timedelta(minutes=11)) == 0
    assert TextMessage.objects.get(text="код 654321").skipped == "expired"
    assert sms_gateway.received() == []


def test_without_a_gateway_configured_notices_stay_with_the_portal(world, lesson, phone_parent, settings):
    settings.SMS_API_ID = ""
    journal.take_attendance(lesson, absent=[world.a.pupils[1]], by=world.a.class_teacher)
    deliver_pending()
    assert Notification.objects.get(recipient=phone_parent, kind="absence").email_skipped == "no e-mail"
    assert not TextMessage.objects.exists()


def test_a_notice_the_gateway_refuses_is_listed_for_the_school_admin_only(world, lesson, sms_gateway, enter):
    a = world.a
    parent = accounts.create_person(
        accounts.NewAccount(last_name="Недоступная", first_name="Ирина", phone="+7 900 999-99-99", password=PASSWORD)
    )
    link_parent(a, parent, a.pupils[1])
    journal.take_attendance(lesson, absent=[a.pupils[1]], by=a.class_teacher)
    deliver_pending()
    delivery.send_waiting()
    assert TextMessage.objects.get().skipped == "refused"
    home = enter(a.admin, a.host).get("/").content.decode()
    assert "SMS, которые не удалось доставить" in home and "+7900***9999" in home
    assert "+7900***9999" not in enter(world.b.admin, world.b.host).get("/").content.decode()
    assert "+7900***9999" not in enter(a.class_teacher, a.host).get("/").content.decode()
