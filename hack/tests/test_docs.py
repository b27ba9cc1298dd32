"""The docs keep up with the chart: every value, alert and metric is documented."""
from __future__ import annotations

import yaml

from conftest import CHART_DIR, ROOT
from test_dashboards import EXPORTED

INSTALL = (ROOT / "docs" / "install.md").read_text()
MONITORING = (ROOT / "docs" / "monitoring.md").read_text()
# Maps whose keys are free-form (documented as a whole).
OPAQUE = {"resources", "podSecurityContext", "securityContext", "nodeSelector", "affinity"}


def leaves(node, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node and prefix not in OPAQUE:
        return [leaf for key, value in node.items() for leaf in leaves(value, f"{prefix}.{key}" if prefix else key)]
    return [prefix]


def test_every_value_is_in_the_install_table():
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    missing = [key for key in leaves(values) if f"| `{key}` |" not in INSTALL]
    assert missing == []


def test_install_covers_helm_kustomize_upgrade_uninstall():
    for needle in ["helm install flux-report-operator charts/flux-report-operator", "--namespace flux-system",
                   "kubectl apply -k config/default", "## Upgrading", "crds/", "## Uninstalling", "helm uninstall"]:
        assert needle in INSTALL, needle


def test_every_alert_and_metric_is_documented():
    rules = yaml.safe_load((CHART_DIR / "files" / "alerts.yaml").read_text())
    for rule in (r for g in rules["groups"] for r in g["rules"]):
        assert f"`{rule['alert']}`" in MONITORING, rule["alert"]
    histograms = {m.rsplit("_", 1)[0] for m in EXPORTED if m.endswith("_bucket")}
    for metric in EXPORTED - {"up"}:
        base = next((h for h in histograms if metric.startswith(h + "_")), metric)
        assert f"`{base}`" in MONITORING or base in MONITORING, metric
