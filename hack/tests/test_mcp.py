"""The MCP server with a real MCP client (the official Python SDK, `mcp` on PyPI), in both transports:
`flux-report-operator mcp` on stdio and `/mcp` of a running operator started with `--mcp`, against KubeSim
with a fleet that has a known failing chain:

    GitRepository flux-system/platform        failing (authentication required)    root cause, blocks 3
      <- Kustomization flux-system/infra      DependencyNotReady (its source)
        <- Kustomization apps/backend         DependencyNotReady (dependsOn infra)
          <- Kustomization apps/frontend      DependencyNotReady (dependsOn backend)
    HelmRepository apps/bitnami               failing (404)                       root cause, blocks 1
      <- HelmRelease apps/redis               DependencyNotReady (its chart source)
    Kustomization apps/lonely                 failing, blocks nothing

Lists the tools and checks every input schema, calls each tool and asserts the answers, then sends hostile
arguments and malformed JSON-RPC (raw lines on stdin, raw HTTP POSTs) and checks the errors and that the
server still answers. Every wait has a deadline; the module takes well under 3 minutes.
"""
from __future__ import annotations

import http.client
import json
import os
import pathlib
import re
import select
import subprocess
import sys
import tempfile
import time

import jsonschema
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "hack"))
from bench_kube import Client  # noqa: E402
from conftest import Process, deadline_loop, free_port, http_get, start_kubesim, unavailable, wait_for_synced_page  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures" / "flux" / "v2.7.0"
BUILD = pathlib.Path(os.environ.get("MCP_TEST_BUILD", ROOT / ".build" / "debug"))  # the binaries under test
OPERATOR = BUILD / "flux-report-operator"
SECRET_SENTINEL = "s3cr3t-sentinel-never-returned"
EXPECTED_TOOLS = {"get_flux_report", "list_root_causes", "list_flux_objects", "explain_flux_object"}
CONTEXT_TOOLS = {"get_kubeconfig_contexts", "set_kubeconfig_context"}
CHAIN = "Kustomization apps/frontend → Kustomization apps/backend → Kustomization flux-system/infra → GitRepository flux-system/platform"

mcp = pytest.importorskip("mcp", reason="the mcp Python SDK is not installed (hack/setup installs it)")
anyio = pytest.importorskip("anyio")
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402


def condition(status: str, reason: str, message: str) -> dict:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
    return {"conditions": [{"type": "Ready", "status": status, "reason": reason, "message": message,
                            "lastTransitionTime": now, "observedGeneration": 1}], "observedGeneration": 1}


def flux_object(api_version, kind, namespace, name, spec, ready) -> dict:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": namespace, "generation": 1},
            "spec": {"interval": "10m", **spec}, "status": condition(*ready)}


def with_history(helm_release: dict, releases: list[tuple[str, str, int]]) -> dict:
    """A HelmRelease with `status.history` entries (chart version, status, release number), newest first."""
    helm_release["status"]["history"] = [
        {"chartName": "redis", "chartVersion": chart, "status": status, "version": number, "name": "redis", "namespace": "apps",
         "digest": "sha256:" + "d" * 64, "configDigest": "sha256:" + "c" * 64, "firstDeployed": "2026-01-01T00:00:00Z",
         "lastDeployed": f"2026-01-0{number}T00:00:00Z"} for chart, status, number in releases]
    return helm_release


GIT, KS, HELMREPO, HR = ("source.toolkit.fluxcd.io/v1", "kustomize.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1",
                         "helm.toolkit.fluxcd.io/v2")
