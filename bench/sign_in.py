"""Whether the sign-in answer tells an existing login from a missing one, by its time: the
sign-in page's server time for a wrong password on an existing login and on a login nobody
has, in a scratch database (Redis from REDIS_URL; the lockout and request rates are lifted so
every try is checked in full).

    python bench/sign_in.py --runs 20
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.provisioning import scratch_database, summary  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    os.environ.update(LOCKOUT_ATTEMPTS="1000000", ACCOUNT_CEILING="1000000", THROTTLE_SIGN_IN="1000000/min")
    with scratch_database():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.test import Client

        from accounts import services

        services.create_person(
            services.NewAccount(
                last_name="Проверкина", first_name="Ирина", email="exists@bench.test", password="Verno-2026-parol"
            )
        )
        results = {}
        for label, login in (
            ("existing login, wrong password", "exists@bench.test"),
            ("login nobody has", "nobody@bench.test"),
        ):
            browser, seconds = Client(HTTP_HOST="localhost"), []
            for n in range(options.runs + 2):
                start = time.perf_counter()
                page = browser.post("/login/", {"identifier": login, "password": f"wrong-{n}"})
                if n >= 2:  # the first answers warm the process up
                    seconds.append(time.perf_counter() - start)
                assert page.status_code == 200 and "Неверный логин или пароль" in page.content.decode()
            results[label] = summary(seconds)
        print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
