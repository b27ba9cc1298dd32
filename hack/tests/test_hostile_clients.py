"""Hostile and careless clients against the real operator binary (debug build) and KubeSim.

What a new user could try against the three ports (metrics, health, status page): a foreign Host
header, one client holding 150 event streams, a client asking back to back, many pages asking at
once during churn, partial headers that stall (slowloris), a flood of held connections near the
descriptor limit, readers of /metrics that never read, and probes over IPv6 loopback. Every check
is bounded in time and in requests, talks to loopback only, and closes every socket it opened;
the whole module stays under about three minutes.

Installs nothing: without the binaries the module skips on a developer machine and fails in CI.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import json
import pathlib
import resource
import socket
import sys
import tempfile
import threading
import time

import pytest

from conftest import Process, deadline_loop, free_port, unavailable
from test_status_page import BUILD, Cluster  # the debug build and KubeSim with a fleet, as the page's suite runs them

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench_kube import REPORT_PATH, handle_requested_at  # noqa: E402

ALLOWED_HOST = "status.example.test"
# Held connections in the flood: half on metrics, half on the page.
FLOOD_CONNECTIONS = 4000
MiB = 1 << 20


# -- plain sockets: requests as no HTTP client would send them, from chosen loopback sources -----

def connect(port: int, source: str = "127.0.0.1", host: str = "127.0.0.1", timeout: float = 10) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        if family == socket.AF_INET:
            s.bind((source, 0))
        s.connect((host, port))
    except OSError:
        s.close()
        raise
    return s


def read_until(s: socket.socket, done, seconds: float) -> bytes:
    """Reads until done(data) holds or the peer closes; fails after `seconds`."""
    data = b""
    end = time.monotonic() + seconds
    while not done(data):
        left = end - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out after {seconds:.0f}s; read so far: {data[:300]!r}")
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def parse(raw: bytes):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def request(port: int, path: str = "/api/v1/resources?limit=1", headers=("Host: localhost",), source: str = "127.0.0.1",
            host: str = "127.0.0.1"):
    """One GET on its own connection (Connection: close); (status, headers, raw body)."""
    with contextlib.closing(connect(port, source, host)) as s:
        s.sendall((f"GET {path} HTTP/1.1\r\n" + "".join(h + "\r\n" for h in headers) + "Connection: close\r\n\r\n").encode())
        return parse(read_until(s, lambda _: False, 20))


def open_stream(port: int, source: str):
    """An event stream from `source`: (status, socket or None); an accepted stream's first event is read."""
    s = connect(port, source)
    try:
        s.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
        data = read_until(s, lambda d: b"\r\n\r\n" in d and (not d.startswith(b"HTTP/1.1 200") or b"event: change" in d), 20)
    except BaseException:
        s.close()
        raise
    status = int(data.split(b" ", 2)[1])
    if status != 200:
        s.close()
        return status, None
    return status, s


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Operator(Cluster):
    """KubeSim with a fleet and the operator serving metrics, health and the page on `:PORT`."""

    def __init__(self, workdir: pathlib.Path):
        try:
            super().__init__(workdir, fleet=2000, seed=11)
        except BaseException:
            # A failed start must not leave the simulator (or an operator) behind.
            for child in (getattr(self, "operator", None), getattr(self, "sim", None)):
                if child is not None:
                    child.stop()
            raise
        self.web = self.web_port
        for _ in deadline_loop(60, "the operator to write FluxReport/flux"):
            if self.client.request("GET", REPORT_PATH)[0] == 200:
                break
        self.kustomizations = [o for o in self.client.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations")["items"]
                               if o["metadata"]["namespace"] != "flux-system"][:50]

    def start_operator(self):
        # `free_port` finds a port free on 127.0.0.1; `:PORT` binds every address family, where another
        # process may hold it meanwhile. The operator then exits at once saying so: new ports, a new start.
        for attempt in range(3):
            if attempt:
                self.web_port = free_port()
            self.metrics, self.health = free_port(), free_port()
            # `:PORT`, as the chart passes them: every address family the machine has.
            self.operator = Process("operator", [
                str(BUILD / "flux-report-operator"), "--kubeconfig", str(self.kubeconfig), "--metrics-addr", f":{self.metrics}",
                "--health-addr", f":{self.health}", "--web-addr", f":{self.web_port}", "--web-allowed-hosts", ALLOWED_HOST,
                "--reporting-interval", "30s"], self.workdir)
            if self.wait_until_serving():
                return
            self.operator.stop()
        raise AssertionError("the operator found a port in use at three starts: " + self.operator.output()[-3000:])

    def wait_until_serving(self) -> bool:
        """Until the page serves synced caches (True), or the operator exited because a port was taken (False)."""
        for _ in deadline_loop(90, "the status page to serve synced caches"):
            if self.operator.proc.poll() is not None and "address already in use" in self.operator.output():
                return False
            assert self.operator.proc.poll() is None, self.operator.output()[-3000:]
            try:
                status, _, body = request(self.web_port, "/api/v1/overview", source="127.0.0.250")
            except OSError:
                continue
            if status == 200 and json.loads(body).get("cachesSynced"):
                return True
        return False

    @property
    def pid(self) -> int:
        return self.operator.proc.pid

    def healthz(self) -> float:
        """Seconds for /healthz to answer 200 (fails otherwise)."""
        started = time.monotonic()
        status, _, body = request(self.health, "/healthz", headers=(f"Host: 127.0.0.1:{self.health}",))
        assert status == 200, f"/healthz: {status} {body[:200]!r}"
        return time.monotonic() - started

    def requested_at(self, seconds: float = 30) -> float:
        """Seconds until the report handles a new reconcile.fluxcd.io/requestedAt."""
        return handle_requested_at(self.client, f"hostile-{time.time_ns()}", timeout=seconds)[0]

    def flip(self, i: int):
        """Flips one fleet Kustomization's Ready: a cache change."""
        o = self.kustomizations[i % len(self.kustomizations)]
        status = "False" if (i // len(self.kustomizations)) % 2 == 0 else "True"
        self.set_ready("Kustomization", o["apiVersion"], o["metadata"]["namespace"], o["metadata"]["name"], status,
                       f"Hostile{i}", "hostile clients test")

    def overview(self, source: str = "127.0.0.250") -> dict:
        status, _, body = request(self.web, "/api/v1/overview", source=source)
        assert status == 200, f"/api/v1/overview: {status} {body[:200]!r}"
        return json.loads(body)


@pytest.fixture(scope="module")
def op():
    for binary in ("kubesim", "flux-report-operator"):
        if not (BUILD / binary).exists():
            unavailable(f"{BUILD / binary} is not built (swift build)")
    # The flood holds thousands of sockets here, and the operator (started below) inherits the limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="hostile-clients-"))
    started = time.monotonic()
    operator = None
    try:
        operator = Operator(workdir)
        yield operator
    finally:
        if operator:
            operator.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        print(f"\nhostile clients: {time.monotonic() - started:.1f}s; logs in {workdir}")


# -- the status page's own defences ---------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example", "7f000001.c0a80001.rbndr.us",
                                  "localhost.evil.example", "", None])
