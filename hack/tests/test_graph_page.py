"""The dependency graph views of the status page in a real browser (the `env` of test_status_page: KubeSim,
the operator, headless chromium over CDP; any console error or uncaught exception fails a test).

Loads into the simulator a chain of depth 3 behind a failing source, and a source that 320 objects read:

    GitRepository chain/repo        failing                     root cause, blocks 3
      <- Kustomization chain/k1     DependencyNotReady (its source)
        <- Kustomization chain/k2   DependencyNotReady (dependsOn k1)
          <- Kustomization chain/k3 DependencyNotReady (dependsOn k2)
    GitRepository chain/wide        Ready, read by k2, k3 and 320 Ready Kustomizations (over the graph's cap of 300)
"""
from __future__ import annotations

import json
import time

from conftest import deadline_loop
from test_status_page import env, no_page_errors  # noqa: F401 (the fixtures, shared)

GIT, KS = "source.toolkit.fluxcd.io/v1", "kustomize.toolkit.fluxcd.io/v1"
WAITING = ("False", "DependencyNotReady", "dependency not ready")
FAN_OUT = 320


def flux_object(api_version, kind, name, spec, ready) -> dict:
    status, reason, message = ready
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "chain", "generation": 1},
            "spec": {"interval": "10m", **spec},
            "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": status, "reason": reason, "message": message,
                                                                "lastTransitionTime": now, "observedGeneration": 1}]}}


def chain_fleet() -> list[dict]:
    ready = ("True", "ReconciliationSucceeded", "Applied revision: main@sha1:abc")
    items = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "chain"}},
        flux_object(GIT, "GitRepository", "repo", {"url": "ssh://git@example.com/repo"},
                    ("False", "GitOperationFailed", "failed to checkout: authentication required")),
        flux_object(KS, "Kustomization", "k1", {"sourceRef": {"kind": "GitRepository", "name": "repo"}, "path": "./k1"}, WAITING),
        flux_object(KS, "Kustomization", "k2", {"sourceRef": {"kind": "GitRepository", "name": "wide"}, "path": "./k2",
                                                "dependsOn": [{"name": "k1"}]}, WAITING),
        flux_object(KS, "Kustomization", "k3", {"sourceRef": {"kind": "GitRepository", "name": "wide"}, "path": "./k3",
                                                "dependsOn": [{"name": "k2"}]}, WAITING),
        flux_object(GIT, "GitRepository", "wide", {"url": "https://example.com/wide"}, ("True", "Succeeded", "stored artifact")),
    ]
    items += [flux_object(KS, "Kustomization", f"w{i:03d}", {"sourceRef": {"kind": "GitRepository", "name": "wide"}, "path": "./w"}, ready)
              for i in range(FAN_OUT)]
    return items


def load_chain(cluster):
    if getattr(cluster, "chain_loaded", False):
        return
    code, answer = cluster.client.request("POST", "/_sim/load", {"apiVersion": "v1", "kind": "List", "items": chain_fleet()})
    assert code == 200, f"/_sim/load: HTTP {code}: {answer}"
    for _ in deadline_loop(20, "the chain in the operator's graph", interval=0.1):
        # The whole fleet, not only the chain: the fan-out's objects arrive over the watch too. Every
        # object reading `wide` is drawn at layer 1 or counted in wide's own placeholder; the other
        # placeholders are not added in: one left out of two drawn nodes (k3, which reads wide and
        # depends on k2) is counted under each, and which ones are drawn varies with the order.
        status, graph = cluster.api("/api/v1/graph?kind=Kustomization&namespace=chain&name=k3")
        wide_status, wide = cluster.api("/api/v1/graph?kind=GitRepository&namespace=chain&name=wide")
        if status == 200 and len(graph["nodes"]) >= 5 and wide_status == 200:
            readers = sum(1 for n in wide["nodes"] if n["layer"] == 1)
            readers += sum(m["count"] for m in wide["more"] if m["node"] == 0 and m["layer"] == 1)
            if readers == FAN_OUT + 2:
                break
    cluster.chain_loaded = True


def click_and_wait(browser, selector: str, expected_url: str):
    """Clicks an SVG link (SVG elements have no click()) and waits for the next page's first drawing."""
    browser.evaluate("delete document.body.dataset.refreshed")
    browser.evaluate(f"document.querySelector({json.dumps(selector)}).dispatchEvent(new MouseEvent('click', {{bubbles: true, cancelable: true}}))")
    browser.wait_for(f"location.href === {json.dumps(expected_url)} && !!document.body && !!document.body.dataset.refreshed",
                     15, f"{expected_url} after the click")


def node_texts(browser) -> dict:
    return browser.evaluate("Object.fromEntries([...document.querySelectorAll('.graph-node[data-key]')]"
                            ".map(n => [n.dataset.key, [...n.querySelectorAll('text')].map(t => t.textContent)]))")


