"""Figures → docs/benchmarks.md. The raw results are kept in a comment at the end of the file, so a
run at one size updates that size's row and keeps the others."""

import json
import re

DATA_RE = re.compile(r"<!-- bench-data\n(.*?)\n-->", re.S)
# Hand-written sections (the soak run of hack/soak) between these markers survive a re-render.
KEPT_RE = re.compile(r"<!-- kept -->\n.*?<!-- /kept -->\n", re.S)
TARGET_N = 100_000


def load(path):
    """Previous results keyed by str(N); empty when the file or its data block is missing."""
    try:
        with open(path, encoding="utf-8") as f:
            m = DATA_RE.search(f.read())
    except OSError:
        return {}
    if not m:
        return {}
    try:
        return json.loads(m.group(1))
    except ValueError:
        return {}


def fmt(value, unit="", missing="—"):
    return missing if value is None else f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"


def row(r):
    ra = r.get("requestedAt") or {}
    mem = r.get("memory") or {}
    met = r.get("metrics") or {}
    kc = r.get("kubectl") or {}
    steady = r.get("steady") or {}
    return (f"| {r['n']:,} | {fmt(r.get('fluxObjects'))} | {fmt(r.get('firstReportSeconds'), ' s')} "
            f"| {fmt(mem.get('peakMiB'), ' MiB')} / {fmt(mem.get('steadyMiB'), ' MiB')} "
            f"| {fmt(ra.get('medianMs'), ' ms')} / {fmt(ra.get('p90Ms'), ' ms')} "
            f"| {fmt(steady.get('lists'))} | {fmt(met.get('medianMs'), ' ms')} ({fmt(met.get('resourceInfoSeries'))}) "
            f"| {fmt(kc.get('seconds'), ' s')} | {fmt(kc.get('ratio'), '×')} | {r.get('build', '')} |")


def verdict(ok):
    return "—" if ok is None else ("met" if ok else "**missed**")


def targets(r):
    """(target, figure, met?) for the benchmark targets, read from the N = 100,000 run."""
    ra, mem, met = r.get("requestedAt") or {}, r.get("memory") or {}, r.get("metrics") or {}
    kc, steady = r.get("kubectl") or {}, r.get("steady") or {}

    def check(value, limit, above=False):
        if value is None:
            return None
        return value > limit if above else value <= limit

    return [
        ("first correct report ≤ 15 s", fmt(r.get("firstReportSeconds"), " s"), check(r.get("firstReportSeconds"), 15)),
        ("operator RSS ≤ 150 MiB (peak VmHWM)", fmt(mem.get("peakMiB"), " MiB"), check(mem.get("peakMiB"), 150)),
        ("operator RSS ≤ 150 MiB (peak, /metrics scrapes included)", fmt(mem.get("peakWithScrapesMiB"), " MiB"),
         check(mem.get("peakWithScrapesMiB"), 150)),
        ("operator RSS ≤ 150 MiB (steady VmRSS)", fmt(mem.get("steadyMiB"), " MiB"), check(mem.get("steadyMiB"), 150)),
        ("requestedAt → report, median ≤ 200 ms", fmt(ra.get("medianMs"), " ms"), check(ra.get("medianMs"), 200)),
        ("zero LIST requests at steady state", fmt(steady.get("lists")), check(steady.get("lists"), 0)),
        ("/metrics with 100,000 flux_resource_info series ≤ 500 ms",
         f"{fmt(met.get('medianMs'), ' ms')} ({fmt(met.get('resourceInfoSeries'))} series)", check(met.get("medianMs"), 500)),
        ("faster than the kubectl baseline (ratio > 1)", fmt(kc.get("ratio"), "×"), check(kc.get("ratio"), 1, above=True)),
        ("… even against the operator's cold start (baseline ÷ first report)", fmt(kc.get("ratioColdStart"), "×"),
         check(kc.get("ratioColdStart"), 1, above=True)),
        # The stricter goals.
        ("requestedAt → report, median ≤ 20 ms", fmt(ra.get("medianMs"), " ms"), check(ra.get("medianMs"), 20)),
        ("operator RSS ≤ 110 MiB (peak, /metrics scrapes included)", fmt(mem.get("peakWithScrapesMiB"), " MiB"),
         check(mem.get("peakWithScrapesMiB"), 110)),
        ("operator RSS ≤ 100 MiB (peak, /metrics scrapes included)", fmt(mem.get("peakWithScrapesMiB"), " MiB"),
         check(mem.get("peakWithScrapesMiB"), 100)),
        ("/metrics with gzip, median ≤ 150 ms", fmt(met.get("medianMs"), " ms"), check(met.get("medianMs"), 150)),
    ]