def test_a_foreign_host_gets_no_data(op, host):
    headers = () if host is None else (f"Host: {host.format(port=op.web)}",)
    for path in ("/api/v1/resources?limit=5", "/api/v1/overview", "/api/v1/report", "/api/v1/events", "/"):
        status, head, body = request(op.web, path, headers=headers)
        assert status == 421, (host, path, status)
        assert head["content-type"].startswith("text/plain")
        assert body.count(b"\n") == 1 and b"{" not in body and b"Kustomization" not in body, body


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "LOCALHOST", "[::1]:{port}", ALLOWED_HOST, ALLOWED_HOST.upper() + ".:443"])
def test_port_forward_and_listed_hosts_are_answered(op, host):
    status, _, body = request(op.web, "/api/v1/resources?limit=5", headers=(f"Host: {host.format(port=op.web)}",))
    assert status == 200 and json.loads(body)["total"] > 0


def test_a_client_over_its_budget_gets_429_with_retry_after(op):
    # Eight connections at once from one address, back to back: the budget (100 at once, 50 a
    # second) runs out well before 800 requests.
    def ask(_):
        status, headers, _ = request(op.web, "/api/v1/resources?q=kustomization&limit=10", source="127.0.0.3")
        assert status in (200, 429), status
        return status, headers

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(800)))
    limited = [headers for status, headers in answers if status == 429]
    assert limited, "800 requests back to back were never limited"
    assert all(int(h["retry-after"]) >= 1 for h in limited)
    assert sum(1 for status, _ in answers if status == 200) >= 100, "the burst was not served"
    # Another address is not affected.
    assert request(op.web, "/api/v1/resources?limit=1", source="127.0.0.4")[0] == 200


