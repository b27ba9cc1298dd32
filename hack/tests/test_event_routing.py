"""Routing the operator's events (--events-addr) through Flux's notification-controller.

An Alert selects events by `spec.eventSources[].kind`, which the Alert CRD restricts to an enum of
Flux kinds, then matches `involvedObject.kind` exactly. Transitions of one Flux object (the sync
Kustomization failing or recovering, the one object of a kind that started failing) are posted as
that object's, so a standard Alert selects them; the report-level events are the FluxReport's, and
config/notification (a kustomize Component) adds FluxReport to the enum. Checked here:

- the receiver below applies notification-controller's rules (an Alert whose kinds must be in the
  CRD's enum, exact kind match, name and namespace, severity, the metadata filter, the rate limit by
  name, namespace, kind, message and the involved object's group's revision);
- the Component, applied to Flux v2.7.0's real Alert CRD, adds FluxReport to every version's enum
  and changes nothing else;
- the real operator against KubeSim posts its events to that receiver in the event API's shape
  (fluxcd/pkg apis/event v1beta1): an Alert on FluxReport/flux (patched enum) gets the report-level
  events; an Alert on Kustomization/flux-system with Flux's own enum gets the sync transitions, with
  metadata that survives the filter, rate-limited per revision;
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
from test_prometheus_live import BUILD, FIXTURES, KS, Cluster, ready, rfc3339

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


EVENT_GROUP = "event.toolkit.fluxcd.io"


class NotificationReceiver:
    """notification-controller's event endpoint, reduced to its routing rules (api/v1beta3 Alert,
    internal/server/event_handlers.go, internal/notifier EventKey): the event must be a valid event
    API v1beta1 object (involvedObject a corev1.ObjectReference, uid optional); Alerts in the event's
    namespace whose eventSources match (kind exactly, name or "*") and whose eventSeverity admits it
    (info admits all) get it; metadata keys are kept only under the `event.toolkit.fluxcd.io/` or the
    involved object's API group prefix, less `<group>/checksum` and `<group>/digest`; a repeat of
    (name, namespace, kind, message and the `<group>/` originRevision, revision and token) within the
    rate-limit interval is dropped."""

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

    @staticmethod
    def group(event: dict) -> str:
        api_version = event["involvedObject"]["apiVersion"]
        return api_version.split("/")[0] if "/" in api_version else ""

    @classmethod
    def kept_metadata(cls, event: dict) -> dict[str, str]:
        group = cls.group(event)
        excluded = {f"{group}/checksum", f"{group}/digest"}
        return {k: v for k, v in (event.get("metadata") or {}).items()
                if k.lower() not in excluded and (k.startswith(EVENT_GROUP + "/") or k.startswith(group + "/"))}

    @classmethod
    def rate_key(cls, event: dict) -> tuple:
        obj, group, metadata = event["involvedObject"], cls.group(event), event.get("metadata") or {}
        return (obj["name"], obj["namespace"], obj["kind"], event["message"],
                *(f"{k}={metadata[f'{group}/{k}']}" for k in ("originRevision", "revision", "token") if f"{group}/{k}" in metadata))

    def handle(self, event: dict):
        obj = event["involvedObject"]
        for key in ("kind", "name", "namespace", "apiVersion"):
            assert isinstance(obj.get(key), str) and obj[key], f"involvedObject.{key}"
        assert set(obj) <= {"kind", "name", "namespace", "apiVersion", "uid", "resourceVersion", "fieldPath"}, "involvedObject"
        assert isinstance(obj.get("uid", ""), str), "involvedObject.uid"
        assert set(event) <= {"involvedObject", "severity", "timestamp", "message", "reason", "metadata",
                              "reportingController", "reportingInstance"}, f"unknown fields {sorted(event)}"
        assert event["severity"] in ("trace", "info", "error"), "severity"
        assert time.strptime(event["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"), "timestamp"
        for key in ("message", "reason", "reportingController"):
            assert isinstance(event.get(key), str) and event[key], key
        metadata = event.get("metadata") or {}
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()), "metadata is a string map"
        kept = self.kept_metadata(event)
        key = self.rate_key(event)
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

    def received_reasons(self) -> list[str]:
        with self.lock:
            return [e["reason"] for e in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_receiver_applies_notification_controllers_rules():
    """The rules above, on hand-made events (what the tests below rely on)."""
    alerts = {"ks": {"eventSources": [{"kind": "Kustomization", "name": "flux-system", "namespace": "flux-system"}]}}
    receiver = NotificationReceiver(alerts, ["Kustomization"], rate_limit=300)
    try:
        with pytest.raises(AssertionError):
            NotificationReceiver({"r": {"eventSources": [{"kind": "FluxReport", "name": "flux"}]}}, ["Kustomization"])

        def event(message="m", **metadata):
            return {"involvedObject": {"kind": "Kustomization", "name": "flux-system", "namespace": "flux-system",
                                       "apiVersion": "kustomize.toolkit.fluxcd.io/v1"},
                    "severity": "error", "timestamp": "2026-01-01T00:00:00Z", "message": message, "reason": "R",
                    "reportingController": "c", "metadata": metadata}
        receiver.handle(event(**{"kustomize.toolkit.fluxcd.io/revision": "r1", "event.toolkit.fluxcd.io/report": "x",
                                 "fluxcd.controlplane.io/other": "dropped", "kustomize.toolkit.fluxcd.io/digest": "dropped"}))
        assert receiver.delivered["ks"][0]["metadata"] == {"kustomize.toolkit.fluxcd.io/revision": "r1", "event.toolkit.fluxcd.io/report": "x"}
        receiver.handle(event(**{"kustomize.toolkit.fluxcd.io/revision": "r1"}))          # a repeat
        receiver.handle(event(**{"event.toolkit.fluxcd.io/revision": "r2"}))              # not in the key: keyed as no revision
        receiver.handle(event(**{"kustomize.toolkit.fluxcd.io/revision": "r2"}))          # another revision
        receiver.handle(event("other"))
        assert [e["metadata"].get("kustomize.toolkit.fluxcd.io/revision") for e in receiver.delivered["ks"]] == ["r1", None, "r2", None]
        assert len(receiver.received) == 5
    finally:
        receiver.close()


def require_binaries():
    for binary in ("kubesim", "flux-report-operator"):
        if not (BUILD / binary).exists():
            unavailable(f"{BUILD / binary} is not built (swift build)")
    if not FIXTURES.is_dir():
        unavailable(f"the Flux fixtures are not at {FIXTURES}")


def report_sync_ready(cluster: Cluster):
    code, report = cluster.client.request("GET", "/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxreports/flux")
    return ((report or {}).get("spec") or {}).get("sync", {}).get("ready") if code == 200 else None


def unavailable_deployment() -> dict:
    return {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "unavailableReplicas": 1,
            "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                            "message": "Deployment does not have minimum availability.", "lastTransitionTime": rfc3339()}]}


def wait_for(receiver: NotificationReceiver, alert: str, reasons: list[str], seconds: float = 30):
    """Until the Alert got exactly these events, in any order (each event is posted by a task of its own)."""
    for _ in deadline_loop(seconds, f"{reasons} at the receiver for Alert {alert}", interval=0.1):
        if sorted(receiver.reasons(alert)) == sorted(reasons):
            return
        assert receiver.invalid == [], receiver.invalid


def test_an_alert_on_fluxreport_receives_the_report_events(patched_alert_crd):
    """Report-level events (about the report or the Flux installation, not one Flux object) stay the
    FluxReport's: only an Alert on FluxReport, which needs config/notification, selects them."""
    require_binaries()
    enum = enums(patched_alert_crd)["v1beta3"]
    alerts = {
        "report": {"eventSources": [{"kind": "FluxReport", "name": "flux"}], "eventSeverity": "info"},
        "report-errors": {"eventSources": [{"kind": "FluxReport", "name": "*"}], "eventSeverity": "error"},
    }
    receiver = NotificationReceiver(alerts, enum)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="event-routing-"))
    cluster = None
    try:
        cluster = Cluster("a", workdir, extra_args=("--events-addr", receiver.url))
        wait_for(receiver, "report", ["ReportInitialized"])
        cluster.set_status(("apps/v1", "Deployment"), "kustomize-controller", unavailable_deployment(), namespace="flux-system")
        wait_for(receiver, "report", ["ReportInitialized", "ComponentNotReady"])
        cluster.set_status(("apps/v1", "Deployment"), "kustomize-controller", cluster.saved["deployment"], namespace="flux-system")
        wait_for(receiver, "report", ["ReportInitialized", "ComponentNotReady", "ComponentReady"])
        assert receiver.reasons("report-errors") == ["ComponentNotReady"], "error-severity Alerts get exactly the Warning events"
        down = next(e for e in receiver.delivered["report"] if e["reason"] == "ComponentNotReady")
        assert down["involvedObject"]["kind"] == "FluxReport" and down["involvedObject"]["name"] == "flux"
        assert down["involvedObject"]["namespace"] == "flux-system" and down["involvedObject"]["uid"]
        assert down["involvedObject"]["apiVersion"] == "fluxcd.controlplane.io/v1"
        assert down["severity"] == "error" and "kustomize-controller" in down["message"]
        assert down["reportingController"] == "flux-report-operator"
        assert down["metadata"] == {"event.toolkit.fluxcd.io/report": "FluxReport/flux-system/flux"}, "the report key survives the filter"
    finally:
        if cluster:
            cluster.close()
        receiver.close()


