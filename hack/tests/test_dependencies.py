"""The production binary's dependency closure holds no simulator, TLS server or certificate generation.

Checked twice: in the package graph (`swift package describe`: the flux-report-operator target's
closure of project targets and the products they name), and in the linked binary itself (Swift
symbols of those modules), which also catches what a product pulls in transitively.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import ROOT

# Modules the production binary must not contain.
FORBIDDEN_TARGETS = {"KubeSim"}
FORBIDDEN_PRODUCTS = {"X509", "Crypto", "HummingbirdTLS", "NIOSSL"}
# Mangled-name prefixes of those modules ($s + length + name).
FORBIDDEN_SYMBOLS = [f"$s{len(m)}{m}" for m in ["KubeSim", "X509", "Crypto", "HummingbirdTLS", "NIOSSL"]]


@pytest.fixture(scope="module")
def package():
    if shutil.which("swift") is None:
        pytest.skip("swift is not on PATH")
    out = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=300).stdout
    # SwiftPM may print warnings before the JSON document.
    return json.loads(out[out.index("{"):])


def closure(package, target):
    targets = {t["name"]: t for t in package["targets"]}
    seen, products, stack = set(), set(), [target]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        t = targets[name]
        products.update(t.get("product_dependencies", []))
        stack.extend(t.get("target_dependencies", []))
    return seen, products


def test_operator_closure_has_no_simulator(package):
    targets, products = closure(package, "flux-report-operator")
    assert not targets & FORBIDDEN_TARGETS, f"flux-report-operator depends on {targets & FORBIDDEN_TARGETS}"
    assert not products & FORBIDDEN_PRODUCTS, f"flux-report-operator depends on {products & FORBIDDEN_PRODUCTS}"
    # The check can fail: the demo's closure does hold the simulator.
    demo_targets, demo_products = closure(package, "flux-report-demo")
    assert "KubeSim" in demo_targets and demo_products & FORBIDDEN_PRODUCTS


def built_binary(name):
    for config in ["debug", "release"]:
        path = ROOT / ".build" / config / name
        if path.exists():
            return path
    return None


def test_operator_binary_links_no_simulator():
    operator, demo = built_binary("flux-report-operator"), built_binary("flux-report-demo")
    if operator is None or demo is None or shutil.which("nm") is None:
        pytest.skip("build the products first (swift build), and install binutils for nm")

    def modules(path):
        symbols = subprocess.run(["nm", str(path)], check=True, capture_output=True, text=True).stdout
        return {prefix for prefix in FORBIDDEN_SYMBOLS if prefix in symbols}

    assert modules(operator) == set(), f"{operator} links {modules(operator)}"
    # And the check sees such modules where they are: the demo links the simulator.
    assert "$s7KubeSim" in modules(demo)


def test_runtime_and_fake_need_no_libcurl(package):
    """The client seam (the KubeAPI protocol in KubeCore) keeps the runtime and the in-memory fake
    free of the libcurl client: code against the protocol links no HTTP stack."""
    for target in ["ControllerRuntime", "KubeFake", "FluxReport"]:
        targets, _ = closure(package, target)
        assert not targets & {"KubeClient", "CCurl"}, f"{target} depends on {targets & {'KubeClient', 'CCurl'}}"
    # The check can fail: the operator's closure does hold the libcurl client.
    targets, _ = closure(package, "flux-report-operator")
    assert {"KubeClient", "CCurl"} <= targets
