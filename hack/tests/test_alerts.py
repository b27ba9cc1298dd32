"""promtool checks of the default alerts (chart file, chart-rendered, config/monitoring) and of the
seed documents' gotk_* alerts, against series shaped exactly like the operator's (docs/monitoring.md, Metrics reference)."""
from __future__ import annotations

import copy
import pathlib
import re

import pytest
import yaml

from conftest import CHART_DIR, CONFIG_DIR, promtool, render

HERE = pathlib.Path(__file__).resolve().parent
ALERTS_FILE = CHART_DIR / "files" / "alerts.yaml"

# Labels Prometheus adds when it scrapes the operator through the ServiceMonitor (honorLabels: true).
TARGET = {"job": "flux-report-operator", "namespace": "flux-system", "service": "flux-report-operator",
          "endpoint": "http-metrics", "container": "manager"}
POD_A = {**TARGET, "instance": "10.0.0.7:8080", "pod": "flux-report-operator-7d9f-x2"}
POD_B = {**TARGET, "instance": "10.0.0.9:8080", "pod": "flux-report-operator-7d9f-k4"}


def resource(pod: dict, kind: str, name: str, namespace: str, ready: str, reason: str, suspended: str = "False",
             revision: str = "", url: str = "", ref: str = "", source_name: str = "", path: str = "") -> dict:
    """A flux_resource_info series with the operator's exact label set."""
    return {"__name__": "flux_resource_info", **pod, "uid": f"uid-{kind}-{namespace}-{name}".lower(), "kind": kind, "name": name,
            "exported_namespace": namespace, "ready": ready, "reason": reason, "suspended": suspended, "revision": revision,
            "url": url, "ref": ref, "source_name": source_name, "path": path}


def signal(pod: dict, family: str, kind: str, name: str, namespace: str, **extra: str) -> dict:
    """A per-object signal series (docs/monitoring.md, Signals) with the operator's exact label set."""
    return {"__name__": f"flux_resource_{family}_since_timestamp_seconds", **pod, "kind": kind, "name": name,
            "exported_namespace": namespace, **extra}


def blocked(pod: dict, name: str, root: tuple[str, str, str]) -> dict:
    return signal(pod, "blocked", "Kustomization", name, "apps", root_kind=root[0], root_namespace=root[1], root_name=root[2])


def series(labels: dict, values: str) -> dict:
    labels = dict(labels)
    name = labels.pop("__name__")
    inner = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{name}{{{inner}}}", "values": values}


