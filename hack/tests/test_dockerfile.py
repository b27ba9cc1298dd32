"""Static checks of the Dockerfile (no container engine in CI to build it)."""
from __future__ import annotations

import fnmatch
import re

from conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
           if line.strip() and not line.startswith("#")]


def stages() -> list[str]:
    return re.findall(r"^FROM\s+(\S+)", DOCKERFILE, flags=re.M)


def test_multi_stage_swift_builder_and_slim_runtime():
    assert stages() == ["${SWIFT_IMAGE}", "${RUNTIME_IMAGE}"]
    swift = re.search(r"^ARG SWIFT_IMAGE=swift:(\d+)\.(\d+)", DOCKERFILE, flags=re.M)
    assert swift and (int(swift.group(1)), int(swift.group(2))) >= (6, 1)
    assert re.search(r"^ARG RUNTIME_IMAGE=debian:bookworm-slim$", DOCKERFILE, flags=re.M)


def test_release_build_with_static_stdlib():
    assert "swift build -c release --static-swift-stdlib --product flux-report-operator" in DOCKERFILE


def test_runtime_has_libcurl_and_ca_certificates_and_runs_as_nonroot():
    runtime = DOCKERFILE.split("FROM ${RUNTIME_IMAGE}", 1)[1]
    assert "libcurl4 " in runtime and "ca-certificates" in runtime
    assert re.search(r"^USER 65532(:65532)?$", runtime, flags=re.M)
    assert 'ENTRYPOINT ["/usr/local/bin/flux-report-operator"]' in runtime


def test_build_context_keeps_what_the_build_copies():
    for needed in ["Package.swift", "Package.resolved", "Sources/KubeCore/JSONValue.swift", "Tests/KubeCoreTests/x.swift"]:
        excluded = any(fnmatch.fnmatch(needed, pattern) or needed.startswith(pattern.rstrip("/") + "/") for pattern in IGNORED
                       if not pattern.startswith("!"))
        assert not excluded, needed
    assert ".build" in IGNORED and ".git" in IGNORED
