"""One benchmark run at fleet size N (docs/benchmarks.md): kubesim + the operator in their own processes,
every figure measured from outside through the API, /metrics and /proc."""

import json
import os
import statistics
import subprocess
import threading
import time
import urllib.request

from bench_kube import (BenchError, Client, handle_requested_at, aggregate, flux_kinds, is_ready, list_expected,
                        report_stats, stats_match, total_objects, FLUX_SELECTOR)
from bench_proc import Child, free_port

NAMESPACE = "flux-system"
REPORT_PATH = f"/apis/fluxcd.controlplane.io/v1/namespaces/{NAMESPACE}/fluxreports/flux"
REPORT_KIND = "fluxcd.controlplane.io/v1/FluxReport"
REPORTING_INTERVAL_S = 10


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def log(msg):
    print(f"[bench] {msg}", flush=True)


class Run:
    """Holds the children of one size; `close()` stops them whatever happened."""

    def __init__(self, n, bins, fixtures, seed, workdir, iterations, scrapes, kubectl=True):
        self.n, self.bins, self.fixtures, self.seed = n, bins, fixtures, seed
        self.workdir, self.iterations, self.scrapes, self.kubectl_enabled = workdir, iterations, scrapes, kubectl
        self.sim = self.operator = self.client = None
        self.result = {"n": n, "seed": seed, "errors": [], "warnings": []}

    # -- orchestration -------------------------------------------------------------------------
    def execute(self):
        # Other work on the machine skews every figure: record the load the run started under.
        self.result["loadAverage"] = [round(x, 2) for x in os.getloadavg()]
        try:
            self.start_sim()
            received = self.client.bytes_received
            self.expected = list_expected(self.client)
            # The same LISTs the operator's initial sync makes of the Flux kinds (unpaginated here).
            self.result["listMiB"] = round((self.client.bytes_received - received) / 2**20, 2)
            self.result["fluxObjects"] = total_objects(self.expected)
            self.start_operator()
            self.first_report()
            self.requested_at()
            self.steady_state()
            self.churn()
            self.metrics()
            if self.kubectl_enabled:
                self.kubectl_baseline()
        except BenchError as e:
            self.result["errors"].append(str(e))
            log(f"N={self.n}: FAILED: {e}")
        finally:
            self.close()
        return self.result

    def close(self):
        if self.client is not None:
            self.client.close()
        if self.operator is not None:
            # The peak over the whole run, /metrics scrapes included (steady_state() read it before them).
            final_peak = self.operator.memory().get("VmHWM")
            if final_peak and "memory" in self.result:
                self.result["memory"]["peakWithScrapesMiB"] = round(final_peak / 2**20, 1)
            was_running = self.operator.alive()
            code, seconds, killed = self.operator.stop()
            self.result["operatorExit"] = {"code": code, "seconds": round(seconds, 2), "killed": killed,
                                           "exitedEarly": not was_running}
        if self.sim is not None:
            self.sim.stop()

    # -- 1. the simulator -----------------------------------------------------------------------
    def start_sim(self):
        kubeconfig = os.path.join(self.workdir, "kubeconfig")
        self.kubeconfig = kubeconfig
        argv = [self.bins["kubesim"], "--fleet", str(self.n), "--seed", str(self.seed),
                "--fixtures", self.fixtures, "--kubeconfig-out", kubeconfig]
        log(f"N={self.n}: starting kubesim")
        self.sim = Child("kubesim", argv, os.path.join(self.workdir, "kubesim.log"))
        seconds = self.sim.wait_for_output("url:", timeout=900)
        self.result["simStartSeconds"] = round(seconds, 2)
        self.client = Client(kubeconfig)
        self.client.get("/version")
        log(f"N={self.n}: kubesim serving after {seconds:.1f}s")

    # -- 2. first correct report ----------------------------------------------------------------
    def start_operator(self):
        status, _ = self.client.request("GET", REPORT_PATH)
        if status == 200:
            self.result["warnings"].append("FluxReport/flux existed before the operator started: the first-report time is not meaningful")
        self.metrics_port, health_port = free_port(), free_port()
        argv = [self.bins["flux-report-operator"], "--kubeconfig", self.kubeconfig,
                "--metrics-addr", f"127.0.0.1:{self.metrics_port}", "--health-addr", f"127.0.0.1:{health_port}",
                "--web-addr", f"127.0.0.1:{free_port()}", "--log-encoding", "json", "--reporting-interval", f"{REPORTING_INTERVAL_S}s"]
        self.operator = Child("flux-report-operator", argv, os.path.join(self.workdir, "operator.log"))

    def first_report(self):
        """Polls the FluxReport until Ready=True and every kind's counts equal the listing's.

        The FluxReport kind itself is left out: the operator creates that object, so its count
        legitimately changes during the run.
        """
        timeout = 60 + self.n * 0.0012
        start = self.operator.started
        seen_at = ready_at = None
        report = None
        while True:
            now = time.monotonic()
            if now - start > timeout:
                got = report_stats(report) if report else {}
                raise BenchError(f"no correct report after {timeout:.0f}s (seen: {seen_at}, ready: {ready_at}, "
                                 f"reported objects: {total_objects(got)} of {total_objects(self.expected)})")
            if not self.operator.alive():
                raise BenchError(f"operator exited with {self.operator.proc.returncode}: {self.operator.output()[-800:]}")
            status, obj = self.client.request("GET", REPORT_PATH)
            if status == 200 and obj:
                report = obj
                seen_at = seen_at or now - start
                if is_ready(obj):
                    ready_at = ready_at or now - start
                    if stats_match(obj, self.expected, ignore={REPORT_KIND}):
                        break
            time.sleep(0.01)
        elapsed = time.monotonic() - start
        self.result["firstReportSeconds"] = round(elapsed, 3)
        self.result["firstSeenSeconds"] = round(seen_at, 3)
        log(f"N={self.n}: first correct report after {elapsed:.2f}s")

    # -- 3. requestedAt latency ----------------------------------------------------------------
    def request_once(self, value):
        return handle_requested_at(self.client, value, path=REPORT_PATH)

    def requested_at(self):
        samples = []
        for i in range(self.iterations):
            seconds, report = self.request_once(f"bench-{self.n}-{i}-{time.time_ns()}")
            samples.append(seconds)
            time.sleep(0.2)  # spaced out, so the work queue's rate limiter is not what is measured
        self.last_report = report
        self.result["requestedAt"] = {
            "samples": len(samples), "medianMs": round(statistics.median(samples) * 1000, 1),
            "p90Ms": round(percentile(samples, 90) * 1000, 1), "maxMs": round(max(samples) * 1000, 1)}
        log(f"N={self.n}: requestedAt median {self.result['requestedAt']['medianMs']} ms, "
            f"p90 {self.result['requestedAt']['p90Ms']} ms")

    # -- 4 + 5. steady state: memory and LIST requests ------------------------------------------
    def steady_state(self):
        peak_before = self.operator.memory().get("VmHWM", 0)
        status, _ = self.client.request("DELETE", "/_sim/counters")
        if status != 200:
            raise BenchError(f"cannot reset the sim's request counters: HTTP {status}")
        time.sleep(REPORTING_INTERVAL_S + 1)
        seconds, _ = self.request_once(f"bench-steady-{time.time_ns()}")
        counts = self.client.get("/_sim/counters").get("counts", [])
        by_verb = {}
        for c in counts:
            by_verb[c["verb"]] = by_verb.get(c["verb"], 0) + c["count"]
        lists = [f"{c['resource']}={c['count']}" for c in counts if c["verb"] == "list"]
        mem = self.operator.memory()
        self.result["steady"] = {"lists": by_verb.get("list", 0), "listResources": lists, "requestsByVerb": by_verb,
                                 "windowSeconds": REPORTING_INTERVAL_S + 1 + round(seconds, 2)}
        self.result["memory"] = {"peakMiB": round(max(mem.get("VmHWM", 0), peak_before) / 2**20, 1),
                                 "steadyMiB": round(mem.get("VmRSS", 0) / 2**20, 1)}
        log(f"N={self.n}: LISTs at steady state {by_verb.get('list', 0)}, "
            f"RSS peak {self.result['memory']['peakMiB']} MiB, steady {self.result['memory']['steadyMiB']} MiB")

    # -- 5b. CPU under churn ---------------------------------------------------------------------
    def churn(self, objects=500):
        """Operator CPU seconds per 1,000 watch events: `objects` Kustomizations get their Ready
        condition flipped, then their original status back (2 events each, the fleet ends as it
        was), as fast as the simulator takes them; minus the CPU of an idle window as long."""
        listing = self.client.get(f"/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?limit={objects + 1}")
        items = [o for o in listing.get("items", []) if (o.get("metadata") or {}).get("name") != "flux-system"][:objects]
        if not items:
            return

        def post(obj, status):
            meta = obj["metadata"]
            code, body = self.client.request("POST", "/_sim/status", {
                "apiVersion": obj.get("apiVersion", "kustomize.toolkit.fluxcd.io/v1"), "kind": "Kustomization",
                "namespace": meta.get("namespace"), "name": meta["name"], "status": status})
            if code != 200:
                raise BenchError(f"/_sim/status {meta.get('namespace')}/{meta['name']}: HTTP {code}: {body}")

        def flipped(status):
            status = json.loads(json.dumps(status or {}))
            conditions = [c for c in status.get("conditions") or [] if c.get("type") != "Ready"]
            ready = next((c for c in (status.get("conditions") or []) if c.get("type") == "Ready"), {})
            new = "False" if ready.get("status") == "True" else "True"
            conditions.append({"type": "Ready", "status": new, "reason": "BenchChurn", "message": "flipped by hack/bench",
                               "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            status["conditions"] = conditions
            return status

        start_cpu, start = self.operator.cpu_seconds(), time.monotonic()
        for obj in items:
            post(obj, flipped(obj.get("status")))
        for obj in items:
            post(obj, obj.get("status") or {})
        time.sleep(1.0)  # the last events reach the operator's caches
        churn_cpu, window = self.operator.cpu_seconds() - start_cpu, time.monotonic() - start
        idle_start = self.operator.cpu_seconds()
        time.sleep(min(window, 10.0))
        idle_cpu = (self.operator.cpu_seconds() - idle_start) * window / min(window, 10.0)
        events = 2 * len(items)
        self.result["churn"] = {"events": events, "seconds": round(window, 2), "cpuSeconds": round(churn_cpu, 3),
                                "idleCpuSeconds": round(idle_cpu, 3),
                                "cpuSecondsPer1000Events": round(max(0.0, churn_cpu - idle_cpu) * 1000 / events, 3)}
        log(f"N={self.n}: churn: {events} watch events in {window:.1f}s, operator CPU {churn_cpu:.2f}s "
            f"(idle {idle_cpu:.2f}s): {self.result['churn']['cpuSecondsPer1000Events']} CPU s per 1,000 events")

    # -- 6. /metrics --------------------------------------------------------------------------
    def metrics(self):
        """Scrapes as Prometheus does (Accept-Encoding: gzip: the timed figure) and uncompressed."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"

        def scrape(gzip):
            headers = {"Accept-Encoding": "gzip"} if gzip else {}
            start = time.monotonic()
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as resp:
                    body, encoding = resp.read(), resp.headers.get("Content-Encoding")
            except OSError as e:
                raise BenchError(f"scrape {url}: {e}") from e
            return time.monotonic() - start, body, encoding

        samples, compressed, encoding, plain_samples, body = [], b"", None, [], b""
        for _ in range(self.scrapes):
            seconds, compressed, encoding = scrape(True)
            samples.append(seconds)
        for _ in range(self.scrapes):
            seconds, body, _ = scrape(False)
            plain_samples.append(seconds)
        if encoding != "gzip":
            raise BenchError(f"scrape {url} with Accept-Encoding: gzip came back with Content-Encoding {encoding!r}")
        series = sum(1 for line in body.split(b"\n") if line.startswith(b"flux_resource_info{"))
        self.result["metrics"] = {"medianMs": round(statistics.median(samples) * 1000, 1),
                                  "maxMs": round(max(samples) * 1000, 1), "resourceInfoSeries": series,
                                  "bytes": len(body), "gzipBytes": len(compressed),
                                  "uncompressedMedianMs": round(statistics.median(plain_samples) * 1000, 1)}
        log(f"N={self.n}: /metrics median {self.result['metrics']['medianMs']} ms with gzip "
            f"({len(compressed)} of {len(body)} bytes), {self.result['metrics']['uncompressedMedianMs']} ms "
            f"without, {series} flux_resource_info series")
        self.requested_at_while_scraping(url)

    def requested_at_while_scraping(self, url, samples=10):
        """requestedAt latency while another client scrapes /metrics back to back: what a user gets
        when Prometheus scrapes a big fleet (rendering shares the operator's threads and caches)."""
        stop = threading.Event()
        scrapes = []

        def scraper():
            while not stop.is_set():
                try:
                    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
                    with urllib.request.urlopen(request, timeout=60) as resp:
                        resp.read()
                    scrapes.append(1)
                except OSError:
                    return

        thread = threading.Thread(target=scraper, daemon=True)
        thread.start()
        try:
            times = []
            for i in range(samples):
                seconds, _ = self.request_once(f"bench-scrape-{self.n}-{i}-{time.time_ns()}")
                times.append(seconds)
                time.sleep(0.2)
        finally:
            stop.set()
            thread.join(timeout=120)
        self.result["requestedAtWhileScraping"] = {
            "samples": len(times), "medianMs": round(statistics.median(times) * 1000, 1),
            "p90Ms": round(percentile(times, 90) * 1000, 1), "maxMs": round(max(times) * 1000, 1), "scrapes": len(scrapes)}
        log(f"N={self.n}: requestedAt while scraping: median {self.result['requestedAtWhileScraping']['medianMs']} ms, "
            f"p90 {self.result['requestedAtWhileScraping']['p90Ms']} ms ({len(scrapes)} scrapes)")

    # -- 7. the kubectl baseline --------------------------------------------------------------
    def kubectl(self, args, timeout=900):
        env = dict(os.environ, KUBECONFIG=self.kubeconfig)
        try:
            done = subprocess.run(["kubectl", *args], env=env, capture_output=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise BenchError(f"kubectl {' '.join(args[:2])}: {e}") from e
        if done.returncode != 0:
            raise BenchError(f"kubectl {' '.join(args)}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
        return json.loads(done.stdout)

    def kubectl_baseline(self):
        """What a user would script: discover the kinds, get them all, count per kind."""
        start = time.monotonic()
        crds = self.kubectl(["get", "crd", "-l", FLUX_SELECTOR, "-o", "json"])
        kinds = flux_kinds(crds)
        resources = ",".join(f"{plural}.{group}" for group, _, plural, _ in kinds)
        listing = self.kubectl(["get", resources, "-A", "-o", "json"])
        groups = {(g, v, k): [] for g, v, _, k in kinds}
        for item in listing.get("items", []):
            group, _, version = item.get("apiVersion", "").rpartition("/")
            groups.setdefault((group, version, item.get("kind", "")), []).append(item)
        baseline = aggregate([(g, v, k, items) for (g, v, k), items in groups.items()])
        elapsed = time.monotonic() - start
        median_ms = self.result["requestedAt"]["medianMs"]
        agrees = stats_match(self.last_report, baseline, ignore={REPORT_KIND})
        self.result["kubectl"] = {"seconds": round(elapsed, 3), "objects": len(listing.get("items", [])),
                                  "ratio": round(elapsed * 1000 / median_ms, 1) if median_ms > 0 else None,
                                  "agreesWithReport": agrees}
        first = self.result.get("firstReportSeconds")
        if first:
            # The conservative comparison: against the operator's cold start, not its warm caches.
            self.result["kubectl"]["ratioColdStart"] = round(elapsed / first, 1)
        if not agrees:
            self.result["warnings"].append("the kubectl baseline's counts differ from the operator's latest report")
        log(f"N={self.n}: kubectl baseline {elapsed:.2f}s ({len(listing.get('items', []))} objects), "
            f"ratio {self.result['kubectl']['ratio']}x, agrees with report: {agrees}")