# Each case: input series, and per (eval time, alert) the expected alert label sets.
CASES = [
    {
        "name": "report, sync and components",
        "series": [
            series({"__name__": "flux_report_ready", **POD_A}, "1x5 0x30"),
            series({"__name__": "flux_report_sync_ready", **POD_A, "id": "kustomization/flux-system"}, "1x5 0x30"),
            series({"__name__": "flux_report_component_ready", **POD_A, "name": "kustomize-controller"}, "1x5 0x30"),
            series({"__name__": "flux_report_component_ready", **POD_A, "name": "source-controller"}, "1x35"),
            series({"__name__": "up", **POD_A}, "1x35"),
        ],
        "expect": [
            ("15m", "FluxReportNotReady", []),
            ("25m", "FluxReportNotReady", [{"namespace": "flux-system", "severity": "warning"}]),
            ("12m", "FluxSyncFailing", []),
            ("20m", "FluxSyncFailing", [{"namespace": "flux-system", "id": "kustomization/flux-system", "severity": "critical"}]),
            ("12m", "FluxControllerNotReady", []),
            ("20m", "FluxControllerNotReady", [{"namespace": "flux-system", "name": "kustomize-controller", "severity": "critical"}]),
            ("35m", "FluxReportOperatorDown", []),
            ("35m", "FluxReconcilerFailing", []),
        ],
    },
    {
        "name": "healthy report",
        "series": [
            series({"__name__": "flux_report_ready", **POD_A}, "1x40"),
            series({"__name__": "flux_report_sync_ready", **POD_A, "id": "kustomization/flux-system"}, "0x3 1x37"),
            series({"__name__": "flux_report_component_ready", **POD_A, "name": "helm-controller"}, "1x40"),
            series({"__name__": "up", **POD_A}, "1x40"),
        ],
        "expect": [(t, a, []) for t in ("5m", "20m", "40m") for a in
                   ("FluxReportNotReady", "FluxSyncFailing", "FluxControllerNotReady", "FluxReportOperatorDown")],
    },
    {
        "name": "reconcilers",
        "series": [
            # Failing all along; at minute 8 the leader changes (new pod) and so does the revision:
            # the alert must keep its clock and fire at minute 10, not 18.
            series(resource(POD_A, "Kustomization", "podinfo", "apps", "False", "BuildFailed", revision="main@sha1:aaa",
                            source_name="apps", path="./podinfo"), "1x7 stale"),
            series(resource(POD_B, "Kustomization", "podinfo", "apps", "False", "BuildFailed", revision="main@sha1:bbb",
                            source_name="apps", path="./podinfo"), "_x8 1x20"),
            # Suspended, waiting on a dependency, healthy, or failing only briefly: quiet.
            series(resource(POD_A, "HelmRelease", "prometheus", "monitoring", "False", "UpgradeFailed", suspended="True",
                            revision="45.1.0", source_name="prometheus-community"), "1x28"),
            series(resource(POD_A, "Kustomization", "frontend", "apps", "False", "DependencyNotReady",
                            source_name="apps", path="./frontend"), "1x28"),
            series(resource(POD_A, "GitRepository", "flux-system", "flux-system", "True", "Succeeded",
                            revision="main@sha1:ccc", url="ssh://git@github.com/example/fleet", ref="main"), "1x28"),
            series(resource(POD_A, "HelmRelease", "redis", "apps", "False", "InstallFailed", revision="18.0.0",
                            source_name="bitnami"), "1x4 stale"),
            series(resource(POD_A, "HelmRelease", "redis", "apps", "True", "InstallSucceeded", revision="18.0.0",
                            source_name="bitnami"), "_x5 1x23"),
            series({"__name__": "up", **POD_A}, "1x28"),
        ],
        "expect": [
            ("9m", "FluxReconcilerFailing", []),
            ("12m", "FluxReconcilerFailing", [{"exported_namespace": "apps", "kind": "Kustomization", "name": "podinfo", "severity": "warning"}]),
            ("25m", "FluxReconcilerFailing", [{"exported_namespace": "apps", "kind": "Kustomization", "name": "podinfo", "severity": "warning"}]),
        ],
    },
    {
        "name": "stale objects",
        "series": [
            # Stale all along; the leader changes at minute 8: the alert keeps its clock.
            series(signal(POD_A, "stale", "Kustomization", "podinfo", "apps"), "1700000000x7 stale"),
            series(signal(POD_B, "stale", "Kustomization", "podinfo", "apps"), "_x8 1700000000x30"),
            # Stale for 10 minutes, then progress: quiet. Unknown last progress (0) still counts.
            series(signal(POD_A, "stale", "GitRepository", "fleet", "flux-system"), "1700000000x10"),
            series(signal(POD_A, "stale", "ImageRepository", "app", "apps"), "0x30"),
            series({"__name__": "up", **POD_A}, "1x38"),
        ],
        "expect": [
            ("12m", "FluxResourceStale", []),
            ("20m", "FluxResourceStale", [
                {"exported_namespace": "apps", "kind": "ImageRepository", "name": "app", "severity": "warning"},
                {"exported_namespace": "apps", "kind": "Kustomization", "name": "podinfo", "severity": "warning"},
            ]),
        ],
    },
    {
        "name": "suspended for a week",
        # Days of input: evaluated every 30 minutes (a file of its own), else promtool takes minutes.
        "step": "30m",
        "series": [
            # Suspended at t=60s (promtool's clock starts at the epoch); another only for a day; one with no time yet.
            series(signal(POD_A, "suspended", "Kustomization", "legacy", "apps", suspended_by="alice", reason="incident 42",
                          since_source="annotation"), "60+0x400"),
            series(signal(POD_A, "suspended", "HelmRelease", "redis", "apps", suspended_by="", reason="", since_source="observed"),
                   "518400+0x400"),
            series(signal(POD_A, "suspended", "HelmRelease", "new", "apps", suspended_by="", reason="", since_source="observed"),
                   "0+0x400"),
        ],
        "expect": [
            ("7d", "FluxResourceSuspendedTooLong", []),
            ("7d3h", "FluxResourceSuspendedTooLong", [
                {"exported_namespace": "apps", "kind": "Kustomization", "name": "legacy", "severity": "info"}]),
        ],
    },
    {
        "name": "drifted HelmReleases",
        "series": [
            series(signal(POD_A, "drifted", "HelmRelease", "podinfo", "apps"), "1700000000x40"),
            series(signal(POD_A, "drifted", "HelmRelease", "redis", "apps"), "1700000000x10"),
        ],
        "expect": [
            ("25m", "FluxHelmReleaseDrifted", []),
            ("35m", "FluxHelmReleaseDrifted", [{"exported_namespace": "apps", "kind": "HelmRelease", "name": "podinfo",
                                                 "severity": "warning"}]),
        ],
    },
    {
        "name": "one page per root cause",
        "series": [
            # Three dependants of one failing root (one of them seen from both pods during a leader change),
            # one of another root, one whose root is unknown (a cycle): two alerts, by root.
            series(blocked(POD_A, "frontend", ("Kustomization", "apps", "database")), "1x20"),
            series(blocked(POD_B, "frontend", ("Kustomization", "apps", "database")), "_x5 1x15"),
            series(blocked(POD_A, "backend", ("Kustomization", "apps", "database")), "1x20"),
            series(blocked(POD_A, "worker", ("Kustomization", "apps", "database")), "1x20"),
            series(blocked(POD_A, "web", ("GitRepository", "flux-system", "fleet")), "1x20"),
            series(blocked(POD_A, "loop", ("", "", "")), "1x20"),
        ],
        "expect": [
            ("8m", "FluxDependencyRootCause", []),
            ("15m", "FluxDependencyRootCause", [
                {"root_kind": "Kustomization", "root_namespace": "apps", "root_name": "database", "severity": "warning", "__value__": "3"},
                {"root_kind": "GitRepository", "root_namespace": "flux-system", "root_name": "fleet", "severity": "warning", "__value__": "1"},
            ]),
        ],
    },
    {
        "name": "flapping",
        "series": [
            series({"__name__": "flux_resource_ready_transitions_total", **POD_A, "kind": "HelmRelease"}, "0+1x120"),
            series({"__name__": "flux_resource_ready_transitions_total", **POD_A, "kind": "Kustomization"}, "0+0.1x120"),
        ],
        "expect": [
            ("10m", "FluxResourceFlapping", []),
            ("90m", "FluxResourceFlapping", [{"kind": "HelmRelease", "severity": "info"}]),
        ],
    },
    {
        "name": "operator down",
        "series": [
            series({"__name__": "up", **POD_A}, "1x5 0x20"),
            series({"__name__": "up", "job": "other", "instance": "10.0.0.1:9090"}, "1x25"),
        ],
        "expect": [
            ("4m", "FluxReportOperatorDown", []),
            ("9m", "FluxReportOperatorDown", []),
            ("12m", "FluxReportOperatorDown", [{"job": "flux-report-operator", "severity": "critical"}]),
        ],
    },
    {
        "name": "operator never scraped",
        "series": [series({"__name__": "up", "job": "other", "instance": "10.0.0.1:9090"}, "1x10")],
        "expect": [("3m", "FluxReportOperatorDown", []),
                   ("6m", "FluxReportOperatorDown", [{"job": "flux-report-operator", "severity": "critical"}])],
    },
    {
        # One cluster's target vanishes: the same alert before and after the hour the rule looks back.
        "name": "operator target vanished",
        "series": [series({"__name__": "up", **POD_A}, "1x5 stale")],
        "expect": [("4m", "FluxReportOperatorDown", []),
                   *((t, "FluxReportOperatorDown", [{"job": "flux-report-operator", "severity": "critical"}])
                     for t in ("12m", "70m", "90m"))],
    },
    {
        # A fleet: cluster b's operator down (its leader and standby), then its target gone; a's
        # standby down while its leader is up. Only b, by name.
        "name": "operator down in one cluster of a fleet",
        "series": [
            series({"__name__": "up", **POD_A, "cluster": "a"}, "1x40"),
            series({"__name__": "up", **POD_B, "cluster": "a"}, "0x40"),
            series({"__name__": "up", **POD_A, "cluster": "b"}, "1x5 0x10 stale"),
            series({"__name__": "up", **POD_B, "cluster": "b"}, "1x5 0x10 stale"),
        ],
        "expect": [
            ("4m", "FluxReportOperatorDown", []),
            ("9m", "FluxReportOperatorDown", []),
            *((t, "FluxReportOperatorDown", [{"cluster": "b", "job": "flux-report-operator", "severity": "critical"}])
              for t in ("12m", "30m")),
        ],
    },
]

