"""Tests of hack/bench's helpers: `python3 hack/bench_test.py` (or pytest hack/bench_test.py).
They use no simulator and no operator, so they take about a second."""

import base64
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import time
import unittest

HACK = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HACK)

import bench_doc  # noqa: E402
import bench_kube  # noqa: E402
from bench_proc import Child  # noqa: E402
from bench_run import percentile  # noqa: E402


def load_cli():
    loader = importlib.machinery.SourceFileLoader("bench_cli", os.path.join(HACK, "bench"))
    spec = importlib.util.spec_from_loader("bench_cli", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def obj(kind="Kustomization", suspend=None, ready=None, reason="", annotations=None):
    o = {"kind": kind, "metadata": {"name": "x", "annotations": annotations or {}}, "spec": {}, "status": {}}
    if suspend is not None:
        o["spec"]["suspend"] = suspend
    if ready is not None:
        o["status"]["conditions"] = [{"type": "Ready", "status": ready, "reason": reason}]
    return o


class StatsTests(unittest.TestCase):
    def test_failing_follows_the_spec_rules(self):
        g = "kustomize.toolkit.fluxcd.io"
        self.assertEqual(bench_kube.object_stats(obj(ready="False", reason="BuildFailed"), g), (False, True))
        self.assertEqual(bench_kube.object_stats(obj(ready="False", reason="DependencyNotReady"), g), (False, False))
        self.assertEqual(bench_kube.object_stats(obj(ready="False", suspend=True), g), (True, False))
        self.assertEqual(bench_kube.object_stats(obj(ready="Unknown"), g), (False, False))
        self.assertEqual(bench_kube.object_stats(obj(), g), (False, False))

    def test_operator_kinds_are_suspended_by_annotation(self):
        g = bench_kube.OPERATOR_GROUP
        disabled = obj("ResourceSet", annotations={"fluxcd.controlplane.io/reconcile": "Disabled"})
        self.assertEqual(bench_kube.object_stats(disabled, g), (True, False))
        self.assertEqual(bench_kube.object_stats(obj("ResourceSet", suspend=True), g), (False, False))

    def test_aggregate_and_match(self):
        items = [obj(), obj(suspend=True), obj(ready="False", reason="X")]
        stats = bench_kube.aggregate([("kustomize.toolkit.fluxcd.io", "v1", "Kustomization", items)])
        key = "kustomize.toolkit.fluxcd.io/v1/Kustomization"
        self.assertEqual(stats, {key: {"running": 2, "failing": 1, "suspended": 1}})
        self.assertEqual(bench_kube.total_objects(stats), 3)
        report = {"spec": {"reconcilers": [{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                                            "stats": {"running": 2, "failing": 1, "suspended": 1}}]}}
        self.assertTrue(bench_kube.stats_match(report, stats))
        stats[key]["failing"] = 0
        self.assertFalse(bench_kube.stats_match(report, stats))
        self.assertTrue(bench_kube.stats_match(report, stats, ignore={key}))

    def test_flux_kinds_take_the_last_stored_version(self):
        crds = {"items": [{"spec": {"group": "g.io", "names": {"plural": "as", "kind": "A"}, "versions": []},
                           "status": {"storedVersions": ["v1beta1", "v1"]}},
                          {"spec": {"group": "g.io", "names": {"plural": "bs", "kind": "B"}}, "status": {}}]}
        self.assertEqual(bench_kube.flux_kinds(crds), [("g.io", "v1", "as", "A")])

    def test_ready_needs_a_true_ready_condition(self):
        self.assertTrue(bench_kube.is_ready({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
        self.assertFalse(bench_kube.is_ready({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}))
        self.assertFalse(bench_kube.is_ready({}))

    def test_percentile_is_nearest_rank(self):
        values = list(range(1, 21))
        self.assertEqual(percentile(values, 90), 18)
        self.assertEqual(percentile(values, 50), 10)
        self.assertEqual(percentile([7], 90), 7)


class KubeconfigTests(unittest.TestCase):
    def test_reads_server_token_and_ca(self):
        ca = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n"
        text = ("clusters:\n- name: kubesim\n  cluster:\n    server: https://127.0.0.1:1234\n"
                f"    certificate-authority-data: {base64.b64encode(ca.encode()).decode()}\n"
                "users:\n- name: u\n  user:\n    token: abc123\n")
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(text)
        self.assertEqual(bench_kube.read_kubeconfig(f.name), ("https://127.0.0.1:1234", "abc123", ca))

    def test_missing_token_is_a_bench_error(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("clusters: []\n")
        with self.assertRaises(bench_kube.BenchError):
            bench_kube.read_kubeconfig(f.name)


def result(n, first, rss, metrics_ms, lists=0):
    return {"n": n, "fluxObjects": n + 2, "firstReportSeconds": first, "memory": {"peakMiB": rss, "steadyMiB": rss},
            "requestedAt": {"medianMs": 50.0, "p90Ms": 60.0}, "steady": {"lists": lists},
            "metrics": {"medianMs": metrics_ms, "resourceInfoSeries": n}, "kubectl": {"seconds": 40.0, "ratio": 800.0},
            "errors": [], "warnings": [], "build": "release", "date": "2026-01-01 00:00 UTC"}


class DocTests(unittest.TestCase):
    def test_update_keeps_other_sizes_and_marks_targets(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "benchmarks.md")
            bench_doc.update(path, [result(1000, 0.2, 55.0, 14.0), result(100000, 3.0, 170.0, 900.0)])
            bench_doc.update(path, [result(1000, 0.3, 56.0, 15.0)])
            stored = bench_doc.load(path)
            self.assertEqual(sorted(stored), ["1000", "100000"])
            self.assertEqual(stored["1000"]["firstReportSeconds"], 0.3)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertIn("| first correct report ≤ 15 s | 3.0 s | met |", text)
            self.assertIn("| operator RSS ≤ 150 MiB (peak VmHWM) | 170.0 MiB | **missed** |", text)
            self.assertIn("/metrics with 100,000 flux_resource_info series ≤ 500 ms | 900.0 ms (100,000 series) | **missed** |", text)

    def test_update_keeps_the_hand_written_soak_section(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "benchmarks.md")
            bench_doc.update(path, [result(1000, 0.2, 55.0, 14.0)])
            with open(path, encoding="utf-8") as f:
                text = f.read()
            soak = "<!-- kept -->\n## Soak\n\nRSS flat.\n<!-- /kept -->\n"
            at = text.index("<!-- bench-data")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text[:at] + soak + text[at:])
            bench_doc.update(path, [result(1000, 0.3, 56.0, 15.0)])
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertEqual(text.count("## Soak"), 1)
            self.assertLess(text.index("## Soak"), text.index("<!-- bench-data"))
            self.assertEqual(bench_doc.load(path)["1000"]["firstReportSeconds"], 0.3)

    def test_lists_at_steady_state_must_be_zero(self):
        verdicts = {t: ok for t, _, ok in bench_doc.targets(result(100000, 3.0, 100.0, 100.0, lists=2))}
        self.assertFalse(verdicts["zero LIST requests at steady state"])

    def test_other_sizes_add_their_rows(self):
        small = result(1000, 0.2, 40.0, 14.0)
        small["memory"]["peakWithScrapesMiB"] = 36.0
        huge = result(1000000, 31.0, 700.0, 9000.0)
        huge["memory"]["peakWithScrapesMiB"] = 790.0
        verdicts = {t: ok for t, _, ok in bench_doc.size_targets({"1000": small, "1000000": huge})}
        self.assertFalse(verdicts["N = 1,000: operator RSS ≤ 35 MiB (peak, /metrics scrapes included)"])
        self.assertFalse(verdicts["N = 1,000,000: first correct report ≤ 30 s"])
        self.assertTrue(verdicts["N = 1,000,000: operator RSS ≤ 800 MiB (peak, /metrics scrapes included)"])
        self.assertFalse(verdicts["N = 1,000,000: requestedAt → report, median ≤ 20 ms"])
        self.assertTrue(verdicts["N = 1,000,000: zero LIST requests at steady state"])
        self.assertEqual(bench_doc.size_targets({}), [])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "benchmarks.md")
            bench_doc.update(path, [huge])
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertIn("| N = 1,000,000: first correct report ≤ 30 s | 31.0 s | **missed** |", text)

    def test_a_corrupt_data_block_starts_afresh(self):
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write("<!-- bench-data\n{not json\n-->\n")
        self.assertEqual(bench_doc.load(f.name), {})


class ChildTests(unittest.TestCase):
    def test_stop_terminates_and_kills_a_child_that_ignores_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            polite = Child("sleep", ["sleep", "30"], os.path.join(d, "a.log"))
            code, _, killed = polite.stop()
            self.assertFalse(killed)
            self.assertNotEqual(code, 0)
            stubborn = Child("sh", ["sh", "-c", "trap '' TERM; echo up; sleep 30"], os.path.join(d, "b.log"))
            stubborn.wait_for_output("up", timeout=10)
            start = time.monotonic()
            _, _, killed = stubborn.stop(grace=0.5)
            self.assertTrue(killed)
            self.assertLess(time.monotonic() - start, 10)
            self.assertFalse(stubborn.alive())

    def test_a_child_that_exits_is_a_bench_error(self):
        with tempfile.TemporaryDirectory() as d:
            child = Child("false", ["false"], os.path.join(d, "c.log"))
            with self.assertRaises(bench_kube.BenchError):
                child.wait_for_output("never", timeout=10)
            child.stop()


class CLITests(unittest.TestCase):
    def test_quick_defaults_and_bad_sizes(self):
        cli = load_cli()
        args = cli.parse_args(["--quick"])
        self.assertEqual((args.sizes, args.config, args.out, args.iterations), ([1000], "debug", None, 10))
        args = cli.parse_args(["--sizes", "1_000,100000", "--release"])
        self.assertEqual(args.sizes, [1000, 100000])
        self.assertTrue(args.out.endswith(os.path.join("docs", "benchmarks.md")))
        with self.assertRaises(SystemExit) as e:
            cli.parse_args(["--sizes", "ten"])
        self.assertEqual(e.exception.code, 2)


if __name__ == "__main__":
    unittest.main()