def size_targets(results):
    """(target, figure, met?) read from the runs at other sizes than N = 100,000 (when measured): the
    runtime baseline at N = 1,000 and the manual one-million run."""
    rows = []
    small = results.get("1000")
    if small:
        mem = small.get("memory") or {}
        rows.append(("N = 1,000: operator RSS ≤ 35 MiB (peak, /metrics scrapes included)",
                     fmt(mem.get("peakWithScrapesMiB"), " MiB"),
                     None if mem.get("peakWithScrapesMiB") is None else mem["peakWithScrapesMiB"] <= 35))
    big = results.get("1000000")
    if big:
        mem, ra, steady = big.get("memory") or {}, big.get("requestedAt") or {}, big.get("steady") or {}

        def check(value, limit):
            return None if value is None else value <= limit

        rows += [
            ("N = 1,000,000: first correct report ≤ 30 s", fmt(big.get("firstReportSeconds"), " s"),
             check(big.get("firstReportSeconds"), 30)),
            ("N = 1,000,000: operator RSS ≤ 800 MiB (peak, /metrics scrapes included)",
             fmt(mem.get("peakWithScrapesMiB"), " MiB"), check(mem.get("peakWithScrapesMiB"), 800)),
            ("N = 1,000,000: requestedAt → report, median ≤ 20 ms", fmt(ra.get("medianMs"), " ms"),
             check(ra.get("medianMs"), 20)),
            ("N = 1,000,000: zero LIST requests at steady state", fmt(steady.get("lists")), check(steady.get("lists"), 0)),
        ]
    return rows


HEADER = """# Benchmarks

Figures for the benchmark targets (under Targets below), measured by `hack/bench` against the simulated API server
(`kubesim`) on a generated fleet of N Flux objects plus the Flux v2.7.0 installation. The operator
and the simulator run as separate processes on the same machine (so they share its cores), every
figure is taken from outside: through the API, `/metrics`, and `/proc/<pid>/status`.

```sh
hack/bench                                  # N = 1,000, 10,000, 100,000, release build, updates this file
hack/bench --sizes 100000 --no-build        # one size, binaries already built
hack/bench --quick                          # N = 1,000, debug build, prints only (CI smoke run)
```

`--quick` exits non-zero when a measurement fails outright (no report, requestedAt never handled,
a process that dies); a missed target is reported here, never asserted. Other flags: `--seed N`
(fleet generator seed, default 1), `--iterations N` (requestedAt repetitions), `--operator PATH` /
`--kubesim PATH` (measure other binaries), `--no-kubectl` (skip the kubectl baseline), `--keep-logs` (keep the processes' logs and each size's
`result.json`). The helpers' own tests: `python3 hack/bench_test.py`.

"Flux objects" counts every object of the discovered kinds: the generated fleet plus the
`flux-system` GitRepository and Kustomization of the installation.
"""