TEMPLATE = re.compile(r"\{\{\s*\$labels\.(\w+)\s*\}\}")
VALUE = re.compile(r"\{\{\s*\$value\s*\}\}")


def expanded(annotations: dict, labels: dict, value: str = "") -> dict:
    return {k: VALUE.sub(value, TEMPLATE.sub(lambda m: labels.get(m.group(1), ""), v)) for k, v in annotations.items()}


def unit_tests(rules: dict, step: str = "1m") -> dict:
    """A promtool test file for the CASES evaluated every `step`; expected annotations come from the rules' own templates."""
    by_alert = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tests = []
    for case in (c for c in CASES if c.get("step", "1m") == step):
        checks = []
        for when, alert, expected in case["expect"]:
            rule = by_alert[alert]
            exp = []
            for labels in expected:
                labels = dict(labels)
                value = labels.pop("__value__", "")
                assert labels.get("severity") == rule["labels"]["severity"], (alert, labels)
                exp.append({"exp_labels": labels, "exp_annotations": expanded(rule.get("annotations", {}), labels, value)})
            checks.append({"eval_time": when, "alertname": alert, "exp_alerts": exp})
        tests.append({"interval": step, "input_series": case["series"], "alert_rule_test": checks})
    return {"rule_files": ["rules.yaml"], "evaluation_interval": step, "tests": tests}


