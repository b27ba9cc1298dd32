"""The whole monitoring pipeline, live: Debian's `prometheus` and `prometheus-alertmanager` on
loopback scrape two real operator binaries, each against its own KubeSim (two clusters, told apart
by a `cluster` target label as in a Thanos/Mimir fleet), with the labels prometheus-operator gives
the chart's rendered ServiceMonitor (honor_labels, namespace/pod/service/job/endpoint/container).

Checked: every query of every shipped dashboard returns data; each alert of the chart's
PrometheusRule (`for` shortened to 2 s, the flapping window to 20 s) and the Flux guide's and Azure's
gotk_* rules fire for exactly the objects made failing in KubeSim, carry the cluster, reach
Alertmanager (API v2), and resolve after recovery.

Scrape and evaluation every second; every wait polls Prometheus/Alertmanager/the operator with a
deadline (no sleep as synchronisation). The module takes about a minute. Without the tools it
skips with a message on a developer machine and FAILS in CI (CI set).
"""
from __future__ import annotations

import copy
import http.client
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import pytest
import yaml

from conftest import CHART_DIR, RELEASE, NAMESPACE, Process, deadline_loop, free_port, http_get, render
from test_dashboards import queries

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "hack"))
from bench_kube import Client  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures" / "flux" / "v2.7.0"
BUILD = ROOT / ".build" / "debug"
IN_CI = bool(os.environ.get("CI"))
FOR = "2s"
# The labels prometheus-operator sets on targets of the chart's ServiceMonitor (default values):
# job = the Service name, endpoint = the port name, plus namespace/service/pod/container.
SERVICE_MONITOR_TARGET = {"namespace": NAMESPACE, "service": RELEASE, "job": RELEASE, "endpoint": "http-metrics",
                          "container": "manager"}
# The Flux monitoring guide's rule, unchanged (the brief's form), next to the seed rules (hack/tests/promtool).
GUIDE_RULE = {"alert": "FluxGuideReadyFalse", "expr": 'gotk_reconcile_condition{type="Ready",status="False"} == 1',
              "for": FOR, "labels": {"severity": "page"}}
SEED_RULES = pathlib.Path(__file__).resolve().parent / "promtool" / "seed-rules.yaml"


def unavailable(message: str):
    if IN_CI:
        pytest.fail(f"{message} (CI must run the live Prometheus suite: .ci/run and hack/setup install it)")
    pytest.skip(message)


def rfc3339(offset_seconds: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_seconds))


def ready(status: str, reason: str, message: str = "", since: float = 0) -> dict:
    return {"type": "Ready", "status": status, "reason": reason, "message": message or reason,
            "lastTransitionTime": rfc3339(since), "observedGeneration": 1}


KS = ("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
GIT = ("source.toolkit.fluxcd.io/v1", "GitRepository")
HR = ("helm.toolkit.fluxcd.io/v2", "HelmRelease")


def flux_object(kind: tuple[str, str], name: str, spec: dict, conditions: list[dict], annotations: dict | None = None,
                namespace: str = "apps", **status) -> dict:
    meta = {"name": name, "namespace": namespace, "generation": 1}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": kind[0], "kind": kind[1], "metadata": meta, "spec": spec,
            "status": {"observedGeneration": 1, "conditions": conditions, **status}}


def ks_spec(**extra) -> dict:
    return {"interval": "10m", "path": "./deploy", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "apps"}, **extra}