METHOD = """## How each figure is measured

1. **Simulator**: `kubesim --fleet N --seed S --fixtures ../shared/fixtures/flux/v2.7.0` (HTTPS, token auth);
   the script waits until it prints its URL, then lists every kind discovered from the CRDs labelled
   `app.kubernetes.io/part-of=flux` and computes the expected `running`/`failing`/`suspended` per kind
   with the docs/report.md, Fields rules.
2. **First correct report**: from the operator's `exec` until a GET of `FluxReport/flux` (polled every
   10 ms) shows `Ready=True` and every kind's counts equal the expected ones (the FluxReport kind itself
   is left out of that comparison: the operator creates that object during the run).
3. **requestedAt → report**: a merge PATCH of `reconcile.fluxcd.io/requestedAt` to a new value, then a
   GET every 5 ms until `status.lastHandledReconcileAt` equals it; the time includes the PATCH round
   trip. Repeated (20 times by default, 200 ms apart); median and p90 (nearest rank).
4. **RSS**: the operator's `VmHWM` (peak up to the steady-state window, and again at the end so the
   /metrics scrapes and the baseline are included) and `VmRSS` (steady: read after the steady-state window below).
5. **LISTs at steady state**: the simulator's request counters (`DELETE /_sim/counters`) are reset after
   the requestedAt runs, then one reporting interval (`--reporting-interval 10s`) plus 1 s, plus one
   more requestedAt; the `list` count of `GET /_sim/counters` must be 0.
6. **/metrics**: median of 5 scrapes sent with `Accept-Encoding: gzip` as Prometheus sends it (wall
   time of the whole compressed response), then 5 without (the uncompressed time); the sizes of both
   bodies, and the number of `flux_resource_info` series.
5b. **API bytes of the initial LISTs**: the response bodies of the bench's own listing of the CRDs and
   every Flux kind (step 1): the same JSON the operator's initial sync lists (the operator pages it by
   500, up to 2,000 for large kinds; its Deployments, Nodes and FluxReport LISTs are small and left out).
5c. **CPU under churn**: 500 Kustomizations get their Ready condition flipped, then their original status
   back (1,000 watch events, the fleet ends as it was), as fast as the simulator takes the writes; the
   operator's user + system CPU (`/proc/<pid>/stat`) over that window minus an idle window as long,
   per 1,000 events.
7. **kubectl baseline**: `kubectl get crd -l app.kubernetes.io/part-of=flux -o json`, then
   `kubectl get <every discovered kind> -A -o json` (kubectl pages with `--chunk-size 500`) and the
   per-kind running/failing/suspended aggregation in Python. Ratio = baseline wall time ÷ the operator's
   requestedAt median (what a user waits for an up-to-date report); the cold-start ratio divides by the
   first-report time instead. The baseline's counts are also compared with the operator's last report.
7b. **requestedAt while scraping**: 10 more requestedAt round trips while a second client scrapes
   `/metrics` back to back (with gzip, as Prometheus).
8. Every child is stopped with SIGTERM (SIGKILL after 10 s) in a `finally`; the operator's exit code and
   shutdown time are recorded.

**Run-to-run variance.** The machine is a shared 2-core VM and the figures move between runs of the
same code, the more so while other builds run (the load average at each run's start is under Notes).
The tables above are one run; judge a change by repeated runs, not by one figure.
"""


