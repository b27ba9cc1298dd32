"""Routing the operator's events (--events-addr) through Flux's notification-controller.

An Alert selects events by `spec.eventSources[].kind`, which the Alert CRD restricts to an enum of
Flux kinds, then matches `involvedObject.kind` exactly. config/notification (a kustomize Component)
adds FluxReport to that enum. Checked here:

- the Component, applied to Flux v2.7.0's real Alert CRD, adds FluxReport to every version's enum
  and changes nothing else;
- the real operator against KubeSim posts its events to a receiver that applies
  notification-controller's rules (an Alert whose kinds must be in the patched enum, exact kind
  match, name and namespace, severity, the metadata filter, the rate limit by name, namespace,
  kind, message and revision), and an Alert-equivalent selector on FluxReport/flux receives them, in
  the event API's shape (fluxcd/pkg apis/event v1beta1);
- a receiver that never answers does not hold up the report.

Every wait polls with a deadline. Skips without the built binaries (fails in CI).
"""
from __future__ import annotations

import copy
import http.server
import json
import os
import pathlib
import shutil
import socket
import tempfile
import threading
import time

import pytest
import yaml

from conftest import CONFIG_DIR, deadline_loop, free_port, kustomize
from test_prometheus_live import BUILD, FIXTURES, KS, Cluster, ready

IN_CI = bool(os.environ.get("CI"))
COMPONENT = CONFIG_DIR / "notification"
ENUM_PATH = ("spec", "properties", "eventSources", "items", "properties", "kind")


def unavailable(message: str):
    if IN_CI:
        pytest.fail(f"{message} (CI runs the event routing tests)")
    pytest.skip(message)


def alert_crd(docs: list[dict]) -> dict:
    return next(d for d in docs if d.get("kind") == "CustomResourceDefinition" and d["spec"]["names"]["kind"] == "Alert")


def enums(crd: dict) -> dict[str, list[str]]:
    out = {}
    for version in crd["spec"]["versions"]:
        node = version["schema"]["openAPIV3Schema"]["properties"]
        for key in ENUM_PATH:
            node = node[key]
        out[version["name"]] = node["enum"]
    return out


@pytest.fixture(scope="module")
def patched_alert_crd(tmp_path_factory) -> dict:
    source = FIXTURES / "notification-controller.yaml"
    if not source.exists():
        unavailable(f"{source} is missing")
    work = tmp_path_factory.mktemp("alert-crd")
    shutil.copy(source, work / "notification-controller.yaml")
    (work / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["notification-controller.yaml"], "components": [os.path.relpath(COMPONENT, work)]}))
    return alert_crd(kustomize(work))


def test_component_adds_fluxreport_to_every_alert_version(patched_alert_crd):
    original = alert_crd([d for d in yaml.safe_load_all((FIXTURES / "notification-controller.yaml").read_text()) if d])
    before, after = enums(original), enums(patched_alert_crd)
    assert sorted(after) == sorted(before) and len(after) >= 2
    for version, kinds in after.items():
        assert kinds == before[version] + ["FluxReport"], version
    # Nothing else changed.
    unpatched = copy.deepcopy(patched_alert_crd)
    for version in unpatched["spec"]["versions"]:
        node = version["schema"]["openAPIV3Schema"]["properties"]
        for key in ENUM_PATH:
            node = node[key]
        node["enum"].remove("FluxReport")
    assert unpatched["spec"] == original["spec"]