def test_an_event_stream_hog_does_not_turn_off_live_updates_for_others(op):
    held = []
    try:
        statuses = []
        for _ in range(150):
            status, s = open_stream(op.web, "127.0.0.5")
            statuses.append(status)
            if s:
                held.append(s)
        assert 0 < len(held) <= 16, f"one address holds {len(held)} streams"
        assert set(statuses) <= {200, 429}, set(statuses)
        status, other = open_stream(op.web, "127.0.0.6")
        assert status == 200, "a second client got no stream"
        held.append(other)
        before = op.overview()["version"]
        op.flip(0)
        data = read_until(other, lambda d: any(int(v) > before for v in _versions(d)), 20)
        assert b"event: change" in data
    finally:
        for s in held:
            s.close()


def _versions(data: bytes):
    for line in data.split(b"\n"):
        if line.startswith(b'data: {"version":'):
            yield line[len(b'data: {"version":'):].rstrip(b"}\r")


def test_many_pages_at_once_share_one_report_per_cache_version(op):
    def ask(i):
        return op.overview(source=f"127.0.1.{i + 1}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
        # Forty pages at once: at most one report per cache version.
        op.flip(1)
        first = op.overview()
        answers = list(pool.map(ask, range(40)))
        last = op.overview()
        changes = last["version"] - first["version"]
        assert last["reportComputations"] - first["reportComputations"] <= changes + 1, (first, last)
        # During churn: never more than one report per version, and far fewer than the requests.
        stop = threading.Event()

        def churn():
            i = 2
            while not stop.is_set() and i < 400:
                op.flip(i)
                i += 1

        churner = threading.Thread(target=churn, daemon=True)
        churner.start()
        try:
            before = op.overview()
            answers = [a for _ in range(3) for a in pool.map(ask, range(40))]
            after = op.overview()
        finally:
            stop.set()
            churner.join(timeout=60)
        computed = after["reportComputations"] - before["reportComputations"]
        assert computed <= after["version"] - before["version"] + 1, (before, after)
        assert computed < len(answers), f"{computed} reports for {len(answers)} requests"


# -- every server: connections that hold resources (the server-level defences) -------------------

def test_slowloris_partial_headers_are_closed_by_the_server(op):
    """Partial headers that stall: every such connection is closed by the server within 60 s."""
    sockets = []
    try:
        for i in range(200):
            s = connect(op.web, source="127.0.2.1")
            s.sendall(f"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow-{i}: ".encode())
            sockets.append(s)
        end = time.monotonic() + 60
        open_ones = list(sockets)
        while open_ones and time.monotonic() < end:
            still = []
            for s in open_ones:
                s.settimeout(0.01)
                try:
                    if s.recv(4096) == b"":
                        continue
                except (BlockingIOError, socket.timeout):
                    still.append(s)
                    continue
                except OSError:
                    continue  # reset by the server: closed
                still.append(s)  # it answered (a 408?) but did not close yet
            open_ones = still
        assert not open_ones, f"{len(open_ones)} of 200 stalled connections still open after 60 s"
        op.healthz()
    finally:
        for s in sockets:
            s.close()


def test_a_connection_flood_stays_within_its_memory_bound(op):
    """4,000 held connections (half metrics, half page), 16 KiB of header each: at most +64 MiB,
    /healthz and requestedAt still served, and the page served again once the flood lets go."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < FLOOD_CONNECTIONS + 500:
        pytest.skip(f"the descriptor limit is {soft}: below {FLOOD_CONNECTIONS + 500}, the flood cannot be held here")
    op.healthz()
    baseline = rss(op.pid)
    header = b"GET / HTTP/1.1\r\nHost: localhost\r\n" + b"".join(b"X-Flood-%04d: %s\r\n" % (i, b"x" * 100) for i in range(140))
    sockets, refused = [], 0
    opening = time.monotonic() + 60
    try:
        for i in range(FLOOD_CONNECTIONS):
            if time.monotonic() > opening:
                refused += FLOOD_CONNECTIONS - i
                break
            port = op.metrics if i % 2 == 0 else op.web
            try:
                s = connect(port, source=f"127.0.3.{i % 200 + 1}", timeout=1)
            except OSError:
                refused += 1
                continue
            sockets.append(s)
            try:
                s.settimeout(0.5)
                s.sendall(header)
            except OSError:
                refused += 1  # closed by a connection cap: what it is for
        peak = baseline
        for _ in range(10):
            peak = max(peak, rss(op.pid))
            op.healthz()
        added = (peak - baseline) / MiB
        seconds = op.requested_at(seconds=30)
        assert added <= 64, f"{len(sockets)} held connections ({refused} refused or cut) added {added:.0f} MiB (RSS {peak / MiB:.0f} MiB)"
        assert seconds < 15, f"requestedAt took {seconds:.1f} s during the flood"
    finally:
        for s in sockets:
            s.close()
    # While the flood holds every slot of the page's server, new connections are closed at once
    # (the cap); once the flooder lets go, the page is served again.
    assert op.overview()["cachesSynced"]


def test_slow_metrics_readers_during_churn_are_bounded(op):
    """Twenty /metrics readers that never read while the caches change: memory bounded, health served."""
    baseline = rss(op.pid)
    readers = []
    try:
        for _ in range(20):
            s = connect(op.metrics, source="127.0.4.1")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(f"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{op.metrics}\r\n\r\n".encode())
            readers.append(s)
        peak = baseline
        end = time.monotonic() + 30
        for i in range(600):
            if time.monotonic() > end:
                break
            op.flip(1000 + i)
            if i % 50 == 0:
                peak = max(peak, rss(op.pid))
                op.healthz()
        peak = max(peak, rss(op.pid))
        assert (peak - baseline) / MiB <= 64, f"slow readers added {(peak - baseline) / MiB:.0f} MiB"
        op.healthz()
    finally:
        for s in readers:
            s.close()


def _ipv6_loopback() -> str | None:
    """None when ::1 can be bound here, else why not."""
    if not socket.has_ipv6:
        return "Python was built without IPv6"
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError as e:
        return f"no IPv6 loopback on this machine ({e})"
    return None


@pytest.mark.parametrize("server", ["health", "web", "metrics"])
def test_ipv6_loopback_probes(op, server):
    reason = _ipv6_loopback()
    if reason:
        pytest.skip(reason)
    port = getattr(op, server)
    path = {"health": "/healthz", "web": "/api/v1/resources?limit=1", "metrics": "/metrics"}[server]
    try:
        status, _, _ = request(port, path, headers=(f"Host: [::1]:{port}",), host="::1")
    except OSError as e:
        pytest.fail(f"http://[::1]:{port}{path}: {e} (a `:PORT` address must listen on IPv6 too)")
    assert status == 200, f"http://[::1]:{port}{path}: {status}"
