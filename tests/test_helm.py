"""The Helm chart renders offline and every manifest is valid Kubernetes (no helm binary,
no cluster: helm-python-sdk renders, kubernetes-validate checks against the API schema)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from django.conf import settings

from tests.conftest import database_url_of_tests

CHART = Path(__file__).resolve().parent.parent / "helm" / "ejournal"
DOCKERFILE = CHART.parent.parent / "deploy" / "Dockerfile"
KUBERNETES = "1.30"


def rendered(values=None):
    manifests = helm.Chart.load(CHART).render(values, name="ej", namespace="edu", is_install=True)
    docs = [doc for text in manifests.values() for doc in yaml.safe_load_all(text) if doc]
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}


def test_the_chart_lints_clean():
    report = helm.lint(CHART, strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_manifest_is_valid_kubernetes():
    for doc in rendered().values():
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def containers(doc):
    spec = doc["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def env_of(container):
    return {e["name"]: e["value"] for e in container["env"] if "value" in e}


def test_web_probes_use_the_host_free_health_endpoints_with_a_host_the_app_accepts():
    web = rendered()[("Deployment", "ej-web")]["spec"]["template"]["spec"]["containers"][0]
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert web[probe]["httpGet"]["path"] == path
        assert web[probe]["httpGet"]["httpHeaders"] == [{"name": "Host", "value": "edu.example.ru"}]


def test_the_web_pods_env_gives_the_production_settings():
    web = rendered()[("Deployment", "ej-web")]["spec"]["template"]["spec"]["containers"][0]
    env = env_of(web)
    assert env["BASE_DOMAIN"] == "edu.example.ru" and env["ALLOWED_HOSTS"] == "edu.example.ru,.edu.example.ru"
    assert env["TRUSTED_PROXIES"] == "1" and env["SECURE_COOKIES"] == "true"  # HTTPS behind the ingress
    assert env["S3_BUCKET"] == "ejournal-files"  # uploads shared by every pod
    assert env["EMAIL_BACKEND"].endswith("smtp.EmailBackend") and env["EMAIL_HOST"] == "smtp.example.ru"
    # Secrets come from the Secret only, never as values in the manifest.
    assert not {"SECRET_KEY", "DATABASE_URL", "S3_SECRET_KEY", "EMAIL_HOST_PASSWORD"} & set(env)
    assert web["envFrom"] == [{"secretRef": {"name": "ejournal-secrets"}}]


def test_identity_providers_and_the_sms_gateway_come_from_values_and_their_secrets_from_the_secret():
    esia = {"name": "Госуслуги", "issuer": "https://esia-gateway.example.ru", "clientId": "ejournal-district"}
    web = rendered({"identityProviders": {"esia": esia}})[("Deployment", "ej-web")]["spec"]["template"]["spec"]
    env = env_of(web["containers"][0])
    assert env["IDENTITY_PROVIDERS"] == "esia" and env["IDP_ESIA_ISSUER"] == esia["issuer"]
    assert env["IDP_ESIA_CLIENT_ID"] == "ejournal-district" and env["IDP_ESIA_SNILS_CLAIM"] == "snils"
    assert env["SMS_GATEWAY_URL"] == "https://sms.ru"
    assert not {"IDP_ESIA_CLIENT_SECRET", "SMS_API_ID"} & set(env)
    for unsafe in ({"identityProviders": {"esia": {**esia, "issuer": "http://esia.example.ru"}}},
                   {"sms": {"gatewayUrl": "http://sms.example.ru"}}):  # fmt: skip
        with pytest.raises(Exception, match="(?i)schema|pattern|values"):
            rendered(unsafe)


def test_the_web_pods_env_starts_a_production_process():
    """The rendered settings, with the Secret's keys added, pass the app's own refusals."""
    web = rendered()[("Deployment", "ej-web")]["spec"]["template"]["spec"]["containers"][0]
    secret = {"SECRET_KEY": "k" * 50, "DATABASE_URL": database_url_of_tests(), "REDIS_URL": settings.REDIS_URL}
    env = {"PATH": os.environ["PATH"], **env_of(web), **secret}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.wsgi; from django.conf import settings as s; print(s.DEBUG, s.STORAGES['default']['BACKEND'])",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["False", "storages.backends.s3.S3Storage"], result.stderr[-2000:]


def test_pods_run_as_the_images_numeric_user_on_a_read_only_root():
    uid = int(re.search(r"^USER (\d+)", DOCKERFILE.read_text(), re.M).group(1))
    for (kind, name), doc in rendered().items():
        if kind not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == uid, name
        for container in containers(doc):
            assert container["securityContext"]["readOnlyRootFilesystem"], (name, container["name"])
            assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_migrations_run_as_a_job_the_new_pods_wait_for_not_a_hook():
    manifests = rendered({"worker": {"replicas": 3, "autoscaling": {"enabled": False}}})
    assert manifests[("Deployment", "ej-beat")]["spec"]["replicas"] == 1
    assert manifests[("Deployment", "ej-beat")]["spec"]["strategy"] == {"type": "Recreate"}
    assert manifests[("Deployment", "ej-worker")]["spec"]["replicas"] == 3
    job = manifests[("Job", "ej-migrate-1")]
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {})
    assert job["spec"]["activeDeadlineSeconds"] == 7200
    migrate = job["spec"]["template"]["spec"]["containers"][0]
    assert (
        "migrate_schemas --shared" in migrate["command"][-1] and "--executor=multiprocessing" in migrate["command"][-1]
    )
    assert env_of(migrate)["PGOPTIONS"] == "-c lock_timeout=10s"
    owner = next(e for e in migrate["env"] if e["name"] == "DATABASE_URL")  # migrations as the tables' owner
    assert owner["valueFrom"]["secretKeyRef"] == {"name": "ejournal-secrets", "key": "OWNER_DATABASE_URL"}
    for name in ("ej-web", "ej-worker", "ej-beat"):
        init = manifests[("Deployment", name)]["spec"]["template"]["spec"]["initContainers"][0]
        assert init["command"][:3] == ["python", "manage.py", "wait_for_migrations"]


def test_disruption_budgets_autoscalers_and_network_policy():
    manifests = rendered()
    assert manifests[("PodDisruptionBudget", "ej-web")]["spec"]["minAvailable"] == 1
    assert ("HorizontalPodAutoscaler", "ej-web") in manifests
    assert "replicas" not in manifests[("Deployment", "ej-web")]["spec"]  # the autoscaler sets it
    policy = manifests[("NetworkPolicy", "ej-web")]["spec"]
    assert policy["ingress"][0]["ports"] == [{"port": 8000, "protocol": "TCP"}]
    assert ("NetworkPolicy", "ej-no-ingress") in manifests


def test_workers_cannot_reach_the_metadata_service_or_other_pods():
    """A push endpoint or an address typed anywhere cannot point a worker inside the network."""
    egress = rendered({"networkPolicy": {"workerEgress": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}})[
        ("NetworkPolicy", "ej-worker-egress")
    ]["spec"]
    assert egress["policyTypes"] == ["Egress"]
    components = egress["podSelector"]["matchExpressions"][1]["values"]
    assert components == ["worker", "beat"]
    rules = egress["egress"]
    assert rules[1]["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]  # PostgreSQL and Redis, as the values say
    public = rules[2]["to"][0]["ipBlock"]
    assert public["cidr"] == "0.0.0.0/0" and {"169.254.0.0/16", "10.0.0.0/8", "127.0.0.0/8"} <= set(public["except"])
    assert len(rendered()[("NetworkPolicy", "ej-worker-egress")]["spec"]["egress"]) == 2  # DNS and public only


def test_the_ingress_serves_the_portal_and_every_school_and_takes_the_apps_largest_request():
    ingress = rendered()[("Ingress", "ej")]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["edu.example.ru", "*.edu.example.ru"]
    assert ingress["spec"]["tls"][0]["hosts"] == ["edu.example.ru", "*.edu.example.ru"]
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert int(size.rstrip("m")) * 1024 * 1024 >= settings.MAX_REQUEST_BYTES


@pytest.mark.parametrize(
    "values",
    [{"web": {"replicsa": 3}}, {"s3": {"bucket": ""}}, {"ingress": {"bodySize": "lots"}}, {"unknown": 1}],
)
def test_a_typo_in_the_values_fails_the_install(values):
    with pytest.raises(Exception, match="(?i)schema|additional|values"):
        rendered(values)


def test_the_worker_writes_the_years_archive_to_its_own_volumes():
    """On a read-only root the archive's second place and the schools' keys need volumes."""
    plain = rendered()[("Deployment", "ej-worker")]["spec"]["template"]["spec"]
    assert "ARCHIVE_DIR" not in env_of(plain["containers"][0])
    docs = rendered({"archive": {"claim": "ej-archive", "keysClaim": "ej-archive-keys"}})
    worker = docs[("Deployment", "ej-worker")]
    kubernetes_validate.validate(worker, KUBERNETES, strict=True)
    spec = worker["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert env_of(container)["ARCHIVE_DIR"] == "/archives" and env_of(container)["ARCHIVE_KEYS_DIR"] == "/archive-keys"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"tmp": "/tmp", "archive": "/archives", "archive-keys": "/archive-keys"}
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v
    }
    assert claims == {"archive": "ej-archive", "archive-keys": "ej-archive-keys"}
    beat = docs[("Deployment", "ej-beat")]["spec"]["template"]["spec"]
    assert "ARCHIVE_DIR" not in env_of(beat["containers"][0])


def test_the_release_fits_the_database_connections_it_is_given():
    """Web pods at the autoscaler's maximum plus one in a rollout × workers, Celery the same,
    beat, the migrations job: (8 + 1) × 4 + (1 + 1) × 2 + 1 + (4 + 1) = 46 by default."""
    web = rendered()[("Deployment", "ej-web")]
    assert web["metadata"]["annotations"]["ejournal.example.ru/database-connections"] == "46"
    assert env_of(web["spec"]["template"]["spec"]["containers"][0])["DATABASE_POOL_MODE"] == "none"
    with pytest.raises(Exception, match="maxConnections is 45, but this release can hold 46"):
        rendered({"database": {"poolMode": "session", "maxConnections": 45}})
    assert rendered({"database": {"poolMode": "session", "maxConnections": 46}})
    # A transaction-mode pooler mixes schools: the chart does not take it.
    with pytest.raises(Exception, match="(?i)poolMode|enum|schema"):
        rendered({"database": {"poolMode": "transaction", "maxConnections": 100}})


def test_every_school_is_backed_up_each_night_into_a_volume_of_its_own():
    cron = rendered()[("CronJob", "ej-backup")]["spec"]
    assert cron["schedule"] == "30 1 * * *" and cron["timeZone"] == "Europe/Moscow"
    assert cron["concurrencyPolicy"] == "Forbid"
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    command = pod["containers"][0]["command"]
    assert command[:4] == ["python", "manage.py", "backup_school", "--into"] and command[-2:] == ["--keep-days", "14"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["backups"]["persistentVolumeClaim"] == {"claimName": "ejournal-backups"}
    assert ("CronJob", "ej-backup") not in rendered({"backup": {"enabled": False}})