def render(results):
    ordered = [results[k] for k in sorted(results, key=int)]
    out = [HEADER]
    latest = max(ordered, key=lambda r: r.get("date", ""), default=None)
    if latest:
        m = latest.get("machine", {})
        out.append("## Machine\n")
        out.append(f"- CPU: {m.get('cpu', '?')}, `nproc` = {m.get('nproc', '?')}")
        out.append(f"- Memory (`free -h`): {m.get('memory', '?')}")
        out.append(f"- Toolchain: {m.get('swift', '?')}; kubectl {m.get('kubectl', '?')}")
        out.append(f"- Latest run: {latest.get('date', '?')}, commit `{latest.get('commit', '?')}`\n")
    out.append("## Results\n")
    out.append("| N | Flux objects | first correct report | RSS peak / steady | requestedAt median / p90 "
               "| LISTs at steady state | /metrics median, gzip (series) | kubectl baseline | ratio | build |")
    out.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    out.extend(row(r) for r in ordered)
    out.append("")
    out.append("Beyond the targets: the operator's peak RSS over the whole run (/metrics scrapes included), the "
               "size of one scrape, the requestedAt latency while another client scrapes /metrics back to back, the bytes "
               "the initial sync lists from the API server, and the operator's CPU under churn.\n")
    out.append("| N | peak RSS incl. scrapes | /metrics body (scrape time without gzip) | requestedAt median / p90 while scraping "
               "| API bytes of the initial LISTs | operator CPU per 1,000 watch events |")
    out.append("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in ordered:
        mem, met, ws = r.get("memory") or {}, r.get("metrics") or {}, r.get("requestedAtWhileScraping") or {}
        body = f"{met['bytes'] / 2**20:.1f} MiB" if met.get("bytes") else "—"
        if met.get("gzipBytes"):
            body = f"{met['gzipBytes'] / 2**20:.2f} MiB gzip, {body} plain ({fmt(met.get('uncompressedMedianMs'), ' ms')} uncompressed)"
        churn = r.get("churn") or {}
        out.append(f"| {r['n']:,} | {fmt(mem.get('peakWithScrapesMiB'), ' MiB')} | {body} "
                   f"| {fmt(ws.get('medianMs'), ' ms')} / {fmt(ws.get('p90Ms'), ' ms')} "
                   f"| {fmt(r.get('listMiB'), ' MiB')} | {fmt(churn.get('cpuSecondsPer1000Events'), ' s')} |")
    out.append("")
    big = results.get(str(TARGET_N))
    out.append(f"## Targets (N = {TARGET_N:,} unless the row names another size)\n")
    rows = (targets(big) if big else []) + size_targets(results)
    if not big:
        out.append("N = 100,000 not measured yet: run `hack/bench --sizes 100000`.\n")
    if rows:
        out.append("| target | figure | |")
        out.append("| --- | ---: | --- |")
        out.extend(f"| {t} | {f} | {verdict(ok)} |" for t, f, ok in rows)
    out.append("")
    notes = [(r["n"], e) for r in ordered for e in r.get("errors", []) + r.get("warnings", [])]
    exits = [(r["n"], r["operatorExit"]) for r in ordered if r.get("operatorExit")]
    out.append("## Notes\n")
    for n, e in notes:
        out.append(f"- N = {n:,}: {e}")
    for r in ordered:
        if r.get("loadAverage"):
            out.append(f"- N = {r['n']:,}: load average (1, 5, 15 min) when the run started: "
                       + ", ".join(str(x) for x in r["loadAverage"]))
    for n, e in exits:
        if e.get("exitedEarly"):
            out.append(f"- N = {n:,}: the operator exited on its own with code {e['code']} before the end of the run")
            continue
        out.append(f"- N = {n:,}: operator stopped by SIGTERM with exit code {e['code']} in {e['seconds']} s"
                   + (" (had to be killed)" if e.get("killed") else ""))
    out.append("")
    out.append(METHOD)
    out.append("<!-- bench-data\n" + json.dumps(results, indent=1, sort_keys=True) + "\n-->\n")
    return "\n".join(out)


def update(path, new_results):
    results = load(path)
    try:
        with open(path, encoding="utf-8") as f:
            kept = "".join(m.group(0) for m in KEPT_RE.finditer(f.read()))
    except OSError:
        kept = ""
    for r in new_results:
        results[str(r["n"])] = r
    text = render(results)
    if kept:
        at = text.index("<!-- bench-data")
        text = text[:at] + kept + "\n" + text[at:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def table(results):
    """The results table alone, for the terminal."""
    lines = ["| N | Flux objects | first correct report | RSS peak / steady | requestedAt median / p90 "
             "| LISTs | /metrics (series) | kubectl | ratio | build |"]
    lines.extend(row(r) for r in results)
    return "\n".join(lines)