def write_unit_tests(rules: dict, directory: pathlib.Path) -> list[str]:
    """One promtool test file per evaluation step; their names."""
    names = []
    for step in sorted({c.get("step", "1m") for c in CASES}):
        name = f"alerts-{step}.test.yaml"
        (directory / name).write_text(yaml.safe_dump(unit_tests(rules, step), sort_keys=False))
        names.append(name)
    return names


def groups_of_prometheus_rule(obj: dict) -> dict:
    assert obj["kind"] == "PrometheusRule"
    return {"groups": obj["spec"]["groups"]}


def rule_sources(chart) -> dict[str, dict]:
    rendered = next(o for o in render(chart, {"prometheusRule": {"create": True}}) if o["kind"] == "PrometheusRule")
    config = yaml.safe_load((CONFIG_DIR / "monitoring" / "prometheusrule.yaml").read_text())
    return {
        "chart file": yaml.safe_load(ALERTS_FILE.read_text()),
        "chart rendered": groups_of_prometheus_rule(rendered),
        "config/monitoring": groups_of_prometheus_rule(config),
    }


@pytest.mark.parametrize("source", ["chart file", "chart rendered", "config/monitoring"])
def test_rules_pass_promtool_check(chart, tmp_path, source):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rule_sources(chart)[source], sort_keys=False))
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 10 rules found" in result.stdout


@pytest.mark.parametrize("source", ["chart file", "chart rendered", "config/monitoring"])
def test_alerts_fire_and_stay_quiet(chart, tmp_path, source):
    rules = rule_sources(chart)[source]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    result = promtool("test", "rules", *write_unit_tests(rules, tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unit_tests_can_fail(chart, tmp_path):
    """A rule whose clock resets on a leader change (no aggregation) must fail the reconciler case."""
    rules = copy.deepcopy(rule_sources(chart)["chart file"])
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule["alert"] == "FluxReconcilerFailing":
                rule["expr"] = 'flux_resource_info{ready="False", suspended="False", reason!="DependencyNotReady"} == 1'
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    result = promtool("test", "rules", *write_unit_tests(rules, tmp_path), cwd=tmp_path)
    assert result.returncode != 0
    assert "FluxReconcilerFailing" in result.stdout + result.stderr


def test_seed_rules_pass_promtool_check():
    result = promtool("check", "rules", str(HERE / "promtool" / "seed-rules.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout


def test_seed_rules_fire_on_gotk_compatibility_series():
    result = promtool("test", "rules", "seed-rules.test.yaml", cwd=HERE / "promtool")
    assert result.returncode == 0, result.stdout + result.stderr


def test_seed_expressions_are_the_seed_documents():
    """The seed rules file keeps the documents' expressions verbatim."""
    seeds = pathlib.Path("/work/shared/seeds")
    if not seeds.is_dir():
        pytest.skip("seed documents are not on this machine")
    text = "\n".join(p.read_text() for p in seeds.glob("*.txt"))
    rules = yaml.safe_load((HERE / "promtool" / "seed-rules.yaml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    assert len(exprs) == 4
    for expr in exprs:
        assert expr in text, expr