def test_graph_api_answers_and_bounds(env):  # noqa: F811
    cluster, _, _ = env
    load_chain(cluster)
    status, graph = cluster.api("/api/v1/graph?kind=Kustomization&namespace=chain&name=k3")
    assert status == 200
    layers = {f"{n['kind']}/{n['namespace']}/{n['name']}": n["layer"] for n in graph["nodes"]}
    assert layers["Kustomization/chain/k3"] == 0 and layers["Kustomization/chain/k2"] == -1
    assert layers["Kustomization/chain/k1"] == -2 and layers["GitRepository/chain/repo"] == -3
    status, wide = cluster.api("/api/v1/graph?kind=GitRepository&namespace=chain&name=wide")
    # 322 dependents (the 320, k2 and k3): 299 drawn beside the source, the rest one placeholder.
    assert status == 200 and len(wide["nodes"]) == 300
    assert {"node": 0, "layer": 1, "count": FAN_OUT + 2 - 299} in wide["more"], wide["more"]
    status, roots = cluster.api("/api/v1/rootcauses")
    repo = next(r for r in roots["rootCauses"]["items"] if r["name"] == "repo" and r["namespace"] == "chain")
    assert repo["blocks"] == 3 and sorted(b["name"] for b in repo["blocked"]["items"]) == ["k1", "k2", "k3"]
    for path, code in [("/api/v1/graph?kind=Kustomization&namespace=chain&name=nope", 404),
                       ("/api/v1/graph?kind=Kustomization&namespace=chain&name=k3&limit=0", 400),
                       ("/api/v1/graph?kind=%3Cscript%3E&name=x", 400), ("/api/v1/rootcauses?limit=x", 400)]:
        status, answer = cluster.api(path)
        assert status == code and isinstance(answer["error"], str), path


def test_graph_shows_the_chain_and_its_links_navigate(env):  # noqa: F811
    cluster, browser, artifacts = env
    load_chain(cluster)
    browser.navigate(cluster.base + "/graph?kind=Kustomization&namespace=chain&name=k3")
    texts = node_texts(browser)
    for key in ["Kustomization/chain/k3", "Kustomization/chain/k2", "Kustomization/chain/k1", "GitRepository/chain/repo"]:
        assert key in texts, (key, list(texts))
    # The state is written in each node, not only coloured.
    assert texts["GitRepository/chain/repo"][1].startswith("failing"), texts["GitRepository/chain/repo"]
    assert texts["Kustomization/chain/k2"][1].startswith("blocked by GitRepository chain/repo"), texts["Kustomization/chain/k2"]
    # The chain reads left to right: the root, then k1, k2, k3.
    xs = browser.evaluate("Object.fromEntries([...document.querySelectorAll('.graph-node[data-key]')]"
                          ".map(n => [n.dataset.key, +n.querySelector('rect').getAttribute('x')]))")
    assert xs["GitRepository/chain/repo"] < xs["Kustomization/chain/k1"] < xs["Kustomization/chain/k2"] < xs["Kustomization/chain/k3"]
    # The framed object is in view however deep its upstream: the box scrolls to it.
    framed_visible = browser.evaluate(
        "(() => { const b = document.querySelector('.graph').getBoundingClientRect();"
        " const r = document.querySelector('.graph-node[data-key=\"Kustomization/chain/k3\"] rect').getBoundingClientRect();"
        " return r.left >= b.left && r.right <= b.right; })()")
    assert framed_visible, "the framed object is outside the graph's box"
    browser.screenshot(artifacts / "graph.png")
    # A node links to its own graph; the framed one (this object) to its page.
    click_and_wait(browser, '.graph-node[data-key="Kustomization/chain/k1"]',
                   cluster.base + "/graph?kind=Kustomization&namespace=chain&name=k1")
    assert "Kustomization/chain/k3" in node_texts(browser)  # downstream now
    click_and_wait(browser, '.graph-node[data-key="Kustomization/chain/k1"]',
                   cluster.base + "/resource?kind=Kustomization&namespace=chain&name=k1")
    assert browser.evaluate("document.getElementById('object-state').textContent").startswith("blocked by GitRepository chain/repo")
    depends = browser.evaluate("[...document.querySelectorAll('section[aria-labelledby=h-dependencies] a')].map(a => a.textContent)")
    assert depends == ["GitRepository chain/repo"], depends
    dependents = browser.evaluate("[...document.querySelectorAll('section[aria-labelledby=h-dependents] a')].map(a => a.textContent)")
    assert dependents == ["Kustomization chain/k2"], dependents


def test_graph_over_the_cap_shows_n_more(env):  # noqa: F811
    cluster, browser, artifacts = env
    load_chain(cluster)
    browser.navigate(cluster.base + "/graph?kind=GitRepository&namespace=chain&name=wide")
    assert browser.evaluate("document.querySelectorAll('.graph-node[data-key]').length") == 300
    more = browser.evaluate("[...document.querySelectorAll('.graph-more')].map(n => n.textContent)")
    assert any(f"{FAN_OUT + 2 - 299} more" in text for text in more), more
    browser.screenshot(artifacts / "graph-capped.png")


def test_cluster_view_names_the_root_cause(env):  # noqa: F811
    cluster, browser, artifacts = env
    load_chain(cluster)
    browser.navigate(cluster.base + "/graph")
    texts = node_texts(browser)
    assert texts["GitRepository/chain/repo"][1].endswith("blocks 3"), texts["GitRepository/chain/repo"]
    for name in ["k1", "k2", "k3"]:
        assert f"Kustomization/chain/{name}" in texts
    browser.screenshot(artifacts / "root-causes.png")
