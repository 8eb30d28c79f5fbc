"""An outside probe of issue 31's surfaces against a running demo (make demo): hostile requests
over HTTP as an attacker, a parent, a teacher and the operator would send them. Prints, for each
surface, the answers it got; any 5xx is a failure (exit 1).

    make demo PORT=8124 &   # then, once it serves:
    .venv/bin/python bench/probe.py --port 8124
"""

import argparse
import collections
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import requests

PASSWORD = "demo-parol-2026"
HUGE = str(2**63 + 7)


class Person:
    def __init__(self, base, host, login):
        self.base, self.host = base, host
        self.session = requests.Session()
        self.session.headers["Host"] = host
        page = self.get("/login/")
        answer = self.post("/login/", {"identifier": login, "password": PASSWORD, "next": "/"}, referer=page.url)
        assert answer.status_code in (200, 302), (login, answer.status_code)

    def csrf(self):
        return self.session.cookies.get("csrftoken", "")

    def get(self, path, **kw):
        return self.session.get(self.base + path, allow_redirects=False, timeout=30, **kw)

    def post(self, path, data=None, referer=None, **kw):
        headers = {"X-CSRFToken": self.csrf(), "Referer": f"http://{self.host}/"}
        return self.session.post(self.base + path, data=data, headers=headers, allow_redirects=False, timeout=30, **kw)

    def post_json(self, path, body):
        headers = {"X-CSRFToken": self.csrf(), "Referer": f"http://{self.host}/", "Content-Type": "application/json"}
        return self.session.post(self.base + path, data=json.dumps(body), headers=headers, timeout=30)


def statement(amount, payer="ООО Ромашка"):
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "СекцияДокумент=Платежное поручение", "Номер=9",
             "Дата=02.11.2026", f"Сумма={amount}", "ПлательщикИНН=5001007329", f"Плательщик1={payer}",
             "ПолучательИНН=7701010017", "КонецДокумента", "КонецФайла"]  # fmt: skip
    return "\r\n".join(lines).encode("cp1251")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args().port
    base = f"http://127.0.0.1:{port}"
    portal, school = f"localhost:{port}", f"school1.localhost:{port}"
    seen = collections.defaultdict(collections.Counter)

    def note(surface, response):
        seen[surface][response.status_code] += 1

    operator = Person(base, portal, "operator@district.example.ru")
    for month in ("2026-13", "0001-01", "9999-12", "abc", "2026-1", "%00"):
        note("billing: a bad month", operator.get(f"/district/billing/invoices/?month={month}"))
        note("billing: a bad month", operator.post("/district/billing/", {"month": month}))
    for payment in ("abc", HUGE, "-1", "1e5", ""):
        note("billing: a bad payment id", operator.post("/district/billing/payments/", {"action": "match", "payment": payment, "invoice": payment}))  # fmt: skip
    for amount, payer in (
        ("NaN", "x"),
        ("1E+30", "x"),
        ("1234567890123456.00", "x"),
        ("100.00", "Ф" * 400),
        ("-5", "x"),
    ):
        files = {"statement": ("bank.txt", statement(amount, payer))}
        note("billing: a hostile bank file", operator.post("/district/billing/payments/", {"action": "import"}, files=files))  # fmt: skip

    parent = Person(base, portal, "+7 900 000-00-01")
    for path in (f"/children/school1/{HUGE}/", f"/children/school1/{HUGE}/marks/", "/children/school1/0/",
                 f"/api/v1/children/school1/{HUGE}/week/", "/children/school1/1/?week=0001-01-01"):  # fmt: skip
        note("diary: an id or a week out of range", parent.get(path))
    keys = {"p256dh": "BASaPfUv91ljwnrvgCcFMsOKtc0xllyOy8El9TRstd-uUyvHkRDZlSAOq6ZWdzBxXItCMUn9uncPsTw5R8beDa4",
            "auth": "AAAAAAAAAAAAAAAAAAAAAA"}  # fmt: skip
    for endpoint in ("https://169.254.169.254/latest/meta-data/", "https://10.0.0.7/x", "http://localhost:6379/",
                     "http://127.0.0.1:15000/quitquitquit", "https://kubernetes.default.svc/", "https://2130706433/",
                     "https://metadata.google.internal/", "https://fcm.googleapis.com@10.0.0.7/"):  # fmt: skip
        note("push: an endpoint inside the network", parent.post_json("/api/v1/push-subscriptions/", {"endpoint": endpoint, "keys": keys}))  # fmt: skip

    teacher = Person(base, school, "teacher1@school1.example.ru")
    for day in ("0001-01-01", "9999-12-31", "2026-02-30", "x"):
        note("pages: any date in the address", teacher.get(f"/substitutions/?date={day}"))
        note("pages: any date in the address", teacher.get(f"/timetable/?week={day}"))
    for path in ("/static/..%2f..%2fconfig/settings.py", "/static/%2e%2e/%2e%2e/manage.py", "/static/../../etc/passwd"):
        note("static: a path out of the folder", requests.get(base + path, headers={"Host": school}, timeout=30))
    stranger = requests.get(base + "/", headers={"Host": f"nosuch.localhost:{port}"}, timeout=30)
    note("an unknown host", stranger)
    csp = "Content-Security-Policy" in stranger.headers and stranger.headers.get("X-Content-Type-Options") == "nosniff"

    def wrong(n):
        s = requests.Session()
        s.get(f"{base}/login/", headers={"Host": school}, timeout=30)
        return s.post(f"{base}/login/", data={"identifier": f"guess{n}@nowhere.test", "password": "x",
                      "csrfmiddlewaretoken": s.cookies.get("csrftoken", "")},
                      headers={"Host": school, "Referer": f"http://{school}/login/"}, timeout=30)  # fmt: skip

    with ThreadPoolExecutor(max_workers=20) as pool:
        for answer in pool.map(wrong, range(40)):
            note("sign-in: 40 at once from one address", answer)

    errors = 0
    for surface, counts in seen.items():
        print(f"{surface}: " + ", ".join(f"{code}×{n}" for code, n in sorted(counts.items())))
        errors += sum(n for code, n in counts.items() if code >= 500)
    print(f"the unknown host's page has the security headers: {csp}")
    print(f"server errors: {errors}")
    leaked = re.search(r"Traceback|DEBUG = True|urlpatterns", stranger.text)
    sys.exit(1 if errors or leaked or not csp else 0)


if __name__ == "__main__":
    main()
