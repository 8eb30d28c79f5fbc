"""The one-server install (docker-compose.yml). No Docker engine here: the file is read as Compose
reads it, and the settings it gives the app pass the app's own production refusals."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from tests.conftest import database_url_of_tests

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
EXAMPLE = dict(
    line.split("=", 1)
    for line in (ROOT / "deploy" / "compose.env.example").read_text().splitlines()
    if line and not line.startswith("#")
)


def app_env(service):
    """The service's environment as Compose builds it: .env (from the example, filled) under the
    service's own `environment`, with ${…} taken from .env."""
    dotenv = EXAMPLE | {
        "SECRET_KEY": "s" * 50,
        "POSTGRES_PASSWORD": "pg",
        "POSTGRES_OWNER_PASSWORD": "owner",
        "POSTGRES_APP_PASSWORD": "app",
        "MINIO_ROOT_PASSWORD": "minio-secret",
    }
    own = {k: re.sub(r"\$\{(\w+)\}", lambda m: dotenv[m.group(1)], str(v)) for k, v in service["environment"].items()}
    return dotenv | own


def test_the_app_services_share_one_image_run_as_its_numeric_user_and_read_only():
    uid = re.search(r"^USER (\d+)", (ROOT / "deploy" / "Dockerfile").read_text(), re.M).group(1)
    for name in ("database-roles", "migrate", "web", "worker", "beat"):
        service = COMPOSE["services"][name]
        assert service["image"] == COMPOSE["services"]["web"]["image"]
        assert service["user"] == f"{uid}:{uid}" and service["read_only"] is True, name
    assert COMPOSE["services"]["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_compose_settings_start_a_production_process():
    env = app_env(COMPOSE["services"]["web"])
    assert env["TRUSTED_PROXIES"] == "1" and env["S3_ENDPOINT_URL"] == "http://minio:9000"
    env |= {"DATABASE_URL": database_url_of_tests(), "PATH": os.environ["PATH"]}  # this machine's, not the container's
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi; print('started')"],
        cwd=settings.BASE_DIR,
        env={k: v for k, v in env.items() if k != "DEBUG"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "started", result.stderr[-2000:]


def test_the_proxy_takes_the_apps_largest_request_and_no_secret_is_in_the_files():
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    size = int(re.search(r"max_size (\d+)MB", caddyfile).group(1))
    assert size * 1024 * 1024 >= settings.MAX_REQUEST_BYTES
    assert all(
        not EXAMPLE[key] for key in ("SECRET_KEY", "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD", "EMAIL_HOST_PASSWORD")
    )
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_migrations_run_as_the_tables_owner_and_the_app_as_a_role_of_rows():
    """docs/operations.md, "Two database roles": the app's connection cannot alter or disable the
    audit's trigger (tests/test_database_roles.py shows it on a real database)."""
    services = COMPOSE["services"]
    assert app_env(services["migrate"])["DATABASE_URL"].startswith("postgresql://ejournal_owner:owner@")
    for name in ("web", "worker", "beat"):
        assert app_env(services[name])["DATABASE_URL"].startswith("postgresql://ejournal_app:app@"), name
    assert app_env(services["web"])["OWNER_DATABASE_URL"].startswith("postgresql://ejournal_owner:")
    assert "OWNER_DATABASE_URL" not in app_env(services["worker"])
    assert services["migrate"]["depends_on"]["database-roles"] == {"condition": "service_completed_successfully"}
    assert "manage.py database_roles --owner ejournal_owner --app ejournal_app" in services["database-roles"]["command"]
    init = (ROOT / "deploy" / "postgres-roles.sh").read_text()
    assert "CREATE ROLE ejournal_owner" in init and "CREATE ROLE ejournal_app" in init


def test_the_one_server_install_backs_up_every_school_each_night():
    backup = COMPOSE["services"]["backup"]
    assert "manage.py backup_school --into /backups --keep-days 14" in backup["command"]
    assert "./var/backups:/backups" in backup["volumes"]