class NotificationReceiver:
    """notification-controller's event endpoint, reduced to its routing rules (api/v1beta3 Alert,
    internal/server/event_handlers.go): the event must be a valid event API v1beta1 object; Alerts in
    the event's namespace whose eventSources match (kind exactly, name or "*") and whose
    eventSeverity admits it (info admits all) get it; metadata keys are kept only with the
    `event.toolkit.fluxcd.io/` or the involved object's API group prefix; a repeat of
    (name, namespace, kind, message, revision) within the rate-limit interval is dropped."""

    def __init__(self, alerts: dict[str, dict], enum: list[str], rate_limit: float = 300):
        for name, alert in alerts.items():
            for source in alert["eventSources"]:
                assert source["kind"] in enum, f"Alert {name}: kind {source['kind']} is not accepted by the Alert CRD"
        self.alerts = alerts
        self.rate_limit = rate_limit
        self.received: list[dict] = []
        self.delivered: dict[str, list[dict]] = {name: [] for name in alerts}
        self.invalid: list[str] = []
        self.seen: dict[tuple, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    receiver.handle(json.loads(body))
                    self.send_response(202)
                except (ValueError, KeyError, AssertionError) as e:
                    with receiver.lock:
                        receiver.invalid.append(f"{e}: {body[:300]!r}")
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, event: dict):
        obj = event["involvedObject"]
        for key in ("kind", "name", "namespace", "apiVersion", "uid"):
            assert isinstance(obj.get(key), str) and obj[key], f"involvedObject.{key}"
        assert event["severity"] in ("info", "error"), "severity"
        assert time.strptime(event["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"), "timestamp"
        for key in ("message", "reason", "reportingController"):
            assert isinstance(event.get(key), str) and event[key], key
        metadata = event.get("metadata") or {}
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()), "metadata is a string map"
        group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
        kept = {k: v for k, v in metadata.items() if k.startswith("event.toolkit.fluxcd.io/") or (group and k.startswith(group + "/"))}
        key = (obj["name"], obj["namespace"], obj["kind"], event["message"], kept.get("event.toolkit.fluxcd.io/revision", ""))
        now = time.monotonic()
        with self.lock:
            self.received.append(event)
            if now - self.seen.get(key, -1e9) < self.rate_limit:
                return
            self.seen[key] = now
            for name, alert in self.alerts.items():
                if alert.get("eventSeverity", "info") == "error" and event["severity"] != "error":
                    continue
                if any(s["kind"] == obj["kind"] and s["name"] in ("*", obj["name"]) and s.get("namespace", obj["namespace"]) == obj["namespace"]
                       for s in alert["eventSources"]):
                    self.delivered[name].append({**event, "metadata": kept})

    def reasons(self, alert: str) -> list[str]:
        with self.lock:
            return [e["reason"] for e in self.delivered[alert]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def require_binaries():
    for binary in ("kubesim", "flux-report-operator"):
        if not (BUILD / binary).exists():
            unavailable(f"{BUILD / binary} is not built (swift build)")
    if not FIXTURES.is_dir():
        unavailable(f"the Flux fixtures are not at {FIXTURES}")


def report_sync_ready(cluster: Cluster):
    code, report = cluster.client.request("GET", "/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxreports/flux")
    return ((report or {}).get("spec") or {}).get("sync", {}).get("ready") if code == 200 else None


def test_an_alert_on_fluxreport_receives_the_report_events(patched_alert_crd):
    require_binaries()
    enum = enums(patched_alert_crd)["v1beta3"]
    alerts = {
        "report": {"eventSources": [{"kind": "FluxReport", "name": "flux"}], "eventSeverity": "info"},
        "report-errors": {"eventSources": [{"kind": "FluxReport", "name": "*"}], "eventSeverity": "error"},
        # The sync Kustomization itself: the report's events are not attributed to it.
        "sync-kustomization": {"eventSources": [{"kind": "Kustomization", "name": "flux-system"}]},
    }
    receiver = NotificationReceiver(alerts, enum)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="event-routing-"))
    cluster = None
    try:
        cluster = Cluster("a", workdir, extra_args=("--events-addr", receiver.url))
        for _ in deadline_loop(30, "ReportInitialized at the receiver", interval=0.1):
            if "ReportInitialized" in receiver.reasons("report"):
                break
        saved = cluster.saved["sync"]
        cluster.set_ready(KS, "flux-system", ready("False", "BuildFailed", "kustomize build failed"), namespace="flux-system")
        for _ in deadline_loop(30, "SyncFailed at the receiver", interval=0.1):
            if "SyncFailed" in receiver.reasons("report"):
                break
        cluster.set_status(KS, "flux-system", saved, namespace="flux-system")
        for _ in deadline_loop(30, "SyncRecovered at the receiver", interval=0.1):
            if "SyncRecovered" in receiver.reasons("report"):
                break
        assert receiver.invalid == []
        assert receiver.reasons("report")[:1] == ["ReportInitialized"]
        # The failing sync Kustomization also makes the Kustomizations failing (ReconcilersFailing).
        assert sorted(receiver.reasons("report-errors")) == ["ReconcilersFailing", "SyncFailed"]
        assert [e["reason"] for e in receiver.delivered["report"] if e["severity"] == "error"] == receiver.reasons("report-errors"), \
            "error-severity Alerts get exactly the Warning events"
        assert receiver.reasons("sync-kustomization") == []
        failed = next(e for e in receiver.delivered["report"] if e["reason"] == "SyncFailed")
        assert failed["involvedObject"]["kind"] == "FluxReport" and failed["involvedObject"]["name"] == "flux"
        assert failed["involvedObject"]["namespace"] == "flux-system"
        assert failed["involvedObject"]["apiVersion"] == "fluxcd.controlplane.io/v1"
        assert failed["severity"] == "error" and "kustomization/flux-system" in failed["message"]
        assert failed["reportingController"] == "flux-report-operator"
        # The rate limit: a repeat of the same message within the interval is not delivered twice.
        assert len(receiver.reasons("report")) == len(set((e["reason"], e["message"]) for e in receiver.delivered["report"]))
    finally:
        if cluster:
            cluster.close()
        receiver.close()


def test_a_receiver_that_never_answers_does_not_hold_up_reporting():
    require_binaries()
    # Accepts connections and never answers (the worst a receiver can do; refusing is answered at once).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="event-routing-silent-"))
    cluster = None
    try:
        cluster = Cluster("a", workdir, extra_args=("--events-addr", f"http://127.0.0.1:{silent.getsockname()[1]}/"))
        saved = cluster.saved["sync"]
        for flip in range(3):
            failing = flip % 2 == 0
            if failing:
                cluster.set_ready(KS, "flux-system", ready("False", "BuildFailed", f"build failed {flip}"), namespace="flux-system")
            else:
                cluster.set_status(KS, "flux-system", saved, namespace="flux-system")
            for _ in deadline_loop(15, f"the report to show the sync {'failing' if failing else 'recovered'}", interval=0.1):
                if report_sync_ready(cluster) is (not failing):
                    break
        # The events still reach the cluster.
        code, events = cluster.client.request("GET", "/api/v1/namespaces/flux-system/events")
        assert code == 200
        reasons = [e.get("reason") for e in events["items"]]
        assert reasons.count("SyncFailed") >= 2 and "SyncRecovered" in reasons, reasons
    finally:
        if cluster:
            cluster.close()
        silent.close()