WAITING = ("False", "DependencyNotReady", "dependency not ready")
CHAIN_FLEET = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}},
    flux_object(GIT, "GitRepository", "flux-system", "platform", {"url": "ssh://git@example.com/platform"},
                ("False", "GitOperationFailed", "failed to checkout and determine revision: authentication required")),
    flux_object(GIT, "GitRepository", "apps", "apps-repo", {"url": "https://example.com/apps"}, ("True", "Succeeded", "stored artifact")),
    flux_object(KS, "Kustomization", "flux-system", "infra", {"sourceRef": {"kind": "GitRepository", "name": "platform"}, "path": "./infra"},
                WAITING),
    flux_object(KS, "Kustomization", "apps", "backend", {"sourceRef": {"kind": "GitRepository", "name": "apps-repo"}, "path": "./backend",
                                                        "dependsOn": [{"name": "infra", "namespace": "flux-system"}]}, WAITING),
    flux_object(KS, "Kustomization", "apps", "frontend", {"sourceRef": {"kind": "GitRepository", "name": "apps-repo"}, "path": "./frontend",
                                                         "dependsOn": [{"name": "backend"}]}, WAITING),
    flux_object(HELMREPO, "HelmRepository", "apps", "bitnami", {"url": "https://charts.example.com"},
                ("False", "Failed", "failed to fetch Helm repository index: 404 Not Found")),
    with_history(flux_object(HR, "HelmRelease", "apps", "redis",
                             {"chart": {"spec": {"chart": "redis", "sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}}}, WAITING),
                 [("18.1.0", "failed", 2), ("18.0.0", "superseded", 1)]),
    flux_object(KS, "Kustomization", "apps", "lonely", {"sourceRef": {"kind": "GitRepository", "name": "apps-repo"}, "path": "./lonely"},
                ("False", "ReconciliationFailed", "kustomize build failed: accumulating resources")),
    flux_object(KS, "Kustomization", "apps", "healthy", {"sourceRef": {"kind": "GitRepository", "name": "apps-repo"}, "path": "./ok"},
                ("True", "ReconciliationSucceeded", "Applied revision: main@sha1:abc")),
    # Read by the report (the entitlement): its content must never reach a tool's answer.
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "flux-operator-entitlement", "namespace": "flux-system"},
     "stringData": {"token": SECRET_SENTINEL}, "data": {"token": "czNjcjN0LXNlbnRpbmVsLW5ldmVyLXJldHVybmVk"}},
]


def start_sim(workdir: pathlib.Path, name: str, fleet: int) -> tuple[Process, pathlib.Path]:
    return start_kubesim(BUILD / "kubesim", workdir, fleet, 3, FIXTURES, seconds=30, name=name, kubeconfig_name=f"{name}.kubeconfig")


class Env:
    """Two simulated clusters (the chain, and a small healthy-ish fleet), one kubeconfig with three
    contexts (`sim`, `other` and `down`: nothing listens there) and an operator serving `/mcp`."""

    def __init__(self, workdir: pathlib.Path):
        self.workdir = workdir
        self.processes: list[Process] = []
        sim, sim_config = start_sim(workdir, "kubesim", 0)
        self.processes.append(sim)
        self.client = Client(str(sim_config), timeout=15)
        code, answer = self.client.request("POST", "/_sim/load", {"apiVersion": "v1", "kind": "List", "items": CHAIN_FLEET})
        assert code == 200, f"/_sim/load: HTTP {code}: {answer}"
        other, other_config = start_sim(workdir, "kubesim-other", 12)
        self.processes.append(other)
        self.kubeconfig = workdir / "kubeconfig"
        self.kubeconfig.write_text(yaml.safe_dump(self.merged(sim_config, other_config)))
        self.web_port = free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.operator = Process("operator", [
            str(OPERATOR), "--kubeconfig", str(self.kubeconfig), "--metrics-addr", f"127.0.0.1:{free_port()}",
            "--health-addr", f"127.0.0.1:{free_port()}", "--web-addr", f"127.0.0.1:{self.web_port}", "--mcp",
            "--reporting-interval", "30s"], workdir)
        self.processes.append(self.operator)
        wait_for_synced_page(self.operator, self.base, 40)

    def merged(self, sim_config: pathlib.Path, other_config: pathlib.Path) -> dict:
        sim, other = yaml.safe_load(sim_config.read_text()), yaml.safe_load(other_config.read_text())
        config = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": [], "current-context": "sim"}
        for name, source in (("sim", sim), ("other", other)):
            config["clusters"].append({"name": name, "cluster": source["clusters"][0]["cluster"]})
            config["users"].append({"name": name, "user": source["users"][0]["user"]})
            config["contexts"].append({"name": name, "context": {"cluster": name, "user": name}})
        config["clusters"].append({"name": "down", "cluster": {"server": f"https://127.0.0.1:{free_port()}",
                                                               "insecure-skip-tls-verify": True}})
        config["users"].append({"name": "down", "user": {"token": "nothing-listens"}})
        config["contexts"].append({"name": "down", "context": {"cluster": "down", "user": "down"}})
        return config

    def stdio(self) -> StdioServerParameters:
        return StdioServerParameters(command=str(OPERATOR), args=["mcp", "--kubeconfig", str(self.kubeconfig)],
                                     env={"PATH": os.environ.get("PATH", ""), "HOME": str(self.workdir)})

    def set_ready(self, api_version, kind, namespace, name, status, reason, message):
        body = {"apiVersion": api_version, "kind": kind, "namespace": namespace, "name": name,
                "status": condition(status, reason, message) | {"conditions": [{
                    "type": "Ready", "status": status, "reason": reason, "message": message, "observedGeneration": 1,
                    "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]}}
        code, answer = self.client.request("POST", "/_sim/status", body)
        assert code == 200, f"/_sim/status: HTTP {code}: {answer}"

    def close(self):
        self.client.close()
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture(scope="module")
def env():
    for binary in ("kubesim", "flux-report-operator"):
        if not (BUILD / binary).exists():
            unavailable(f"{BUILD / binary} is not built (swift build)")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="mcp-test-"))
    started = time.monotonic()
    environment = None
    try:
        environment = Env(workdir)
        yield environment
    finally:
        if environment:
            environment.close()
        print(f"\nmcp test: {time.monotonic() - started:.1f}s; logs in {workdir}")


# MARK: - Clients


def run(body):
    """Runs `async body()` to completion with a deadline."""
    async def bounded():
        with anyio.fail_after(60):
            return await body()
    return anyio.run(bounded)


def stdio_session(env: Env, body):
    async def go():
        async with stdio_client(env.stdio()) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)
    return run(go)


def http_session(env: Env, body):
    async def go():
        async with streamable_http_client(f"{env.base}/mcp") as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)
    return run(go)


SESSIONS = {"stdio": stdio_session, "http": http_session}


def field(obj, camel: str):
    """A model field under the SDK's name for it: snake_case (mcp 2.x) or camelCase (1.x)."""
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


def structured(result) -> dict:
    return field(result, "structuredContent")


def text(result) -> str:
    return "\n".join(part.text for part in result.content if getattr(part, "type", "") == "text")


async def call(session, name: str, arguments: dict | None = None, error: bool = False):
    result = await session.call_tool(name, arguments or {})
    assert bool(field(result, "isError")) == error, f"{name}({arguments}): isError={field(result, 'isError')}: {text(result)[:500]}"
    assert text(result), f"{name}: no text content"
    if not error:
        assert isinstance(structured(result), dict), f"{name}: no structured content"
        # Checked here too, not only by the SDK: it skips a tool it has not seen listed in the session.
        (tool,) = [t for t in (await session.list_tools()).tools if t.name == name]
        schema = field(tool, "outputSchema")
        jsonschema.validators.validator_for(schema)(schema).validate(structured(result))
    assert SECRET_SENTINEL not in text(result) + json.dumps(structured(result)), f"{name} returned the Secret's content"
    return result


# MARK: - Schemas


def check_schema(tool) -> None:
    schema = field(tool, "inputSchema")
    assert schema["type"] == "object" and schema["additionalProperties"] is False, tool.name
    for name, prop in schema.get("properties", {}).items():
        assert prop.get("type") in ("string", "integer"), (tool.name, name)
        assert prop.get("description"), (tool.name, name)
        if prop["type"] == "string":
            assert "enum" in prop or 0 < prop["maxLength"] <= 256, (tool.name, name)
        else:
            assert prop["minimum"] == 1 and prop["maximum"] == 50 and 1 <= prop["default"] <= 50, (tool.name, name)
    for name in schema.get("required", []):
        assert name in schema["properties"], (tool.name, name)
    assert field(tool.annotations, "readOnlyHint") is True and field(tool.annotations, "destructiveHint") is False, tool.name
    output = field(tool, "outputSchema")
    assert output is not None, f"{tool.name}: no output schema"
    jsonschema.validators.validator_for(output).check_schema(output)
    check_closed(output, tool.name)


def check_closed(schema, where: str) -> None:
    """Every object of an output schema lists its fields and allows no others: a renamed field fails."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object":
        assert "properties" in schema and schema.get("additionalProperties") is False, where
    for name, sub in schema.get("properties", {}).items():
        check_closed(sub, f"{where}.{name}")
    check_closed(schema.get("items"), f"{where}[]")


@pytest.mark.parametrize("transport", SESSIONS)
def test_tools_are_listed_with_bounded_schemas(env, transport):
    async def body(session):
        return (await session.list_tools()).tools
    tools = SESSIONS[transport](env, body)
    names = {tool.name for tool in tools}
    assert names == (EXPECTED_TOOLS | CONTEXT_TOOLS if transport == "stdio" else EXPECTED_TOOLS)
    for tool in tools:
        check_schema(tool)
    by_name = {tool.name: field(tool, "inputSchema") for tool in tools}
    assert by_name["list_flux_objects"]["properties"]["status"]["enum"] == ["suspended", "failing", "blocked", "stale", "drifted"]
    assert by_name["explain_flux_object"]["required"] == ["kind", "namespace", "name"]
    assert "required" not in by_name["get_flux_report"] and by_name["get_flux_report"]["properties"] == {}


# MARK: - The acceptance story


@pytest.mark.parametrize("transport", SESSIONS)
def test_what_to_fix_first_in_two_calls(env, transport):
    """'My cluster has failures, what should I fix first?': the ranked root causes, then one object's chain."""
    async def body(session):
        causes = await call(session, "list_root_causes")
        first = structured(causes)["rootCauses"]["items"][0]
        explained = await call(session, "explain_flux_object", {"kind": "Kustomization", "namespace": "apps", "name": "frontend"})
        return causes, first, explained
    causes, first, explained = SESSIONS[transport](env, body)
    assert (first["kind"], first["namespace"], first["name"], first["blocks"]) == ("GitRepository", "flux-system", "platform", 3)
    assert "1. GitRepository flux-system/platform blocks 3" in text(causes)
    assert "2. HelmRepository apps/bitnami blocks 1" in text(causes)
    assert "authentication required" in text(causes)
    assert CHAIN in text(explained)
    paths = structured(explained)["pathsToRootCauses"]["items"]
    assert paths == [["Kustomization/apps/frontend", "Kustomization/apps/backend", "Kustomization/flux-system/infra",
                      "GitRepository/flux-system/platform"]]


# MARK: - Each tool


@pytest.mark.parametrize("transport", SESSIONS)
def test_each_tool_answers_for_the_chain(env, transport):
    async def body(session):
        out = {"report": await call(session, "get_flux_report"),
               "causes": await call(session, "list_root_causes", {"limit": 1})}
        for status in ("failing", "blocked"):
            out[status] = await call(session, "list_flux_objects", {"status": status})
        out["helm"] = await call(session, "list_flux_objects", {"kind": "HelmRelease"})
        out["apps"] = await call(session, "list_flux_objects", {"namespace": "apps", "limit": 2})
        out["text"] = await call(session, "list_flux_objects", {"text": "AUTHENTICATION"})
        out["root"] = await call(session, "explain_flux_object", {"kind": "GitRepository", "namespace": "flux-system", "name": "platform"})
        out["none"] = await call(session, "list_flux_objects", {"kind": "Bucket"})
        out["redis"] = await call(session, "explain_flux_object", {"kind": "HelmRelease", "namespace": "apps", "name": "redis"})
        return out
    out = SESSIONS[transport](env, body)

    report = structured(out["report"])
    assert report["namespace"] == "flux-system"
    assert {"distribution", "reconcilers"} <= set(report["spec"]) and "conditions" in report["status"]
    kustomizations = next(r for r in report["spec"]["reconcilers"] if r["kind"] == "Kustomization")
    assert kustomizations["stats"]["failing"] >= 1
    assert "Kustomization:" in text(out["report"]) and "FluxReport flux-system/flux" in text(out["report"])

    causes = structured(out["causes"])
    assert len(causes["rootCauses"]["items"]) == 1 and causes["rootCauses"]["more"] == 1
    assert causes["counts"]["rootCauses"] == 2 and causes["counts"]["blocked"] == 4
    assert [o["name"] for o in causes["failingAlone"]["items"]] == ["lonely"]
    assert "… and 1 more root causes" in text(out["causes"])

    def names(result):
        return sorted((o["kind"], o["namespace"], o["name"]) for o in structured(result)["items"])
    assert ("GitRepository", "flux-system", "platform") in names(out["failing"])
    assert ("HelmRepository", "apps", "bitnami") in names(out["failing"])
    assert names(out["blocked"]) == [("HelmRelease", "apps", "redis"), ("Kustomization", "apps", "backend"),
                                     ("Kustomization", "apps", "frontend"), ("Kustomization", "flux-system", "infra")]
    assert names(out["helm"]) == [("HelmRelease", "apps", "redis")]
    assert "blocked by HelmRepository apps/bitnami" in text(out["helm"])
    apps = structured(out["apps"])
    assert len(apps["items"]) == 2 and apps["more"] == apps["total"] - 2 and apps["total"] >= 7
    assert "more (narrow the filters" in text(out["apps"])
    assert names(out["text"]) == [("GitRepository", "flux-system", "platform")]
    assert structured(out["none"])["total"] == 0 and "No Flux object matches" in text(out["none"])
    releases = structured(out["redis"])["object"]["releases"]
    assert releases == [{"version": 2, "chartVersion": "18.1.0", "status": "failed", "lastDeployed": "2026-01-02T00:00:00Z"},
                        {"version": 1, "chartVersion": "18.0.0", "status": "superseded", "lastDeployed": "2026-01-01T00:00:00Z"}]
    assert "Releases (newest first): #2 chart 18.1.0 failed 2026-01-02T00:00:00Z; #1 chart 18.0.0 superseded" in text(out["redis"])

    root = structured(out["root"])
    assert root["object"]["blocks"] == 3 and root["object"]["state"] == "failing" and root["object"]["ready"] == "False"
    assert [(d["kind"], d["name"]) for d in root["dependents"]["items"]] == [("Kustomization", "infra")]
    assert "Root cause: 3 blocked objects wait on it." in text(out["root"])


def test_explain_shows_recent_transitions(env):
    """A change seen by the watches is in the object's recent transitions (stdio: the session's own watches)."""
    async def body(session):
        await call(session, "list_root_causes")  # the caches are synced from here on
        env.set_ready(KS, "Kustomization", "apps", "healthy", "False", "HealthCheckFailed", "timeout waiting for Deployment")
        for _ in deadline_loop(20, "the change to reach the session"):
            result = await call(session, "explain_flux_object", {"kind": "Kustomization", "namespace": "apps", "name": "healthy"})
            if structured(result)["recentTransitions"]:
                break
        env.set_ready(KS, "Kustomization", "apps", "healthy", "True", "ReconciliationSucceeded", "Applied revision: main@sha1:def")
        return result
    result = stdio_session(env, body)
    assert structured(result)["recentTransitions"][0]["change"] == "Ready True → False (HealthCheckFailed)"
    assert "Recent transitions (newest first):" in text(result)
    assert "timeout waiting for Deployment" in text(result)


# MARK: - Hostile arguments

HOSTILE = [
    ("list_flux_objects", {"kind": "Nonsense"}, "unknown kind \"Nonsense\""),
    ("list_flux_objects", {"kind": "<script>"}, "invalid kind"),
    ("list_flux_objects", {"limit": 10 ** 9}, "limit must be an integer from 1 to 50"),
    ("list_flux_objects", {"limit": -1}, "limit must be an integer from 1 to 50"),
    ("list_flux_objects", {"limit": "ten"}, "limit must be an integer"),
    ("list_flux_objects", {"limit": 2.5}, "limit must be an integer"),
    ("list_flux_objects", {"status": "on-fire"}, "unknown status"),
    ("list_flux_objects", {"text": "x" * (1 << 20)}, "at most 256 are accepted"),
    ("list_flux_objects", {"namespace": "Not_A_Namespace"}, "invalid namespace"),
    ("list_flux_objects", {"bogus": 1}, "unknown argument \"bogus\""),
    ("list_root_causes", {"limit": 0}, "limit must be an integer from 1 to 50"),
    ("get_flux_report", {"verbose": True}, "this tool takes no arguments"),
    ("explain_flux_object", {"kind": "Kustomization", "namespace": "apps", "name": "a/b"}, "invalid name"),
    ("explain_flux_object", {"kind": "Kustomization", "namespace": "apps", "name": "../../secrets"}, "invalid name"),
    ("explain_flux_object", {"kind": "Kustomization", "namespace": "apps"}, "name is required"),
    ("explain_flux_object", {"kind": "Kustomization", "namespace": "apps", "name": ["x"]}, "name must be a string"),
    ("explain_flux_object", {"kind": "Kustomization", "namespace": "apps", "name": "missing"}, "Kustomization apps/missing not found"),
    ("explain_flux_object", {"kind": "Secret", "namespace": "flux-system", "name": "flux-operator-entitlement"}, "unknown kind \"Secret\""),
]


@pytest.mark.parametrize("transport", SESSIONS)
def test_hostile_arguments_are_tool_errors_and_the_server_goes_on(env, transport):
    async def body(session):
        answers = [(await call(session, name, arguments, error=True), expected) for name, arguments, expected in HOSTILE]
        unknown = None
        try:
            await session.call_tool("delete_everything", {})
        except Exception as e:  # a JSON-RPC error (McpError), not a tool result
            unknown = str(e)
        ping = await session.send_ping()
        after = await call(session, "list_root_causes", {"limit": 1})
        return answers, unknown, ping, after
    answers, unknown, ping, after = SESSIONS[transport](env, body)
    for result, expected in answers:
        assert expected in text(result), (expected, text(result))
        assert len(text(result)) < 600, "an error message quotes at most a short part of the input"
    assert unknown is not None and "unknown tool" in unknown
    assert ping is not None
    assert structured(after)["rootCauses"]["items"][0]["name"] == "platform"


# MARK: - Malformed JSON-RPC


class RawStdio:
    """`flux-report-operator mcp` driven with raw lines: what no SDK would send."""

    def __init__(self, env: Env):
        self.proc = subprocess.Popen([str(OPERATOR), "mcp", "--kubeconfig", str(env.kubeconfig)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(env.workdir / "raw-stdio.log", "wb"))
        self.buffer = b""

    def send(self, raw: bytes):
        self.proc.stdin.write(raw)
        self.proc.stdin.flush()

    def receive(self, seconds: float = 20) -> dict:
        end = time.monotonic() + seconds
        while b"\n" not in self.buffer:
            remaining = end - time.monotonic()
            assert remaining > 0, "no answer on stdout"
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                assert chunk, f"stdout closed (exit {self.proc.poll()})"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


MALFORMED = [
    (b"this is not json\n", -32700, None),
    (b"\xff\xfe\x00garbage\n", -32700, None),
    (b'{"jsonrpc": "2.0", "id": 7, "method": "tools/list"\n', -32700, None),
    (b"[]\n", -32600, None),
    (b"42\n", -32600, None),
    (b'{"id": 8, "method": "tools/list"}\n', -32600, 8),
    (b'{"jsonrpc": "2.0", "id": 9, "method": 5}\n', -32600, 9),
    (b'{"jsonrpc": "2.0", "id": {"x": 1}, "method": "tools/list"}\n', -32600, None),
    (b'{"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": "x"}\n', -32600, 10),
    (b'{"jsonrpc": "2.0", "id": 11, "method": "no/such/method"}\n', -32601, 11),
    (b'{"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": {"arguments": {}}}\n', None, 12),
]


def test_malformed_json_rpc_on_stdio_gets_errors_and_the_server_goes_on(env):
    raw = RawStdio(env)
    try:
        raw.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}).encode() + b"\n")
        assert raw.receive()["result"]["protocolVersion"] == "2025-06-18"
        raw.send(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n')
        for line, code, ident in MALFORMED:
            raw.send(line)
            answer = raw.receive()
            assert "error" in answer, (line, answer)
            if code is not None:
                assert answer["error"]["code"] == code, (line, answer)
            assert answer.get("id") == ident, (line, answer)
        # A line longer than the 4 MiB bound is refused without being buffered whole.
        raw.send(b'{"jsonrpc": "2.0", "id": 13, "method": "tools/list", "params": {"x": "' + b"y" * (5 << 20) + b'"}}\n')
        answer = raw.receive()
        assert answer["error"]["code"] == -32700 and "longer than" in answer["error"]["message"]
        raw.send(json.dumps({"jsonrpc": "2.0", "id": 14, "method": "tools/call",
                             "params": {"name": "list_root_causes", "arguments": {"limit": 1}}}).encode() + b"\n")
        answer = raw.receive(40)
        assert answer["id"] == 14 and answer["result"]["structuredContent"]["rootCauses"]["items"][0]["name"] == "platform"
    finally:
        raw.close()
    assert raw.proc.returncode == 0, "the server ends cleanly when stdin closes"


def post(env: Env, body: bytes, headers: dict | None = None, method: str = "POST"):
    conn = http.client.HTTPConnection("127.0.0.1", env.web_port, timeout=20)
    try:
        base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        conn.request(method, "/mcp", body=body, headers=base | (headers or {}))
        response = conn.getresponse()
        data = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        if not data:
            return response.status, headers, None
        # JSON-RPC answers are JSON; the page's gate refuses with one line of plain text.
        return response.status, headers, (json.loads(data) if "json" in headers.get("content-type", "") else data.decode())
    finally:
        conn.close()


def test_malformed_http_posts_get_errors_and_the_server_goes_on(env):
    for line, code, ident in MALFORMED[:9]:
        status, _, answer = post(env, line)
        assert status == 400, (line, status, answer)
        assert answer["error"]["code"] == code and answer.get("id") == ident, (line, answer)
    status, _, answer = post(env, b'{"jsonrpc": "2.0", "id": 11, "method": "no/such/method"}')
    assert status == 200 and answer["error"]["code"] == -32601 and answer["id"] == 11
    try:
        status, _, _ = post(env, b"{" + b" " * (5 << 20) + b"}")
        assert status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered 413 and closed before the client finished sending
    status, _, _ = post(env, b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}', {"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = post(env, b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}', {"Accept": "text/html"})
    assert status == 406
    status, _, _ = post(env, b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}', {"Origin": "http://evil.example"})
    assert status == 403, "a page of another origin cannot call the tools"
    for method in ("GET", "DELETE"):
        status, headers, _ = post(env, b"", method=method)
        assert status == 405 and headers.get("allow") == "POST"
    # Stateless: a call needs no session, and the server still answers.
    status, _, answer = post(env, json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                              "params": {"name": "list_root_causes", "arguments": {"limit": 1}}}).encode())
    assert status == 200 and answer["result"]["structuredContent"]["rootCauses"]["items"][0]["blocks"] == 3


