"""Least-privilege RBAC checks over the rendered chart and config/default (docs/install.md, RBAC)."""
from __future__ import annotations

import pytest
import yaml

from conftest import CONFIG_DIR, FIXTURES, kustomize, render
from test_chart import COMBINATIONS

READ = {"get", "list", "watch"}
WRITE = {"create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate"}

# Cluster-wide: read-only on these (group, resource) pairs and nothing else.
CLUSTER_ALLOWED = {
    ("source.toolkit.fluxcd.io", r) for r in ["gitrepositories", "ocirepositories", "buckets", "helmrepositories", "helmcharts", "externalartifacts"]
} | {
    ("source.extensions.fluxcd.io", "artifactgenerators"),
    ("kustomize.toolkit.fluxcd.io", "kustomizations"),
    ("helm.toolkit.fluxcd.io", "helmreleases"),
    ("notification.toolkit.fluxcd.io", "alerts"), ("notification.toolkit.fluxcd.io", "providers"),
    ("notification.toolkit.fluxcd.io", "receivers"),
    ("image.toolkit.fluxcd.io", "imagerepositories"), ("image.toolkit.fluxcd.io", "imagepolicies"),
    ("image.toolkit.fluxcd.io", "imageupdateautomations"),
    ("fluxcd.controlplane.io", "fluxinstances"), ("fluxcd.controlplane.io", "resourcesets"),
    ("fluxcd.controlplane.io", "resourcesetinputproviders"), ("fluxcd.controlplane.io", "fluxreports"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("", "nodes"),
}

# In the operator's namespace: (group, resource) -> {verb: required resourceNames or None for any}.
LEASE = "flux-report-operator"
ENTITLEMENT = "flux-operator-entitlement"
NAMESPACE_ALLOWED: dict[tuple[str, str], dict[str, tuple[str, ...] | None]] = {
    ("fluxcd.controlplane.io", "fluxreports"): {v: None for v in ["get", "list", "watch", "create", "patch", "update"]},
    ("fluxcd.controlplane.io", "fluxreports/status"): {v: None for v in ["get", "patch", "update"]},
    ("apps", "deployments"): {v: None for v in ["get", "list", "watch"]},
    ("", "events"): {v: None for v in ["create", "patch", "update"]},
    ("events.k8s.io", "events"): {v: None for v in ["create", "patch", "update"]},
    ("coordination.k8s.io", "leases"): {"create": None, "get": (LEASE,), "update": (LEASE,), "patch": (LEASE,)},
    ("", "secrets"): {"get": (ENTITLEMENT,)},
}


def violations(objects: list[dict]) -> list[str]:
    """Every RBAC rule that exceeds the allowed list, as readable messages (empty when fine)."""
    found: list[str] = []
    roles = {(o["kind"], o["metadata"]["name"]) for o in objects if o["kind"] in ("Role", "ClusterRole")}
    for obj in objects:
        kind = obj["kind"]
        if kind in ("ClusterRoleBinding", "RoleBinding"):
            ref = (obj["roleRef"]["kind"], obj["roleRef"]["name"])
            if ref not in roles:
                found.append(f"{kind} {obj['metadata']['name']} binds {ref}, which this install does not define")
            continue
        if kind not in ("Role", "ClusterRole"):
            continue
        if "aggregationRule" in obj:
            found.append(f"{kind} {obj['metadata']['name']} aggregates other roles")
        for rule in obj.get("rules", []):
            where = f"{kind} {obj['metadata']['name']} rule {rule}"
            fields = [*rule.get("apiGroups", []), *rule.get("resources", []), *rule["verbs"], *rule.get("resourceNames", [])]
            if any("*" in f for f in fields):
                found.append(f"wildcard in {where}")
            if rule.get("nonResourceURLs"):
                found.append(f"non-resource URLs in {where}")
            names = tuple(sorted(rule.get("resourceNames", [])))
            for group in rule.get("apiGroups", []):
                for resource in rule.get("resources", []):
                    if resource == "secrets" and {"list", "watch"} & set(rule["verbs"]):
                        found.append(f"secret list/watch in {where}")
                    for verb in rule["verbs"]:
                        if kind == "ClusterRole":
                            if verb not in READ:
                                found.append(f"cluster-scoped {verb} on {group}/{resource} in {where}")
                            elif (group, resource) not in CLUSTER_ALLOWED:
                                found.append(f"cluster-wide read of {group}/{resource} not allowed ({where})")
                            continue
                        allowed = NAMESPACE_ALLOWED.get((group, resource), {})
                        if verb not in allowed:
                            found.append(f"{verb} on {group}/{resource} not allowed ({where})")
                        elif allowed[verb] is not None and names != allowed[verb]:
                            found.append(f"{verb} on {group}/{resource} must be limited to {allowed[verb]} ({where})")
    return found


def rbac(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]


@pytest.mark.parametrize("case", sorted(COMBINATIONS))
def test_chart_rbac_is_least_privilege(chart, case):
    objects = rbac(render(chart, COMBINATIONS[case]))
    assert {o["kind"] for o in objects} == {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
    assert violations(objects) == []


def test_chart_rbac_can_be_disabled(chart):
    assert rbac(render(chart, {"rbac": {"create": False}})) == []


def test_config_rbac_is_least_privilege():
    objects = rbac(kustomize(CONFIG_DIR / "default"))
    assert {o["kind"] for o in objects} == {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
    assert violations(objects) == []
    for binding in objects:
        if binding["kind"].endswith("Binding"):
            assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "flux-report-operator", "namespace": "flux-system"}]


def normalized(objects: list[dict]) -> dict[str, list]:
    return {o["kind"]: sorted(yaml.safe_dump(r, sort_keys=True) for r in o["rules"]) for o in objects if "rules" in o}


def test_chart_and_config_grant_the_same(chart):
    assert normalized(rbac(render(chart))) == normalized(rbac(kustomize(CONFIG_DIR / "default")))


def flux_resources() -> set[tuple[str, str]]:
    found = set()
    for path in FIXTURES.glob("*/*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                found.add((doc["spec"]["group"], doc["spec"]["names"]["plural"]))
    return found


def test_every_flux_kind_of_the_fixtures_is_readable(chart):
    resources = flux_resources()
    if not resources:
        pytest.skip(f"no Flux fixtures under {FIXTURES}")
    cluster_role = next(o for o in render(chart) if o["kind"] == "ClusterRole")
    granted = {(g, r) for rule in cluster_role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
               if READ <= set(rule["verbs"])}
    assert resources - granted == set()
    assert len(resources) >= 14


# The checker itself must catch what it is meant to catch.
BAD_RULES = {
    "wildcard resources": ("ClusterRole", {"apiGroups": ["source.toolkit.fluxcd.io"], "resources": ["*"], "verbs": ["get"]}),
    "wildcard verbs": ("Role", {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}),
    "secret list": ("Role", {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}),
    "secret get any": ("Role", {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}),
    "cluster write": ("ClusterRole", {"apiGroups": ["fluxcd.controlplane.io"], "resources": ["fluxreports"], "verbs": ["patch"]}),
    "cluster pods": ("ClusterRole", {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}),
    "lease update any": ("Role", {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["update"]}),
    "delete reports": ("Role", {"apiGroups": ["fluxcd.controlplane.io"], "resources": ["fluxreports"], "verbs": ["delete"]}),
}


@pytest.mark.parametrize("case", sorted(BAD_RULES))
def test_checker_flags_excess(case):
    kind, rule = BAD_RULES[case]
    assert violations([{"kind": kind, "metadata": {"name": "x"}, "rules": [rule]}]) != []