def test_a_standard_alert_on_the_flux_object_receives_its_transitions():
    """Object-level transitions are the Flux object's: an Alert with Flux's own kind enum (no
    config/notification) on the sync Kustomization gets SyncFailed, ReconcilersFailing (it is the one
    Kustomization failing) and SyncRecovered, with the revision and the report in metadata that
    survives the filter; the rate limit drops a repeat of the same failure at the same revision
    and lets it through at a new revision."""
    require_binaries()
    standard = enums(alert_crd([d for d in yaml.safe_load_all((FIXTURES / "notification-controller.yaml").read_text()) if d]))["v1beta3"]
    assert "FluxReport" not in standard and "Kustomization" in standard
    alerts = {
        "sync": {"eventSources": [{"kind": "Kustomization", "name": "flux-system", "namespace": "flux-system"}], "eventSeverity": "info"},
        "sync-errors": {"eventSources": [{"kind": "Kustomization", "name": "*"}], "eventSeverity": "error"},
        "other": {"eventSources": [{"kind": "Kustomization", "name": "apps"}, {"kind": "HelmRelease", "name": "*"}]},
    }
    receiver = NotificationReceiver(alerts, standard)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="event-routing-std-"))
    cluster = None
    try:
        cluster = Cluster("a", workdir, extra_args=("--events-addr", receiver.url))
        for _ in deadline_loop(30, "ReportInitialized posted", interval=0.1):
            if "ReportInitialized" in receiver.received_reasons():
                break
        saved = cluster.saved["sync"]

        def fail(revision: str):
            cluster.set_status(KS, "flux-system", {**saved, "lastAttemptedRevision": revision, "conditions": [
                ready("False", "BuildFailed", "kustomize build failed")]}, namespace="flux-system")

        def recover(revision: str):
            cluster.set_status(KS, "flux-system", {**saved, "lastAttemptedRevision": revision, "lastAppliedRevision": revision},
                               namespace="flux-system")

        def posted(reason: str) -> int:
            return receiver.received_reasons().count(reason)

        fail("main@sha1:bad1")
        wait_for(receiver, "sync", ["ReconcilersFailing", "SyncFailed"])
        recover("main@sha1:good1")
        wait_for(receiver, "sync", ["ReconcilersFailing", "SyncFailed", "SyncRecovered"])
        failed = next(e for e in receiver.delivered["sync"] if e["reason"] == "SyncFailed")
        assert failed["involvedObject"]["kind"] == "Kustomization" and failed["involvedObject"]["name"] == "flux-system"
        assert failed["involvedObject"]["namespace"] == "flux-system"
        assert failed["involvedObject"]["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1" and failed["involvedObject"]["uid"]
        assert failed["severity"] == "error" and "kustomization/flux-system" in failed["message"]
        assert failed["reportingController"] == "flux-report-operator"
        assert failed["metadata"] == {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:bad1",
                                      "event.toolkit.fluxcd.io/report": "FluxReport/flux-system/flux"}
        recovered = next(e for e in receiver.delivered["sync"] if e["reason"] == "SyncRecovered")
        assert recovered["severity"] == "info" and recovered["metadata"]["kustomize.toolkit.fluxcd.io/revision"] == "main@sha1:good1"

        # The same failure at the same revision within the interval: posted, not delivered.
        before = posted("SyncFailed")
        fail("main@sha1:bad1")
        for _ in deadline_loop(30, "the repeated SyncFailed posted", interval=0.1):
            if posted("SyncFailed") > before:
                break
        recover("main@sha1:good1")
        for _ in deadline_loop(30, "the repeated SyncRecovered posted", interval=0.1):
            if posted("SyncRecovered") >= 2:
                break
        assert sorted(receiver.reasons("sync")) == ["ReconcilersFailing", "SyncFailed", "SyncRecovered"]
        # At a new revision it is a new event.
        fail("main@sha1:bad2")
        wait_for(receiver, "sync", ["ReconcilersFailing", "SyncFailed", "SyncRecovered", "ReconcilersFailing", "SyncFailed"])

        assert receiver.invalid == []
        assert sorted(receiver.reasons("sync-errors")) == ["ReconcilersFailing", "ReconcilersFailing", "SyncFailed", "SyncFailed"]
        assert receiver.reasons("other") == []
        # Report-level events reach the receiver as the FluxReport's, which this enum cannot select.
        assert {e["involvedObject"]["kind"] for e in receiver.received if e["reason"] == "ReportInitialized"} == {"FluxReport"}
        # ReconcilersRecovered does not name an object (the one failing may be gone rather than recovered).
        assert {e["involvedObject"]["kind"] for e in receiver.received if e["reason"] == "ReconcilersRecovered"} <= {"FluxReport"}
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