def test_foreign_host_gets_no_data(env):
    help_text = subprocess.run([str(OPERATOR), "run", "--help"], capture_output=True, text=True, timeout=30).stdout
    if "--web-allowed-hosts" not in help_text:
        pytest.skip("this build has no Host check on the web server (--web-allowed-hosts)")
    status, _, answer = post(env, b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}', {"Host": f"evil.example:{env.web_port}"})
    assert status in (403, 421), (status, answer)
    assert isinstance(answer, str) and "tools" not in answer and "flux" not in answer.lower(), answer


# MARK: - Contexts (stdio)


def test_contexts_switch_clusters_within_a_session(env):
    async def body(session):
        out = {"list": await call(session, "get_kubeconfig_contexts"),
               "sim": await call(session, "list_root_causes")}
        out["unknown"] = await call(session, "set_kubeconfig_context", {"name": "nope"}, error=True)
        out["other"] = await call(session, "set_kubeconfig_context", {"name": "other"})
        out["other-apps"] = await call(session, "list_flux_objects", {"namespace": "apps"})
        out["other-list"] = await call(session, "list_flux_objects", {"limit": 50})
        out["down"] = await call(session, "set_kubeconfig_context", {"name": "down"})
        out["down-causes"] = await call(session, "list_root_causes", error=True)
        out["down-bad"] = await call(session, "list_root_causes", {"limit": 10 ** 9}, error=True)
        out["back"] = await call(session, "set_kubeconfig_context", {"name": "sim"})
        out["sim-again"] = await call(session, "list_root_causes", {"limit": 1})
        out["list-again"] = await call(session, "get_kubeconfig_contexts")
        return out
    out = stdio_session(env, body)
    contexts = structured(out["list"])
    assert [c["name"] for c in contexts["items"]] == ["down", "other", "sim"] and contexts["current"] == "sim"
    assert all(set(c) <= {"name", "cluster", "server", "namespace", "current"} for c in contexts["items"]), "never credentials"
    assert "token" not in text(out["list"]) + json.dumps(contexts)
    assert "unknown context \"nope\"" in text(out["unknown"])
    # The other cluster has no apps namespace objects of the chain: its answers are its own.
    assert structured(out["other-apps"])["total"] == 0
    assert structured(out["other-list"])["total"] > 0
    assert "cannot use https://127.0.0.1:" in text(out["down-causes"]) or "no answer from" in text(out["down-causes"])
    assert "limit must be an integer from 1 to 50" in text(out["down-bad"]), "arguments are checked before the cluster is read"
    assert structured(out["sim-again"])["rootCauses"]["items"][0]["name"] == "platform"
    assert structured(out["list-again"])["current"] == "sim"


def test_mcp_flag_needs_the_web_server(env):
    result = subprocess.run([str(OPERATOR), "--kubeconfig", str(env.kubeconfig), "--mcp", "--web-addr", "0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--mcp" in result.stderr and "--web-addr" in result.stderr
