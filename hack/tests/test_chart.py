"""Renders and lints the Helm chart over several value combinations and checks the objects."""
from __future__ import annotations

import json

import pytest
import yaml

from conftest import CHART_DIR, CRD_FILE, NAMESPACE, RELEASE, helm, kinds, one, render

MONITORING_ON = {
    "serviceMonitor": {"create": True, "interval": "15s", "scrapeTimeout": "5s", "labels": {"release": "kube-prometheus-stack"}},
    "prometheusRule": {"create": True, "labels": {"release": "kube-prometheus-stack"}},
    "dashboards": {"create": True, "annotations": {"grafana_folder": "Flux"}},
}
SCHEDULING = {
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}]}}},
    "priorityClassName": "system-cluster-critical",
    "imagePullSecrets": [{"name": "regcred"}],
}
EXTRAS = {
    "extraArgs": ["--kube-api-qps=80"],
    "extraEnv": [{"name": "TZ", "value": "UTC"}],
    "metrics": {"objectLabels": ["team", "app.kubernetes.io/name"], "disableGotkMetrics": True, "gotkResourceInfo": True,
                "seriesCacheSize": "16Mi"},
    "eventsAddr": "http://notification-controller.flux-system.svc.cluster.local./",
}
CONVENTIONS = {
    "commonLabels": {"team": "platform", "cost-center": "42"},
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
                                   "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "flux-report-operator"}}}],
    "podDisruptionBudget": {"create": True, "minAvailable": 1},
    "networkPolicy": {"create": True, "metricsFrom": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]},
    "replicas": 2,
}
POD_MONITOR = {"podMonitor": {"create": True, "interval": "15s", "scrapeTimeout": "5s", "labels": {"release": "kube-prometheus-stack"}}}
COMBINATIONS = {
    "defaults": {},
    "conventions": CONVENTIONS,
    "podmonitor": {**POD_MONITOR, **CONVENTIONS},
    "monitoring": MONITORING_ON,
    "replicas-2": {"replicas": 2, "leaderElection": {"enabled": False}},
    "scheduling": SCHEDULING,
    "extras": EXTRAS,
    "everything": {**MONITORING_ON, **SCHEDULING, **EXTRAS, "replicas": 3, "logLevel": "debug", "logEncoding": "console"},
}


def container(objects: list[dict]) -> dict:
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == ["manager"]
    return pod["containers"][0]


@pytest.mark.parametrize("case", sorted(COMBINATIONS))
def test_lint_is_clean(case):
    report = helm().lint(str(CHART_DIR), COMBINATIONS[case], namespace=NAMESPACE, strict=True)
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert problems == [] and report["errors"] == [], report


