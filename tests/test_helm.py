"""The Helm chart renders offline and every manifest is valid Kubernetes (no helm binary,
no cluster: helm-python-sdk renders, kubernetes-validate checks against the API schema)."""

from pathlib import Path

import helm_python as helm
import kubernetes_validate
import yaml

CHART = Path(__file__).resolve().parent.parent / "helm" / "ejournal"
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


def test_web_probes_use_the_host_free_health_endpoints():
    web = rendered()[("Deployment", "ej-web")]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {e["name"]: e["value"] for e in web["env"]}
    assert env["BASE_DOMAIN"] == "edu.example.ru" and env["ALLOWED_HOSTS"] == "edu.example.ru,.edu.example.ru"


def test_one_beat_and_migrations_before_each_release():
    manifests = rendered({"worker": {"replicas": 3}})
    assert manifests[("Deployment", "ej-beat")]["spec"]["replicas"] == 1
    assert manifests[("Deployment", "ej-worker")]["spec"]["replicas"] == 3
    job = next(doc for (kind, _), doc in manifests.items() if kind == "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    command = job["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert "migrate_schemas --shared" in command and "--executor=multiprocessing" in command


def test_the_ingress_serves_the_portal_and_every_school():
    ingress = rendered()[("Ingress", "ej")]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["edu.example.ru", "*.edu.example.ru"]
