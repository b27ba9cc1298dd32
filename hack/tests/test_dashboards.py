"""Grafana dashboards: valid JSON and every PromQL query names only metrics the operator exports."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import CHART_DIR

HISTOGRAMS = [
    "controller_runtime_reconcile_time_seconds",
    "workqueue_queue_duration_seconds",
    "workqueue_work_duration_seconds",
]
# What the operator exports (docs/monitoring.md, Metrics reference plus the report gauges), and `up` from Prometheus itself.
EXPORTED = {
    "flux_resource_info", "flux_instance_info", "flux_resourceset_info", "flux_resourcesetinputprovider_info",
    "flux_operator_info", "flux_report_ready", "flux_report_sync_ready", "flux_report_component_ready",
    "flux_report_series_cache_bytes", "flux_report_series_cache_budget_bytes", "flux_report_series_cache_evictions_total",
    "gotk_reconcile_condition", "gotk_suspend_status",
    "flux_resource_last_reconcile_timestamp_seconds", "flux_resource_suspended_since_timestamp_seconds",
    "flux_resource_failing_since_timestamp_seconds", "flux_resource_blocked_since_timestamp_seconds",
    "flux_resource_stale_since_timestamp_seconds", "flux_resource_drifted_since_timestamp_seconds",
    "flux_resource_stale", "flux_resource_drifted", "flux_resource_ready_transitions_total", "flux_resource_ready_transitions",
    "controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total",
    "controller_runtime_max_concurrent_reconciles", "controller_runtime_active_workers",
    "workqueue_depth", "workqueue_adds_total", "workqueue_unfinished_work_seconds",
    "workqueue_longest_running_processor_seconds", "workqueue_retries_total",
    "rest_client_requests_total", "leader_election_master_status",
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
    "process_open_fds", "process_max_fds", "process_start_time_seconds",
    "up",
} | {f"{h}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan", "atan2"}


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (or a Grafana label_values() query)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)          # string literals
    text = re.sub(r"\{[^}]*\}", " ", text)                                        # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)                                       # ranges, subqueries
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)                                      # Grafana variables
    text = re.sub(r"(?<![\w:])\d+(\.\d+)?([eE][-+]?\d+)?", " ", text)              # numbers
    if text.lstrip().startswith("label_values("):
        inner = text.lstrip()[len("label_values("):]
        return {inner.split(",")[0].strip()} if "," in inner else set()
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end():].lstrip()
        if word in KEYWORDS or following.startswith("("):
            continue
        names.add(word)
    return names


def queries(node) -> list[str]:
    """Every target expression and templating query in a dashboard."""
    found: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("expr"), str):
            found.append(node["expr"])
        if node.get("type") == "query" and "definition" in node:
            found.append(node["definition"])
        for value in node.values():
            found.extend(queries(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(queries(value))
    return found


DASHBOARDS = sorted((CHART_DIR / "dashboards").glob("*.json"))


def test_there_are_two_dashboards():
    assert [p.name for p in DASHBOARDS] == ["flux-fleet.json", "flux-report-operator.json"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_valid(path):
    board = json.loads(path.read_text())
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert len(panels) >= 8
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        assert panel["targets"], panel["title"]
        pos = panel["gridPos"]
        assert 0 <= pos["x"] and pos["x"] + pos["w"] <= 24, panel["title"]
    assert any(v["name"] == "datasource" for v in board["templating"]["list"])


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_queries_use_exported_metrics(path):
    exprs = queries(json.loads(path.read_text()))
    assert len(exprs) >= 10
    for expr in exprs:
        names = metric_names(expr)
        assert names, f"no metric in {expr!r}"
        assert names <= EXPORTED, f"{expr!r} uses {names - EXPORTED}"


def test_fleet_dashboard_covers_the_overview():
    exprs = " ".join(queries(json.loads((CHART_DIR / "dashboards" / "flux-fleet.json").read_text())))
    assert "count by (kind, ready) (flux_resource_info" in exprs
    assert 'ready="False"' in exprs and 'suspended="True"' in exprs


def test_operator_dashboard_covers_the_runtime():
    exprs = queries(json.loads((CHART_DIR / "dashboards" / "flux-report-operator.json").read_text()))
    used = set().union(*(metric_names(e) for e in exprs))
    for family in ("controller_runtime_", "workqueue_", "rest_client_", "process_", "leader_election_"):
        assert any(name.startswith(family) for name in used), family


def test_alert_rules_use_exported_metrics():
    rules = yaml.safe_load((CHART_DIR / "files" / "alerts.yaml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert metric_names(rule["expr"]) <= EXPORTED, rule["alert"]


@pytest.mark.parametrize("expr, expected", [
    ('sum by (le) (rate(workqueue_work_duration_seconds_bucket{job=~"$job"}[$__rate_interval]))', {"workqueue_work_duration_seconds_bucket"}),
    ('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))', {"x_bucket"}),
    ('count(flux_resource_info{ready="False"}) or vector(0)', {"flux_resource_info"}),
    ('max(a) by (namespace) + on(namespace) (max(b) by (namespace)) * 2 == 1', {"a", "b"}),
    ('time() - process_start_time_seconds', {"process_start_time_seconds"}),
    ('label_values(flux_resource_info{exported_namespace=~"$namespace"}, kind)', {"flux_resource_info"}),
    ('go_goroutines', {"go_goroutines"}),
])
def test_metric_name_extraction(expr, expected):
    assert metric_names(expr) == expected


def test_unknown_metric_is_caught():
    assert not metric_names("rate(gotk_reconcile_duration_seconds_count[5m])") <= EXPORTED