@pytest.mark.parametrize("case", sorted(COMBINATIONS))
def test_renders_valid_objects(chart, case):
    objects = render(chart, COMBINATIONS[case])
    for obj in objects:
        assert obj["apiVersion"] and obj["kind"] and obj["metadata"]["name"], obj
        if obj["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["metadata"]
    assert {"Deployment", "Service", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"} <= set(kinds(objects))


def test_defaults_render_only_the_operator(chart):
    objects = render(chart)
    assert kinds(objects) == sorted(["ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"])
    assert one(objects, "Deployment")["metadata"]["name"] == RELEASE


def test_chart_metadata(chart):
    meta = chart.metadata
    assert meta["apiVersion"] == "v2"
    assert meta["appVersion"] == "0.1.0"
    assert chart.name == "flux-report-operator"


def test_deployment_probes_ports_env(chart):
    c = container(render(chart))
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http-metrics": 8080, "healthz": 8081, "http-web": 9080}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "healthz"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "healthz"}
    env = {e["name"]: e for e in c["env"]}
    assert env["RUNTIME_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert c["image"] == "ghcr.io/example/flux-report-operator:0.1.0"


def test_status_page_port_and_service(chart):
    objects = render(chart)
    assert "--web-addr=:9080" in container(objects)["args"]
    service_ports = {p["name"]: (p["port"], p["targetPort"]) for p in one(objects, "Service")["spec"]["ports"]}
    assert service_ports == {"http-metrics": (8080, "http-metrics"), "http-web": (9080, "http-web")}
    # Probes stay on the health port whatever the status page does.
    moved = container(render(chart, {"web": {"port": 9999}}))
    assert "--web-addr=:9999" in moved["args"] and {"name": "http-web", "containerPort": 9999, "protocol": "TCP"} in moved["ports"]
    assert moved["readinessProbe"]["httpGet"]["port"] == "healthz"
    off = render(chart, {"web": {"enabled": False}})
    assert "--web-addr=0" in container(off)["args"]
    assert [p["name"] for p in container(off)["ports"]] == ["http-metrics", "healthz"]
    assert [p["name"] for p in one(off, "Service")["spec"]["ports"]] == ["http-metrics"]


def test_status_page_allowed_hosts(chart):
    assert not any(a.startswith("--web-allowed-hosts") for a in container(render(chart))["args"])
    listed = container(render(chart, {"web": {"allowedHosts": ["flux-status.example.com", "*.apps.example.org"]}}))
    assert "--web-allowed-hosts=flux-status.example.com,*.apps.example.org" in listed["args"]
    # The schema refuses what the flag would refuse (a URL, a port), before the pod crash-loops.
    for bad in ("https://flux-status.example.com", "flux-status.example.com:443", "a b"):
        with pytest.raises(Exception):
            render(chart, {"web": {"allowedHosts": [bad]}})


def test_status_page_base_path(chart):
    assert not any(a.startswith("--web-base-path") for a in container(render(chart))["args"])
    assert "--web-base-path=/flux/status" in container(render(chart, {"web": {"basePath": "/flux/status"}}))["args"]
    # The schema refuses what the flag would refuse, before the pod crash-loops.
    for bad in ("flux", "/flux/", "/a/../b", "/..", "/a b", "/a?b", "//a", "/" + "a" * 128):
        with pytest.raises(Exception):
            render(chart, {"web": {"basePath": bad}})


def test_mcp_is_off_by_default_and_needs_the_status_page(chart):
    assert "--mcp" not in container(render(chart))["args"]
    assert "--mcp" in container(render(chart, {"web": {"mcp": True}}))["args"]
    # Without the status page's server there is no /mcp: the flag would be refused at start.
    assert "--mcp" not in container(render(chart, {"web": {"enabled": False, "mcp": True}}))["args"]
    with pytest.raises(Exception):
        chart.validate_schema({"web": {"mcp": "yes"}})


def test_series_cache_size(chart):
    # A string passes as written; a number (0, or bytes) as an integer, not as Go's float rendering.
    for value, arg in [("512Ki", "512Ki"), ("0", "0"), (0, "0"), (67108864, "67108864")]:
        assert f"--metrics-series-cache-size={arg}" in container(render(chart, {"metrics": {"seriesCacheSize": value}}))["args"], value


def test_default_args(chart):
    args = container(render(chart))["args"]
    for expected in ["--reporting-interval=5m", "--log-level=info", "--log-encoding=json",
                     "--metrics-addr=:8080", "--health-addr=:8081", "--kube-api-qps=50", "--kube-api-burst=300",
                     "--enable-leader-election", "--metrics-series-cache-size=64Mi"]:
        assert expected in args, args
    assert not any(a.startswith(("--events-addr", "--metrics-object-labels", "--disable-gotk-metrics", "--metrics-gotk-resource-info"))
                   for a in args)


def hardened(security: dict, pod_security: dict) -> None:
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 65532
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert security["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod_security["runAsNonRoot"] is True
    assert pod_security["seccompProfile"]["type"] == "RuntimeDefault"


def test_security_context_is_hardened(chart):
    objects = render(chart)
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    hardened(container(objects)["securityContext"], pod["securityContext"])
    assert {"name": "tmp", "mountPath": "/tmp"} in container(objects)["volumeMounts"]


def test_values_reach_args(chart):
    objects = render(chart, {**EXTRAS, "reporting": {"interval": "30s"}, "logLevel": "debug", "logEncoding": "console",
                             "kubeAPI": {"qps": 20, "burst": 40}})
    c = container(objects)
    args = c["args"]
    assert "--reporting-interval=30s" in args
    assert "--log-level=debug" in args and "--log-encoding=console" in args
    assert "--kube-api-qps=20" in args and "--kube-api-burst=40" in args
    assert "--metrics-object-labels=team,app.kubernetes.io/name" in args
    assert "--events-addr=http://notification-controller.flux-system.svc.cluster.local./" in args
    assert "--disable-gotk-metrics" in args
    assert "--metrics-gotk-resource-info" in args
    assert "--metrics-series-cache-size=16Mi" in args
    assert args[-1] == "--kube-api-qps=80", "extraArgs come last so they win"
    assert {"name": "TZ", "value": "UTC"} in c["env"]
    assert [e["name"] for e in c["env"]][:2] == ["RUNTIME_NAMESPACE", "POD_NAME"]


def test_leader_election_forced_on_with_replicas(chart):
    objects = render(chart, {"replicas": 2, "leaderElection": {"enabled": False}})
    deploy = one(objects, "Deployment")
    assert deploy["spec"]["replicas"] == 2
    assert "--enable-leader-election" in container(objects)["args"]
    assert "strategy" not in deploy["spec"], "rolling updates are safe with a leader"


def test_single_replica_without_leader_election_recreates(chart):
    objects = render(chart, {"replicas": 1, "leaderElection": {"enabled": False}})
    assert "--enable-leader-election" not in container(objects)["args"]
    assert one(objects, "Deployment")["spec"]["strategy"] == {"type": "Recreate"}


def test_scheduling_values(chart):
    pod = one(render(chart, SCHEDULING), "Deployment")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == SCHEDULING["nodeSelector"]
    assert pod["tolerations"] == SCHEDULING["tolerations"]
    assert pod["affinity"] == SCHEDULING["affinity"]
    assert pod["priorityClassName"] == "system-cluster-critical"
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]


def test_image_tag_and_digest(chart):
    digest = "sha256:" + "a" * 64
    c = container(render(chart, {"image": {"repository": "registry.example.com/fro", "tag": "1.2.3", "digest": digest}}))
    assert c["image"] == f"registry.example.com/fro:1.2.3@{digest}"


def test_scrape_annotations_toggle(chart):
    annotated = one(render(chart), "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotated == {"prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics"}
    plain = one(render(chart, {"metrics": {"podAnnotations": False}}), "Deployment")["spec"]["template"]["metadata"]
    assert "annotations" not in plain


def test_service_selects_the_pods(chart):
    objects = render(chart)
    service = one(objects, "Service")
    pod_labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["ports"] == [{"name": "http-metrics", "port": 8080, "targetPort": "http-metrics", "protocol": "TCP"},
                                        {"name": "http-web", "port": 9080, "targetPort": "http-web", "protocol": "TCP"}]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_service_monitor(chart):
    objects = render(chart, MONITORING_ON)
    sm = one(objects, "ServiceMonitor")
    assert sm["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    endpoint = sm["spec"]["endpoints"][0]
    assert endpoint["port"] == "http-metrics" and endpoint["path"] == "/metrics"
    assert endpoint["interval"] == "15s" and endpoint["scrapeTimeout"] == "5s"
    assert endpoint["honorLabels"] is True
    assert sm["spec"]["selector"]["matchLabels"].items() <= one(objects, "Service")["metadata"]["labels"].items()


def rules_of(objects: list[dict]) -> dict[str, dict]:
    rule = one(objects, "PrometheusRule")
    return {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}


def test_prometheus_rule_defaults(chart):
    objects = render(chart, MONITORING_ON)
    assert one(objects, "PrometheusRule")["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    rules = rules_of(objects)
    assert set(rules) == {"FluxReportNotReady", "FluxSyncFailing", "FluxControllerNotReady", "FluxReconcilerFailing", "FluxReportOperatorDown",
                          "FluxResourceStale", "FluxResourceSuspendedTooLong", "FluxHelmReleaseDrifted", "FluxDependencyRootCause",
                          "FluxResourceFlapping"}
    assert '{{ $labels.namespace }}' in rules["FluxReportNotReady"]["annotations"]["summary"], "alert templates must reach Prometheus verbatim"


def test_prometheus_rule_overrides(chart):
    values = {"prometheusRule": {"create": True, "job": "flux/operator-metrics",
                                 "alerts": {"FluxSyncFailing": {"enabled": False},
                                            "FluxReportNotReady": {"for": "30m", "severity": "info", "labels": {"team": "platform"}},
                                            "FluxReconcilerFailing": {"expr": "vector(1)", "annotations": {"runbook_url": "https://example.com/rb"}}},
                                 "extraRules": [{"alert": "Custom", "expr": "vector(1)", "for": "1m"}]}}
    rules = rules_of(render(chart, values))
    assert "FluxSyncFailing" not in rules
    assert rules["FluxReportNotReady"]["for"] == "30m"
    assert rules["FluxReportNotReady"]["labels"] == {"severity": "info", "team": "platform"}
    assert rules["FluxReconcilerFailing"]["expr"] == "vector(1)"
    assert rules["FluxReconcilerFailing"]["annotations"]["runbook_url"] == "https://example.com/rb"
    assert "summary" in rules["FluxReconcilerFailing"]["annotations"]
    assert 'absent_over_time(up{job="flux/operator-metrics"}[1h])' in rules["FluxReportOperatorDown"]["expr"]
    assert "flux-report-operator" not in rules["FluxReportOperatorDown"]["expr"]
    assert rules["Custom"]["expr"] == "vector(1)"


def test_operator_down_uses_service_name_as_job(chart):
    rules = rules_of(render(chart, {"prometheusRule": {"create": True}}, name="fro"))
    service = one(render(chart, name="fro"), "Service")["metadata"]["name"]
    assert service == "fro-flux-report-operator"
    expr = rules["FluxReportOperatorDown"]["expr"]
    assert expr.count(f'up{{job="{service}"}}') == 3 and 'job="flux-report-operator"' not in expr


def test_dashboards_config_maps(chart):
    maps = [o for o in render(chart, MONITORING_ON) if o["kind"] == "ConfigMap"]
    files = sorted(p.name for p in (CHART_DIR / "dashboards").glob("*.json"))
    assert len(maps) == len(files) == 2
    for cm in maps:
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["metadata"]["annotations"] == {"grafana_folder": "Flux"}
        (key, text), = cm["data"].items()
        assert json.loads(text) == json.loads((CHART_DIR / "dashboards" / key).read_text())


def test_dashboards_namespace_override(chart):
    maps = [o for o in render(chart, {"dashboards": {"create": True, "namespace": "monitoring"}}) if o["kind"] == "ConfigMap"]
    assert maps and all(cm["metadata"]["namespace"] == "monitoring" for cm in maps)


def test_service_account_optional(chart):
    objects = render(chart, {"serviceAccount": {"create": False, "name": "existing"}})
    assert "ServiceAccount" not in kinds(objects)
    assert one(objects, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "existing"
    assert one(objects, "RoleBinding")["subjects"][0]["name"] == "existing"


BAD_VALUES = {
    "log level": {"logLevel": "verbose"},
    "log encoding": {"logEncoding": "text"},
    "negative replicas": {"replicas": -1},
    "unknown key": {"replica": 2},
    "interval": {"reporting": {"interval": "five minutes"}},
    "pull policy": {"image": {"pullPolicy": "Sometimes"}},
    "digest": {"image": {"digest": "latest"}},
    "object label": {"metrics": {"objectLabels": ["bad label!"]}},
    "events addr": {"eventsAddr": "notification-controller:80"},
    "service monitor key": {"serviceMonitor": {"create": True, "intervall": "30s"}},
    "alert for": {"prometheusRule": {"alerts": {"FluxSyncFailing": {"for": "soon"}}}},
    "extra args type": {"extraArgs": "--foo"},
    "series cache size unit": {"metrics": {"seriesCacheSize": "64MB"}},
    "series cache size negative": {"metrics": {"seriesCacheSize": -1}},
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_schema_rejects_bad_values(chart, case):
    h = helm()
    with pytest.raises(h.HelmValuesError):
        chart.render(BAD_VALUES[case], name=RELEASE, namespace=NAMESPACE)


def test_schema_accepts_defaults(chart):
    chart.validate_schema({})
    chart.validate_schema(COMBINATIONS["everything"])


def test_chart_crd_is_the_config_crd(chart):
    assert [c["filename"].split("/crds/")[-1] for c in chart.crds] == [CRD_FILE.name]
    assert (CHART_DIR / "crds" / CRD_FILE.name).read_text() == CRD_FILE.read_text(), \
        "the chart's crds/ copy is stale; run: python3 hack/tests/sync_generated.py"
    crd = yaml.safe_load(CRD_FILE.read_text())
    assert crd["spec"]["names"]["plural"] == "fluxreports"


def test_common_labels_on_every_object(chart):
    objects = render(chart, {**MONITORING_ON, **CONVENTIONS})
    assert len(objects) >= 10
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        assert labels.get("team") == "platform" and labels.get("cost-center") == "42", (obj["kind"], labels)
    pod = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert pod["team"] == "platform"
    # Selectors never carry them (a label change would orphan the pods).
    assert "team" not in one(objects, "Deployment")["spec"]["selector"]["matchLabels"]


def test_topology_spread_constraints(chart):
    pod = one(render(chart, CONVENTIONS), "Deployment")["spec"]["template"]["spec"]
    assert pod["topologySpreadConstraints"] == CONVENTIONS["topologySpreadConstraints"]
    assert "topologySpreadConstraints" not in one(render(chart), "Deployment")["spec"]["template"]["spec"]


def test_pod_monitor_scrapes_the_metrics_port(chart):
    objects = render(chart, POD_MONITOR)
    assert "ServiceMonitor" not in kinds(objects)
    pm = one(objects, "PodMonitor")
    assert pm["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    endpoint = pm["spec"]["podMetricsEndpoints"][0]
    assert endpoint == {"port": "http-metrics", "path": "/metrics", "interval": "15s", "scrapeTimeout": "5s", "honorLabels": True}
    assert any(p["name"] == "http-metrics" and p["containerPort"] == 8080 for p in container(objects)["ports"])
    pod_labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert pm["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pm["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}


def test_pod_monitor_and_service_monitor_are_exclusive(chart):
    with pytest.raises(Exception, match="scrape the same pods twice"):
        render(chart, {**POD_MONITOR, "serviceMonitor": {"create": True}})


def test_network_policy_admits_only_what_the_operator_serves(chart):
    assert "NetworkPolicy" not in kinds(render(chart))
    objects = render(chart, CONVENTIONS)
    policy = one(objects, "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress"], "egress (API server, events) stays open"
    pod_labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    metrics, web = policy["spec"]["ingress"]
    assert metrics == {"ports": [{"port": "http-metrics", "protocol": "TCP"}], "from": CONVENTIONS["networkPolicy"]["metricsFrom"]}
    assert web == {"ports": [{"port": "http-web", "protocol": "TCP"}]}, "the status page: every source unless webFrom is set"
    named = {p["name"] for p in container(objects)["ports"]}
    assert {"http-metrics", "http-web"} <= named
    no_web = one(render(chart, {**CONVENTIONS, "web": {"enabled": False}}), "NetworkPolicy")
    assert [r["ports"][0]["port"] for r in no_web["spec"]["ingress"]] == ["http-metrics"]


def test_pod_disruption_budget_is_opt_in(chart):
    assert "PodDisruptionBudget" not in kinds(render(chart))
    objects = render(chart, CONVENTIONS)
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    pod_labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
