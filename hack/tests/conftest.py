"""Shared helpers for the packaging tests: paths, chart rendering, kustomize and promtool."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART_DIR = ROOT / "charts" / "flux-report-operator"
CONFIG_DIR = ROOT / "config"
CRD_FILE = CONFIG_DIR / "crd" / "bases" / "fluxcd.controlplane.io_fluxreports.yaml"
FIXTURES = pathlib.Path("/work/shared/fixtures/flux")
RELEASE = "flux-report-operator"
NAMESPACE = "flux-system"


def helm():
    """The helm_python module, or a visible skip when it is not installed."""
    return pytest.importorskip("helm_python", reason="helm-python-sdk is not installed (pip install helm-python-sdk)")


@pytest.fixture(scope="session")
def chart():
    h = helm()
    loaded = h.Chart.load(str(CHART_DIR))
    yield loaded
    loaded.close()


def render(chart, values: dict[str, Any] | None = None, name: str = RELEASE, namespace: str = NAMESPACE) -> list[dict]:
    """Renders the chart and returns every manifest object (NOTES.txt excluded)."""
    out = chart.render(values or {}, name=name, namespace=namespace)
    objects: list[dict] = []
    for path, text in sorted(out.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def one(objects: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def kinds(objects: list[dict]) -> list[str]:
    return sorted(o["kind"] for o in objects)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (hack/setup installs it)")
    return path


def kustomize(directory: pathlib.Path) -> list[dict]:
    """`kubectl kustomize <dir>` parsed; skips visibly when kubectl is missing."""
    kubectl = require_tool("kubectl")
    result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def promtool(*args: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    tool = require_tool("promtool")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


# Processes and polling for the suites that run the real binaries (status page, live Prometheus).

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deadline_loop(seconds: float, what: str, interval: float = 0.02):
    """Yields until the caller breaks; fails after `seconds` (polling with a deadline, not sleeping to sync)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        yield
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds:.0f}s waiting for {what}")


def http_get(url: str, timeout: float = 10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api_get(url: str, timeout: float = 10):
    """`http_get` as a well-behaved client of the status page's API: a 429 (the per-address budget,
    which a whole suite and its browser share from 127.0.0.1) is waited out for its Retry-After."""
    for _ in range(5):
        status, headers, body = http_get(url, timeout)
        if status != 429:
            return status, headers, body
        time.sleep(min(float(headers.get("Retry-After") or 1), 5))
    raise AssertionError(f"{url}: still 429 after five Retry-After waits: {body!r}")


class Process:
    def __init__(self, name: str, argv: list[str], workdir: pathlib.Path):
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


def start_kubesim(binary: pathlib.Path, workdir: pathlib.Path, fleet: int, seed: int, fixtures: pathlib.Path,
                  seconds: float = 60, name: str = "kubesim", kubeconfig_name: str = "kubeconfig") -> tuple[Process, pathlib.Path]:
    """KubeSim with a generated fleet (and the Flux fixtures when present), serving: (process, kubeconfig).
    Several in one workdir need their own `name` and `kubeconfig_name`."""
    kubeconfig = workdir / kubeconfig_name
    argv = [str(binary), "--fleet", str(fleet), "--seed", str(seed), "--kubeconfig-out", str(kubeconfig)]
    if fixtures.is_dir():
        argv += ["--fixtures", str(fixtures)]
    sim = Process(name, argv, workdir)
    for _ in deadline_loop(seconds, f"{name} to serve"):
        if "url:" in sim.output():
            break
        assert sim.proc.poll() is None, sim.output()[-3000:]
    return sim, kubeconfig


def wait_for_synced_page(operator: Process, base: str, seconds: float = 30):
    """Until the operator's status page at `base` says its caches are synced (fails if it exits)."""
    for _ in deadline_loop(seconds, "the status page to serve synced caches"):
        assert operator.proc.poll() is None, operator.output()[-3000:]
        try:
            status, _, body = http_get(base + "/api/v1/overview", timeout=5)
        except OSError:
            continue
        if status == 200 and json.loads(body).get("cachesSynced"):
            return


def unavailable(message: str):
    """A prerequisite is missing: a skip on a developer's machine, a failure in CI (which builds and installs everything)."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI builds the binaries and installs the tools before the Python suites)")
    pytest.skip(message)