def hr_spec() -> dict:
    return {"interval": "10m", "chart": {"spec": {"chart": "redis", "sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}}}


def git_spec() -> dict:
    return {"interval": "1m", "url": "https://github.com/example/apps", "ref": {"branch": "main"}}


def healthy_objects() -> list[dict]:
    ok = lambda: [ready("True", "ReconciliationSucceeded", "Applied revision: main@sha1:abc")]  # noqa: E731
    artifact = {"revision": "main@sha1:abc", "lastUpdateTime": rfc3339()}
    return [
        flux_object(GIT, "apps", git_spec(), [ready("True", "Succeeded")], artifact=artifact),
        flux_object(GIT, "stale-src", git_spec(), [ready("True", "Succeeded")], artifact=artifact),
        flux_object(KS, "podinfo", ks_spec(), ok()),
        flux_object(KS, "database", ks_spec(), ok()),
        flux_object(KS, "backend", ks_spec(dependsOn=[{"name": "database"}]), ok()),
        flux_object(KS, "legacy", ks_spec(), ok()),
        flux_object(HR, "redis", hr_spec(), ok() + [{"type": "Drifted", "status": "False", "reason": "NoDrift", "message": "none",
                                                     "lastTransitionTime": rfc3339()}]),
        flux_object(HR, "flappy", hr_spec(), ok()),
    ]


class Cluster:
    """KubeSim (the Flux v2.7.0 installation, a FluxInstance, the objects above) and the operator."""

    def __init__(self, name: str, workdir: pathlib.Path, extra_args: tuple[str, ...] = ()):
        self.name = name
        self.extra_args = extra_args
        self.workdir = workdir / name
        self.workdir.mkdir()
        self.kubeconfig = self.workdir / "kubeconfig"
        self.sim = Process("kubesim", [str(BUILD / "kubesim"), "--flux-operator", "--fixtures", str(FIXTURES),
                                       "--kubeconfig-out", str(self.kubeconfig)], self.workdir)
        for _ in deadline_loop(30, f"kubesim {name} to serve"):
            if "url:" in self.sim.output():
                break
            assert self.sim.proc.poll() is None, self.sim.output()
        self.client = Client(str(self.kubeconfig), timeout=15)
        self.load(healthy_objects())
        self.saved = {
            "sync": self.get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/flux-system")["status"],
            "deployment": self.get("/apis/apps/v1/namespaces/flux-system/deployments/kustomize-controller")["status"],
        }
        self.metrics_port = free_port()
        self.operator = None
        self.starts = 0
        self.start_operator()

    def start_operator(self):
        self.starts += 1
        self.operator = Process(f"operator-{self.starts}", [
            str(BUILD / "flux-report-operator"), "run", "--kubeconfig", str(self.kubeconfig), "--namespace", "flux-system",
            "--metrics-addr", f"127.0.0.1:{self.metrics_port}", "--health-addr", f"127.0.0.1:{free_port()}",
            "--web-addr", "0", "--reporting-interval", "2s", "--stale-interval-factor", "1", "--enable-leader-election",
            "--metrics-gotk-resource-info", *self.extra_args], self.workdir)
        for _ in deadline_loop(30, f"operator {self.name} to export the objects"):
            assert self.operator.proc.poll() is None, self.operator.output()[-3000:]
            text = self.metrics()
            if 'name="flappy"' in text and "flux_report_ready" in text:
                break

    def metrics(self) -> str:
        try:
            status, _, body = http_get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5)
        except OSError:
            return ""
        return body.decode() if status == 200 else ""

    def get(self, path: str) -> dict:
        return self.client.get(path)

    def post(self, path: str, body) -> dict:
        code, answer = self.client.request("POST", path, body)
        assert code == 200, f"{path}: HTTP {code}: {answer}"
        return answer

    def load(self, objects: list[dict]):
        """Creates or replaces the objects, status included (KubeSim's /_sim/load takes YAML documents)."""
        c = self.client
        conn = http.client.HTTPSConnection(c.host, c.port, timeout=15, context=c.context)
        try:
            conn.request("POST", "/_sim/load", body=yaml.safe_dump_all(objects).encode(),
                         headers={"Authorization": f"Bearer {c.token}", "Content-Type": "application/yaml"})
            resp = conn.getresponse()
            answer = resp.read()
        finally:
            conn.close()
        assert resp.status == 200, f"/_sim/load: HTTP {resp.status}: {answer[:500]!r}"

    def set_status(self, kind: tuple[str, str], name: str, status: dict, namespace: str = "apps"):
        self.post("/_sim/status", {"apiVersion": kind[0], "kind": kind[1], "namespace": namespace, "name": name, "status": status})

    def set_ready(self, kind, name, condition: dict, namespace: str = "apps", extra: list[dict] | None = None):
        self.set_status(kind, name, {"observedGeneration": 1, "conditions": [condition, *(extra or [])]}, namespace)

    def transitions(self, kind: str) -> float:
        for line in self.metrics().splitlines():
            if line.startswith(f'flux_resource_ready_transitions_total{{kind="{kind}"}}'):
                return float(line.rsplit(" ", 1)[1])
        return -1

    def close(self):
        if self.operator:
            self.operator.stop()
        self.client.close()
        self.sim.stop()


# --- Prometheus and Alertmanager ------------------------------------------------------------------

def scrape_config(chart, targets: dict[str, int]) -> dict:
    """The scrape job prometheus-operator generates for the chart's rendered ServiceMonitor, written
    with static targets: same honor_labels, path and target labels (the Service's name as job, the
    port name as endpoint), a 1 s interval, and the fleet's `cluster` label per target."""
    objects = render(chart, {"serviceMonitor": {"create": True}})
    monitor = next(o for o in objects if o["kind"] == "ServiceMonitor")
    service = next(o for o in objects if o["kind"] == "Service")
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    endpoint = monitor["spec"]["endpoints"][0]
    assert endpoint["honorLabels"] is True, "the chart's default ServiceMonitor honours the operator's labels"
    port = next(p for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
    container = next(c for c in deployment["spec"]["template"]["spec"]["containers"]
                     if any(p.get("name") == port["targetPort"] for p in c.get("ports", [])))
    labels = {"namespace": monitor["metadata"]["namespace"], "service": service["metadata"]["name"],
              "job": service["metadata"]["name"], "endpoint": endpoint["port"], "container": container["name"]}
    assert labels == SERVICE_MONITOR_TARGET, labels
    return {
        "job_name": f"serviceMonitor/{labels['namespace']}/{monitor['metadata']['name']}/0",
        "honor_labels": endpoint["honorLabels"],
        "metrics_path": endpoint["path"],
        "static_configs": [{"targets": [f"127.0.0.1:{port}"],
                            "labels": {**labels, "pod": f"{RELEASE}-{name}-0", "cluster": name}}
                           for name, port in targets.items()],
    }


def alert_rules(chart) -> dict:
    """The chart's PrometheusRule groups (`for` shortened, the flapping window 1h -> 20s), the seed
    documents' gotk_* rules (`for` shortened) and the guide's one-liner, unchanged otherwise."""
    rendered = next(o for o in render(chart, {"prometheusRule": {"create": True}}) if o["kind"] == "PrometheusRule")
    groups = copy.deepcopy(rendered["spec"]["groups"])
    groups += yaml.safe_load(SEED_RULES.read_text())["groups"]
    groups.append({"name": "flux-guide", "rules": [GUIDE_RULE]})
    for group in groups:
        group["interval"] = "1s"
        for rule in group["rules"]:
            rule["for"] = FOR
            if rule["alert"] == "FluxResourceFlapping":
                assert "[1h]" in rule["expr"]
                rule["expr"] = rule["expr"].replace("[1h]", "[20s]")
    return {"groups": groups}


class Stack:
    def __init__(self, chart, workdir: pathlib.Path, prometheus: str, alertmanager: str):
        self.workdir = workdir
        self.clusters: dict[str, Cluster] = {}
        self.prometheus = self.alertmanager = None
        self.clusters["a"] = Cluster("a", workdir)
        self.clusters["b"] = Cluster("b", workdir)

        am_port = free_port()
        (workdir / "alertmanager.yml").write_text(yaml.safe_dump({
            "route": {"receiver": "default", "group_by": ["..."], "group_wait": "0s", "group_interval": "1s",
                      "repeat_interval": "1h"},
            "receivers": [{"name": "default"}]}))
        self.am = f"http://127.0.0.1:{am_port}"
        self.alertmanager = Process("alertmanager", [
            alertmanager, f"--config.file={workdir / 'alertmanager.yml'}", f"--storage.path={workdir / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="], workdir)
        self.wait_http(self.am + "/-/ready", self.alertmanager)

        self.rules = alert_rules(chart)
        (workdir / "rules.yaml").write_text(yaml.safe_dump(self.rules, sort_keys=False))
        prom_port = free_port()
        (workdir / "prometheus.yml").write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(workdir / "rules.yaml")],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
            "scrape_configs": [scrape_config(chart, {n: c.metrics_port for n, c in self.clusters.items()})],
        }, sort_keys=False))
        self.prom = f"http://127.0.0.1:{prom_port}"
        self.prometheus = Process("prometheus", [
            prometheus, f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'prom-data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}", "--rules.alert.resend-delay=1s"], workdir)
        self.wait_http(self.prom + "/-/ready", self.prometheus)
        for _ in deadline_loop(30, "both targets up and Alertmanager discovered", interval=0.2):
            up = self.query('up{job="flux-report-operator"} == 1')
            ams = self.api(self.prom + "/api/v1/alertmanagers")["activeAlertmanagers"]
            if len(up) == 2 and ams:
                break
        self.phase = "healthy"

    @staticmethod
    def wait_http(url: str, process: Process):
        for _ in deadline_loop(30, f"{url}", interval=0.1):
            assert process.proc.poll() is None, process.output()[-3000:]
            try:
                if http_get(url, timeout=2)[0] == 200:
                    break
            except OSError:
                continue

    @staticmethod
    def api(url: str):
        status, _, body = http_get(url, timeout=10)
        assert status == 200, f"{url}: HTTP {status}: {body[:500]!r}"
        return json.loads(body)["data"]

    def query(self, expr: str) -> list[dict]:
        data = self.api(self.prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        return data["result"]

    def firing(self) -> dict[str, set]:
        """Prometheus' firing alerts: alertname -> set of label sets (alertname, alertstate, severity dropped)."""
        out: dict[str, set] = {}
        for series in self.query('ALERTS{alertstate="firing"}'):
            labels = dict(series["metric"])
            out.setdefault(labels.pop("alertname"), set()).add(project(labels))
        return out

    def alertmanager_active(self) -> dict[str, set]:
        status, _, body = http_get(self.am + "/api/v2/alerts?active=true&silenced=false&inhibited=false", timeout=10)
        assert status == 200, body
        out: dict[str, set] = {}
        for alert in json.loads(body):
            if alert["status"]["state"] != "active":
                continue
            labels = dict(alert["labels"])
            out.setdefault(labels.pop("alertname"), set()).add(project(labels))
        return out

    def evaluated_since(self, moment: float) -> bool:
        groups = self.api(self.prom + "/api/v1/rules")["groups"]
        return all(_timestamp(g["lastEvaluation"]) > moment for g in groups)

    def close(self):
        for process in (self.prometheus, self.alertmanager):
            if process:
                process.stop()
        for cluster in self.clusters.values():
            cluster.close()


def _timestamp(text: str) -> float:
    """Prometheus' RFC 3339 time with nanoseconds, as Unix seconds."""
    base, _, rest = text.partition(".")
    fraction = "".join(ch for ch in rest if ch.isdigit())
    return time.mktime(time.strptime(base[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float(f"0.{fraction or 0}")


# Label projections compared per alert: the target labels (job, pod, instance...) of raw-series
# rules are not what identifies an object, so rules without aggregation are compared on these keys.
RAW_KEYS = ("cluster", "kind", "namespace", "name")
IGNORED = {"__name__", "alertstate", "severity"}


def project(labels: dict) -> tuple:
    if "instance" in labels:
        labels = {k: labels.get(k, "") for k in RAW_KEYS}
    return tuple(sorted((k, v) for k, v in labels.items() if k not in IGNORED))


def objects(*rows: tuple[str, ...], keys: tuple[str, ...]) -> set:
    return {tuple(sorted(zip(keys, row))) for row in rows}


OBJ = ("cluster", "exported_namespace", "kind", "name")
GOTK = RAW_KEYS
AZURE = ("cluster", "namespace", "name")
GUIDE = ("kind", "name", "namespace")
K = "Kustomization"

# What must fire once the failures below are applied: cluster a has them all, cluster b one failing
# Kustomization with the same name as one of a's (alerts must keep the two apart by `cluster`).
EXPECTED_FIRING = {
    "FluxReportNotReady": objects(("a", "flux-system"), keys=("cluster", "namespace")),
    "FluxSyncFailing": objects(("a", "kustomization/flux-system", "flux-system"), keys=("cluster", "id", "namespace")),
    "FluxControllerNotReady": objects(("a", "kustomize-controller", "flux-system"), keys=("cluster", "name", "namespace")),
    "FluxReconcilerFailing": objects(("a", "apps", K, "podinfo"), ("a", "apps", K, "database"),
                                     ("a", "flux-system", K, "flux-system"), ("b", "apps", K, "podinfo"),
                                     ("b", "apps", "GitRepository", "apps"), keys=OBJ),
    "FluxResourceStale": objects(("a", "apps", "GitRepository", "stale-src"), keys=OBJ),
    "FluxResourceSuspendedTooLong": objects(("a", "apps", K, "legacy"), keys=OBJ),
    "FluxHelmReleaseDrifted": objects(("a", "apps", "HelmRelease", "redis"), keys=OBJ),
    "FluxDependencyRootCause": objects(("a", K, "apps", "database"), keys=("cluster", "root_kind", "root_namespace", "root_name")),
    "FluxResourceFlapping": objects(("a", "HelmRelease"), keys=("cluster", "kind")),
    # The Flux guide's rule (seed) aggregates by (namespace, name, kind): the two podinfos are one alert.
    "ReconciliationFailure": objects(("Kustomization", "podinfo", "apps"), (K, "database", "apps"), (K, "backend", "apps"),
                                     (K, "flux-system", "flux-system"), ("GitRepository", "apps", "apps"), keys=GUIDE),
    "KustomizationNotReady": objects(("a", "apps", "podinfo"), ("a", "apps", "database"), ("a", "apps", "backend"),
                                     ("a", "flux-system", "flux-system"), ("b", "apps", "podinfo"), keys=AZURE),
    "GitRepositoryNotReady": objects(("b", "apps", "apps"), keys=AZURE),
    "FluxGuideReadyFalse": objects(("a", K, "apps", "podinfo"), ("a", K, "apps", "database"), ("a", K, "apps", "backend"),
                                   ("a", K, "flux-system", "flux-system"), ("b", K, "apps", "podinfo"),
                                   ("b", "GitRepository", "apps", "apps"), keys=GOTK),
}
QUIET = {"FluxReportOperatorDown", "HelmReleaseNotReady"}


def break_things(stack: Stack):
    a, b = stack.clusters["a"], stack.clusters["b"]
    for cluster in (a, b):
        cluster.set_ready(KS, "podinfo", ready("False", "BuildFailed", "kustomize build failed"))
    # A failing source keeps serving its last artifact.
    b.set_status(GIT, "apps", {"observedGeneration": 1, "artifact": {"revision": "main@sha1:abc", "lastUpdateTime": rfc3339()},
                               "conditions": [ready("False", "GitOperationFailed", "failed to checkout and determine revision")]})
    a.set_ready(KS, "database", ready("False", "HealthCheckFailed", "timeout waiting for Deployment/apps/database"))
    a.set_ready(KS, "backend", ready("False", "DependencyNotReady", "dependency 'apps/database' is not ready"))
    a.set_ready(KS, "flux-system", ready("False", "BuildFailed", "sync failed"), namespace="flux-system")
    a.set_status(("apps/v1", "Deployment"), "kustomize-controller", {
        "observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "unavailableReplicas": 1,
        "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                        "message": "Deployment does not have minimum availability.", "lastTransitionTime": rfc3339()}]},
        namespace="flux-system")
    a.post("/_sim/faults", {"path": "/version", "code": 500, "message": "injected by test_prometheus_live"})
    a.set_ready(HR, "redis", ready("True", "UpgradeSucceeded"), extra=[
        {"type": "Drifted", "status": "True", "reason": "DriftDetected", "message": "1 resource drifted",
         "lastTransitionTime": rfc3339()}])
    a.load([flux_object(KS, "legacy", ks_spec(suspend=True), [ready("True", "ReconciliationSucceeded")],
                        annotations={"fluxcd.controlplane.io/suspendedAt": rfc3339(-8 * 86400),
                                     "fluxcd.controlplane.io/suspendedBy": "alice"})])
    a.set_ready(GIT, "stale-src", ready("Unknown", "Progressing", "reconciliation in progress", since=-3600))
    # 22 Ready flips, each seen by the operator before the next (> 20 in the window fires).
    base = a.transitions("HelmRelease")
    assert base == 0, "flux_resource_ready_transitions_total{kind=\"HelmRelease\"} is exported at 0 before any flip"
    for flip in range(1, 23):
        status = ("False", "UpgradeFailed") if flip % 2 else ("True", "UpgradeSucceeded")
        a.set_ready(HR, "flappy", ready(*status))
        for _ in deadline_loop(10, f"the operator to count flip {flip}"):
            if a.transitions("HelmRelease") >= base + flip:
                break


def repair_things(stack: Stack):
    a, b = stack.clusters["a"], stack.clusters["b"]
    code, answer = a.client.request("DELETE", "/_sim/faults")
    assert code == 200, answer
    b.load([o for o in healthy_objects() if o["metadata"]["name"] in ("podinfo", "apps")])
    a.load(healthy_objects())
    a.set_status(KS, "flux-system", stack.clusters["a"].saved["sync"], namespace="flux-system")
    a.set_status(("apps/v1", "Deployment"), "kustomize-controller", a.saved["deployment"], namespace="flux-system")


def diff(got: dict[str, set], want: dict[str, set]) -> str:
    lines = []
    for name in sorted(set(got) | set(want)):
        g, w = got.get(name, set()), want.get(name, set())
        if g != w:
            lines.append(f"{name}: missing {sorted(w - g)}, unexpected {sorted(g - w)}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def stack(chart):
    prometheus = shutil.which("prometheus")
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if prometheus is None or alertmanager is None:
        unavailable("prometheus and prometheus-alertmanager are not installed (hack/setup installs them)")
    for binary in ("kubesim", "flux-report-operator"):
        if not (BUILD / binary).exists():
            unavailable(f"{BUILD / binary} is not built (swift build)")
    if not FIXTURES.is_dir():
        unavailable(f"the Flux fixtures are not at {FIXTURES}")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="prometheus-live-"))
    started = time.monotonic()
    built = None
    try:
        built = Stack(chart, workdir, prometheus, alertmanager)
        yield built
    finally:
        if built:
            built.close()
        print(f"\nlive Prometheus suite: {time.monotonic() - started:.1f}s; files in {workdir}")


def test_targets_carry_the_service_monitor_labels_and_the_objects_namespace(stack):
    up = {s["metric"]["cluster"]: s["metric"] for s in stack.query('up{job="flux-report-operator"}')}
    assert sorted(up) == ["a", "b"]
    for name, labels in up.items():
        assert {k: labels[k] for k in SERVICE_MONITOR_TARGET} == SERVICE_MONITOR_TARGET
        assert labels["pod"] == f"{RELEASE}-{name}-0"
    # honor_labels: the gotk_* series keep the Flux object's namespace, not the operator's.
    series = stack.query('gotk_reconcile_condition{kind="Kustomization", name="podinfo", type="Ready", status="True"}')
    assert {(s["metric"]["cluster"], s["metric"]["namespace"]) for s in series} == {("a", "apps"), ("b", "apps")}
    assert "exported_namespace" not in series[0]["metric"]


def test_healthy_clusters_raise_no_alert(stack):
    assert stack.phase == "healthy"
    moment = time.time() + 4  # two evaluations past `for`
    for _ in deadline_loop(30, "rule evaluations past the `for` of every alert", interval=0.2):
        if stack.evaluated_since(moment):
            break
    assert stack.firing() == {}
    assert stack.query('ALERTS{alertstate="pending"}') == []


def test_alerts_fire_for_exactly_the_failing_objects_and_reach_alertmanager(stack):
    break_things(stack)
    stack.phase = "failing"
    got: dict[str, set] = {}
    try:
        for _ in deadline_loop(60, "every alert to fire for exactly the failing objects", interval=0.25):
            got = stack.firing()
            if got == EXPECTED_FIRING:
                break
    except AssertionError as e:
        raise AssertionError(f"{e}\n{diff(got, EXPECTED_FIRING)}") from None
    assert not QUIET & set(got)
    try:
        for _ in deadline_loop(30, "Alertmanager to hold the same alerts", interval=0.25):
            got = stack.alertmanager_active()
            if got == EXPECTED_FIRING:
                break
    except AssertionError as e:
        raise AssertionError(f"{e}\n{diff(got, EXPECTED_FIRING)}") from None


def dashboards() -> list[pathlib.Path]:
    return sorted((CHART_DIR / "dashboards").glob("*.json"))


def resolved_variables(stack: Stack, board: dict) -> dict[str, str]:
    """Grafana's "All" for each query variable: the values its label_values() query finds, as a regex."""
    values: dict[str, str] = {}
    for var in board["templating"]["list"]:
        if var.get("type") != "query":
            continue
        definition = substitute(var["definition"], values)
        inner = definition[len("label_values("):-1]
        selector, label = (part.strip() for part in inner.rsplit(",", 1))
        found = stack.api(stack.prom + f"/api/v1/label/{label}/values?" + urllib.parse.urlencode({"match[]": selector}))
        assert found, f"variable {var['name']}: {definition} returns no value"
        values[var["name"]] = "(" + "|".join(v.replace(".", "\\\\.") for v in found) + ")"
    return values


def substitute(expr: str, values: dict[str, str]) -> str:
    expr = expr.replace("$__rate_interval", "5s")
    for name, value in sorted(values.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    return expr


@pytest.mark.parametrize("path", dashboards(), ids=lambda p: p.name)
def test_every_dashboard_query_returns_data(stack, path):
    """With the failures in place (so the failing, suspended, drifted, stale and blocked panels have objects)."""
    assert stack.phase == "failing"
    board = json.loads(path.read_text())
    values = resolved_variables(stack, board)
    empty = []
    for expr in queries(board):
        if expr.startswith("label_values("):
            continue
        result = stack.query(substitute(expr, values))
        numbers = [float(s["value"][1]) for s in result]
        if not numbers or all(n != n for n in numbers):  # no series, or only NaN
            empty.append(expr)
    assert not empty, "queries without data:\n" + "\n".join(empty)


# fluxcd/flux2-monitoring-example, monitoring/configs/dashboards/cluster.json ("Flux Cluster Stats",
# uid flux-cluster, as stored at commit 1705e7b9): its variables and every panel's query, verbatim.
FLUX_CLUSTER_STATS = {
    "templating": {"list": [
        {"name": "operator_namespace", "type": "query", "definition": "label_values(gotk_reconcile_condition, namespace)"},
        {"name": "namespace", "type": "query", "definition": "label_values(gotk_resource_info,exported_namespace)"},
    ]},
    "with data": {
        "Cluster Reconcilers": 'count(gotk_resource_info{exported_namespace=~"$namespace", customresource_kind=~"Kustomization|HelmRelease"})',
        "Failing Reconcilers": 'count(gotk_resource_info{exported_namespace=~"$namespace", customresource_kind=~"Kustomization|HelmRelease", ready="False"})',
        "Kubernetes Manifests Sources": 'count(gotk_resource_info{exported_namespace=~"$namespace", customresource_kind=~"GitRepository|HelmRepository|Bucket|OCIRepository"})',
        "Failing Sources": 'count(gotk_resource_info{exported_namespace=~"$namespace", customresource_kind=~"GitRepository|HelmRepository|Bucket|OCIRepository", ready="False"})',
        "Cluster reconciliation readiness": 'gotk_resource_info{exported_namespace=~"$namespace", customresource_kind=~"Kustomization|HelmRelease"}',
        "Source acquisition readiness": 'gotk_resource_info{exported_namespace=~"$namespace", customresource_kind=~"GitRepository|HelmRepository|Bucket|OCIRepository"}',
    },
    # Built on the Flux controllers' own reconcile histogram, which only the controllers can export.
    "empty": {
        "Reconciler ops avg. duration": 'sum(rate(gotk_reconcile_duration_seconds_sum{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"Kustomization|HelmRelease"}[5m])) by (kind)\n/\n  sum(rate(gotk_reconcile_duration_seconds_count{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"Kustomization|HelmRelease"}[5m])) by (kind)',
        "Source ops avg. duration": 'sum(rate(gotk_reconcile_duration_seconds_sum{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"GitRepository|HelmRepository|Bucket|OCIRepository"}[5m])) by (kind)\n/\n  sum(rate(gotk_reconcile_duration_seconds_count{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"GitRepository|HelmRepository|Bucket|OCIRepository"}[5m])) by (kind)',
        "Cluster reconciliation duration": 'sum(rate(gotk_reconcile_duration_seconds_sum{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"Kustomization|HelmRelease"}[5m])) by (kind, name)\n/\n  sum(rate(gotk_reconcile_duration_seconds_count{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"Kustomization|HelmRelease"}[5m])) by (kind, name)',
        "Source acquisition duration": 'sum(rate(gotk_reconcile_duration_seconds_sum{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"GitRepository|HelmRepository|Bucket|OCIRepository"}[5m])) by (kind, name)\n/\n  sum(rate(gotk_reconcile_duration_seconds_count{namespace=~"$operator_namespace",exported_namespace=~"$namespace",kind=~"GitRepository|HelmRepository|Bucket|OCIRepository"}[5m])) by (kind, name)',
    },
}


def test_flux_cluster_stats_dashboard_has_data_with_gotk_resource_info(stack):
    """With --metrics-gotk-resource-info, every panel of flux2-monitoring-example's "Flux Cluster Stats"
    that does not read the controllers' gotk_reconcile_duration_seconds has data."""
    assert stack.phase == "failing"
    values = resolved_variables(stack, FLUX_CLUSTER_STATS)
    for title, expr in FLUX_CLUSTER_STATS["with data"].items():
        assert stack.query(substitute(expr, values)), f"{title}: {expr}"
    for title, expr in FLUX_CLUSTER_STATS["empty"].items():
        assert stack.query(substitute(expr, values)) == [], f"{title} has data: the test's premise changed"
    # The counts are the two clusters' objects, and the table shows KSM's labels.
    count = float(stack.query('count(gotk_resource_info{customresource_kind=~"Kustomization|HelmRelease"})')[0]["value"][1])
    assert count == 2 * 7  # per cluster: the flux-system sync and the six apps Kustomizations and HelmReleases
    failing = stack.query('gotk_resource_info{customresource_kind=~"GitRepository|HelmRepository|Bucket|OCIRepository", ready="False"}')
    assert [(s["metric"]["cluster"], s["metric"]["name"]) for s in failing] == [("b", "apps")]
    series = failing[0]["metric"]
    assert {k: series.get(k) for k in ("customresource_group", "customresource_kind", "customresource_version",
                                       "exported_namespace", "revision", "url", "namespace")} == {
        "customresource_group": "source.toolkit.fluxcd.io", "customresource_kind": "GitRepository",
        "customresource_version": "v1", "exported_namespace": "apps", "revision": "main@sha1:abc",
        "url": "https://github.com/example/apps", "namespace": "flux-system"}


def test_fleet_dashboard_shows_both_clusters(stack):
    board = json.loads((CHART_DIR / "dashboards" / "flux-fleet.json").read_text())
    values = resolved_variables(stack, board)
    exprs = [substitute(e, values) for e in queries(board) if not e.startswith("label_values(")]
    per_cluster = {name: sum(1 for line in c.metrics().splitlines() if line.startswith("flux_resource_info{"))
                   for name, c in stack.clusters.items()}
    total = next(e for e in exprs if e.startswith("count(flux_resource_info{") and "ready=" not in e and "suspended=" not in e)
    assert float(stack.query(total)[0]["value"][1]) == sum(per_cluster.values()), (total, per_cluster)
    raw = [e for e in exprs if e.startswith("flux_resource_info{") and 'suspended="True"' not in e] + ["flux_instance_info"]
    assert len(raw) >= 3
    for expr in raw:
        assert {s["metric"]["cluster"] for s in stack.query(expr)} == {"a", "b"}, expr
    # The cluster variable set to one cluster: only its objects, its count.
    assert values["cluster"] == "(a|b)"
    one = {**values, "cluster": "(b)"}
    exprs = [substitute(e, one) for e in queries(board) if not e.startswith("label_values(")]
    total = next(e for e in exprs if e.startswith("count(flux_resource_info{") and "ready=" not in e and "suspended=" not in e)
    assert float(stack.query(total)[0]["value"][1]) == per_cluster["b"], (total, per_cluster)
    for expr in exprs:
        clusters = {s["metric"].get("cluster") for s in stack.query(expr)}
        assert clusters <= {"b", None}, (expr, clusters)


def test_alerts_resolve_after_recovery(stack):
    assert stack.phase == "failing"
    repair_things(stack)
    stack.phase = "healthy"
    got: dict[str, set] = {}
    try:
        for _ in deadline_loop(60, "every alert to resolve in Prometheus", interval=0.25):
            got = stack.firing()
            if not got:
                break
        for _ in deadline_loop(30, "every alert to resolve in Alertmanager", interval=0.25):
            got = stack.alertmanager_active()
            if not got:
                break
    except AssertionError as e:
        raise AssertionError(f"{e}\nstill firing: {got}") from None


def test_operator_down_fires_and_resolves(stack):
    """Per cluster: one cluster's operator down fires for that cluster only (the other stays up),
    then both; everything resolves once they are back."""
    assert stack.phase == "healthy"
    jobs = {s["metric"]["job"] for s in stack.query("up")}
    assert len(jobs) == 1, jobs
    job = jobs.pop()

    def down(*clusters: str) -> dict[str, set]:
        return {"FluxReportOperatorDown": {(("cluster", c), ("job", job)) for c in clusters}}

    def wait_firing(want: dict[str, set]):
        got: dict[str, set] = {}
        for _ in deadline_loop(30, f"{want} to fire; firing: {got}", interval=0.25):
            got = {k: v for k, v in stack.firing().items() if k == "FluxReportOperatorDown"}
            if got == want:
                break
        got = {}
        for _ in deadline_loop(30, f"{want} at Alertmanager; active: {got}", interval=0.25):
            got = {k: v for k, v in stack.alertmanager_active().items() if k == "FluxReportOperatorDown"}
            if got == want:
                break

    stack.clusters["a"].operator.stop()
    wait_firing(down("a"))
    stack.clusters["b"].operator.stop()
    wait_firing(down("a", "b"))
    for cluster in stack.clusters.values():
        cluster.start_operator()
    for _ in deadline_loop(30, "FluxReportOperatorDown to resolve", interval=0.25):
        if "FluxReportOperatorDown" not in stack.firing() and "FluxReportOperatorDown" not in stack.alertmanager_active():
            break


def test_operator_logs_use_flux_json_keys(stack):
    """The Flux Loki dashboard's `| json | level=~"info|error"` queries: every line of both operators'
    logs (through the failures, the recovery and the restart above) is one JSON object with Flux's
    controller keys `level`, `ts`, `msg` (and `error` on error lines)."""
    lines = 0
    levels: set[str] = set()
    for cluster in stack.clusters.values():
        for log in sorted(cluster.workdir.glob("operator-*.log")):
            for raw in log.read_text().splitlines():
                record = json.loads(raw)
                lines += 1
                assert isinstance(record.get("msg"), str) and record["msg"], raw
                assert record.get("level") in ("debug", "info", "warn", "error"), raw
                assert time.strptime(record["ts"][:19], "%Y-%m-%dT%H:%M:%S") and record["ts"].endswith("Z"), raw
                if record["level"] == "error":
                    assert isinstance(record.get("error"), str) and record["error"], raw
                levels.add(record["level"])
    assert lines >= 20 and "info" in levels
