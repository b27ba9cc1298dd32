"""One source of truth: config/ mirrors the chart (rules, dashboards, CRD, hardening) and renders; the
FluxReport Swift types and embedded CRD are generated from the CRD."""
from __future__ import annotations

import json

import pytest
import yaml

import fluxreport_swift
from conftest import CHART_DIR, CONFIG_DIR, CRD_FILE, kustomize, one
from sync_generated import expected_files
from test_chart import hardened

FIX = "run: python3 hack/tests/sync_generated.py"


def test_generated_files_are_current():
    for path, text in expected_files().items():
        assert path.exists(), f"{path} is missing; {FIX}"
        assert path.read_text() == text, f"{path} differs from its source; {FIX}"


def test_swift_types_follow_the_crd(monkeypatch):
    root = fluxreport_swift.schema()
    cluster = root["properties"]["spec"]["properties"]["cluster"]
    cluster["properties"]["region"] = {"type": "string", "description": "Region is where the cluster runs."}
    cluster["required"].append("zones")
    cluster["properties"]["zones"] = {"type": "array", "items": {"type": "string"}}
    monkeypatch.setattr(fluxreport_swift, "schema", lambda: root)
    text = fluxreport_swift.expected_files()[fluxreport_swift.API_DIR / "ClusterInfo.swift"]
    assert "    /// Region is where the cluster runs.\n    public var region: String?\n" in text
    assert "    public var zones: [String]\n" in text
    assert "nodes: Int? = nil,\n        region: String? = nil,\n        zones: [String] = []\n    ) {" in text
    # An object needs a Swift type name before it can be generated.
    root["properties"]["spec"]["properties"]["extra"] = {"type": "object", "properties": {"a": {"type": "string"}}}
    with pytest.raises(SystemExit, match="spec.extra"):
        fluxreport_swift.expected_files()


def test_prometheus_rule_groups_equal_the_rules_file():
    config = yaml.safe_load((CONFIG_DIR / "monitoring" / "prometheusrule.yaml").read_text())
    source = yaml.safe_load((CHART_DIR / "files" / "alerts.yaml").read_text())
    assert config["spec"]["groups"] == source["groups"]


def test_config_default_renders():
    objects = kustomize(CONFIG_DIR / "default")
    assert sorted(o["kind"] for o in objects) == sorted([
        "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
        "Deployment", "Service"])
    for obj in objects:
        if obj["kind"] not in ("CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"):
            assert obj["metadata"]["namespace"] == "flux-system", obj["metadata"]
    assert one(objects, "CustomResourceDefinition") == yaml.safe_load(CRD_FILE.read_text()) | {
        "metadata": one(objects, "CustomResourceDefinition")["metadata"]}


def test_config_manager_is_hardened_and_wired():
    deploy = one(kustomize(CONFIG_DIR / "default"), "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    hardened(c["securityContext"], pod["securityContext"])
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"http-metrics": 8080, "healthz": 8081, "http-web": 9080}
    assert "--web-addr=:9080" in c["args"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in c["env"]}
    assert env == {"RUNTIME_NAMESPACE": "metadata.namespace", "POD_NAME": "metadata.name"}
    assert "--enable-leader-election" in c["args"]
    assert c["image"] == "ghcr.io/example/flux-report-operator:0.1.0"
    assert pod["serviceAccountName"] == "flux-report-operator"


def test_config_monitoring_renders():
    objects = kustomize(CONFIG_DIR / "monitoring")
    assert sorted(o["kind"] for o in objects) == ["ConfigMap", "ConfigMap", "PrometheusRule", "ServiceMonitor"]
    for cm in (o for o in objects if o["kind"] == "ConfigMap"):
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        (key, text), = cm["data"].items()
        assert json.loads(text) == json.loads((CHART_DIR / "dashboards" / key).read_text())
    endpoint = one(objects, "ServiceMonitor")["spec"]["endpoints"][0]
    assert endpoint["port"] == "http-metrics" and endpoint["honorLabels"] is True


def test_sample_is_the_flux_report():
    (report,) = kustomize(CONFIG_DIR / "samples")
    assert report["apiVersion"] == "fluxcd.controlplane.io/v1" and report["kind"] == "FluxReport"
    assert report["metadata"]["name"] == "flux" and report["metadata"]["namespace"] == "flux-system"
    annotations = report["metadata"]["annotations"]
    assert {"reconcile.fluxcd.io/requestedAt", "fluxcd.controlplane.io/reconcileEvery", "fluxcd.controlplane.io/reconcile"} <= set(annotations)
    required = yaml.safe_load(CRD_FILE.read_text())["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    for key in required.get("required", []):
        assert key in report["spec"], key
    for key in required["properties"]["distribution"].get("required", []):
        assert key in report["spec"]["distribution"], key
