#!/usr/bin/env python3
"""Regenerates the copies that keep one source of truth per artefact.

The alert rules live in charts/flux-report-operator/files/alerts.yaml and the Grafana
dashboards in charts/flux-report-operator/dashboards/*.json. Kustomize cannot load files
from outside its directory, so config/monitoring carries generated copies. The FluxReport
CRD lives in config/crd/bases/ and Helm needs a copy in the chart's crds/; the Swift types of the
FluxReport API are generated from it too (fluxreport_swift.py). The packaging tests fail when a
copy drifts. Run:  python3 hack/tests/sync_generated.py
"""
from __future__ import annotations

import pathlib
import shutil
import sys

import fluxreport_swift

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "flux-report-operator"
MONITORING = ROOT / "config" / "monitoring"
CRD = fluxreport_swift.CRD

HEADER = """\
# GENERATED from charts/flux-report-operator/files/alerts.yaml by hack/tests/sync_generated.py.
# Do not edit: change the chart's file and re-run the script.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: flux-report-operator
  namespace: flux-system
  labels:
    app.kubernetes.io/name: flux-report-operator
spec:
"""


def render_prometheus_rule() -> str:
    """The PrometheusRule: the rules file's text, indented under spec, byte for byte."""
    source = (CHART / "files" / "alerts.yaml").read_text()
    body = [line for line in source.splitlines() if not line.startswith("#")]
    return HEADER + "".join(f"  {line}\n" if line else "\n" for line in body)


def expected_files() -> dict[pathlib.Path, str]:
    files = {MONITORING / "prometheusrule.yaml": render_prometheus_rule(),
             CHART / "crds" / CRD.name: CRD.read_text()}
    for dashboard in sorted((CHART / "dashboards").glob("*.json")):
        files[MONITORING / "dashboards" / dashboard.name] = dashboard.read_text()
    return files | fluxreport_swift.expected_files()


def main() -> int:
    (MONITORING / "dashboards").mkdir(parents=True, exist_ok=True)
    (CHART / "crds").mkdir(parents=True, exist_ok=True)
    for path, text in expected_files().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    wanted = {p.name for p in expected_files() if p.parent.name == "dashboards"}
    for stale in (MONITORING / "dashboards").glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
