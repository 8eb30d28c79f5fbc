"""The SMS gateway behind one small interface, `send(phone, text)` → the gateway's id of the
message, raising Unavailable (try again later) or Refused (this message will never go).

One adapter: SMS.ru's public HTTP API (https://sms.ru/api/send), a Russian gateway that
delivers to every operator. It is one form POST with a JSON answer, so it is plain `requests`:
the PyPI clients for it (smsru-api) fix the host in the code, and the tests and `make demo`
point the adapter at a stand-in gateway on this machine (deploy/smsgateway.py). Another
gateway is another class with the same `send`, chosen in `gateway()`."""

import requests
from django.conf import settings


class Unavailable(Exception):
    """The gateway cannot take the message now (down, out of money, over its rate): retry."""


class Refused(Exception):
    """The gateway refused this message for good (a number it cannot reach, a text it rejects)."""


class SmsRu:
    TIMEOUT = (3, 10)  # connect, read: a slow gateway holds one worker, never a request

    def __init__(self, url, api_id, sender=""):
        self.url, self.api_id, self.sender = url.rstrip("/"), api_id, sender

    def send(self, phone, text):
        number = phone.lstrip("+")
        form = {"api_id": self.api_id, "to": number, "msg": text, "json": 1}
        if self.sender:
            form["from"] = self.sender
        try:
            response = requests.post(f"{self.url}/sms/send", data=form, timeout=self.TIMEOUT)
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise Unavailable(str(error)[:300]) from error
        # A request-wide error is about the account (the key, the balance, the gateway's limits):
        # the message itself may go once that is put right.
        if answer.get("status") != "OK":
            raise Unavailable(f"{answer.get('status_code')}: {answer.get('status_text', '')}")
        result = (answer.get("sms") or {}).get(number) or {}
        if result.get("status") != "OK":
            raise Refused(f"{result.get('status_code')}: {result.get('status_text', '')}")
        return str(result.get("sms_id", ""))


def gateway():
    """The configured gateway, or None when SMS is not set up (SMS_API_ID is empty)."""
    if not settings.SMS_API_ID:
        return None
    return SmsRu(settings.SMS_GATEWAY_URL, settings.SMS_API_ID, settings.SMS_SENDER)
