"""Talking to the simulated API server for hack/bench: a tiny kubeconfig reader, a keep-alive
HTTP(S) client with the sim's token and CA, and the per-kind aggregation the report must match.

Stdlib only, so the benchmark runs on a fresh machine without pip.
"""

import base64
import http.client
import json
import ssl
import tempfile
import time
import urllib.parse

FLUX_SELECTOR = "app.kubernetes.io/part-of=flux"
OPERATOR_GROUP = "fluxcd.controlplane.io"
OPERATOR_KINDS = {"FluxInstance", "ResourceSet", "ResourceSetInputProvider"}
REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
REPORT_PATH = "/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxreports/flux"


class BenchError(Exception):
    """A measurement that failed outright (no report, no answer): the run exits non-zero."""


def read_kubeconfig(path):
    """Server, token and CA PEM of the kubeconfig kubesim writes (flat YAML, one cluster/user).

    kubesim's kubeconfig is generated with fixed indentation, so a line scan is enough and keeps
    the script free of a YAML dependency.
    """
    server = token = ca = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("server:"):
                server = line.split(":", 1)[1].strip()
            elif line.startswith("token:"):
                token = line.split(":", 1)[1].strip()
            elif line.startswith("certificate-authority-data:"):
                ca = base64.b64decode(line.split(":", 1)[1].strip()).decode()
    if not server or not token:
        raise BenchError(f"kubeconfig {path}: no server or token")
    return server, token, ca


class Client:
    """One keep-alive connection to the sim (reconnects once on a dropped connection)."""

    def __init__(self, kubeconfig, timeout=120.0):
        server, self.token, ca = read_kubeconfig(kubeconfig)
        url = urllib.parse.urlsplit(server)
        self.host, self.port, self.https = url.hostname, url.port, url.scheme == "https"
        self.timeout = timeout
        self.context = None
        if self.https:
            self.context = ssl.create_default_context()
            if ca:
                with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
                    f.write(ca)
                self.context.load_verify_locations(f.name)
        self.conn = None
        # Response bytes (bodies) received so far: the cost of a listing.
        self.bytes_received = 0

    def _connect(self):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method, path, body=None, content_type="application/json"):
        """Returns (status, parsed JSON or None). Raises BenchError when the server cannot be reached."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                self.bytes_received += len(raw)
                break
            except (OSError, http.client.HTTPException) as e:
                self.close()
                if attempt == 1:
                    raise BenchError(f"{method} {path}: {e}") from e
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, parsed

    def get(self, path):
        status, obj = self.request("GET", path)
        if status != 200:
            raise BenchError(f"GET {path}: HTTP {status}: {obj}")
        return obj

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def flux_kinds(crd_list):
    """(group, version, plural, kind) of every CRD in a CRD list; version = last stored version."""
    kinds = []
    for crd in crd_list.get("items", []):
        spec = crd.get("spec", {})
        stored = crd.get("status", {}).get("storedVersions") or [v["name"] for v in spec.get("versions", []) if v.get("storage")]
        if not stored:
            continue
        names = spec.get("names", {})
        kinds.append((spec.get("group", ""), stored[-1], names.get("plural", ""), names.get("kind", "")))
    return sorted(kinds)


def object_stats(obj, group):
    """(suspended, failing) of one object, by the docs/report.md, Fields rules."""
    meta = obj.get("metadata", {})
    if group == OPERATOR_GROUP and obj.get("kind") in OPERATOR_KINDS:
        suspended = str((meta.get("annotations") or {}).get("fluxcd.controlplane.io/reconcile", "")).lower() == "disabled"
    else:
        suspended = (obj.get("spec") or {}).get("suspend") is True
    ready = next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None)
    failing = (not suspended and ready is not None and ready.get("status") == "False"
               and ready.get("reason") != "DependencyNotReady")
    return suspended, failing


def aggregate(kind_items):
    """{"<apiVersion>/<kind>": {"running", "failing", "suspended"}} from [(group, version, kind, items)]."""
    out = {}
    for group, version, kind, items in kind_items:
        total = suspended = failing = 0
        for obj in items:
            s, f = object_stats(obj, group)
            total += 1
            suspended += s
            failing += f
        out[f"{group}/{version}/{kind}"] = {"running": total - suspended, "failing": failing, "suspended": suspended}
    return out


def list_expected(client):
    """Per-kind stats computed from a full listing through the API (one GET per kind)."""
    crds = client.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions?labelSelector={urllib.parse.quote(FLUX_SELECTOR)}")
    kind_items = []
    for group, version, plural, kind in flux_kinds(crds):
        listing = client.get(f"/apis/{group}/{version}/{plural}")
        kind_items.append((group, version, kind, listing.get("items", [])))
    return aggregate(kind_items)


def report_stats(report):
    """The same shape as aggregate(), read from a FluxReport's spec.reconcilers."""
    out = {}
    for r in (report.get("spec") or {}).get("reconcilers") or []:
        stats = r.get("stats") or {}
        out[f"{r.get('apiVersion')}/{r.get('kind')}"] = {
            "running": stats.get("running", 0), "failing": stats.get("failing", 0), "suspended": stats.get("suspended", 0)}
    return out


def is_ready(report):
    conditions = (report.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def stats_match(report, expected, ignore=()):
    """True when every expected kind is reported with the same counts (kinds in `ignore` skipped)."""
    got = report_stats(report)
    return all(got.get(k) == v for k, v in expected.items() if k not in ignore)


def total_objects(stats):
    return sum(v["running"] + v["suspended"] for v in stats.values())


def handle_requested_at(client, value, timeout=30.0, path=REPORT_PATH):
    """Sets the report's requestedAt to `value` and polls until the report says it handled it:
    (seconds from the PATCH, the report). Raises BenchError when it is not handled in time."""
    patch = {"metadata": {"annotations": {REQUESTED_AT: value}}}
    start = time.monotonic()
    status, obj = client.request("PATCH", path, patch, "application/merge-patch+json")
    if status != 200:
        raise BenchError(f"PATCH requestedAt: HTTP {status}: {obj}")
    deadline = start + timeout
    while time.monotonic() < deadline:
        status, obj = client.request("GET", path)
        if status == 200 and obj and (obj.get("status") or {}).get("lastHandledReconcileAt") == value:
            return time.monotonic() - start, obj
        time.sleep(0.005)
    raise BenchError(f"requestedAt {value!r} not handled within {timeout:.0f}s")
